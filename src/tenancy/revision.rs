//! Per-tenant revision counters. A write that changes what an in-memory index holds raises its area's counter in
//! the same transaction; every process compares the counter with the revision its index was built at, so all
//! processes of a deployment see the change on their next read.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DbErr, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::entity::revision;
use crate::db::TenantTx;

/// Shops, therapists and service items: the nearest-shop and text-search indexes.
pub const STOREFRONT: &str = "storefront";

pub async fn bump(tx: &TenantTx, area: &str) -> Result<(), DbErr> {
    let updated = tx
        .exec_update(tx.update_many::<revision::Entity>().map(|q| {
            q.col_expr(revision::Column::Value, Expr::col(revision::Column::Value).add(1))
                .filter(revision::Column::Area.eq(area))
        }))
        .await?;
    if updated == 0 {
        tx.insert(revision::ActiveModel {
            tenant_id: Set(tx.tenant().0),
            id: Set(Uuid::now_v7()),
            area: Set(area.to_owned()),
            value: Set(1),
        })
        .await?;
    }
    Ok(())
}

pub async fn current(tx: &TenantTx, area: &str) -> Result<i64, DbErr> {
    Ok(tx
        .one(tx.select::<revision::Entity>().map(|q| q.filter(revision::Column::Area.eq(area))))
        .await?
        .map_or(0, |r| r.value))
}

/// Creates a new tenant's counters, so that later writes only ever update them.
pub async fn create_all(tx: &TenantTx) -> Result<(), DbErr> {
    for area in [STOREFRONT] {
        tx.insert(revision::ActiveModel {
            tenant_id: Set(tx.tenant().0),
            id: Set(Uuid::now_v7()),
            area: Set(area.to_owned()),
            value: Set(0),
        })
        .await?;
    }
    Ok(())
}

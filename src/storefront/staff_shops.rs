//! The storefront answers identity's question which shops a staff account may name.

use sea_orm::{ColumnTrait, DbErr, QueryFilter};
use uuid::Uuid;

use super::entity::shop;
use crate::{db::TenantTx, identity::service::ShopDirectory};

/// Shops of the tenant, in any status.
pub struct StaffShops;

#[async_trait::async_trait]
impl ShopDirectory for StaffShops {
    async fn existing(&self, tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Uuid>, DbErr> {
        let ids = ids.to_vec();
        tx.tuples::<shop::Entity, Uuid>(tx.select().map(|q| q.filter(shop::Column::Id.is_in(ids))), [shop::Column::Id])
            .await
    }
}

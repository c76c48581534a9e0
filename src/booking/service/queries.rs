//! Reading orders: who may see which, one order, and a consumer's or a shop's list.

use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{EXPIRED, PENDING_PAYMENT};
use crate::{
    booking::entity::order,
    db::TenantTx,
    error::{AppError, AppResult},
    kernel::{Principal, StaffRole, TenantId},
    state::AppState,
};

/// May this caller see this order? Its consumer; the tenant's admin; staff of its shop.
pub fn may_see(who: &Principal, o: &order::Model) -> bool {
    match who {
        Principal::Consumer { id, .. } => o.consumer_id == Some(*id),
        Principal::ApiKey { .. } | Principal::Staff { role: StaffRole::TenantAdmin, .. } => true,
        Principal::Staff { role: StaffRole::ShopManager | StaffRole::ShopStaff, shop_ids, .. } => {
            shop_ids.contains(&o.shop_id)
        }
        _ => false,
    }
}

pub(super) fn is_shop_staff(who: &Principal, o: &order::Model) -> bool {
    !matches!(who, Principal::Consumer { .. }) && may_see(who, o)
}

/// The order, in the caller's transaction, if the caller may see it.
pub async fn get_order_in(tx: &TenantTx, who: &Principal, id: Uuid) -> AppResult<order::Model> {
    load(tx, who, id).await
}

async fn load(tx: &TenantTx, who: &Principal, id: Uuid) -> AppResult<order::Model> {
    tx.get::<order::Entity>(id).await?.filter(|o| may_see(who, o)).ok_or(AppError::NotFound("order"))
}

/// `load`, locking the order for the rest of the transaction: for moves computed from what was read.
pub(super) async fn load_for_update(tx: &TenantTx, who: &Principal, id: Uuid) -> AppResult<order::Model> {
    tx.get_for_update::<order::Entity>(id).await?.filter(|o| may_see(who, o)).ok_or(AppError::NotFound("order"))
}

pub async fn get_order(state: &AppState, who: &Principal, tenant: TenantId, id: Uuid) -> AppResult<order::Model> {
    let tx = state.db.read(tenant).await?;
    let o = load(&tx, who, id).await?;
    tx.commit().await?;
    Ok(o)
}

/// Orders newest first, after a cursor, optionally of one status: a consumer's own, or a shop's.
pub async fn list_orders(
    state: &AppState,
    tenant: TenantId,
    filter: impl FnOnce(sea_orm::Select<order::Entity>) -> sea_orm::Select<order::Entity>,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<order::Model>> {
    let now = state.now();
    let tx = state.db.read(tenant).await?;
    let rows = tx
        .all(tx.select::<order::Entity>().map(|q| {
            let mut q = filter(q).order_by_desc(order::Column::Id).limit(limit);
            if let Some(b) = before {
                q = q.filter(order::Column::Id.lt(b));
            }
            match status {
                Some(EXPIRED) => q.filter(
                    Condition::any().add(order::Column::Status.eq(EXPIRED)).add(
                        Condition::all()
                            .add(order::Column::Status.eq(PENDING_PAYMENT))
                            .add(order::Column::ExpiresAt.lte(now)),
                    ),
                ),
                Some(PENDING_PAYMENT) => {
                    q.filter(order::Column::Status.eq(PENDING_PAYMENT)).filter(order::Column::ExpiresAt.gt(now))
                }
                Some(s) => q.filter(order::Column::Status.eq(s)),
                None => q,
            }
        }))
        .await?;
    tx.commit().await?;
    Ok(rows)
}

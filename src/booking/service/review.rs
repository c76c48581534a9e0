//! Reviews: the consumer of a completed order, once, 1–5 with text; the shop's staff may reply once.

use sea_orm::{ActiveValue::Set, IntoActiveModel};
use uuid::Uuid;

use super::{self as booking, COMPLETED};
use crate::{
    booking::entity::{order, review},
    error::{AppError, AppResult, unique_or},
    kernel::Principal,
    kernel::Shape,
    kernel::TenantId,
    state::AppState,
    storefront::service as storefront,
};

pub async fn review(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    order_id: Uuid,
    rating: i32,
    text: &str,
) -> AppResult<review::Model> {
    let Principal::Consumer { id: consumer, .. } = who else { return Err(AppError::Forbidden) };
    if !(1..=5).contains(&rating) {
        return Err(AppError::invalid_field("rating", "rating must be 1 to 5"));
    }
    let text = Shape::paragraph(1000).or_empty().parse("text", text)?;
    let tx = state.db.begin(tenant).await?;
    let o: order::Model = booking::get_order_in(&tx, who, order_id).await?;
    if o.status != COMPLETED {
        return Err(AppError::conflict_because("ORDER_NOT_COMPLETED", "only a completed order can be reviewed"));
    }
    let row = review::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(Uuid::now_v7()),
        order_id: Set(o.id),
        consumer_id: Set(*consumer),
        shop_id: Set(o.shop_id),
        rating: Set(rating as i16),
        text: Set(text.into_string()),
        reply: Set(None),
        replied_at: Set(None),
        created_at: Set(state.now()),
    };
    let saved = tx.insert(row).await.map_err(|e| {
        unique_or(e, "ux_reviews_order", || {
            AppError::conflict_because("ALREADY_REVIEWED", "this order has been reviewed")
        })
    })?;
    storefront::add_rating(&tx, o.shop_id, rating).await?;
    tx.commit().await?;
    Ok(saved)
}

pub async fn reply(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    review_id: Uuid,
    text: &str,
) -> AppResult<review::Model> {
    if matches!(who, Principal::Consumer { .. }) {
        return Err(AppError::Forbidden);
    }
    let text = Shape::paragraph(1000).parse("text", text)?;
    let tx = state.db.begin(tenant).await?;
    let r = tx.get_for_update::<review::Entity>(review_id).await?.ok_or(AppError::NotFound("review"))?;
    booking::get_order_in(&tx, who, r.order_id).await.map_err(|_| AppError::NotFound("review"))?;
    if r.reply.is_some() {
        return Err(AppError::conflict_because("ALREADY_REPLIED", "this review has a reply"));
    }
    let mut row = r.into_active_model();
    row.reply = Set(Some(text.into_string()));
    row.replied_at = Set(Some(state.now()));
    let saved = tx.update(row).await?;
    tx.commit().await?;
    Ok(saved)
}

pub async fn of_order(state: &AppState, tenant: TenantId, order_id: Uuid) -> AppResult<Option<review::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let tx = state.db.read(tenant).await?;
    let r = tx.one(tx.select::<review::Entity>().map(|q| q.filter(review::Column::OrderId.eq(order_id)))).await?;
    tx.commit().await?;
    Ok(r)
}

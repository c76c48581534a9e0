//! Booking a slot: an order awaiting payment and the claims on its therapist's cells.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::{
    PENDING_PAYMENT,
    lifecycle::expire_orders,
    offer::{Offer, offer, within_horizon},
};
use crate::{
    booking::{
        availability::{Day, Held, cells},
        claims,
        entity::{order, slot_claim},
        rules::RefundPolicy,
    },
    db::TenantTx,
    error::{AppError, AppResult, unique_or},
    kernel::{Area, TenantInfo},
    state::AppState,
    storefront::service::View,
};

/// The candidates' claims on cells around `date` (a day's margin each side): the cells they hold, and the
/// lapsed claims (unpaid orders past their window, not yet swept), which a booking releases.
async fn claims_near(
    tx: &TenantTx,
    offer: &Offer,
    tenant: &TenantInfo,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<(Held, Vec<slot_claim::Model>)> {
    let ids: Vec<Uuid> = offer.candidates.iter().map(|c| c.therapist_id).collect();
    let window = claims::window_of(tenant, date, now);
    let rows = tx
        .all(
            tx.select::<slot_claim::Entity>()
                .map(|q| claims::within(q.filter(slot_claim::Column::TherapistId.is_in(ids)), window)),
        )
        .await?;
    let (held, lapsed): (Vec<_>, Vec<_>) = rows.into_iter().partition(|c| claims::holds(c, now));
    Ok((held.into_iter().map(|c| (c.therapist_id, c.cell_start)).collect(), lapsed))
}

/// Books a slot for a consumer: an order `PENDING_PAYMENT` with the list price, holding the therapist's cells
/// until paid or expired. Two bookings of overlapping time for one therapist cannot both succeed: the second's
/// claim violates the unique key (`CONFLICT`).
pub async fn create_booking(
    state: &AppState,
    tenant: &TenantInfo,
    consumer: Uuid,
    shop_id: Uuid,
    service_id: Uuid,
    therapist: Option<Uuid>,
    start: DateTime<Utc>,
) -> AppResult<order::Model> {
    let offer = offer(state, tenant, &View::Public, shop_id, service_id, therapist).await?;
    let now = state.now();
    let date = start.with_timezone(&tenant.time_zone).date_naive();
    if !within_horizon(&offer.rules, tenant, date, now) {
        return Err(AppError::invalid_field(
            "input.start",
            "start is not a bookable time of this service (opening hours, grid, lead time, horizon)",
        ));
    }
    let day = |held: &Held| {
        Day {
            rules: &offer.rules,
            tz: tenant.time_zone,
            date,
            now,
            duration_minutes: offer.service.duration_minutes.into(),
            closed_dates: &offer.shop.closed,
            claimed: held,
        }
        .slots(&offer.candidates)
    };
    if !day(&Held::default()).iter().any(|s| s.start == start) {
        return Err(AppError::invalid_field(
            "input.start",
            "start is not a bookable time of this service (opening hours, grid, lead time, horizon)",
        ));
    }
    let tx = state.db.begin(tenant.id).await?;
    // The candidates' claims around the date: those that hold, and those lapsed but not yet swept.
    let (held, lapsed) = claims_near(&tx, &offer, tenant, date, now).await?;
    let slot = day(&held).into_iter().find(|s| s.start == start).ok_or_else(slot_taken)?;
    let end = slot.end;
    let hold_until = end + Duration::minutes(offer.rules.buffer_minutes);
    let cells = cells(start, hold_until, offer.rules.slot_minutes);
    // Cells still taken by lapsed claims of unpaid orders are released first.
    let stale: HashSet<Uuid> = lapsed
        .iter()
        .filter(|c| c.therapist_id == slot.therapist_id && cells.contains(&c.cell_start))
        .map(|c| c.order_id)
        .collect();
    expire_orders(&tx, &stale.into_iter().collect::<Vec<_>>(), now).await?;
    let expires_at = now + Duration::minutes(offer.rules.payment_minutes);
    let snapshot = order::PriceSnapshot {
        service_name: offer.service.name.clone(),
        list_price_fen: offer.service.price_fen,
        duration_minutes: offer.service.duration_minutes,
        discounts: vec![],
    };
    let model = tx
        .insert(order::ActiveModel {
            tenant_id: Set(tenant.id.0),
            id: Set(Uuid::now_v7()),
            consumer_id: Set(consumer),
            shop_id: Set(offer.shop.model.id),
            service_item_id: Set(offer.service.id),
            therapist_id: Set(slot.therapist_id),
            start_at: Set(start),
            end_at: Set(end),
            status: Set(PENDING_PAYMENT.into()),
            amount_fen: Set(offer.service.price_fen),
            paid_fen: Set(0),
            refunded_fen: Set(0),
            price_snapshot: Set(snapshot),
            refund_policy: Set(RefundPolicy::from(&offer.rules)),
            expires_at: Set(expires_at),
            cancel_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let claims = cells.iter().map(|&cell| slot_claim::ActiveModel {
        tenant_id: Set(tenant.id.0),
        id: Set(Uuid::now_v7()),
        therapist_id: Set(slot.therapist_id),
        cell_start: Set(cell),
        order_id: Set(model.id),
        expires_at: Set(Some(expires_at)),
    });
    tx.insert_many(claims.collect()).await.map_err(|e| unique_or(e, "ux_slot_claims_cell", slot_taken))?;
    let generation = tx.bump_generation(Area::Booking).await?;
    let hold = claims::Hold { order: model.id, lapses: Some(expires_at) };
    claims::of(state).booked(tx.commit(), tenant.id, generation, slot.therapist_id, &cells, hold).await?;
    Ok(model)
}

/// The time asked for was taken by another booking since it was offered.
fn slot_taken() -> AppError {
    AppError::conflict_because("SLOT_TAKEN", "this time has just been booked")
}

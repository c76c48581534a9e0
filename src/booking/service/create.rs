//! Booking a slot: by a consumer, an order awaiting payment; by staff for a customer, an order confirmed at once;
//! either way with the claims on its therapist's cells.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::{
    CONFIRMED, PENDING_PAYMENT,
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
    db::{TenantTx, audit_scope},
    error::{AppError, AppResult, unique_or},
    infra::phone::PhoneNumber,
    kernel::{Area, Principal, TenantInfo, Text},
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

/// Who a booking is for, which decides how the order starts.
pub enum Booker {
    /// A consumer books for themselves: the order awaits payment and holds its slot until paid or expired.
    Consumer(Uuid),
    /// Staff book for a customer on the phone or at the counter: confirmed at once, paid at the shop.
    Counter(Customer),
}

/// The customer of a booking staff took, and how it was taken.
pub struct Customer {
    pub channel: Channel,
    pub name: Text,
    pub phone: PhoneNumber,
}

/// How a booking was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Wechat,
    Phone,
    WalkIn,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Wechat => "WECHAT",
            Channel::Phone => "PHONE",
            Channel::WalkIn => "WALK_IN",
        }
    }

    /// A stored channel this build does not know is an internal error, never a default.
    pub fn parse(s: &str) -> AppResult<Channel> {
        Ok(match s {
            "WECHAT" => Channel::Wechat,
            "PHONE" => Channel::Phone,
            "WALK_IN" => Channel::WalkIn,
            _ => return Err(AppError::internal(anyhow::anyhow!("unknown stored order channel"))),
        })
    }
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
    let what = Wanted { shop_id, service_id, therapist, start };
    book(state, tenant, &View::Public, what, Booker::Consumer(consumer)).await
}

/// Books a slot for a customer of the shop, as its staff (or the tenant's administrator): an order `CONFIRMED`
/// with nothing paid (the customer pays at the shop), by the same rules and claims as a consumer's booking.
/// Staff book only in their own shops; another shop is `NOT_FOUND`, like a missing one.
pub async fn create_counter_booking(
    state: &AppState,
    who: &Principal,
    tenant: &TenantInfo,
    what: Wanted,
    customer: Customer,
) -> AppResult<order::Model> {
    book(state, tenant, &View::of(who), what, Booker::Counter(customer)).await
}

/// The slot a booking asks for.
pub struct Wanted {
    pub shop_id: Uuid,
    pub service_id: Uuid,
    /// A therapist, or none for whoever is free.
    pub therapist: Option<Uuid>,
    pub start: DateTime<Utc>,
}

async fn book(
    state: &AppState,
    tenant: &TenantInfo,
    view: &View,
    Wanted { shop_id, service_id, therapist, start }: Wanted,
    booker: Booker,
) -> AppResult<order::Model> {
    let offer = offer(state, tenant, view, shop_id, service_id, therapist).await?;
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
    // A consumer's order holds its cells until its payment window ends; a counter booking holds them for good.
    let (expires_at, lapses) = match &booker {
        Booker::Consumer(_) => {
            let at = now + Duration::minutes(offer.rules.payment_minutes);
            (at, Some(at))
        }
        Booker::Counter(_) => (now, None),
    };
    let (consumer_id, status, channel, name, phone_enc, phone_hash) = match &booker {
        Booker::Consumer(id) => (Some(*id), PENDING_PAYMENT, Channel::Wechat, None, None, None),
        Booker::Counter(c) => (
            None,
            CONFIRMED,
            c.channel,
            Some(c.name.as_str().to_owned()),
            Some(state.keys.encrypt(c.phone.as_str())),
            Some(state.keys.lookup_hash("phone", c.phone.as_str())),
        ),
    };
    let snapshot = order::PriceSnapshot {
        service_name: offer.service.name.clone(),
        list_price_fen: offer.service.price_fen,
        duration_minutes: offer.service.duration_minutes,
        discounts: vec![],
    };
    let model = tx
        .insert(order::ActiveModel {
            tenant_id: Set(tenant.id.0),
            id: Set(audit_scope::new_target()),
            consumer_id: Set(consumer_id),
            shop_id: Set(offer.shop.model.id),
            service_item_id: Set(offer.service.id),
            therapist_id: Set(slot.therapist_id),
            start_at: Set(start),
            end_at: Set(end),
            status: Set(status.into()),
            amount_fen: Set(offer.service.price_fen),
            paid_fen: Set(0),
            refunded_fen: Set(0),
            price_snapshot: Set(snapshot),
            refund_policy: Set(RefundPolicy::from(&offer.rules)),
            expires_at: Set(expires_at),
            cancel_reason: Set(None),
            channel: Set(channel.as_str().into()),
            customer_name: Set(name),
            customer_phone_enc: Set(phone_enc),
            customer_phone_hash: Set(phone_hash),
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
        expires_at: Set(lapses),
    });
    tx.insert_many(claims.collect()).await.map_err(|e| unique_or(e, "ux_slot_claims_cell", slot_taken))?;
    let generation = tx.bump_generation(Area::Booking).await?;
    let hold = claims::Hold { order: model.id, lapses };
    claims::of(state).booked(tx.commit(), tenant.id, generation, slot.therapist_id, &cells, hold).await?;
    Ok(model)
}

/// The time asked for was taken by another booking since it was offered.
fn slot_taken() -> AppError {
    AppError::conflict_because("SLOT_TAKEN", "this time has just been booked")
}

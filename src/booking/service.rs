//! Bookings as orders: availability, booking (the slot claims make double booking impossible), the order's
//! lifecycle, cancellation with refunds, and who may see which order.

use std::{collections::HashSet, sync::Arc};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    availability::{Candidate, Day, Held, Slot, cells},
    claims,
    entity::{order, slot_claim},
    notices,
    rules::{BookingRules, RefundPolicy},
};
use crate::{
    db::TenantTx,
    error::{AppError, AppResult, unique_or},
    kernel::{Area, TenantId, TenantInfo},
    kernel::{Principal, StaffRole},
    payments,
    state::AppState,
    storefront::{
        ServiceItem,
        profile::{ShopProfile, TherapistProfile},
        service::{self as storefront, View},
    },
};

pub const PENDING_PAYMENT: &str = "PENDING_PAYMENT";
pub const PAID: &str = "PAID";
pub const CONFIRMED: &str = "CONFIRMED";
pub const COMPLETED: &str = "COMPLETED";
pub const CANCELLED: &str = "CANCELLED";
pub const EXPIRED: &str = "EXPIRED";
pub const NO_SHOW: &str = "NO_SHOW";

/// The status a reader sees: an unpaid order past its payment window is expired, even before the sweeper has
/// written so.
pub fn effective_status(o: &order::Model, now: DateTime<Utc>) -> &str {
    if o.status == PENDING_PAYMENT && o.expires_at <= now { EXPIRED } else { &o.status }
}

struct Offer {
    rules: BookingRules,
    shop: Arc<ShopProfile>,
    service: Arc<ServiceItem>,
    candidates: Vec<Candidate>,
}

/// The shop, service and therapists of a request, as the caller may see them.
async fn offer(
    state: &AppState,
    tenant: &TenantInfo,
    view: &View,
    shop_id: Uuid,
    service_id: Uuid,
    therapist: Option<Uuid>,
) -> AppResult<Offer> {
    let (shop, service, performers) = if view.is_public() {
        // Consumers book from the published storefront in memory, at the generation the request saw or newer.
        let ix = crate::storefront::index::of(state).get(state, tenant).await?;
        let shop = ix.shop(shop_id).cloned().ok_or(AppError::NotFound("shop"))?;
        let service = ix.services_of(shop_id).iter().find(|s| s.id == service_id).cloned();
        let service = service.ok_or(AppError::NotFound("service item"))?;
        (shop, service, ix.performers_of(service_id).to_vec())
    } else {
        let shop = storefront::get_shop(state, view, tenant.id, shop_id).await?;
        let service = storefront::get_service(state, view, tenant.id, service_id).await?;
        if service.shop_id != shop.id || !service.active {
            return Err(AppError::NotFound("service item"));
        }
        let performers = storefront::performers(state, tenant.id, service.id, true).await?;
        let performers = performers.into_iter().map(|t| Arc::new(TherapistProfile::new(t))).collect();
        (Arc::new(ShopProfile::new(shop)), Arc::new(service), performers)
    };
    let candidates: Vec<Candidate> = performers
        .iter()
        .filter(|t| therapist.is_none_or(|id| id == t.model.id))
        .map(|t| Candidate {
            therapist_id: t.model.id,
            hours: t.schedule.clone().unwrap_or_else(|| shop.hours.clone()),
            name: t.model.name.clone(),
        })
        .collect();
    if therapist.is_some() && candidates.is_empty() {
        return Err(AppError::NotFound("therapist"));
    }
    Ok(Offer { rules: BookingRules::for_tenant(tenant), shop, service, candidates })
}

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

/// Today up to the horizon, in the tenant's calendar: the only dates worth computing.
fn within_horizon(rules: &BookingRules, tenant: &TenantInfo, date: NaiveDate, now: DateTime<Utc>) -> bool {
    let today = now.with_timezone(&tenant.time_zone).date_naive();
    date >= today && (date - today).num_days() <= rules.horizon_days
}

pub async fn available_slots(
    state: &AppState,
    who: &Principal,
    tenant: &TenantInfo,
    shop_id: Uuid,
    service_id: Uuid,
    therapist: Option<Uuid>,
    date: NaiveDate,
) -> AppResult<Vec<Slot>> {
    let offer = offer(state, tenant, &View::of(who), shop_id, service_id, therapist).await?;
    let now = state.now();
    if !within_horizon(&offer.rules, tenant, date, now) {
        return Ok(vec![]);
    }
    let window = claims::window_of(tenant, date, now);
    let held = super::claims::of(state).get(state, tenant, window, now).await?.held(
        offer.candidates.iter().map(|c| c.therapist_id),
        window,
        now,
    );
    let day = Day {
        rules: &offer.rules,
        tz: tenant.time_zone,
        date,
        now,
        duration_minutes: offer.service.duration_minutes.into(),
        closed_dates: &offer.shop.closed,
        claimed: &held,
    };
    Ok(day.slots(&offer.candidates))
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
    super::claims::of(state).booked(tx.commit(), tenant.id, generation, slot.therapist_id, &cells, hold).await?;
    Ok(model)
}

/// Marks these unpaid orders expired (those past their window) and frees their lapsed claims.
async fn expire_orders(tx: &TenantTx, orders: &[Uuid], now: DateTime<Utc>) -> AppResult<()> {
    if orders.is_empty() {
        return Ok(());
    }
    tx.exec_update(tx.update_many::<order::Entity>().map(|q| {
        q.col_expr(order::Column::Status, Expr::value(EXPIRED))
            .col_expr(order::Column::UpdatedAt, Expr::value(now))
            .filter(order::Column::Id.is_in(orders.to_vec()))
            .filter(order::Column::Status.eq(PENDING_PAYMENT))
            .filter(order::Column::ExpiresAt.lte(now))
    }))
    .await?;
    tx.exec_delete(tx.delete_many::<slot_claim::Entity>().map(|q| {
        q.filter(slot_claim::Column::OrderId.is_in(orders.to_vec())).filter(slot_claim::Column::ExpiresAt.lte(now))
    }))
    .await?;
    Ok(())
}

/// Marks the tenant's unpaid orders past their window expired and frees their slots.
pub async fn expire_due(state: &AppState, tenant: TenantId) -> AppResult<usize> {
    let now = state.now();
    let tx = state.db.begin(tenant).await?;
    let due: Vec<Uuid> = tx
        .all(tx.select::<order::Entity>().map(|q| {
            q.filter(order::Column::Status.eq(PENDING_PAYMENT)).filter(order::Column::ExpiresAt.lte(now)).limit(500)
        }))
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    expire_orders(&tx, &due, now).await?;
    tx.commit().await?;
    Ok(due.len())
}

/// May this caller see this order? Its consumer; the tenant's admin; staff of its shop.
pub fn may_see(who: &Principal, o: &order::Model) -> bool {
    match who {
        Principal::Consumer { id, .. } => *id == o.consumer_id,
        Principal::ApiKey { .. } | Principal::Staff { role: StaffRole::TenantAdmin, .. } => true,
        Principal::Staff { role: StaffRole::ShopManager | StaffRole::ShopStaff, shop_ids, .. } => {
            shop_ids.contains(&o.shop_id)
        }
        _ => false,
    }
}

fn is_shop_staff(who: &Principal, o: &order::Model) -> bool {
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
async fn load_for_update(tx: &TenantTx, who: &Principal, id: Uuid) -> AppResult<order::Model> {
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

/// Moves an order from one of `from` to `to` only if it is still there: of two racing moves exactly one wins.
/// The time asked for was taken by another booking since it was offered.
fn slot_taken() -> AppError {
    AppError::conflict_because("SLOT_TAKEN", "this time has just been booked")
}

async fn transition(
    tx: &TenantTx,
    o: &order::Model,
    from: &[&str],
    to: &str,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut order::ActiveModel),
) -> AppResult<order::Model> {
    let current = effective_status(o, now);
    if !from.contains(&current) {
        return Err(AppError::conflict_because("ORDER_STATUS", format!("a {current} order cannot become {to}")));
    }
    let moved = tx
        .exec_update(tx.update_many::<order::Entity>().map(|q| {
            q.col_expr(order::Column::Status, Expr::value(to))
                .col_expr(order::Column::UpdatedAt, Expr::value(now))
                .filter(order::Column::Id.eq(o.id))
                .filter(order::Column::Status.eq(o.status.clone()))
        }))
        .await?;
    if moved == 0 {
        return Err(AppError::conflict_because("ORDER_CHANGED", "the order changed meanwhile; read it again"));
    }
    let mut row = tx.get::<order::Entity>(o.id).await?.ok_or(AppError::NotFound("order"))?.into_active_model();
    change(&mut row);
    row.updated_at = Set(now);
    Ok(tx.update(row).await?)
}

/// A move only the shop's staff make: from which statuses, to which, and the notice event it causes.
struct StaffMove {
    from: &'static [&'static str],
    to: &'static str,
    event: Option<&'static str>,
}

/// Locks the order, checks the caller works for its shop (and `check`), moves it, and writes the move's notices
/// in the same transaction.
async fn staff_move(
    state: &AppState,
    who: &Principal,
    tenant: &TenantInfo,
    id: Uuid,
    StaffMove { from, to, event }: StaffMove,
    check: impl FnOnce(&order::Model) -> AppResult<()>,
) -> AppResult<order::Model> {
    let tx = state.db.begin(tenant.id).await?;
    let o = load_for_update(&tx, who, id).await?;
    if !is_shop_staff(who, &o) {
        return Err(AppError::Forbidden);
    }
    check(&o)?;
    let now = state.now();
    let o = transition(&tx, &o, from, to, now, |_| {}).await?;
    if let Some(event) = event {
        notices::order_event(&tx, tenant, &o, event, now).await?;
    }
    tx.commit().await?;
    if event.is_some() {
        crate::notify::wake(state, tenant.id);
    }
    Ok(o)
}

/// The shop confirms a paid order.
pub async fn confirm(state: &AppState, who: &Principal, tenant: &TenantInfo, id: Uuid) -> AppResult<order::Model> {
    let mv = StaffMove { from: &[PAID], to: CONFIRMED, event: Some("CONFIRMED") };
    staff_move(state, who, tenant, id, mv, |_| Ok(())).await
}

/// Staff mark a confirmed order done.
pub async fn complete(state: &AppState, who: &Principal, tenant: &TenantInfo, id: Uuid) -> AppResult<order::Model> {
    let mv = StaffMove { from: &[CONFIRMED], to: COMPLETED, event: None };
    staff_move(state, who, tenant, id, mv, |_| Ok(())).await
}

/// Staff record that the consumer did not come, once the start has passed.
pub async fn no_show(state: &AppState, who: &Principal, tenant: &TenantInfo, id: Uuid) -> AppResult<order::Model> {
    let mv = StaffMove { from: &[PAID, CONFIRMED], to: NO_SHOW, event: None };
    staff_move(state, who, tenant, id, mv, |o| {
        if state.now() < o.start_at {
            Err(AppError::conflict_because("NOT_STARTED", "an order becomes a no-show only after its start"))
        } else {
            Ok(())
        }
    })
    .await
}

/// Cancels an order. A consumer may cancel until the cut-off before the start with a full refund, later with
/// the refund policy booked with the order; the shop may cancel any time with a full refund. Refunds never
/// exceed what was paid, and a retried refund keeps its refund number.
pub async fn cancel(
    state: &AppState,
    who: &Principal,
    tenant: &TenantInfo,
    id: Uuid,
    reason: Option<String>,
) -> AppResult<order::Model> {
    let reason = reason.map(|r| r.trim().chars().take(200).collect::<String>()).filter(|r| !r.is_empty());
    let tx = state.db.begin(tenant.id).await?;
    let o = load_for_update(&tx, who, id).await?;
    let now = state.now();
    let by_shop = is_shop_staff(who, &o);
    if !by_shop && now >= o.start_at && o.status != PENDING_PAYMENT {
        return Err(AppError::conflict_because(
            "APPOINTMENT_BEGUN",
            "the appointment has begun: ask the shop to cancel",
        ));
    }
    let policy = o.refund_policy;
    let unrefunded = (o.paid_fen - o.refunded_fen).max(0);
    let refund = if by_shop || now <= o.start_at - Duration::hours(policy.cancel_cutoff_hours) {
        unrefunded
    } else {
        (o.paid_fen * policy.late_refund_percent / 100 - o.refunded_fen).max(0).min(unrefunded)
    };
    let o = transition(&tx, &o, &[PENDING_PAYMENT, PAID, CONFIRMED], CANCELLED, now, |row| {
        row.cancel_reason = Set(reason.clone());
        row.refunded_fen = Set(o.refunded_fen + refund);
    })
    .await?;
    let refund_no = format!("RF{}", o.id.simple());
    payments::refund_payable(&tx, tenant, super::payment::ORDER, o.id, refund, &refund_no, reason, now).await?;
    tx.exec_delete(tx.delete_many::<slot_claim::Entity>().map(|q| q.filter(slot_claim::Column::OrderId.eq(o.id))))
        .await?;
    notices::order_event(&tx, tenant, &o, "CANCELLED", now).await?;
    let generation = tx.bump_generation(Area::Booking).await?;
    super::claims::of(state).released(tx.commit(), tenant.id, generation, o.therapist_id, o.id).await?;
    crate::notify::wake(state, tenant.id);
    Ok(o)
}

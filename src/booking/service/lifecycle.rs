//! The order's moves: expiry of unpaid orders, the shop's confirm, complete and no-show, and cancellation
//! with refunds.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QuerySelect, sea_query::Expr};
use uuid::Uuid;

use super::{
    CANCELLED, COMPLETED, CONFIRMED, EXPIRED, NO_SHOW, PAID, PENDING_PAYMENT, effective_status, notices,
    queries::{is_shop_staff, load_for_update},
};
use crate::{
    booking::{
        claims,
        entity::{order, slot_claim},
    },
    db::TenantTx,
    error::{AppError, AppResult},
    kernel::{Area, Principal, Shape, TenantId, TenantInfo},
    payments,
    state::AppState,
};

/// Marks these unpaid orders expired (those past their window) and frees their lapsed claims.
pub(super) async fn expire_orders(tx: &TenantTx, orders: &[Uuid], now: DateTime<Utc>) -> AppResult<()> {
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

/// Moves an order from one of `from` to `to` only if it is still there: of two racing moves exactly one wins.
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
        notices::order_events(&tx, tenant, &o, &[event], now).await?;
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

/// How long before its start an order may be marked done (a session that began a little early).
const COMPLETES_BEFORE_START: Duration = Duration::hours(1);

/// Staff mark a confirmed order done, from an hour before its start: completing earns the consumer points, so an
/// appointment days ahead cannot be done yet.
pub async fn complete(state: &AppState, who: &Principal, tenant: &TenantInfo, id: Uuid) -> AppResult<order::Model> {
    let mv = StaffMove { from: &[CONFIRMED], to: COMPLETED, event: None };
    staff_move(state, who, tenant, id, mv, |o| {
        if state.now() < o.start_at - COMPLETES_BEFORE_START {
            Err(AppError::conflict_because("NOT_STARTED", "an order can be completed from an hour before its start"))
        } else {
            Ok(())
        }
    })
    .await
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

/// What cancelling `o` at `now` refunds: everything still unrefunded when the shop cancels or the consumer
/// cancels before the cut-off; after it, the share of the policy booked with the order.
fn refund_due(o: &order::Model, by_shop: bool, now: DateTime<Utc>) -> i64 {
    let policy = o.refund_policy;
    let unrefunded = (o.paid_fen - o.refunded_fen).max(0);
    if by_shop || now <= o.start_at - Duration::hours(policy.cancel_cutoff_hours) {
        unrefunded
    } else {
        (o.paid_fen * policy.late_refund_percent / 100 - o.refunded_fen).max(0).min(unrefunded)
    }
}

/// What `cancel` would refund if this caller cancelled the order now, by the same rule; `None` when they cannot
/// cancel it now (its status, or a consumer's appointment that has begun).
pub fn refund_if_cancelled(who: &Principal, o: &order::Model, now: DateTime<Utc>) -> Option<i64> {
    let by_shop = is_shop_staff(who, o);
    let begun = !by_shop && now >= o.start_at && o.status != PENDING_PAYMENT;
    let open = [PENDING_PAYMENT, PAID, CONFIRMED].contains(&effective_status(o, now));
    (open && !begun).then(|| refund_due(o, by_shop, now))
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
    let reason = match reason {
        Some(r) => Some(Shape::line(200).or_empty().parse("reason", &r)?.into_string()).filter(|r| !r.is_empty()),
        None => None,
    };
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
    let refund = refund_due(&o, by_shop, now);
    let o = transition(&tx, &o, &[PENDING_PAYMENT, PAID, CONFIRMED], CANCELLED, now, |row| {
        row.cancel_reason = Set(reason.clone());
        row.refunded_fen = Set(o.refunded_fen + refund);
    })
    .await?;
    let refund_no = format!("RF{}", o.id.simple());
    payments::refund_payable(&tx, tenant, super::payment::ORDER, o.id, refund, &refund_no, reason, now).await?;
    tx.exec_delete(tx.delete_many::<slot_claim::Entity>().map(|q| q.filter(slot_claim::Column::OrderId.eq(o.id))))
        .await?;
    notices::order_events(&tx, tenant, &o, &["CANCELLED"], now).await?;
    let generation = tx.bump_generation(Area::Booking).await?;
    claims::of(state).released(tx.commit(), tenant.id, generation, o.therapist_id, o.id).await?;
    crate::notify::wake(state, tenant.id);
    Ok(o)
}

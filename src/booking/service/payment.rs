//! Paying an order, through `payments`: an order is a payable of kind [`ORDER`]. `payOrder` opens a payment for
//! it; when the money arrives, [`OrderPayee`] marks the order paid (or, when it closed meanwhile, records the
//! money as given back, and `payments` refunds it at once).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, IntoActiveModel, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{self as booking, COMPLETED, CONFIRMED, NO_SHOW, PAID, PENDING_PAYMENT, notices};
use crate::{
    booking::{
        entity::{order, slot_claim},
        rules::BookingRules,
    },
    db::TenantTx,
    error::{AppError, AppResult, violated_unique},
    infra::crypto,
    kernel::{Principal, TenantId, TenantInfo},
    payments::{self, NewPayment, Payable, Payment, Receipt},
    state::AppState,
};

/// The kind of payable an order is.
pub const ORDER: &str = "order";

/// Booking's side of paying an order.
pub struct OrderPayee;

#[async_trait::async_trait]
impl payments::Payee for OrderPayee {
    /// An unpaid order becomes paid (confirmed when the tenant confirms automatically) and holds its slot for
    /// good; an order closed meanwhile (expired, cancelled) stays closed and records the money as paid and
    /// refunded.
    async fn paid(
        &self,
        tx: &TenantTx,
        tenant: &TenantInfo,
        order_id: Uuid,
        amount_fen: i64,
        now: DateTime<Utc>,
    ) -> AppResult<Receipt> {
        let rules = BookingRules::for_tenant(tenant);
        let paid_status = if rules.auto_confirm { CONFIRMED } else { PAID };
        let unpaid = tx
            .update_returning(tx.update_many::<order::Entity>().map(|q| {
                q.col_expr(order::Column::Status, Expr::value(paid_status))
                    .col_expr(order::Column::PaidFen, Expr::col(order::Column::PaidFen).add(amount_fen))
                    .col_expr(order::Column::UpdatedAt, Expr::value(now))
                    .filter(order::Column::Id.eq(order_id))
                    .filter(order::Column::Status.eq(PENDING_PAYMENT))
            }))
            .await?
            .pop();
        let Some(paid) = unpaid else {
            let o = tx.get_for_update::<order::Entity>(order_id).await?.ok_or(AppError::NotFound("order"))?;
            let mut row = o.clone().into_active_model();
            row.paid_fen = Set(o.paid_fen + amount_fen);
            row.refunded_fen = Set(o.refunded_fen + amount_fen);
            row.updated_at = Set(now);
            tx.update(row).await?;
            return Ok(Receipt::GiveBack);
        };
        // A paid order holds its slot for good. An unpaid order always holds its claims: expiry and cancellation
        // free them in the transaction that closes the order.
        let held = tx
            .exec_update(tx.update_many::<slot_claim::Entity>().map(|q| {
                q.col_expr(slot_claim::Column::ExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
                    .filter(slot_claim::Column::OrderId.eq(paid.id))
            }))
            .await?;
        if held == 0 {
            return Err(AppError::internal(anyhow::anyhow!("unpaid order {} holds no slot", paid.id)));
        }
        let events: &[&str] = if rules.auto_confirm { &["PAID", "CONFIRMED"] } else { &["PAID"] };
        notices::order_events(tx, tenant, &paid, events, now).await?;
        // No generation is raised: the cells were held before and are held now (see `booking::claims`).
        Ok(Receipt::Taken(Some(payments::Now::of(paid))))
    }
}

/// The statuses of an order that was paid and keeps the money: a replay of its payment answers the payment.
const KEEPS_THE_MONEY: [&str; 4] = [PAID, CONFIRMED, COMPLETED, NO_SHOW];

fn key_reused() -> AppError {
    AppError::conflict_because("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for another request")
}

/// A payment of an order, with the order when the same call read it.
pub struct Paid {
    pub payment: Payment,
    pub order_id: Uuid,
    pub order: Option<order::Model>,
}

/// Pays an order. The same `Idempotency-Key` answers the same payment (one payment, however often it is
/// sent); the same key for another request is `CONFLICT`. Without a key, the order id serves as one. An order
/// that is not awaiting payment is `CONFLICT` (`ORDER_NOT_PAYABLE`), except for the replay of the payment that
/// paid it while it stays paid.
pub async fn pay_order(
    state: &AppState,
    who: &Principal,
    tenant: &TenantInfo,
    order_id: Uuid,
    key: Option<&str>,
) -> AppResult<Paid> {
    let Principal::Consumer { id: consumer, .. } = who else { return Err(AppError::Forbidden) };
    if !payments::may_use_simulation(state, tenant) {
        return Err(AppError::payment_failed_because(
            "NO_PROVIDER",
            "no payment provider is configured for this tenant",
        ));
    }
    let key =
        key.map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).unwrap_or_else(|| format!("order:{order_id}"));
    if key.len() > 60 {
        return Err(AppError::invalid_field("Idempotency-Key", "Idempotency-Key must be at most 60 characters"));
    }
    // Keys belong to their consumer: another consumer's key never collides with one's own.
    let key = format!("{consumer}:{key}");
    let request_hash = crypto::sha256_hex(&format!("payOrder:{consumer}:{order_id}"));
    let answer = |payment| Paid { payment, order_id, order: None };
    let tx = state.db.begin(tenant.id).await?;
    let o = booking::get_order_in(&tx, who, order_id).await?;
    let status = booking::effective_status(&o, state.now());
    if status != PENDING_PAYMENT {
        // Only the very request that paid the order, sent again while the order keeps the money, answers its
        // payment; anything else (another key, no key after paying with one, a replay after the order was
        // cancelled or expired) learns that the order is not payable.
        let p = if KEEPS_THE_MONEY.contains(&status) { payments::by_key(&tx, &key).await? } else { None };
        tx.commit().await?;
        return match p {
            Some(p) if p.request_hash == request_hash && p.status == payments::provider::SUCCEEDED => Ok(answer(p)),
            _ => Err(AppError::conflict_because("ORDER_NOT_PAYABLE", format!("a {status} order cannot be paid"))),
        };
    }
    let payables = [Payable { kind: ORDER, id: o.id, amount_fen: o.amount_fen }];
    let new = NewPayment { idempotency_key: &key, request_hash: &request_hash, payables: &payables };
    let p = match payments::open(state, &tx, tenant, new).await {
        Ok(p) => {
            tx.commit().await?;
            p
        }
        Err(e) if violated_unique(&e) == Some("ux_payments_idempotency") => {
            drop(tx);
            // The key was used before (sent again while the order is unpaid, or raced us): answer its payment.
            let tx = state.db.read(tenant.id).await?;
            let p = payments::by_key(&tx, &key)
                .await?
                .ok_or_else(|| AppError::conflict_because("PAYMENT_IN_PROGRESS", "payment in progress"))?;
            tx.commit().await?;
            if p.request_hash != request_hash {
                return Err(key_reused());
            }
            return Ok(answer(p));
        }
        Err(e) => return Err(e.into()),
    };
    // The payment row is committed before the provider is asked, so the order can never be PAID without it.
    let mut settled = payments::settle(state, tenant, p).await?;
    let order = settled.taken::<order::Model>(order_id);
    Ok(Paid { payment: settled.payment, order_id, order })
}

/// The payments of an order the caller may see.
pub async fn payments_of(state: &AppState, tenant: TenantId, order_id: Uuid) -> AppResult<Vec<Paid>> {
    let rows = payments::of_payable(state, tenant, ORDER, order_id).await?;
    Ok(rows.into_iter().map(|payment| Paid { payment, order_id, order: None }).collect())
}

//! Paying an order. A `PaymentProvider` starts a payment and verifies its notifications; the notification is applied
//! by one function, whichever way it arrives. The simulated provider (the development default, labelled as
//! such everywhere) settles at once by producing a signed notification that goes through that same function,
//! as WeChat Pay v3's will through `POST /webhooks/pay/{provider}/{tenant}`.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, IntoActiveModel, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    entity::{order, payment, payment_event, refund, slot_claim},
    notices,
    rules::BookingRules,
    service::{self as booking, CONFIRMED, PAID, PENDING_PAYMENT},
};
use crate::{
    error::{AppError, AppResult, violated_unique},
    infra::crypto,
    kernel::{Principal, TenantId, TenantInfo},
    notify,
    payments::{
        self, Notification,
        provider::{FAILED, PENDING, SUCCEEDED},
    },
    state::AppState,
};

#[derive(Debug)]
pub enum Applied {
    /// The payment and its order changed (both as they now are).
    Settled(Box<(payment::Model, order::Model)>),
    /// This notification was applied before; nothing changed.
    Duplicate,
    /// The payment (as it now is) failed at the provider.
    Failed(payment::Model),
}

/// Applies a verified notification once. A notification whose order or amount does not match its payment
/// changes nothing and is logged as an alert.
///
/// The usual case, a pending payment of an unpaid order, takes one conditional `UPDATE … RETURNING` for the
/// payment and one for the order (which locks it: expiry, cancellation and a second payment wait for this one
/// and see its result); anything else reads the rows to tell what it is.
pub async fn apply(state: &AppState, provider: &str, tenant: &TenantInfo, n: &Notification) -> AppResult<Applied> {
    let tx = state.db.begin(tenant.id).await?;
    let now = state.now();
    let outcome = if n.status == "SUCCESS" { SUCCEEDED } else { FAILED };
    let settled = tx
        .update_returning(tx.update_many::<payment::Entity>().map(|q| {
            q.col_expr(payment::Column::Status, Expr::value(outcome))
                .col_expr(
                    payment::Column::ProviderTxnId,
                    Expr::value(n.transaction_id.chars().take(64).collect::<String>()),
                )
                .col_expr(payment::Column::UpdatedAt, Expr::value(now))
                .filter(payment::Column::Id.eq(n.payment_id))
                .filter(payment::Column::Status.eq(PENDING))
                .filter(payment::Column::OrderId.eq(n.order_id))
                .filter(payment::Column::AmountFen.eq(n.amount_fen))
                .filter(payment::Column::Provider.eq(provider))
        }))
        .await?
        .pop();
    let Some(pay) = settled else {
        // Not a pending payment matching the notification: unknown, mismatched, or settled before.
        let Some(pay) = tx.get::<payment::Entity>(n.payment_id).await? else {
            tracing::error!(alert = true, provider, payment = %n.payment_id, "payment notification for an unknown payment");
            return Err(AppError::validation("unknown payment"));
        };
        if pay.order_id != n.order_id || pay.amount_fen != n.amount_fen || pay.provider != provider {
            tracing::error!(alert = true, provider, payment = %pay.id, "payment notification does not match its payment (order, amount or provider)");
            return Err(AppError::validation("the notification does not match the payment"));
        }
        // Recorded (when new) and otherwise ignored.
        return match record_event(&tx, provider, tenant, n, now).await? {
            Recorded::New => {
                tx.commit().await?;
                Ok(Applied::Duplicate)
            }
            Recorded::Before => Ok(Applied::Duplicate),
        };
    };
    if record_event(&tx, provider, tenant, n, now).await? == Recorded::Before {
        return Ok(Applied::Duplicate);
    }
    if outcome == FAILED {
        tx.commit().await?;
        return Ok(Applied::Failed(pay));
    }
    let rules = BookingRules::for_tenant(tenant);
    let paid_status = if rules.auto_confirm { CONFIRMED } else { PAID };
    let unpaid = tx
        .update_returning(tx.update_many::<order::Entity>().map(|q| {
            q.col_expr(order::Column::Status, Expr::value(paid_status))
                .col_expr(order::Column::PaidFen, Expr::col(order::Column::PaidFen).add(pay.amount_fen))
                .col_expr(order::Column::UpdatedAt, Expr::value(now))
                .filter(order::Column::Id.eq(pay.order_id))
                .filter(order::Column::Status.eq(PENDING_PAYMENT))
        }))
        .await?
        .pop();
    let paid = match unpaid {
        Some(paid) => {
            // A paid order holds its slot for good. An unpaid order always holds its claims: expiry and
            // cancellation free them in the transaction that closes the order.
            let held = tx
                .exec_update(tx.update_many::<slot_claim::Entity>().map(|q| {
                    q.col_expr(slot_claim::Column::ExpiresAt, Expr::value(Option::<chrono::DateTime<Utc>>::None))
                        .filter(slot_claim::Column::OrderId.eq(paid.id))
                }))
                .await?;
            if held == 0 {
                return Err(AppError::internal(anyhow::anyhow!("unpaid order {} holds no slot", paid.id)));
            }
            notices::order_event(&tx, tenant, &paid, "PAID", now).await?;
            if rules.auto_confirm {
                notices::order_event(&tx, tenant, &paid, "CONFIRMED", now).await?;
            }
            // No generation is raised: the cells were held before and are held now (see `booking::claims`).
            tx.commit().await?;
            paid
        }
        None => {
            // Paid too late (expired or cancelled meanwhile): the money goes back at once.
            let o = tx.get_for_update::<order::Entity>(pay.order_id).await?.ok_or(AppError::NotFound("order"))?;
            let mut order_row = o.clone().into_active_model();
            order_row.paid_fen = Set(o.paid_fen + pay.amount_fen);
            order_row.refunded_fen = Set(o.refunded_fen + pay.amount_fen);
            order_row.updated_at = Set(now);
            let refunded = tx.update(order_row).await?;
            tx.insert(refund::ActiveModel {
                tenant_id: Set(tenant.id.0),
                id: Set(Uuid::now_v7()),
                order_id: Set(o.id),
                refund_no: Set(format!("RP{}", pay.id.simple())),
                amount_fen: Set(pay.amount_fen),
                status: Set(SUCCEEDED.into()),
                reason: Set(Some("paid after the order closed".into())),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .await?;
            tx.commit().await?;
            refunded
        }
    };
    notify::wake(state, tenant.id);
    Ok(Applied::Settled(Box::new((pay, paid))))
}

#[derive(Debug, PartialEq, Eq)]
enum Recorded {
    New,
    /// The provider sent this transaction before.
    Before,
}

/// Records the provider's notification; its transaction id is unique per provider. `Before` leaves the
/// transaction failed (PostgreSQL): the caller answers without committing.
async fn record_event(
    tx: &crate::db::TenantTx,
    provider: &str,
    tenant: &TenantInfo,
    n: &Notification,
    now: chrono::DateTime<Utc>,
) -> AppResult<Recorded> {
    let event = payment_event::ActiveModel {
        tenant_id: Set(tenant.id.0),
        id: Set(Uuid::now_v7()),
        provider: Set(provider.into()),
        provider_txn_id: Set(n.transaction_id.chars().take(64).collect()),
        payment_id: Set(n.payment_id),
        amount_fen: Set(n.amount_fen),
        outcome: Set(n.status.chars().take(32).collect()),
        created_at: Set(now),
    };
    match tx.insert(event).await {
        Ok(_) => Ok(Recorded::New),
        Err(e) if violated_unique(&e) == Some("ux_payment_events_txn") => Ok(Recorded::Before),
        Err(e) => Err(e.into()),
    }
}

fn key_reused() -> AppError {
    AppError::conflict_because("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for another request")
}

/// A payment as `payOrder` left it, and its order when the same call changed it.
pub struct Paid {
    pub payment: payment::Model,
    pub order: Option<order::Model>,
}

/// Pays an order. The same `Idempotency-Key` answers the same payment (one payment, however often it is
/// sent); the same key for another request is `CONFLICT`. Without a key, the order id serves as one.
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
    let provider = payments::provider(state);
    let tx = state.db.begin(tenant.id).await?;
    let o = booking::get_order_in(&tx, who, order_id).await?;
    let status = booking::effective_status(&o, state.now());
    if status != PENDING_PAYMENT {
        // A request sent again (it paid the order) answers its payment.
        let p = by_key(&tx, &key).await?;
        tx.commit().await?;
        return match p {
            Some(p) if p.request_hash == request_hash => Ok(Paid { payment: p, order: None }),
            Some(_) => Err(key_reused()),
            None => Err(AppError::conflict_because("ORDER_NOT_PAYABLE", format!("a {status} order cannot be paid"))),
        };
    }
    let now = state.now();
    let inserted = tx
        .insert(payment::ActiveModel {
            tenant_id: Set(tenant.id.0),
            id: Set(Uuid::now_v7()),
            order_id: Set(o.id),
            idempotency_key: Set(key.clone()),
            request_hash: Set(request_hash.clone()),
            amount_fen: Set(o.amount_fen),
            status: Set(PENDING.into()),
            provider: Set(provider.name().into()),
            provider_txn_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await;
    let p = match inserted {
        Ok(p) => {
            tx.commit().await?;
            p
        }
        Err(e) if violated_unique(&e) == Some("ux_payments_idempotency") => {
            drop(tx);
            // The key was used before (sent again while the order is unpaid, or raced us): answer its payment.
            let tx = state.db.read(tenant.id).await?;
            let p = by_key(&tx, &key)
                .await?
                .ok_or_else(|| AppError::conflict_because("PAYMENT_IN_PROGRESS", "payment in progress"))?;
            tx.commit().await?;
            if p.request_hash != request_hash {
                return Err(key_reused());
            }
            return Ok(Paid { payment: p, order: None });
        }
        Err(e) => return Err(e.into()),
    };
    // The payment row is committed before the provider is asked, so the order can never be PAID without it.
    let settle = payments::provider::Payment { id: p.id, payable_id: p.order_id, amount_fen: p.amount_fen };
    if let Some((body, signature)) = provider.settle_now(&settle) {
        let n = provider
            .verify(&body, Some(&signature))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("own notification did not verify")))?;
        match apply(state, provider.name(), tenant, &n).await? {
            Applied::Settled(settled) => {
                let (payment, order) = *settled;
                return Ok(Paid { payment, order: Some(order) });
            }
            Applied::Failed(payment) => return Ok(Paid { payment, order: None }),
            Applied::Duplicate => {}
        }
    }
    // Settled elsewhere (a notification that came first), or later: as it is now.
    let tx = state.db.read(tenant.id).await?;
    let p = tx.get::<payment::Entity>(p.id).await?.ok_or(AppError::NotFound("payment"))?;
    tx.commit().await?;
    Ok(Paid { payment: p, order: None })
}

async fn by_key(tx: &crate::db::TenantTx, key: &str) -> AppResult<Option<payment::Model>> {
    Ok(tx.one(tx.select::<payment::Entity>().map(|q| q.filter(payment::Column::IdempotencyKey.eq(key)))).await?)
}

/// The payments of an order the caller may see.
pub async fn payments_of(state: &AppState, tenant: TenantId, order_id: Uuid) -> AppResult<Vec<payment::Model>> {
    let tx = state.db.read(tenant).await?;
    let rows = tx.all(tx.select::<payment::Entity>().map(|q| q.filter(payment::Column::OrderId.eq(order_id)))).await?;
    tx.commit().await?;
    Ok(rows)
}

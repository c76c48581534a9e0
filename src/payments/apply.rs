//! Applying a provider's notification, once, whichever way it arrives (webhook or a provider that settles at
//! once). A notification whose amount or provider does not match its payment changes nothing and is logged as an
//! alert.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::{
    Notification,
    entity::{allocation, payment, payment_event},
    payee::{Now, Payees, Receipt},
    provider::{FAILED, PENDING, SUCCEEDED},
    refund,
};
use crate::{
    db::TenantTx,
    error::{AppError, AppResult, violated_unique},
    kernel::TenantInfo,
    state::AppState,
};

#[derive(Debug)]
pub enum Applied {
    /// The payment succeeded and its payables took the money: the payment as it now is, and each payable a payee
    /// took with what it answered of it.
    Settled(payment::Model, Vec<(Uuid, Option<Now>)>),
    /// This notification was applied before; nothing changed.
    Duplicate,
    /// The payment (as it now is) failed at the provider.
    Failed(payment::Model),
}

/// Applies a verified notification once.
///
/// The usual case, a pending payment, takes one conditional `UPDATE … RETURNING` for the payment, one read of its
/// allocations, and what each payee does (an unpaid order: one conditional update that locks it, so expiry,
/// cancellation and a second payment wait for this one and see its result); anything else reads the payment to
/// tell what it is.
pub async fn apply(state: &AppState, provider: &str, tenant: &TenantInfo, n: &Notification) -> AppResult<Applied> {
    let tx = state.db.begin(tenant.id).await?;
    let now = state.now();
    let outcome = if n.status == "SUCCESS" { SUCCEEDED } else { FAILED };
    let settled = tx
        .update_returning(tx.update_many::<payment::Entity>().map(|q| {
            q.col_expr(payment::Column::Status, Expr::value(outcome))
                .col_expr(payment::Column::ProviderTxnId, Expr::value(txn_id(n)))
                .col_expr(payment::Column::UpdatedAt, Expr::value(now))
                .filter(payment::Column::Id.eq(n.payment_id))
                .filter(payment::Column::Status.eq(PENDING))
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
        if pay.amount_fen != n.amount_fen || pay.provider != provider {
            tracing::error!(alert = true, provider, payment = %pay.id, "payment notification does not match its payment (amount or provider)");
            return Err(AppError::validation("the notification does not match the payment"));
        }
        // Recorded (when new) and otherwise ignored.
        if record_event(&tx, provider, tenant, n, now).await? == Recorded::New {
            tx.commit().await?;
        }
        return Ok(Applied::Duplicate);
    };
    if record_event(&tx, provider, tenant, n, now).await? == Recorded::Before {
        return Ok(Applied::Duplicate);
    }
    if outcome == FAILED {
        tx.commit().await?;
        return Ok(Applied::Failed(pay));
    }
    let parts = allocations(&tx, pay.id).await?;
    if parts.iter().map(|a| a.amount_fen).sum::<i64>() != pay.amount_fen {
        return Err(AppError::internal(anyhow::anyhow!("payment {} is not the sum of its allocations", pay.id)));
    }
    let mut taken = Vec::with_capacity(parts.len());
    for part in &parts {
        let payee = Payees::of(state, &part.payable_kind)?;
        if let Receipt::Taken(payable) = payee.paid(&tx, tenant, part.payable_id, part.amount_fen, now).await? {
            taken.push((part.payable_id, payable));
        } else {
            // Paid too late (closed meanwhile): this part goes back at once.
            let no = format!(
                "RP{}{}",
                pay.id.simple(),
                if parts.len() > 1 { format!("-{}", part.id.simple()) } else { String::new() }
            );
            refund::insert(&tx, tenant, &pay, part, &no, part.amount_fen, Some("paid after it closed".into()), now)
                .await?;
        }
    }
    tx.commit().await?;
    crate::notify::wake(state, tenant.id);
    Ok(Applied::Settled(pay, taken))
}

fn txn_id(n: &Notification) -> String {
    n.transaction_id.chars().take(64).collect()
}

/// A payment's allocations, in the order they were written.
pub(crate) async fn allocations(tx: &TenantTx, payment: Uuid) -> AppResult<Vec<allocation::Model>> {
    Ok(tx
        .all(tx.select::<allocation::Entity>().map(|q| {
            use sea_orm::QueryOrder;
            q.filter(allocation::Column::PaymentId.eq(payment)).order_by_asc(allocation::Column::Id)
        }))
        .await?)
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
    tx: &TenantTx,
    provider: &str,
    tenant: &TenantInfo,
    n: &Notification,
    now: DateTime<Utc>,
) -> AppResult<Recorded> {
    let event = payment_event::ActiveModel {
        tenant_id: Set(tenant.id.0),
        id: Set(Uuid::now_v7()),
        provider: Set(provider.into()),
        provider_txn_id: Set(txn_id(n)),
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

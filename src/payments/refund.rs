//! Refunds: money given back from a payment, for one of the payables it paid. A payable's refunds never exceed
//! what its allocations brought in.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    entity::{allocation, payment, refund},
    provider::SUCCEEDED,
};
use crate::{
    db::TenantTx,
    error::{AppError, AppResult},
    kernel::TenantInfo,
};

/// Records a refund of `amount_fen` of `part` (an allocation of `pay`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert(
    tx: &TenantTx,
    tenant: &TenantInfo,
    pay: &payment::Model,
    part: &allocation::Model,
    refund_no: &str,
    amount_fen: i64,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<refund::Model> {
    Ok(tx
        .insert(refund::ActiveModel {
            tenant_id: Set(tenant.id.0),
            id: Set(Uuid::now_v7()),
            payment_id: Set(pay.id),
            payable_kind: Set(part.payable_kind.clone()),
            payable_id: Set(part.payable_id),
            refund_no: Set(refund_no.chars().take(64).collect()),
            amount_fen: Set(amount_fen),
            status: Set(SUCCEEDED.into()),
            reason: Set(reason),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?)
}

/// Gives back `amount_fen` paid for a payable, from its succeeded payments, earliest first, in the caller's
/// transaction. The first refund is numbered `refund_no`, any further `refund_no-2`, `-3`, …; asking for more than
/// the payable was paid and not yet refunded is an internal error (the payable's own rules keep to it).
#[allow(clippy::too_many_arguments)]
pub async fn refund_payable(
    tx: &TenantTx,
    tenant: &TenantInfo,
    kind: &str,
    payable: Uuid,
    amount_fen: i64,
    refund_no: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<Vec<refund::Model>> {
    if amount_fen <= 0 {
        return Ok(vec![]);
    }
    let parts = tx
        .all(tx.select::<allocation::Entity>().map(|q| {
            q.filter(allocation::Column::PayableKind.eq(kind))
                .filter(allocation::Column::PayableId.eq(payable))
                .order_by_asc(allocation::Column::Id)
        }))
        .await?;
    let paid: HashMap<Uuid, payment::Model> = tx
        .all(tx.select::<payment::Entity>().map(|q| {
            q.filter(payment::Column::Id.is_in(parts.iter().map(|a| a.payment_id)))
                .filter(payment::Column::Status.eq(SUCCEEDED))
        }))
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let before = tx
        .all(
            tx.select::<refund::Entity>()
                .map(|q| q.filter(refund::Column::PayableKind.eq(kind)).filter(refund::Column::PayableId.eq(payable))),
        )
        .await?;
    let mut left = amount_fen;
    let mut made = vec![];
    for part in &parts {
        let Some(pay) = paid.get(&part.payment_id) else { continue };
        let refunded: i64 = before.iter().filter(|r| r.payment_id == pay.id).map(|r| r.amount_fen).sum();
        let take = (part.amount_fen - refunded).min(left);
        if take <= 0 {
            continue;
        }
        let no = if made.is_empty() { refund_no.to_owned() } else { format!("{refund_no}-{}", made.len() + 1) };
        made.push(insert(tx, tenant, pay, part, &no, take, reason.clone(), now).await?);
        left -= take;
        if left == 0 {
            return Ok(made);
        }
    }
    Err(AppError::internal(anyhow::anyhow!("a refund of {amount_fen} fen exceeds what {kind} {payable} was paid")))
}

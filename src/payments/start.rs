//! Starting a payment: one payment row and its allocations, written in the caller's transaction (so a domain
//! checks its payables and opens the payment atomically), then settled by the provider.

use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, QueryFilter};
use uuid::Uuid;

use super::{
    apply::{Applied, apply},
    entity::{allocation, payment},
    payee::{Now, Payable},
    provider::{self, PENDING},
};
use crate::{
    db::TenantTx,
    error::{AppError, AppResult},
    kernel::{TenantId, TenantInfo},
    state::AppState,
};

/// A payment to open: its idempotency key (one payment per key), the hash of the request that used the key,
/// and what it pays.
pub struct NewPayment<'a> {
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    pub payables: &'a [Payable],
}

/// Writes a pending payment of the payables' total with one allocation each. A key used before is a unique
/// violation (`ux_payments_idempotency`): the caller answers the payment of that key.
pub async fn open(
    state: &AppState,
    tx: &TenantTx,
    tenant: &TenantInfo,
    new: NewPayment<'_>,
) -> Result<payment::Model, DbErr> {
    let now = state.now();
    let p = tx
        .insert(payment::ActiveModel {
            tenant_id: Set(tenant.id.0),
            id: Set(Uuid::now_v7()),
            idempotency_key: Set(new.idempotency_key.to_owned()),
            request_hash: Set(new.request_hash.to_owned()),
            amount_fen: Set(new.payables.iter().map(|p| p.amount_fen).sum()),
            status: Set(PENDING.into()),
            provider: Set(provider::provider(state).name().into()),
            provider_txn_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let parts = new.payables.iter().map(|payable| allocation::ActiveModel {
        tenant_id: Set(tenant.id.0),
        id: Set(Uuid::now_v7()),
        payment_id: Set(p.id),
        payable_kind: Set(payable.kind.to_owned()),
        payable_id: Set(payable.id),
        amount_fen: Set(payable.amount_fen),
    });
    tx.insert_many(parts.collect()).await?;
    Ok(p)
}

/// A payment as settling left it, with the payables its payees took there, as they answered them.
#[derive(Debug)]
pub struct Settled {
    pub payment: payment::Model,
    taken: Vec<(Uuid, Option<Now>)>,
}

impl Settled {
    /// The payable as its payee answered it when it took this payment's money, when it did so here.
    pub fn taken<T: std::any::Any>(&mut self, payable: Uuid) -> Option<T> {
        let at = self.taken.iter().position(|(id, now)| *id == payable && now.is_some())?;
        self.taken.swap_remove(at).1?.into()
    }
}

/// Asks the provider to settle a committed payment. A provider that settles at once (the simulated one) gives
/// its signed notification, applied like a webhook's; otherwise the payment stays pending until the webhook.
/// Answers the payment as it now is.
pub async fn settle(state: &AppState, tenant: &TenantInfo, p: payment::Model) -> AppResult<Settled> {
    let provider = provider::provider(state);
    let settle = provider::Charge { id: p.id, amount_fen: p.amount_fen };
    if let Some((body, signature)) = provider.settle_now(&settle) {
        let n = provider
            .verify(&body, Some(&signature))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("own notification did not verify")))?;
        match apply(state, provider.name(), tenant, &n).await? {
            Applied::Settled(payment, taken) => return Ok(Settled { payment, taken }),
            Applied::Failed(payment) => return Ok(Settled { payment, taken: vec![] }),
            Applied::Duplicate => {}
        }
    }
    // Settled elsewhere (a notification that came first), or later: as it is now.
    let tx = state.db.read(tenant.id).await?;
    let payment = tx.get::<payment::Entity>(p.id).await?.ok_or(AppError::NotFound("payment"))?;
    tx.commit().await?;
    Ok(Settled { payment, taken: vec![] })
}

/// The payment opened with an idempotency key.
pub async fn by_key(tx: &TenantTx, key: &str) -> AppResult<Option<payment::Model>> {
    Ok(tx.one(tx.select::<payment::Entity>().map(|q| q.filter(payment::Column::IdempotencyKey.eq(key)))).await?)
}

/// The payments that paid (or are paying) a payable, oldest first.
pub async fn of_payable(
    state: &AppState,
    tenant: TenantId,
    kind: &str,
    payable: Uuid,
) -> AppResult<Vec<payment::Model>> {
    use sea_orm::QueryOrder;
    let tx = state.db.read(tenant).await?;
    let parts = tx
        .all(tx.select::<allocation::Entity>().map(|q| {
            q.filter(allocation::Column::PayableKind.eq(kind)).filter(allocation::Column::PayableId.eq(payable))
        }))
        .await?;
    let rows = if parts.is_empty() {
        vec![]
    } else {
        tx.all(tx.select::<payment::Entity>().map(|q| {
            q.filter(payment::Column::Id.is_in(parts.iter().map(|a| a.payment_id))).order_by_asc(payment::Column::Id)
        }))
        .await?
    };
    tx.commit().await?;
    Ok(rows)
}

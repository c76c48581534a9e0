//! Keeps Meilisearch in step with the storefront. Every write that changes a shop's searchable text adds the
//! shop to the tenant's search outbox in the same transaction; a dispatcher sends the documents and clears the
//! rows only once Meilisearch has applied them. A Meilisearch outage therefore never fails a write: the rows
//! wait, and the dispatcher catches up when it returns (retrying with back-off, and sweeping every tenant now
//! and then so that rows left by another process or a crash are sent too).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{
    entity::{search_outbox, service_item, shop, therapist},
    search,
    service::PUBLISHED,
};
use crate::{
    db::{TenantTx, unscoped},
    infra::meili::Meili,
    kernel::TenantId,
    state::AppState,
};

/// Tenants with fresh search outbox rows, for the dispatcher (a part of the state).
#[derive(Default)]
pub struct Pending(Mutex<HashSet<TenantId>>);

fn pending(state: &AppState) -> std::sync::MutexGuard<'_, HashSet<TenantId>> {
    state.part::<Pending>().0.lock().unwrap_or_else(|p| p.into_inner())
}

const BATCH: u64 = 500;
const TICK: Duration = Duration::from_millis(300);
const SWEEP: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Records that a shop's search document must be re-sent (when Meilisearch is configured).
pub async fn enqueue(state: &AppState, tx: &TenantTx, shop_id: Uuid) -> Result<(), DbErr> {
    if state.meili.is_none() {
        return Ok(());
    }
    tx.insert(search_outbox::ActiveModel {
        tenant_id: Set(tx.tenant().0),
        id: Set(Uuid::now_v7()),
        shop_id: Set(shop_id),
        created_at: Set(state.now()),
    })
    .await?;
    pending(state).insert(tx.tenant());
    Ok(())
}

/// Sends one batch of the tenant's outbox; answers how many rows it cleared.
pub async fn flush_tenant(state: &AppState, meili: &Meili, tenant: TenantId) -> anyhow::Result<usize> {
    let tx = state.db.read(tenant).await?;
    let rows = tx
        .all(tx.select::<search_outbox::Entity>().map(|q| q.order_by_asc(search_outbox::Column::Id).limit(BATCH)))
        .await?;
    if rows.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let shop_ids: Vec<Uuid> = rows.iter().map(|r| r.shop_id).collect::<HashSet<_>>().into_iter().collect();
    let shops = tx
        .all(
            tx.select::<shop::Entity>()
                .map(|q| q.filter(shop::Column::Id.is_in(shop_ids.clone())).filter(shop::Column::Status.eq(PUBLISHED))),
        )
        .await?;
    let published: Vec<Uuid> = shops.iter().map(|s| s.id).collect();
    let therapists = tx
        .all(tx.select::<therapist::Entity>().map(|q| {
            q.filter(therapist::Column::ShopId.is_in(published.clone())).filter(therapist::Column::Active.eq(true))
        }))
        .await?;
    let services = tx
        .all(tx.select::<service_item::Entity>().map(|q| {
            q.filter(service_item::Column::ShopId.is_in(published.clone()))
                .filter(service_item::Column::Active.eq(true))
        }))
        .await?;
    tx.commit().await?;
    let docs: Vec<_> = search::texts(&shops, &therapists, &services).iter().map(|t| t.to_doc(tenant.0)).collect();
    let deletes: Vec<String> = shop_ids.iter().filter(|id| !published.contains(id)).map(Uuid::to_string).collect();
    meili.apply(&docs, &deletes).await?;
    let done: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let tx = state.db.begin(tenant).await?;
    tx.exec_delete(tx.delete_many::<search_outbox::Entity>().map(|q| q.filter(search_outbox::Column::Id.is_in(done))))
        .await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// Sends every published shop of every tenant: the first fill of a new index.
async fn reindex_all(state: &AppState, meili: &Meili) -> anyhow::Result<()> {
    for tenant in all_tenants(state).await? {
        let tx = state.db.read(tenant).await?;
        let catalog = search::Catalog::load(&tx).await?;
        tx.commit().await?;
        let docs: Vec<_> = catalog.texts().iter().map(|t| t.to_doc(tenant.0)).collect();
        meili.apply(&docs, &[]).await?;
    }
    Ok(())
}

async fn all_tenants(state: &AppState) -> anyhow::Result<Vec<TenantId>> {
    Ok(unscoped::all_tenants(&state.db).await?.iter().map(|t| TenantId(t.id)).collect())
}

/// Empties the outbox of each tenant, batch by batch.
async fn flush(state: &AppState, meili: &Meili, tenants: impl IntoIterator<Item = TenantId>) -> anyhow::Result<()> {
    for tenant in tenants {
        while flush_tenant(state, meili, tenant).await? as u64 == BATCH {}
    }
    Ok(())
}

/// Runs until the process ends: prepares the index, then sends outbox rows as they come.
pub fn spawn(state: AppState, meili: Arc<Meili>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = TICK;
        let mut prepared = false;
        let mut last_sweep: Option<tokio::time::Instant> = None;
        loop {
            tokio::time::sleep(backoff).await;
            let step = async {
                if !prepared {
                    if meili.prepare().await? {
                        reindex_all(&state, &meili).await?;
                    }
                    prepared = true;
                }
                if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP) {
                    flush(&state, &meili, all_tenants(&state).await?).await?;
                    last_sweep = Some(tokio::time::Instant::now());
                }
                let woken: Vec<TenantId> = std::mem::take(&mut *pending(&state)).into_iter().collect();
                if let Err(e) = flush(&state, &meili, woken.iter().copied()).await {
                    pending(&state).extend(woken);
                    return Err(e);
                }
                anyhow::Ok(())
            };
            match step.await {
                Ok(()) => backoff = TICK,
                Err(e) => {
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    tracing::warn!(error = %format!("{e:#}"), retry_in = ?backoff, "search outbox not sent; will retry");
                }
            }
        }
    })
}

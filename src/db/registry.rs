//! What a request knows of its tenant, fresh as of the moment the request arrived, at a cost of far less than
//! one database read per request.
//!
//! Every request needs its tenant's registry row: its status and its cache generations. Reading it per request
//! is the largest share of an uncached read's cost, and caching it in-process would let a process answer from
//! an old generation after another process's write. Instead, concurrent requests share reads: a request joins
//! the next batch, and one query reads the rows of every tenant in that batch. A batch's query starts after
//! each of its requests arrived, so each sees every write committed before it arrived; under load one query
//! serves hundreds of requests.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
};

use tokio::sync::oneshot;
use uuid::Uuid;

use super::{Db, unscoped};
use crate::{
    error::{AppError, AppResult},
    kernel::TenantInfo,
};

type Reply = oneshot::Sender<Result<Option<Arc<TenantInfo>>, ()>>;

#[derive(Default)]
struct Batch {
    waiting: Vec<(Uuid, Reply)>,
    /// A task is draining the batches.
    running: bool,
}

pub struct Registry {
    /// Connections of its own, so that requests are admitted while the main pool is busy.
    db: Db,
    batch: Arc<Mutex<Batch>>,
    /// Slug → id of tenants seen; a slug resolved here is still checked against the fresh row.
    slugs: RwLock<HashMap<String, Uuid>>,
    /// API key hash → id of tenants whose key was used; checked against the fresh row's hash likewise.
    keys: RwLock<HashMap<String, Uuid>>,
}

impl Registry {
    pub fn new(db: Db) -> Registry {
        Registry { db, batch: Arc::default(), slugs: RwLock::default(), keys: RwLock::default() }
    }

    /// The tenant's row as of a moment after this call began; `None` when there is no such tenant.
    pub async fn fresh(&self, id: Uuid) -> AppResult<Option<Arc<TenantInfo>>> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut batch = self.batch.lock().unwrap_or_else(|p| p.into_inner());
            batch.waiting.push((id, tx));
            !std::mem::replace(&mut batch.running, true)
        };
        if start {
            tokio::spawn(drain(self.db.clone(), Arc::clone(&self.batch)));
        }
        match rx.await {
            Ok(Ok(row)) => Ok(row),
            _ => Err(AppError::Internal(anyhow::anyhow!("the tenant registry could not be read"))),
        }
    }

    /// The tenant with this slug, fresh as in [`Registry::fresh`].
    pub async fn by_slug(&self, slug: &str) -> AppResult<Option<Arc<TenantInfo>>> {
        let known = self.slugs.read().unwrap_or_else(|p| p.into_inner()).get(slug).copied();
        if let Some(id) = known {
            match self.fresh(id).await? {
                Some(t) if t.slug == slug => return Ok(Some(t)),
                // Purged, or the slug now names another tenant.
                _ => {
                    self.slugs.write().unwrap_or_else(|p| p.into_inner()).remove(slug);
                }
            }
        }
        // Boxed, like the key's look-up below: a first sight, whose query every request's future would carry.
        let Some(row) = Box::pin(unscoped::tenant_by_slug(&self.db, slug)).await? else { return Ok(None) };
        self.slugs.write().unwrap_or_else(|p| p.into_inner()).insert(row.slug.clone(), row.id);
        Ok(Some(Arc::new(unscoped::tenant_info(&row)?)))
    }

    /// The tenant whose current API key has this hash, fresh as in [`Registry::fresh`]: a key used before is
    /// known from memory and checked against the fresh row (which every concurrent request shares), so a key
    /// rotated or a tenant suspended by any process is refused on the next request.
    pub async fn by_api_key_hash(&self, hash: &str) -> AppResult<Option<Arc<TenantInfo>>> {
        let known = self.keys.read().unwrap_or_else(|p| p.into_inner()).get(hash).copied();
        if let Some(id) = known {
            match self.fresh(id).await? {
                Some(t) if t.api_key_hash.as_ref().is_some_and(|h| h.0 == hash) => return Ok(Some(t)),
                // Rotated, or the tenant purged.
                _ => {
                    self.keys.write().unwrap_or_else(|p| p.into_inner()).remove(hash);
                }
            }
        }
        let Some(row) = Box::pin(unscoped::tenant_by_api_key_hash(&self.db, hash)).await? else { return Ok(None) };
        self.keys.write().unwrap_or_else(|p| p.into_inner()).insert(hash.to_owned(), row.id);
        Ok(Some(Arc::new(unscoped::tenant_info(&row)?)))
    }
}

/// Reads batch after batch until no request waits.
async fn drain(db: Db, batch: Arc<Mutex<Batch>>) {
    // If this task panics, the next request starts another.
    struct Running(Arc<Mutex<Batch>>);
    impl Drop for Running {
        fn drop(&mut self) {
            if std::thread::panicking() {
                self.0.lock().unwrap_or_else(|p| p.into_inner()).running = false;
            }
        }
    }
    let _running = Running(Arc::clone(&batch));
    loop {
        let waiting = {
            let mut b = batch.lock().unwrap_or_else(|p| p.into_inner());
            if b.waiting.is_empty() {
                b.running = false;
                return;
            }
            std::mem::take(&mut b.waiting)
        };
        let mut ids: Vec<Uuid> = waiting.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        metrics::histogram!("civic_registry_batch_tenants").record(ids.len() as f64);
        match unscoped::tenants_by_ids(&db, &ids).await {
            Ok(rows) => {
                let fresh: HashMap<Uuid, Result<Arc<TenantInfo>, ()>> = rows
                    .iter()
                    .map(|r| {
                        let info = unscoped::tenant_info(r).map(Arc::new).map_err(|e| {
                            tracing::error!(error = %e, "tenant registry row not understood");
                        });
                        (r.id, info)
                    })
                    .collect();
                for (id, reply) in waiting {
                    let _ = reply.send(fresh.get(&id).cloned().transpose());
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "tenant registry read failed");
                for (_, reply) in waiting {
                    let _ = reply.send(Err(()));
                }
            }
        }
    }
}

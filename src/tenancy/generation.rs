//! Cache generations. Each tenant's registry row carries one counter per area; a write that changes what
//! consumers read in that area raises it in the writing transaction. Cached answers and in-memory indexes are
//! keyed by the generations they were computed at, and every request learns the current ones from the registry
//! (`tenancy::registry`), so the next read after a commit, in any process, never sees an older answer.

use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    sync::{Arc, Mutex, RwLock},
};

use sea_orm::DbErr;

use crate::db::{TenantId, TenantTx, unscoped};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Generations {
    /// Shops, therapists, service items, opening hours, promotions, photos and ratings.
    pub storefront: i64,
    /// Slot claims: what `availableSlots` offers.
    pub booking: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Storefront,
    Booking,
}

impl Generations {
    pub fn of(&self, area: Area) -> i64 {
        match area {
            Area::Storefront => self.storefront,
            Area::Booking => self.booking,
        }
    }
}

/// Raises the tenant's generation for `area`; call inside the writing transaction, last before it commits
/// (the tenant's row stays locked until then). Answers the new generation.
pub async fn bump(tx: &TenantTx, area: Area) -> Result<i64, DbErr> {
    unscoped::bump_generation(tx, area).await
}

/// Per-tenant values built from the database and tagged with the generation of one area that the request
/// saw: a request that saw a newer generation (a write anywhere, in any process, raised it) builds a new one.
/// One build per tenant at a time; requests that need the same build wait for it.
pub struct Snapshots<T> {
    by_tenant: RwLock<HashMap<TenantId, Held<T>>>,
    builds: Mutex<HashMap<TenantId, Arc<tokio::sync::Mutex<()>>>>,
}

/// A change that makes the value at one generation from the value at the one before.
type Change<T> = Box<dyn FnOnce(&T) -> T + Send + Sync>;

/// Changes this process may hold back for one tenant, waiting for the generations before them.
const MAX_AHEAD: usize = 64;

struct Held<T> {
    generation: i64,
    value: Arc<T>,
    /// Changes this process committed for later generations whose writes finished before the writes of the
    /// generations before them: applied once those arrive. A gap that another process made never fills,
    /// and the next request that saw the later generation builds.
    ahead: BTreeMap<i64, Change<T>>,
}

impl<T> Default for Snapshots<T> {
    fn default() -> Self {
        Snapshots { by_tenant: RwLock::default(), builds: Mutex::default() }
    }
}

impl<T> Snapshots<T> {
    fn current(&self, tenant: TenantId, generation: i64, usable: &impl Fn(&T) -> bool) -> Option<Arc<T>> {
        let all = self.by_tenant.read().unwrap_or_else(|p| p.into_inner());
        all.get(&tenant).filter(|h| h.generation >= generation && usable(&h.value)).map(|h| h.value.clone())
    }

    /// The tenant's value at `generation` or newer that is `usable`; else the one `build` makes. `build` must
    /// read the database after it is called: rows read then are at least as new as the generation the request
    /// saw, so a value is never tagged newer than its data.
    pub async fn get<E, F>(
        &self,
        tenant: TenantId,
        generation: i64,
        usable: impl Fn(&T) -> bool,
        build: impl FnOnce() -> F,
    ) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.current(tenant, generation, &usable) {
            return Ok(value);
        }
        let gate = self.builds.lock().unwrap_or_else(|p| p.into_inner()).entry(tenant).or_default().clone();
        let _building = gate.lock().await;
        if let Some(value) = self.current(tenant, generation, &usable) {
            return Ok(value);
        }
        let value = Arc::new(build().await?);
        let mut all = self.by_tenant.write().unwrap_or_else(|p| p.into_inner());
        let mut ahead = all.remove(&tenant).map(|h| h.ahead).unwrap_or_default();
        ahead.retain(|g, _| *g > generation);
        let mut held = Held { generation, value: value.clone(), ahead };
        held.catch_up();
        all.insert(tenant, held);
        Ok(value)
    }

    /// After this process committed the write that raised the tenant's generation to `generation`: when the
    /// value held is at the generation just before, the write was the only change since, so `change` makes the
    /// value at `generation` without a build. A change that comes before the one of the generation before it
    /// (two writes of this process finished out of order) waits for it. Otherwise (another process wrote in
    /// between) the next request builds.
    pub fn advance(&self, tenant: TenantId, generation: i64, change: impl FnOnce(&T) -> T + Send + Sync + 'static) {
        let mut all = self.by_tenant.write().unwrap_or_else(|p| p.into_inner());
        let Some(held) = all.get_mut(&tenant) else { return };
        if generation <= held.generation {
            return;
        }
        if held.ahead.len() >= MAX_AHEAD {
            held.ahead.clear();
        }
        held.ahead.insert(generation, Box::new(change));
        held.catch_up();
    }
}

impl<T> Held<T> {
    /// Applies the changes that follow on from the generation held.
    fn catch_up(&mut self) {
        while let Some(change) = self.ahead.remove(&(self.generation + 1)) {
            self.value = Arc::new(change(&self.value));
            self.generation += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_value_is_built_once_per_generation_and_advanced_only_from_the_one_before() {
        let snapshots = Snapshots::<Vec<i64>>::default();
        let tenant = TenantId(uuid::Uuid::now_v7());
        let builds = AtomicUsize::new(0);
        let get = |generation: i64| {
            let builds = &builds;
            let snapshots = &snapshots;
            async move {
                let v = snapshots.get(
                    tenant,
                    generation,
                    |_| true,
                    || async {
                        builds.fetch_add(1, Ordering::Relaxed);
                        Ok::<_, ()>(vec![generation])
                    },
                );
                v.await.unwrap()
            }
        };
        assert_eq!(*get(3).await, [3]);
        assert_eq!(*get(2).await, [3], "an older request is served the newer value");
        assert_eq!(builds.load(Ordering::Relaxed), 1);
        // This process's own write raised the generation to 4: the change applies without a build.
        snapshots.advance(tenant, 4, |v| [v.as_slice(), &[40]].concat());
        assert_eq!(*get(4).await, [3, 40]);
        assert_eq!(builds.load(Ordering::Relaxed), 1);
        // Two writes of this process finished out of order: 6 waits for 5, then both apply.
        snapshots.advance(tenant, 6, |v| [v.as_slice(), &[60]].concat());
        assert_eq!(*get(4).await, [3, 40], "6 is held back until 5 arrives");
        snapshots.advance(tenant, 5, |v| [v.as_slice(), &[50]].concat());
        assert_eq!(*get(6).await, [3, 40, 50, 60]);
        assert_eq!(builds.load(Ordering::Relaxed), 1);
        // A write from elsewhere (7) came between: the change to 8 is not applied, and 8 is built.
        snapshots.advance(tenant, 8, |v| [v.as_slice(), &[80]].concat());
        assert_eq!(*get(8).await, [8]);
        assert_eq!(builds.load(Ordering::Relaxed), 2);
        // A change already contained in a build is not applied again.
        snapshots.advance(tenant, 8, |v| [v.as_slice(), &[80]].concat());
        assert_eq!(*get(8).await, [8]);
    }
}

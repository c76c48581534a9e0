//! Per-tenant values built from the database and tagged with the generation of one cache area that the request
//! saw (see `kernel::tenant`): a request that saw a newer generation builds a new one.

use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    sync::{Arc, Mutex, RwLock},
    time::Duration,
};

use crate::kernel::TenantId;

/// Per-tenant values built from the database and tagged with the generation of one area that the request
/// saw: a request that saw a newer generation (a write anywhere, in any process, raised it) builds a new one.
/// One build per tenant at a time; requests that need the same build wait for it.
pub struct Snapshots<T> {
    by_tenant: RwLock<HashMap<TenantId, Held<T>>>,
    builds: Mutex<HashMap<TenantId, Arc<tokio::sync::Mutex<()>>>>,
    /// This process's writes being committed, by tenant (see [`Snapshots::commit`]).
    writing: Mutex<HashMap<TenantId, usize>>,
    /// Woken whenever one of them is over.
    written: tokio::sync::Notify,
}

/// A change that makes the value at one generation from the value at the one before.
type Change<T> = Box<dyn FnOnce(&T) -> T + Send + Sync>;

/// Changes this process may hold back for one tenant, waiting for the generations before them.
const MAX_AHEAD: usize = 64;

/// How long a request waits for this process's writes to a tenant before it builds (a commit takes a few
/// milliseconds).
const WAIT_FOR_WRITES: Duration = Duration::from_millis(100);

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
        Snapshots {
            by_tenant: RwLock::default(),
            builds: Mutex::default(),
            writing: Mutex::default(),
            written: tokio::sync::Notify::new(),
        }
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
        if let Some(value) = self.after_own_writes(tenant, generation, &usable).await {
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

    /// The value once this process's writes to the tenant are over, if one of them brought it to `generation`:
    /// the request may have learned the generation of a write that has committed but not yet given its change.
    async fn after_own_writes(
        &self,
        tenant: TenantId,
        generation: i64,
        usable: &impl Fn(&T) -> bool,
    ) -> Option<Arc<T>> {
        let deadline = tokio::time::Instant::now() + WAIT_FOR_WRITES;
        loop {
            let written = self.written.notified();
            tokio::pin!(written);
            // Registered before looking, so that a write ending in between still wakes this request.
            written.as_mut().enable();
            if let Some(value) = self.current(tenant, generation, usable) {
                return Some(value);
            }
            if !self.writing.lock().unwrap_or_else(|p| p.into_inner()).contains_key(&tenant) {
                return None;
            }
            tokio::time::timeout_at(deadline, written).await.ok()?;
        }
    }

    /// Commits this process's write that raised the tenant's generation to `generation` (`commit`), then gives
    /// its change to [`Snapshots::advance`]. From before the commit until then, a request that saw a generation
    /// newer than the value held waits for the write instead of building: without it, each request that
    /// learned the new generation in that moment (under load, a few in a hundred bookings) read the tenant's
    /// rows again.
    pub async fn commit<E>(
        &self,
        tenant: TenantId,
        generation: i64,
        commit: impl Future<Output = Result<(), E>>,
        change: impl FnOnce(&T) -> T + Send + Sync + 'static,
    ) -> Result<(), E> {
        let _writing = Writing::start(self, tenant);
        commit.await?;
        self.advance(tenant, generation, change);
        Ok(())
    }

    /// After this process committed the write that raised the tenant's generation to `generation`: when the
    /// value held is at the generation just before, the write was the only change since, so `change` makes the
    /// value at `generation` without a build. A change that comes before the one of the generation before it
    /// (two writes of this process finished out of order) waits for it. Otherwise (another process wrote in
    /// between) the next request builds.
    fn advance(&self, tenant: TenantId, generation: i64, change: impl FnOnce(&T) -> T + Send + Sync + 'static) {
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

/// One of this process's writes to a tenant, from before its commit until its change is applied or it failed.
struct Writing<'a, T> {
    snapshots: &'a Snapshots<T>,
    tenant: TenantId,
}

impl<'a, T> Writing<'a, T> {
    fn start(snapshots: &'a Snapshots<T>, tenant: TenantId) -> Self {
        *snapshots.writing.lock().unwrap_or_else(|p| p.into_inner()).entry(tenant).or_default() += 1;
        Writing { snapshots, tenant }
    }
}

impl<T> Drop for Writing<'_, T> {
    fn drop(&mut self) {
        let mut writing = self.snapshots.writing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = writing.get_mut(&self.tenant) {
            *n -= 1;
            if *n == 0 {
                writing.remove(&self.tenant);
            }
        }
        drop(writing);
        self.snapshots.written.notify_waiters();
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

    /// The value at `generation`, counting builds (a build makes `[generation]`).
    async fn counted(
        snapshots: &Snapshots<Vec<i64>>,
        tenant: TenantId,
        builds: &AtomicUsize,
        generation: i64,
    ) -> Arc<Vec<i64>> {
        let build = || async {
            builds.fetch_add(1, Ordering::Relaxed);
            Ok::<_, ()>(vec![generation])
        };
        snapshots.get(tenant, generation, |_| true, build).await.unwrap()
    }

    #[tokio::test]
    async fn a_value_is_built_once_per_generation_and_advanced_only_from_the_one_before() {
        let snapshots = Snapshots::<Vec<i64>>::default();
        let tenant = TenantId(uuid::Uuid::now_v7());
        let builds = AtomicUsize::new(0);
        let get = |generation: i64| counted(&snapshots, tenant, &builds, generation);
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

    #[tokio::test]
    async fn a_request_that_saw_a_write_of_this_process_still_committing_waits_for_its_change_instead_of_building() {
        let snapshots = Snapshots::<Vec<i64>>::default();
        let tenant = TenantId(uuid::Uuid::now_v7());
        let builds = AtomicUsize::new(0);
        let get = |generation: i64| counted(&snapshots, tenant, &builds, generation);
        // This process commits a write to `generation` that ends with `outcome`; meanwhile a request that learned
        // `generation` (from the registry) asks. Answers the commit's result and what the request got.
        let write_while_reading = |generation: i64, outcome: Result<(), ()>| {
            let (snapshots, get) = (&snapshots, &get);
            async move {
                let (done, commit) = tokio::sync::oneshot::channel();
                let change = move |v: &Vec<i64>| [v.as_slice(), &[generation * 10]].concat();
                let write = snapshots.commit(tenant, generation, async { commit.await.unwrap_or(Err(())) }, change);
                let read = async {
                    let (value, ()) = tokio::join!(get(generation), async {
                        tokio::task::yield_now().await;
                        done.send(outcome).unwrap();
                    });
                    value
                };
                let (written, value) = tokio::join!(write, read);
                (written, value.to_vec())
            }
        };
        assert_eq!(*get(1).await, [1]);
        // The request waits for the committed change instead of building.
        assert_eq!(write_while_reading(2, Ok(())).await, (Ok(()), vec![1, 20]));
        assert_eq!(builds.load(Ordering::Relaxed), 1, "the request waited for the change instead of building");
        // A commit that fails gives no change: the request (which saw another process's generation 3) builds.
        assert_eq!(write_while_reading(3, Err(())).await, (Err(()), vec![3]));
        assert_eq!(builds.load(Ordering::Relaxed), 2);
        // With no write of this process under way, a request builds at once.
        assert_eq!(*get(4).await, [4]);
    }
}

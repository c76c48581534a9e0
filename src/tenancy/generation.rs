//! Cache generations. Each tenant's registry row carries one counter per area; a write that changes what
//! consumers read in that area raises it in the writing transaction. Cached answers and in-memory indexes are
//! keyed by the generations they were computed at, and every request learns the current ones from the registry
//! (`tenancy::registry`), so the next read after a commit, in any process, never sees an older answer.

use std::{
    collections::HashMap,
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

/// Raises the tenant's generation for `area`; call inside the writing transaction.
pub async fn bump(tx: &TenantTx, area: Area) -> Result<(), DbErr> {
    unscoped::bump_generation(tx, area).await
}

/// Per-tenant values built from the database and tagged with the generation of one area that the request
/// saw: a request that saw a newer generation (a write anywhere, in any process, raised it) builds a new one.
/// One build per tenant at a time; requests that need the same build wait for it.
pub struct Snapshots<T> {
    by_tenant: RwLock<HashMap<TenantId, (i64, Arc<T>)>>,
    builds: Mutex<HashMap<TenantId, Arc<tokio::sync::Mutex<()>>>>,
}

impl<T> Default for Snapshots<T> {
    fn default() -> Self {
        Snapshots { by_tenant: RwLock::default(), builds: Mutex::default() }
    }
}

impl<T> Snapshots<T> {
    fn current(&self, tenant: TenantId, generation: i64, usable: &impl Fn(&T) -> bool) -> Option<Arc<T>> {
        let all = self.by_tenant.read().unwrap_or_else(|p| p.into_inner());
        all.get(&tenant).filter(|(g, value)| *g >= generation && usable(value)).map(|(_, value)| value.clone())
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
        self.by_tenant.write().unwrap_or_else(|p| p.into_inner()).insert(tenant, (generation, value.clone()));
        Ok(value)
    }
}

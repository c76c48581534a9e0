//! Per-tenant in-memory indexes of the published storefront: nearest shops (geo + rstar) and the embedded text
//! search. Each is tagged with the tenant's storefront generation; a request that saw a newer one (a write
//! anywhere, in any process, raised it) rebuilds it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
};

use super::search::{Catalog, SearchIndex};
use crate::{
    db::TenantId,
    error::AppResult,
    infra::geo::{GeoPoint, NearestIndex},
    state::AppState,
    tenancy::TenantInfo,
};

pub struct TenantIndex {
    pub generation: i64,
    pub nearest: NearestIndex,
    pub search: SearchIndex,
}

#[derive(Default)]
pub struct Indexes {
    by_tenant: RwLock<HashMap<TenantId, Arc<TenantIndex>>>,
    /// One build per tenant at a time; the others wait for it.
    builds: Mutex<HashMap<TenantId, Arc<tokio::sync::Mutex<()>>>>,
}

impl Indexes {
    fn current(&self, tenant: TenantId, generation: i64) -> Option<Arc<TenantIndex>> {
        let all = self.by_tenant.read().unwrap_or_else(|p| p.into_inner());
        all.get(&tenant).filter(|ix| ix.generation >= generation).cloned()
    }

    /// The tenant's index at the storefront generation the request saw (or newer).
    pub async fn get(&self, state: &AppState, tenant: &TenantInfo) -> AppResult<Arc<TenantIndex>> {
        let generation = tenant.generations.storefront;
        if let Some(ix) = self.current(tenant.id, generation) {
            return Ok(ix);
        }
        let gate = self.builds.lock().unwrap_or_else(|p| p.into_inner()).entry(tenant.id).or_default().clone();
        let _building = gate.lock().await;
        if let Some(ix) = self.current(tenant.id, generation) {
            return Ok(ix);
        }
        // Rows read now are at least as new as the generation the request saw, so an index is never tagged
        // newer than its data.
        let tx = state.db.read(tenant.id).await?;
        let catalog = Catalog::load(&tx).await?;
        tx.commit().await?;
        let nearest =
            NearestIndex::build(catalog.shops.iter().map(|s| (s.id, GeoPoint::gcj02_unchecked(s.lat, s.lng))));
        let search = SearchIndex::build(catalog.texts());
        let ix = Arc::new(TenantIndex { generation, nearest, search });
        self.by_tenant.write().unwrap_or_else(|p| p.into_inner()).insert(tenant.id, ix.clone());
        Ok(ix)
    }
}

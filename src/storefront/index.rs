//! Per-tenant in-memory indexes of the published storefront: nearest shops (geo + rstar) and the embedded text
//! search. Each is tagged with the tenant's storefront revision; a read compares it with the database's and
//! rebuilds when a write anywhere (in any process) has raised it.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use super::search::{Catalog, SearchIndex};
use crate::{
    db::TenantId,
    error::AppResult,
    infra::geo::{GeoPoint, NearestIndex},
    state::AppState,
    tenancy::revision::{self, STOREFRONT},
};

pub struct TenantIndex {
    pub revision: i64,
    pub nearest: NearestIndex,
    pub search: SearchIndex,
}

#[derive(Default)]
pub struct Indexes {
    by_tenant: RwLock<HashMap<TenantId, Arc<TenantIndex>>>,
}

impl Indexes {
    /// The tenant's index as of now.
    pub async fn get(&self, state: &AppState, tenant: TenantId) -> AppResult<Arc<TenantIndex>> {
        // The revision is read first: rows read after it are at least as new, so an index is never tagged
        // newer than its data.
        let tx = state.db.read(tenant).await?;
        let rev = revision::current(&tx, STOREFRONT).await?;
        let cached = self.by_tenant.read().unwrap_or_else(|p| p.into_inner()).get(&tenant).cloned();
        if let Some(ix) = cached.filter(|ix| ix.revision == rev) {
            tx.commit().await?;
            return Ok(ix);
        }
        let catalog = Catalog::load(&tx).await?;
        tx.commit().await?;
        let nearest =
            NearestIndex::build(catalog.shops.iter().map(|s| (s.id, GeoPoint::gcj02_unchecked(s.lat, s.lng))));
        let search = SearchIndex::build(catalog.texts());
        let ix = Arc::new(TenantIndex { revision: rev, nearest, search });
        self.by_tenant.write().unwrap_or_else(|p| p.into_inner()).insert(tenant, ix.clone());
        Ok(ix)
    }
}

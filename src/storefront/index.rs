//! Per-tenant in-memory indexes of the published storefront: nearest shops (geo + rstar) and the embedded text
//! search. Each is tagged with the tenant's storefront revision; a read compares it with the database's and
//! rebuilds when a write anywhere (in any process) has raised it.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::{
    entity::{service_item, shop, therapist},
    search::{SearchIndex, ShopText},
    service::PUBLISHED,
};
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

fn strings(v: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap_or_default()
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
        let shops = tx.all(tx.select::<shop::Entity>().map(|q| q.filter(shop::Column::Status.eq(PUBLISHED)))).await?;
        let therapists =
            tx.all(tx.select::<therapist::Entity>().map(|q| q.filter(therapist::Column::Active.eq(true)))).await?;
        let services = tx
            .all(tx.select::<service_item::Entity>().map(|q| q.filter(service_item::Column::Active.eq(true))))
            .await?;
        tx.commit().await?;

        let nearest = NearestIndex::build(shops.iter().map(|s| (s.id, GeoPoint::gcj02_unchecked(s.lat, s.lng))));
        let mut therapists_of: HashMap<Uuid, Vec<&therapist::Model>> = HashMap::new();
        for t in &therapists {
            therapists_of.entry(t.shop_id).or_default().push(t);
        }
        let mut services_of: HashMap<Uuid, Vec<&service_item::Model>> = HashMap::new();
        for s in &services {
            services_of.entry(s.shop_id).or_default().push(s);
        }
        let search = SearchIndex::build(shops.iter().map(|s| {
            let ts = therapists_of.get(&s.id).map(Vec::as_slice).unwrap_or_default();
            let ss = services_of.get(&s.id).map(Vec::as_slice).unwrap_or_default();
            ShopText {
                shop_id: s.id,
                name: &s.name,
                address: &s.address,
                district: &s.district,
                intro: &s.intro,
                tags: strings(&s.tags),
                therapist_names: ts.iter().map(|t| t.name.as_str()).collect(),
                specialties: ts.iter().flat_map(|t| strings(&t.specialties)).collect(),
                service_names: ss.iter().map(|x| x.name.as_str()).collect(),
                service_categories: ss.iter().map(|x| x.category.as_str()).collect(),
            }
        }));
        let ix = Arc::new(TenantIndex { revision: rev, nearest, search });
        self.by_tenant.write().unwrap_or_else(|p| p.into_inner()).insert(tenant, ix.clone());
        Ok(ix)
    }
}

//! Per-tenant in-memory indexes of the published storefront: nearest shops (geo + rstar) and the embedded text
//! search. Each is tagged with the tenant's storefront generation; a request that saw a newer one (a write
//! anywhere, in any process, raised it) rebuilds it.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    entity::service_item,
    profile::{ShopProfile, TherapistProfile},
    search::{Catalog, SearchIndex},
    service::PromotionRow,
    timetable::Timetable,
};
use crate::{
    error::{AppError, AppResult},
    infra::geo::{GeoPoint, NearestIndex},
    infra::snapshots::Snapshots,
    kernel::TenantInfo,
    state::AppState,
};

pub struct TenantIndex {
    pub nearest: NearestIndex,
    pub search: SearchIndex,
    /// The published storefront as consumers see it, so that their reads need no database read.
    published: HashMap<Uuid, Arc<ShopProfile>>,
    /// Active therapists and service items by shop, and active performers by service item; ordered by id.
    therapists: HashMap<Uuid, Vec<Arc<TherapistProfile>>>,
    services: HashMap<Uuid, Vec<Arc<service_item::Model>>>,
    performers: HashMap<Uuid, Vec<Arc<TherapistProfile>>>,
    /// Published promotions in published shops, newest first.
    promotions: Vec<PromotionRow>,
    /// When they start and end: what is read here holds until the next of these moments.
    pub changes: Arc<Timetable>,
}

impl TenantIndex {
    fn from_catalog(catalog: Catalog) -> TenantIndex {
        let nearest =
            NearestIndex::build(catalog.shops.iter().map(|s| (s.id, GeoPoint::gcj02_unchecked(s.lat, s.lng))));
        let search = SearchIndex::build(catalog.texts());
        let by_id: HashMap<Uuid, Arc<TherapistProfile>> =
            catalog.therapists.into_iter().map(|t| (t.id, Arc::new(TherapistProfile::new(t)))).collect();
        let mut performers: HashMap<Uuid, Vec<Arc<TherapistProfile>>> = HashMap::new();
        for link in &catalog.links {
            if let Some(t) = by_id.get(&link.therapist_id) {
                performers.entry(link.service_item_id).or_default().push(Arc::clone(t));
            }
        }
        let mut therapists: HashMap<Uuid, Vec<Arc<TherapistProfile>>> = HashMap::new();
        for t in by_id.into_values() {
            therapists.entry(t.model.shop_id).or_default().push(t);
        }
        let mut services: HashMap<Uuid, Vec<Arc<service_item::Model>>> = HashMap::new();
        for s in catalog.services {
            services.entry(s.shop_id).or_default().push(Arc::new(s));
        }
        therapists.values_mut().chain(performers.values_mut()).for_each(|v| v.sort_by_key(|t| t.model.id));
        services.values_mut().for_each(|v| v.sort_by_key(|s| s.id));
        // The moments of every published promotion, in published shops or not (more moments only end answers sooner).
        let changes = Arc::new(Timetable::new(catalog.promotions.iter().flat_map(|p| [p.starts_at, p.ends_at])));
        let published: HashMap<Uuid, Arc<ShopProfile>> = catalog
            .shops
            .into_iter()
            .map(|s| (s.id, Arc::new(ShopProfile::published(s, Arc::clone(&changes)))))
            .collect();
        let mut links = catalog.promotion_shops;
        links.sort_by_key(|l| l.id);
        let mut shops_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for l in links.into_iter().filter(|l| published.contains_key(&l.shop_id)) {
            shops_of.entry(l.promotion_id).or_default().push(l.shop_id);
        }
        let mut promotions: Vec<PromotionRow> = catalog
            .promotions
            .into_iter()
            .filter_map(|model| {
                let shop_ids = shops_of.remove(&model.id)?;
                let call_phone =
                    model.call_phone.clone().or_else(|| Some(published.get(&shop_ids[0])?.model.phone.clone()));
                Some(PromotionRow { model, shop_ids, call_phone })
            })
            .collect();
        promotions.sort_by_key(|p| std::cmp::Reverse(p.model.id));
        TenantIndex { nearest, search, published, therapists, services, performers, promotions, changes }
    }

    /// These published shops, in this order (ids of shops no longer published are left out).
    pub fn shops(&self, ids: &[Uuid]) -> Vec<Arc<ShopProfile>> {
        ids.iter().filter_map(|id| self.published.get(id).cloned()).collect()
    }

    pub fn shop(&self, id: Uuid) -> Option<&Arc<ShopProfile>> {
        self.published.get(&id)
    }

    /// The active therapists of a published shop.
    pub fn therapists_of(&self, shop: Uuid) -> &[Arc<TherapistProfile>] {
        self.therapists.get(&shop).map_or(&[], Vec::as_slice)
    }

    /// The active service items of a published shop.
    pub fn services_of(&self, shop: Uuid) -> &[Arc<service_item::Model>] {
        self.services.get(&shop).map_or(&[], Vec::as_slice)
    }

    /// Promotions running at `now`, newest first, after the cursor `before`; in `shop` only (which must be
    /// published) when given.
    pub fn promotions(
        &self,
        shop: Option<Uuid>,
        before: Option<Uuid>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> AppResult<Vec<PromotionRow>> {
        if shop.is_some_and(|s| !self.published.contains_key(&s)) {
            return Err(AppError::NotFound("shop"));
        }
        Ok(self
            .promotions
            .iter()
            .filter(|p| p.model.starts_at <= now && now < p.model.ends_at)
            .filter(|p| shop.is_none_or(|s| p.shop_ids.contains(&s)))
            .filter(|p| before.is_none_or(|b| p.model.id < b))
            .take(limit)
            .cloned()
            .collect())
    }

    /// The active therapists performing an active service item.
    pub fn performers_of(&self, service: Uuid) -> &[Arc<TherapistProfile>] {
        self.performers.get(&service).map_or(&[], Vec::as_slice)
    }
}

/// The state's indexes (a part that `app::state` puts in).
pub fn of(state: &AppState) -> &Indexes {
    state.part::<Indexes>()
}

/// Each tenant's index at its storefront generation.
#[derive(Default)]
pub struct Indexes(Snapshots<TenantIndex>);

impl Indexes {
    /// How long an answer read from the tenant's storefront now holds, at most `most` (see `timetable`).
    pub async fn holds(&self, state: &AppState, tenant: &TenantInfo, most: Duration) -> AppResult<Duration> {
        Ok(self.get(state, tenant).await?.changes.holds(state.now(), most))
    }

    /// The tenant's index at the storefront generation the request saw (or newer).
    pub async fn get(&self, state: &AppState, tenant: &TenantInfo) -> AppResult<Arc<TenantIndex>> {
        let generation = tenant.generations.storefront;
        self.0
            .get(
                tenant.id,
                generation,
                |_| true,
                || async {
                    let tx = state.db.read(tenant.id).await?;
                    let catalog = Catalog::load(&tx).await?;
                    tx.commit().await?;
                    Ok(TenantIndex::from_catalog(catalog))
                },
            )
            .await
    }
}

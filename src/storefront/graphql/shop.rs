//! The `Shop` object, its card in lists of results, and its input.

use std::{borrow::Cow, sync::Arc};

use async_graphql::{
    Context, ContextSelectionSet, ID, InputObject, Object, OutputType, Positioned, ServerResult, SimpleObject, Value,
    parser::types::Field, registry::Registry,
};

use super::{
    promotion::Promotion,
    published,
    service_item::ServiceItem,
    therapist::Therapist,
    values::{GeoPointInput, Location, OpeningHours, OpeningHoursInput, Photo, parse_week, photo, week_out},
};
use crate::{
    error::AppResult,
    graphql::{context::CtxExt, ids_of},
    kernel::TenantId,
    storefront::{
        card::CardKey,
        entity::shop,
        hours::parse_dates,
        profile::ShopProfile,
        service::{self, Accessibility, ShopFields, View},
    },
};

#[derive(InputObject, SimpleObject, Clone, Copy, Default)]
#[graphql(input_name = "AccessibilityInput")]
pub struct AccessibilityFacts {
    /// 无障碍入口: no steps between the street and the treatment rooms.
    pub step_free: bool,
    /// Guide dogs are welcome.
    pub guide_dogs: bool,
    /// A braille price list is at hand.
    pub braille_price_list: bool,
    /// The price list can be heard (audio or read aloud on request).
    pub audio_price_list: bool,
}

impl AccessibilityFacts {
    pub(super) fn of(m: &shop::Model) -> AccessibilityFacts {
        AccessibilityFacts {
            step_free: m.step_free,
            guide_dogs: m.guide_dogs,
            braille_price_list: m.braille_price_list,
            audio_price_list: m.audio_price_list,
        }
    }
}

impl From<AccessibilityFacts> for Accessibility {
    fn from(a: AccessibilityFacts) -> Self {
        Accessibility {
            step_free: a.step_free,
            guide_dogs: a.guide_dogs,
            braille_price_list: a.braille_price_list,
            audio_price_list: a.audio_price_list,
        }
    }
}

/// A shop's profile. A shop without opening hours is open 10:00–22:00 every day. On update, fields left out
/// keep their value.
#[derive(InputObject)]
pub struct ShopInput {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub location: GeoPointInput,
    pub intro: Option<String>,
    pub district: Option<String>,
    pub opening_hours: Option<Vec<OpeningHoursInput>>,
    /// Dates (YYYY-MM-DD, the tenant's calendar) the shop is closed.
    pub closed_dates: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub accessibility: Option<AccessibilityFacts>,
    /// Uploaded `shop_photo` media ids, in display order.
    pub photo_ids: Option<Vec<ID>>,
}

impl ShopInput {
    pub(super) fn fields(self) -> AppResult<ShopFields> {
        Ok(ShopFields {
            location: self.location.point().map_err(|e| e.at("input.location"))?,
            hours: self.opening_hours.as_deref().map(parse_week).transpose().map_err(|e| e.at("input.openingHours"))?,
            closed_dates: self
                .closed_dates
                .as_deref()
                .map(parse_dates)
                .transpose()
                .map_err(|e| e.at("input.closedDates"))?,
            photo_ids: self.photo_ids.as_deref().map(ids_of).transpose().map_err(|e| e.at("input.photoIds"))?,
            name: self.name,
            address: self.address,
            phone: self.phone,
            intro: self.intro,
            district: self.district,
            tags: self.tags,
            accessibility: self.accessibility.map(Into::into),
        })
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum ShopStatus {
    Draft,
    Published,
    Suspended,
}

impl ShopStatus {
    pub(super) fn of(m: &shop::Model) -> ShopStatus {
        match m.status.as_str() {
            service::PUBLISHED => ShopStatus::Published,
            service::SUSPENDED => ShopStatus::Suspended,
            _ => ShopStatus::Draft,
        }
    }
}

#[derive(SimpleObject)]
pub struct Rating {
    /// Mean of the review ratings (1–5); null until the first review.
    pub average: Option<f64>,
    pub count: i64,
}

impl Rating {
    pub(super) fn of(m: &shop::Model) -> Rating {
        Rating {
            average: (m.rating_count > 0).then(|| m.rating_sum as f64 / m.rating_count as f64),
            count: m.rating_count,
        }
    }
}

/// The most promotions a shop lists.
pub(super) const SHOP_PROMOTIONS: u64 = 100;

/// A shop, read field by field from its profile (a published one is shared by every request of its storefront
/// generation): a field nobody asked for costs nothing.
pub struct Shop {
    p: Arc<ShopProfile>,
    view: View,
}

impl Shop {
    pub fn new(m: shop::Model, view: View) -> Shop {
        Shop::of(Arc::new(ShopProfile::new(m)), view)
    }

    pub fn of(p: Arc<ShopProfile>, view: View) -> Shop {
        Shop { p, view }
    }
}

/// A published shop in a list of results: the `Shop` type, whose resolved value is reused (see `card`).
pub struct ShopCard(Shop);

impl ShopCard {
    pub(super) fn published(p: Arc<ShopProfile>) -> ShopCard {
        ShopCard(Shop::of(p, View::Public))
    }
}

impl OutputType for ShopCard {
    fn type_name() -> Cow<'static, str> {
        <Shop as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Shop as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        let Some(key) = CardKey::of(ctx, field) else { return self.0.resolve(ctx, field).await };
        if let Some(value) = self.0.p.cards.get(&key) {
            return Ok(value);
        }
        let errors = || ctx.query_env.errors.lock().ok().map(|e| e.len());
        let before = errors();
        let value = self.0.resolve(ctx, field).await?;
        // A field's error is reported to this request only: a card that had one is not kept.
        if before.is_some() && errors() == before {
            self.0.p.cards.put(key, value.clone(), ctx.data_unchecked::<crate::state::AppState>().now());
        }
        Ok(value)
    }
}

#[Object]
impl Shop {
    async fn id(&self) -> ID {
        ID(self.p.model.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.p.model.name
    }
    async fn intro(&self) -> &str {
        &self.p.model.intro
    }
    async fn address(&self) -> &str {
        &self.p.model.address
    }
    async fn district(&self) -> &str {
        &self.p.model.district
    }
    async fn phone(&self) -> &str {
        &self.p.model.phone
    }
    /// `tel:` link: one tap calls the shop.
    async fn call_url(&self) -> String {
        service::call_url(&self.p.model.phone)
    }
    async fn location(&self) -> Location {
        Location { lat: self.p.model.lat, lng: self.p.model.lng }
    }
    #[graphql(complexity = "crate::graphql::pagination::list_cost(7, child_complexity)")]
    async fn opening_hours(&self) -> Vec<OpeningHours> {
        week_out(&self.p.hours)
    }
    async fn closed_dates(&self) -> &[String] {
        &self.p.closed_dates
    }
    async fn tags(&self) -> &[String] {
        &self.p.tags
    }
    async fn accessibility(&self) -> AccessibilityFacts {
        AccessibilityFacts::of(&self.p.model)
    }
    async fn status(&self) -> ShopStatus {
        ShopStatus::of(&self.p.model)
    }
    async fn rating(&self) -> Rating {
        Rating::of(&self.p.model)
    }
    #[graphql(complexity = "crate::graphql::pagination::list_cost(crate::graphql::pagination::FEW, child_complexity)")]
    async fn photos(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Photo>> {
        let slug = &ctx.tenant()?.slug;
        Ok(self.p.photo_ids.iter().map(|id| photo(slug, id)).collect())
    }

    /// The shop's therapists (active ones, for consumers).
    #[graphql(complexity = "crate::graphql::pagination::list_cost(crate::graphql::pagination::FEW, child_complexity)")]
    async fn therapists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Therapist>> {
        let view = &self.view;
        Ok(if view.is_public() {
            published(ctx).await?.therapists_of(self.p.model.id).iter().map(|t| Therapist::of(t, view)).collect()
        } else {
            let shop = self.p.model.id;
            let rows = Box::pin(service::therapists_of(ctx.state(), TenantId(self.p.model.tenant_id), shop)).await?;
            rows.into_iter().map(|t| Therapist::new(t, view)).collect()
        })
    }

    /// The shop's service items (active ones, for consumers).
    #[graphql(complexity = "crate::graphql::pagination::list_cost(crate::graphql::pagination::FEW, child_complexity)")]
    async fn services(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ServiceItem>> {
        let view = &self.view;
        Ok(if view.is_public() {
            published(ctx).await?.services_of(self.p.model.id).iter().map(|s| ServiceItem::of(s, view)).collect()
        } else {
            let shop = self.p.model.id;
            let rows = Box::pin(service::services_of(ctx.state(), TenantId(self.p.model.tenant_id), shop)).await?;
            rows.into_iter().map(|s| ServiceItem::new(s, view)).collect()
        })
    }

    /// Promotions in this shop (for consumers: published ones running now).
    #[graphql(complexity = "crate::graphql::pagination::list_cost(SHOP_PROMOTIONS as usize, child_complexity)")]
    async fn promotions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Promotion>> {
        let shop = Some(self.p.model.id);
        let rows =
            Box::pin(service::promotions(ctx.state(), &self.view, ctx.tenant()?, shop, None, SHOP_PROMOTIONS)).await?;
        rows.into_iter().map(|r| Promotion::new(ctx, r)).collect()
    }
}

#[derive(SimpleObject)]
pub struct ShopDistance {
    pub shop: ShopCard,
    /// Great-circle distance in meters.
    pub distance_meters: f64,
}

use async_graphql::{
    Context, ContextSelectionSet, ID, InputObject, Object, OutputType, Positioned, ServerResult, SimpleObject, Value,
    connection::Connection, parser::types::Field, registry::Registry,
};
use std::{borrow::Cow, sync::Arc};

use chrono::{DateTime, FixedOffset, Utc};

use super::{
    card::CardKey,
    entity::{service_item, shop, therapist},
    hours::{Week, format_time, parse_dates},
    index::TenantIndex,
    nearest,
    profile::{ShopProfile, TherapistProfile},
    service::{
        self, Accessibility, Gender, PromotionFields, PromotionKind, PromotionRow, ServiceFields, ShopFields,
        TherapistFields, View,
    },
};
use crate::{
    error::{AppError, AppResult},
    graphql::{
        context::CtxExt,
        guard::{Allow, Public, SHOP_WRITERS, TENANT_ADMIN},
        id_of, ids_of,
        pagination::Page,
    },
    infra::geo::{Datum, GeoPoint},
    kernel::TenantId,
};

/// A point as the caller has it: a phone's GPS gives WGS-84, Chinese maps give GCJ-02.
#[derive(InputObject)]
pub struct GeoPointInput {
    pub lat: f64,
    pub lng: f64,
    #[graphql(default_with = "Datum::Gcj02")]
    pub datum: Datum,
}

impl GeoPointInput {
    pub fn point(&self) -> AppResult<GeoPoint> {
        GeoPoint::parse(self.lat, self.lng, self.datum)
    }
}

/// GCJ-02, the datum of Chinese maps.
#[derive(SimpleObject)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

#[derive(InputObject)]
pub struct OpeningHoursInput {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i32,
    /// "HH:MM"
    pub opens: String,
    /// "HH:MM"; "24:00" for midnight.
    pub closes: String,
}

#[derive(SimpleObject)]
pub struct OpeningHours {
    pub weekday: i32,
    pub opens: String,
    pub closes: String,
}

fn parse_week(items: &[OpeningHoursInput]) -> AppResult<Week> {
    Week::parse(&items.iter().map(|h| (h.weekday, h.opens.clone(), h.closes.clone())).collect::<Vec<_>>())
}

pub(super) fn week_out(w: &Week) -> Vec<OpeningHours> {
    w.0.iter()
        .map(|i| OpeningHours { weekday: i.weekday.into(), opens: format_time(i.opens), closes: format_time(i.closes) })
        .collect()
}

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
    fn fields(self) -> AppResult<ShopFields> {
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
pub struct Photo {
    pub id: ID,
    /// The image, for `<img src>` (the tenant is in the query string).
    pub url: String,
    pub thumb_url: String,
}

pub(super) fn photo(tenant_slug: &str, id: &str) -> Photo {
    Photo {
        id: ID(id.to_owned()),
        url: format!("/media/{id}?tenant={tenant_slug}"),
        thumb_url: format!("/media/{id}?tenant={tenant_slug}&thumb=1"),
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

/// The tenant's published storefront in memory, at the generation the request saw or newer: what consumers'
/// nested reads (a shop's therapists and services, a service's performers) come from.
///
/// Boxed, as is every database read in a field of an object type: the fields of an object share one future
/// type, as large as its largest field's, which every field resolved (a shop card's name, its phone …) would
/// otherwise copy.
async fn published(ctx: &Context<'_>) -> async_graphql::Result<Arc<TenantIndex>> {
    Ok(Box::pin(super::index::of(ctx.state()).get(ctx.state(), ctx.tenant()?)).await?)
}

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
    fn published(p: Arc<ShopProfile>) -> ShopCard {
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
    async fn photos(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Photo>> {
        let slug = &ctx.tenant()?.slug;
        Ok(self.p.photo_ids.iter().map(|id| photo(slug, id)).collect())
    }

    /// The shop's therapists (active ones, for consumers).
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
    async fn promotions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Promotion>> {
        let shop = Some(self.p.model.id);
        let rows =
            Box::pin(service::promotions(ctx.state(), &self.view, ctx.tenant()?, shop, None, SHOP_PROMOTIONS)).await?;
        rows.into_iter().map(|r| Promotion::new(ctx, r)).collect()
    }
}

pub struct Therapist {
    p: Arc<TherapistProfile>,
    view: View,
}

impl Therapist {
    fn new(t: therapist::Model, view: &View) -> Therapist {
        Therapist::of(&Arc::new(TherapistProfile::new(t)), view)
    }

    fn of(p: &Arc<TherapistProfile>, view: &View) -> Therapist {
        Therapist { p: Arc::clone(p), view: view.clone() }
    }
}

#[Object]
impl Therapist {
    async fn id(&self) -> ID {
        ID(self.p.model.id.to_string())
    }
    async fn shop_id(&self) -> ID {
        ID(self.p.model.shop_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.p.model.name
    }
    async fn gender(&self) -> Gender {
        Gender::parse(&self.p.model.gender)
    }
    /// e.g. 高级按摩师
    async fn title(&self) -> &str {
        &self.p.model.title
    }
    async fn years_of_practice(&self) -> i32 {
        self.p.model.years_of_practice
    }
    async fn specialties(&self) -> &[String] {
        &self.p.specialties
    }
    async fn intro(&self) -> &str {
        &self.p.model.intro
    }
    /// Their own weekly hours; the shop's when they have none.
    async fn has_own_schedule(&self) -> bool {
        self.p.schedule.is_some()
    }
    async fn active(&self) -> bool {
        self.p.model.active
    }
    async fn photo(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Photo>> {
        let slug = &ctx.tenant()?.slug;
        Ok(self.p.model.photo_id.map(|id| photo(slug, &id.to_string())))
    }

    /// The weekly hours they work: their own schedule, or else the shop's opening hours.
    async fn schedule(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OpeningHours>> {
        if let Some(s) = &self.p.schedule {
            return Ok(week_out(s));
        }
        let m = &self.p.model;
        if self.view.is_public()
            && let Some(shop) = published(ctx).await?.shop(m.shop_id)
        {
            return Ok(week_out(&shop.hours));
        }
        let shop = Box::pin(service::get_shop(ctx.state(), &self.view, TenantId(m.tenant_id), m.shop_id)).await?;
        Ok(week_out(&ShopProfile::new(shop).hours))
    }
}

pub struct ServiceItem {
    m: Arc<service_item::Model>,
    view: View,
}

impl ServiceItem {
    fn new(s: service_item::Model, view: &View) -> ServiceItem {
        ServiceItem::of(&Arc::new(s), view)
    }

    fn of(m: &Arc<service_item::Model>, view: &View) -> ServiceItem {
        ServiceItem { m: Arc::clone(m), view: view.clone() }
    }
}

#[Object]
impl ServiceItem {
    async fn id(&self) -> ID {
        ID(self.m.id.to_string())
    }
    async fn shop_id(&self) -> ID {
        ID(self.m.shop_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.m.name
    }
    async fn description(&self) -> &str {
        &self.m.description
    }
    async fn category(&self) -> &str {
        &self.m.category
    }
    async fn duration_minutes(&self) -> i32 {
        self.m.duration_minutes
    }
    /// List price in fen (1/100 yuan).
    async fn price_fen(&self) -> i64 {
        self.m.price_fen
    }
    async fn active(&self) -> bool {
        self.m.active
    }

    /// Who performs it.
    async fn therapists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Therapist>> {
        let view = &self.view;
        Ok(if view.is_public() {
            published(ctx).await?.performers_of(self.m.id).iter().map(|t| Therapist::of(t, view)).collect()
        } else {
            let rows = Box::pin(service::performers(ctx.state(), TenantId(self.m.tenant_id), self.m.id, false)).await?;
            rows.into_iter().map(|t| Therapist::new(t, view)).collect()
        })
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PromotionStatus {
    Draft,
    Published,
}

#[derive(SimpleObject)]
pub struct Promotion {
    pub id: ID,
    pub title: String,
    pub body: String,
    pub kind: PromotionKind,
    pub percent_off: Option<i32>,
    pub amount_off_fen: Option<i64>,
    /// In the tenant's time zone.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub status: PromotionStatus,
    /// The shops (that the caller sees) it runs in.
    pub shop_ids: Vec<ID>,
    /// `tel:` link: the promotion's own number, or else its first shop's.
    pub call_url: Option<String>,
}

impl Promotion {
    fn new(ctx: &Context<'_>, row: PromotionRow) -> async_graphql::Result<Promotion> {
        Ok(Promotion::of(row, ctx.tenant()?.time_zone))
    }

    /// With its times in the tenant's time zone `tz`.
    pub(super) fn of(row: PromotionRow, tz: chrono_tz::Tz) -> Promotion {
        let PromotionRow { model: p, shop_ids: shops, call_phone } = row;
        let local = |t: DateTime<Utc>| t.with_timezone(&tz).fixed_offset();
        Promotion {
            id: ID(p.id.to_string()),
            title: p.title,
            body: p.body,
            kind: PromotionKind::parse(&p.kind),
            percent_off: p.percent_off,
            amount_off_fen: p.amount_off_fen,
            starts_at: local(p.starts_at),
            ends_at: local(p.ends_at),
            status: if p.status == service::PUBLISHED { PromotionStatus::Published } else { PromotionStatus::Draft },
            shop_ids: shops.iter().map(|s| ID(s.to_string())).collect(),
            call_url: call_phone.as_deref().map(service::call_url),
        }
    }
}

#[derive(SimpleObject)]
pub struct ShopDistance {
    pub shop: ShopCard,
    /// Great-circle distance in meters.
    pub distance_meters: f64,
}

#[derive(InputObject)]
pub struct CreateTherapistInput {
    pub shop_id: ID,
    pub name: String,
    #[graphql(default)]
    pub specialties: Vec<String>,
    pub gender: Option<Gender>,
    pub title: Option<String>,
    pub years_of_practice: Option<i32>,
    pub intro: Option<String>,
    /// An uploaded `therapist_photo`.
    pub photo_id: Option<ID>,
    /// Their own weekly hours; without them they work the shop's hours.
    pub schedule: Option<Vec<OpeningHoursInput>>,
}

#[derive(InputObject)]
pub struct UpdateTherapistInput {
    pub name: Option<String>,
    pub specialties: Option<Vec<String>>,
    pub gender: Option<Gender>,
    pub title: Option<String>,
    pub years_of_practice: Option<i32>,
    pub intro: Option<String>,
    pub photo_id: async_graphql::MaybeUndefined<ID>,
    /// null returns them to the shop's hours.
    pub schedule: async_graphql::MaybeUndefined<Vec<OpeningHoursInput>>,
    pub active: Option<bool>,
}

#[derive(InputObject)]
pub struct CreateServiceItemInput {
    pub shop_id: ID,
    pub name: String,
    pub category: String,
    pub duration_minutes: i32,
    /// List price in fen.
    pub price_fen: i64,
    #[graphql(default)]
    pub therapist_ids: Vec<ID>,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateServiceItemInput {
    pub name: Option<String>,
    pub category: Option<String>,
    pub duration_minutes: Option<i32>,
    pub price_fen: Option<i64>,
    pub therapist_ids: Option<Vec<ID>>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

#[derive(InputObject)]
pub struct CreatePromotionInput {
    pub shop_id: ID,
    /// More shops it runs in.
    #[graphql(default)]
    pub more_shop_ids: Vec<ID>,
    pub title: String,
    pub body: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[graphql(default_with = "PromotionKind::Notice")]
    pub kind: PromotionKind,
    pub percent_off: Option<i32>,
    pub amount_off_fen: Option<i64>,
    /// A number to call about it; the shop's otherwise.
    pub call_phone: Option<String>,
    /// Publish at once (default: a draft).
    #[graphql(default)]
    pub publish: bool,
}

fn id(v: &ID, what: &'static str) -> AppResult<uuid::Uuid> {
    id_of(v, what)
}

#[derive(Default)]
pub struct StorefrontQuery;

#[Object]
impl StorefrontQuery {
    /// A shop: published ones for consumers and anonymous callers (with `X-Tenant`).
    #[graphql(guard = "Public")]
    async fn shop(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Shop> {
        let view = View::of(ctx.principal());
        let id = self::id(&id, "shop")?;
        if view.is_public() {
            let p = published(ctx).await?.shop(id).cloned().ok_or(AppError::NotFound("shop"))?;
            return Ok(Shop::of(p, view));
        }
        Ok(Shop::new(service::get_shop(ctx.state(), &view, ctx.tenant_id()?, id).await?, view))
    }

    /// The shops the caller sees, oldest first.
    #[graphql(guard = "Public")]
    async fn shops(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Shop>> {
        let view = View::of(ctx.principal());
        let page = Page::parse(first, after)?;
        let rows = service::list_shops(ctx.state(), &view, ctx.tenant_id()?, page.after, page.fetch()).await?;
        Ok(page.connection(rows.into_iter().map(|m| (m.id, Shop::new(m, view.clone()))).collect()))
    }

    /// Published shops within `radiusMeters` of a point, nearest first (at most `first`, ≤ 100).
    #[graphql(guard = "Public")]
    async fn nearest_shops(
        &self,
        ctx: &Context<'_>,
        near: GeoPointInput,
        radius_meters: f64,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<ShopDistance>> {
        let (_, shops) = nearest::nearest_shops(ctx.state(), ctx.tenant()?, &near, radius_meters, first).await?;
        Ok(shops
            .into_iter()
            .map(|(shop, distance_meters)| ShopDistance { shop: ShopCard::published(shop), distance_meters })
            .collect())
    }

    /// Published shops matching the words of `query` in their name, address, introduction, therapists'
    /// names and specialties, or service names; best match first.
    #[graphql(guard = "Public")]
    async fn search_shops(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<ShopCard>> {
        let first = first.unwrap_or(20);
        if !(1..=100).contains(&first) {
            return Err(AppError::invalid_field("first", "first must be between 1 and 100").into());
        }
        if query.chars().count() > 100 {
            return Err(AppError::invalid_field("query", "query must be at most 100 characters").into());
        }
        let state = ctx.state();
        let tenant = ctx.tenant()?;
        let ids = service::search_ids(state, tenant, &query, first as usize).await?;
        let shops = crate::storefront::index::of(state).get(state, tenant).await?.shops(&ids);
        Ok(shops.into_iter().map(ShopCard::published).collect())
    }

    #[graphql(guard = "Public")]
    async fn therapist(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Therapist> {
        let view = View::of(ctx.principal());
        let t = service::get_therapist(ctx.state(), &view, ctx.tenant_id()?, self::id(&id, "therapist")?).await?;
        Ok(Therapist::new(t, &view))
    }

    #[graphql(guard = "Public")]
    async fn service_item(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ServiceItem> {
        let view = View::of(ctx.principal());
        let s = service::get_service(ctx.state(), &view, ctx.tenant_id()?, self::id(&id, "service item")?).await?;
        Ok(ServiceItem::new(s, &view))
    }

    /// Promotions, newest first: for consumers, published ones running now (the tenant's time) in published
    /// shops; for staff, all of the shops they see. `shopId` narrows to one shop.
    #[graphql(guard = "Public")]
    async fn promotions(
        &self,
        ctx: &Context<'_>,
        shop_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Promotion>> {
        let view = View::of(ctx.principal());
        let page = Page::parse(first, after)?;
        let shop = shop_id.as_ref().map(|s| self::id(s, "shop")).transpose()?;
        let rows = service::promotions(ctx.state(), &view, ctx.tenant()?, shop, page.after, page.fetch()).await?;
        let rows = rows
            .into_iter()
            .map(|r| Ok((r.model.id, Promotion::new(ctx, r)?)))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        Ok(page.connection(rows))
    }
}

#[derive(Default)]
pub struct StorefrontMutation;

#[Object]
impl StorefrontMutation {
    /// A new shop, as a draft.
    #[graphql(guard = "Allow(TENANT_ADMIN)")]
    async fn create_shop(&self, ctx: &Context<'_>, input: ShopInput) -> async_graphql::Result<Shop> {
        let m = service::create_shop(ctx.state(), ctx.tenant_id()?, input.fields()?).await?;
        Ok(Shop::new(m, View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn update_shop(&self, ctx: &Context<'_>, id: ID, input: ShopInput) -> async_graphql::Result<Shop> {
        let id = self::id(&id, "shop")?;
        ctx.audit_target(id);
        let m = service::update_shop(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, input.fields()?).await?;
        Ok(Shop::new(m, View::of(ctx.principal())))
    }

    /// Shows the shop to consumers.
    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn publish_shop(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Shop> {
        set_status(ctx, &id, service::PUBLISHED).await
    }

    /// Takes a published shop off the storefront (SUSPENDED).
    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn unpublish_shop(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Shop> {
        set_status(ctx, &id, service::SUSPENDED).await
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn create_therapist(
        &self,
        ctx: &Context<'_>,
        input: CreateTherapistInput,
    ) -> async_graphql::Result<Therapist> {
        let shop = self::id(&input.shop_id, "shop")?;
        let f = TherapistFields {
            name: Some(input.name),
            specialties: Some(input.specialties),
            gender: input.gender,
            title: input.title,
            years_of_practice: input.years_of_practice,
            intro: input.intro,
            photo_id: input.photo_id.as_ref().map(|p| self::id(p, "media").map(Some)).transpose()?,
            schedule: input
                .schedule
                .as_deref()
                .map(|s| parse_week(s).map(Some))
                .transpose()
                .map_err(|e| e.at("input.schedule"))?,
            active: None,
        };
        let t = service::create_therapist(ctx.state(), ctx.principal(), ctx.tenant_id()?, shop, f).await?;
        Ok(Therapist::new(t, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn update_therapist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateTherapistInput,
    ) -> async_graphql::Result<Therapist> {
        use async_graphql::MaybeUndefined as M;
        let id = self::id(&id, "therapist")?;
        ctx.audit_target(id);
        let f = TherapistFields {
            name: input.name,
            specialties: input.specialties,
            gender: input.gender,
            title: input.title,
            years_of_practice: input.years_of_practice,
            intro: input.intro,
            photo_id: match input.photo_id {
                M::Undefined => None,
                M::Null => Some(None),
                M::Value(p) => Some(Some(self::id(&p, "media")?)),
            },
            schedule: match input.schedule {
                M::Undefined => None,
                M::Null => Some(None),
                M::Value(s) => Some(Some(parse_week(&s).map_err(|e| e.at("input.schedule"))?)),
            },
            active: input.active,
        };
        let t = service::update_therapist(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, f).await?;
        Ok(Therapist::new(t, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn create_service_item(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceItemInput,
    ) -> async_graphql::Result<ServiceItem> {
        let shop = self::id(&input.shop_id, "shop")?;
        let f = ServiceFields {
            name: Some(input.name),
            description: input.description,
            category: Some(input.category),
            duration_minutes: Some(input.duration_minutes),
            price_fen: Some(input.price_fen),
            therapist_ids: Some(ids_of(&input.therapist_ids).map_err(|e| e.at("input.therapistIds"))?),
            active: None,
        };
        let s = service::create_service(ctx.state(), ctx.principal(), ctx.tenant_id()?, shop, f).await?;
        Ok(ServiceItem::new(s, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn update_service_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateServiceItemInput,
    ) -> async_graphql::Result<ServiceItem> {
        let id = self::id(&id, "service item")?;
        ctx.audit_target(id);
        let f = ServiceFields {
            name: input.name,
            description: input.description,
            category: input.category,
            duration_minutes: input.duration_minutes,
            price_fen: input.price_fen,
            therapist_ids: input
                .therapist_ids
                .as_deref()
                .map(ids_of)
                .transpose()
                .map_err(|e| e.at("input.therapistIds"))?,
            active: input.active,
        };
        let s = service::update_service(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, f).await?;
        Ok(ServiceItem::new(s, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn create_promotion(
        &self,
        ctx: &Context<'_>,
        input: CreatePromotionInput,
    ) -> async_graphql::Result<Promotion> {
        let mut shop_ids = vec![self::id(&input.shop_id, "shop")?];
        shop_ids.extend(ids_of(&input.more_shop_ids).map_err(|e| e.at("input.moreShopIds"))?);
        let f = PromotionFields {
            shop_ids,
            title: input.title,
            body: input.body,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            kind: input.kind,
            percent_off: input.percent_off,
            amount_off_fen: input.amount_off_fen,
            call_phone: input.call_phone,
            publish: input.publish,
        };
        let row = service::create_promotion(ctx.state(), ctx.principal(), ctx.tenant_id()?, f).await?;
        Promotion::new(ctx, row)
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn publish_promotion(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Promotion> {
        set_promotion(ctx, &id, true).await
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn unpublish_promotion(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Promotion> {
        set_promotion(ctx, &id, false).await
    }
}

async fn set_status(ctx: &Context<'_>, id: &ID, to: &str) -> async_graphql::Result<Shop> {
    let id = self::id(id, "shop")?;
    ctx.audit_target(id);
    let m = service::set_shop_status(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, to).await?;
    Ok(Shop::new(m, View::of(ctx.principal())))
}

async fn set_promotion(ctx: &Context<'_>, id: &ID, publish: bool) -> async_graphql::Result<Promotion> {
    let id = self::id(id, "promotion")?;
    ctx.audit_target(id);
    let row = service::set_promotion_status(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, publish).await?;
    Promotion::new(ctx, row)
}

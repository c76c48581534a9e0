//! The storefront's rules: who sees which shops, who may change them, and the writes themselves.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{
    entity::{promotion, promotion_shop, service_item, service_therapist, shop, therapist},
    hours::Week,
};
use crate::{
    db::TenantTx,
    db::audit_scope,
    error::{AppError, AppResult},
    infra::geo::GeoPoint,
    kernel::{Area, TenantId, TenantInfo},
    kernel::{Principal, StaffRole},
    state::AppState,
};

/// A write changed what the storefront's indexes (nearest shops, text search) hold about this shop: raise the
/// tenant's storefront generation and queue the shop for Meilisearch, in the writing transaction.
async fn changed(state: &AppState, tx: &TenantTx, shop_id: Uuid) -> Result<(), sea_orm::DbErr> {
    tx.bump_generation(Area::Storefront).await?;
    super::search_sync::enqueue(state, tx, shop_id).await
}

/// Shop ids matching `query`, best first: from Meilisearch when configured (the embedded index answers if it
/// fails), else from the embedded index.
pub async fn search_ids(state: &AppState, tenant: &TenantInfo, query: &str, limit: usize) -> AppResult<Vec<Uuid>> {
    if query.trim().is_empty() {
        return Ok(vec![]);
    }
    if let Some(meili) = &state.meili {
        match meili.search(tenant.id.0, query, limit).await {
            Ok(ids) => return Ok(ids),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "Meilisearch did not answer; searching the embedded index")
            }
        }
    }
    Ok(crate::storefront::index::of(state).get(state, tenant).await?.search.search(query, limit))
}

pub const DRAFT: &str = "DRAFT";
pub const PUBLISHED: &str = "PUBLISHED";
pub const SUSPENDED: &str = "SUSPENDED";

/// What a caller may see: consumers, anonymous callers and water staff see published shops; a tenant admin
/// every shop; shop managers and shop staff their own shops in any status.
#[derive(Clone, Debug)]
pub enum View {
    Public,
    AllShops,
    OwnShops(Vec<Uuid>),
}

impl View {
    pub fn of(p: &Principal) -> View {
        match p {
            Principal::ApiKey { .. } | Principal::Staff { role: StaffRole::TenantAdmin, .. } => View::AllShops,
            Principal::Staff { role: StaffRole::ShopManager | StaffRole::ShopStaff, shop_ids, .. } => {
                View::OwnShops(shop_ids.clone())
            }
            _ => View::Public,
        }
    }

    pub fn is_public(&self) -> bool {
        matches!(self, View::Public)
    }

    pub fn sees(&self, s: &shop::Model) -> bool {
        match self {
            View::Public => s.status == PUBLISHED,
            View::AllShops => true,
            View::OwnShops(ids) => ids.contains(&s.id),
        }
    }

    fn restrict(&self, q: sea_orm::Select<shop::Entity>) -> sea_orm::Select<shop::Entity> {
        match self {
            View::Public => q.filter(shop::Column::Status.eq(PUBLISHED)),
            View::AllShops => q,
            View::OwnShops(ids) => q.filter(shop::Column::Id.is_in(ids.clone())),
        }
    }
}

/// May this caller change this shop? A tenant admin (or API key) any shop, a shop manager their own. A shop the
/// caller cannot see is `NOT_FOUND`.
pub fn check_write(p: &Principal, shop_id: Uuid) -> AppResult<()> {
    match p {
        Principal::ApiKey { .. } | Principal::Staff { role: StaffRole::TenantAdmin, .. } => Ok(()),
        Principal::Staff { role: StaffRole::ShopManager, shop_ids, .. } if shop_ids.contains(&shop_id) => Ok(()),
        Principal::Staff { role: StaffRole::ShopManager | StaffRole::ShopStaff, shop_ids, .. }
            if !shop_ids.contains(&shop_id) =>
        {
            Err(AppError::NotFound("shop"))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// The text of the input's `field`, trimmed, of `min`-`max` characters.
fn text(field: &str, value: &str, min: usize, max: usize) -> AppResult<String> {
    text_at(format!("input.{field}"), field, value, min, max)
}

fn text_at(path: String, field: &str, value: &str, min: usize, max: usize) -> AppResult<String> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min || n > max {
        return Err(AppError::invalid_field(path, format!("{field} must be {min}-{max} characters")));
    }
    Ok(v.to_owned())
}

fn list(field: &str, items: &[String], max_items: usize, max_len: usize) -> AppResult<Vec<String>> {
    if items.len() > max_items {
        return Err(AppError::invalid_field(
            format!("input.{field}"),
            format!("{field} holds at most {max_items} entries"),
        ));
    }
    let mut out: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, t)| text_at(format!("input.{field}.{i}"), field, t, 1, max_len))
        .collect::<AppResult<_>>()?;
    out.dedup();
    Ok(out)
}

/// A shop's or promotion's telephone number: a mainland landline (with area code), mobile or 400/800 number.
pub fn parse_phone(text: &str) -> AppResult<String> {
    let t = text.trim();
    let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits);
    if !(7..=12).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid_field(
            "input.phone",
            "phone must be a telephone number such as 010-64012345 or 13800138000",
        ));
    }
    Ok(t.to_owned())
}

/// `tel:` link for one-tap calling.
pub fn call_url(phone: &str) -> String {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    format!("tel:{digits}")
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accessibility {
    pub step_free: bool,
    pub guide_dogs: bool,
    pub braille_price_list: bool,
    pub audio_price_list: bool,
}

/// A shop profile as given; `None` keeps the current value on update (and takes the default on create).
pub struct ShopFields {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub location: GeoPoint,
    pub intro: Option<String>,
    pub district: Option<String>,
    pub hours: Option<Week>,
    pub closed_dates: Option<Vec<NaiveDate>>,
    pub tags: Option<Vec<String>>,
    pub accessibility: Option<Accessibility>,
    pub photo_ids: Option<Vec<Uuid>>,
}

/// A new shop's row before its fields: no rating yet.
fn new_shop_row(tenant: Uuid, id: Uuid, status: &str, now: DateTime<Utc>) -> shop::ActiveModel {
    shop::ActiveModel {
        tenant_id: Set(tenant),
        id: Set(id),
        status: Set(status.into()),
        rating_sum: Set(0),
        rating_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn apply_fields(row: &mut shop::ActiveModel, f: ShopFields, creating: bool) -> AppResult<()> {
    row.name = Set(text("name", &f.name, 1, 100)?);
    row.address = Set(text("address", &f.address, 1, 200)?);
    row.phone = Set(parse_phone(&f.phone)?);
    row.lat = Set(f.location.lat());
    row.lng = Set(f.location.lng());
    if let Some(v) = f.intro.as_deref().or(creating.then_some("")) {
        row.intro = Set(text("intro", v, 0, 2000)?);
    }
    if let Some(v) = f.district.as_deref().or(creating.then_some("")) {
        row.district = Set(text("district", v, 0, 50)?);
    }
    if let Some(h) = f.hours.or(creating.then(Week::default)) {
        row.opening_hours = Set(h.to_json());
    }
    if let Some(d) = f.closed_dates.or(creating.then(Vec::new)) {
        row.closed_dates = Set(serde_json::json!(d));
    }
    if let Some(t) = f.tags.or(creating.then(Vec::new)) {
        row.tags = Set(serde_json::json!(list("tags", &t, 20, 20)?));
    }
    if let Some(a) = f.accessibility.or(creating.then(Accessibility::default)) {
        row.step_free = Set(a.step_free);
        row.guide_dogs = Set(a.guide_dogs);
        row.braille_price_list = Set(a.braille_price_list);
        row.audio_price_list = Set(a.audio_price_list);
    }
    if let Some(p) = f.photo_ids.or(creating.then(Vec::new)) {
        row.photo_ids = Set(serde_json::json!(p));
    }
    Ok(())
}

/// Creates a shop as a draft. Only a tenant admin may (the GraphQL guard says so).
pub async fn create_shop(state: &AppState, tenant: TenantId, fields: ShopFields) -> AppResult<shop::Model> {
    let tx = state.db.begin(tenant).await?;
    if let Some(p) = &fields.photo_ids {
        crate::media::service::check_uploads(&tx, p, "shop_photo").await.map_err(|e| e.at("input.photoIds"))?;
    }
    let now = state.now();
    let mut row = new_shop_row(tenant.0, audit_scope::new_target(), DRAFT, now);
    apply_fields(&mut row, fields, true)?;
    let model = tx.insert(row).await?;
    changed(state, &tx, model.id).await?;
    tx.commit().await?;
    Ok(model)
}

async fn writable_shop(tx: &TenantTx, who: &Principal, id: Uuid) -> AppResult<shop::Model> {
    let s = tx.get::<shop::Entity>(id).await?.ok_or(AppError::NotFound("shop"))?;
    check_write(who, s.id)?;
    Ok(s)
}

pub async fn update_shop(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    id: Uuid,
    fields: ShopFields,
) -> AppResult<shop::Model> {
    let tx = state.db.begin(tenant).await?;
    let current = writable_shop(&tx, who, id).await?;
    if let Some(p) = &fields.photo_ids {
        crate::media::service::check_uploads(&tx, p, "shop_photo").await.map_err(|e| e.at("input.photoIds"))?;
    }
    let mut row = current.into_active_model();
    apply_fields(&mut row, fields, false)?;
    row.updated_at = Set(state.now());
    let model = tx.update(row).await?;
    changed(state, &tx, model.id).await?;
    tx.commit().await?;
    Ok(model)
}

/// `DRAFT → PUBLISHED ⇄ SUSPENDED`.
pub async fn set_shop_status(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    id: Uuid,
    to: &str,
) -> AppResult<shop::Model> {
    let tx = state.db.begin(tenant).await?;
    let current = writable_shop(&tx, who, id).await?;
    match (current.status.as_str(), to) {
        (DRAFT | SUSPENDED, PUBLISHED) | (PUBLISHED, SUSPENDED) => {}
        (from, to) if from == to => {}
        (from, to) => {
            return Err(AppError::conflict_because("SHOP_STATUS", format!("a {from} shop cannot become {to}")));
        }
    }
    let mut row = current.into_active_model();
    row.status = Set(to.to_owned());
    row.updated_at = Set(state.now());
    let model = tx.update(row).await?;
    changed(state, &tx, model.id).await?;
    tx.commit().await?;
    Ok(model)
}

pub async fn get_shop(state: &AppState, view: &View, tenant: TenantId, id: Uuid) -> AppResult<shop::Model> {
    let tx = state.db.read(tenant).await?;
    let s = tx.get::<shop::Entity>(id).await?;
    tx.commit().await?;
    s.filter(|s| view.sees(s)).ok_or(AppError::NotFound("shop"))
}

/// Shops the caller sees, in creation order, after a cursor.
pub async fn list_shops(
    state: &AppState,
    view: &View,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<shop::Model>> {
    let tx = state.db.read(tenant).await?;
    let rows = tx
        .all(tx.select::<shop::Entity>().map(|q| {
            let q = view.restrict(q).order_by_asc(shop::Column::Id).limit(limit);
            if let Some(a) = after { q.filter(shop::Column::Id.gt(a)) } else { q }
        }))
        .await?;
    tx.commit().await?;
    Ok(rows)
}

// ---- therapists ----

#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum Gender {
    Male,
    Female,
    Unspecified,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "MALE",
            Gender::Female => "FEMALE",
            Gender::Unspecified => "UNSPECIFIED",
        }
    }

    pub fn parse(s: &str) -> Gender {
        match s {
            "MALE" => Gender::Male,
            "FEMALE" => Gender::Female,
            _ => Gender::Unspecified,
        }
    }
}

#[derive(Default)]
pub struct TherapistFields {
    pub name: Option<String>,
    pub specialties: Option<Vec<String>>,
    pub gender: Option<Gender>,
    pub title: Option<String>,
    pub years_of_practice: Option<i32>,
    pub intro: Option<String>,
    pub photo_id: Option<Option<Uuid>>,
    /// `Some(None)` returns the therapist to the shop's hours.
    pub schedule: Option<Option<Week>>,
    pub active: Option<bool>,
}

async fn apply_therapist(tx: &TenantTx, row: &mut therapist::ActiveModel, f: TherapistFields) -> AppResult<()> {
    if let Some(v) = f.name {
        row.name = Set(text("name", &v, 1, 50)?);
    }
    if let Some(v) = f.specialties {
        row.specialties = Set(serde_json::json!(list("specialties", &v, 20, 30)?));
    }
    if let Some(v) = f.gender {
        row.gender = Set(v.as_str().into());
    }
    if let Some(v) = f.title {
        row.title = Set(text("title", &v, 0, 50)?);
    }
    if let Some(v) = f.years_of_practice {
        if !(0..=70).contains(&v) {
            return Err(AppError::invalid_field("input.yearsOfPractice", "yearsOfPractice must be 0-70"));
        }
        row.years_of_practice = Set(v);
    }
    if let Some(v) = f.intro {
        row.intro = Set(text("intro", &v, 0, 1000)?);
    }
    if let Some(v) = f.photo_id {
        if let Some(id) = v {
            crate::media::service::check_uploads(tx, &[id], "therapist_photo")
                .await
                .map_err(|e| e.at("input.photoId"))?;
        }
        row.photo_id = Set(v);
    }
    if let Some(v) = f.schedule {
        row.schedule = Set(v.map(|w| w.to_json()));
    }
    if let Some(v) = f.active {
        row.active = Set(v);
    }
    Ok(())
}

pub async fn create_therapist(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    shop_id: Uuid,
    f: TherapistFields,
) -> AppResult<therapist::Model> {
    let tx = state.db.begin(tenant).await?;
    writable_shop(&tx, who, shop_id).await?;
    let now = state.now();
    let mut row = therapist::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(audit_scope::new_target()),
        shop_id: Set(shop_id),
        name: Set(String::new()),
        photo_id: Set(None),
        gender: Set(Gender::Unspecified.as_str().into()),
        title: Set(String::new()),
        years_of_practice: Set(0),
        specialties: Set(serde_json::json!([])),
        intro: Set(String::new()),
        schedule: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    };
    if f.name.is_none() {
        return Err(AppError::invalid_field("input.name", "name is required"));
    }
    apply_therapist(&tx, &mut row, f).await?;
    let model = tx.insert(row).await?;
    changed(state, &tx, shop_id).await?;
    tx.commit().await?;
    Ok(model)
}

pub async fn update_therapist(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    id: Uuid,
    f: TherapistFields,
) -> AppResult<therapist::Model> {
    let tx = state.db.begin(tenant).await?;
    let current = tx.get::<therapist::Entity>(id).await?.ok_or(AppError::NotFound("therapist"))?;
    check_write(who, current.shop_id)
        .map_err(|e| if matches!(e, AppError::NotFound(_)) { AppError::NotFound("therapist") } else { e })?;
    let mut row = current.into_active_model();
    apply_therapist(&tx, &mut row, f).await?;
    row.updated_at = Set(state.now());
    let model = tx.update(row).await?;
    changed(state, &tx, model.shop_id).await?;
    tx.commit().await?;
    Ok(model)
}

/// All of a shop's therapists, for staff (consumers read the active ones from the storefront index).
pub async fn therapists_of(state: &AppState, tenant: TenantId, shop_id: Uuid) -> AppResult<Vec<therapist::Model>> {
    let tx = state.db.read(tenant).await?;
    let rows = tx
        .all(
            tx.select::<therapist::Entity>()
                .map(|q| q.filter(therapist::Column::ShopId.eq(shop_id)).order_by_asc(therapist::Column::Id)),
        )
        .await?;
    tx.commit().await?;
    Ok(rows)
}

/// A therapist the caller may see: of a shop it sees, and active unless the caller is staff of that shop.
pub async fn get_therapist(state: &AppState, view: &View, tenant: TenantId, id: Uuid) -> AppResult<therapist::Model> {
    let tx = state.db.read(tenant).await?;
    let t = tx.get::<therapist::Entity>(id).await?.ok_or(AppError::NotFound("therapist"))?;
    let s = tx.get::<shop::Entity>(t.shop_id).await?;
    tx.commit().await?;
    let visible = s.is_some_and(|s| view.sees(&s)) && (t.active || !view.is_public());
    if visible { Ok(t) } else { Err(AppError::NotFound("therapist")) }
}

// ---- service items ----

#[derive(Default)]
pub struct ServiceFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub duration_minutes: Option<i32>,
    pub price_fen: Option<i64>,
    pub therapist_ids: Option<Vec<Uuid>>,
    pub active: Option<bool>,
}

fn apply_service(row: &mut service_item::ActiveModel, f: &ServiceFields) -> AppResult<()> {
    if let Some(v) = &f.name {
        row.name = Set(text("name", v, 1, 100)?);
    }
    if let Some(v) = &f.description {
        row.description = Set(text("description", v, 0, 1000)?);
    }
    if let Some(v) = &f.category {
        row.category = Set(text("category", v, 1, 50)?);
    }
    if let Some(v) = f.duration_minutes {
        if !(10..=480).contains(&v) || v % 5 != 0 {
            return Err(AppError::invalid_field(
                "input.durationMinutes",
                "durationMinutes must be 10-480, in steps of 5",
            ));
        }
        row.duration_minutes = Set(v);
    }
    if let Some(v) = f.price_fen {
        if !(0..=10_000_000).contains(&v) {
            return Err(AppError::invalid_field("input.priceFen", "priceFen must be 0-10000000 (fen)"));
        }
        row.price_fen = Set(v);
    }
    if let Some(v) = f.active {
        row.active = Set(v);
    }
    Ok(())
}

/// Replaces who performs a service; every therapist must work in the service's shop.
async fn set_performers(tx: &TenantTx, service: &service_item::Model, ids: &[Uuid]) -> AppResult<()> {
    for (i, id) in ids.iter().enumerate() {
        match tx.get::<therapist::Entity>(*id).await? {
            Some(t) if t.shop_id == service.shop_id => {}
            _ => {
                let path = format!("input.therapistIds.{i}");
                return Err(AppError::invalid_field(path, format!("therapist {id} does not work in this shop")));
            }
        }
    }
    tx.exec_delete(
        tx.delete_many::<service_therapist::Entity>()
            .map(|q| q.filter(service_therapist::Column::ServiceItemId.eq(service.id))),
    )
    .await?;
    let mut seen = std::collections::HashSet::new();
    for id in ids.iter().filter(|id| seen.insert(**id)) {
        tx.insert(service_therapist::ActiveModel {
            tenant_id: Set(tx.tenant().0),
            id: Set(Uuid::now_v7()),
            service_item_id: Set(service.id),
            therapist_id: Set(*id),
        })
        .await?;
    }
    Ok(())
}

pub async fn create_service(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    shop_id: Uuid,
    f: ServiceFields,
) -> AppResult<service_item::Model> {
    if f.name.is_none() || f.category.is_none() || f.duration_minutes.is_none() || f.price_fen.is_none() {
        return Err(AppError::validation("name, category, durationMinutes and priceFen are required"));
    }
    let tx = state.db.begin(tenant).await?;
    writable_shop(&tx, who, shop_id).await?;
    let now = state.now();
    let mut row = service_item::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(audit_scope::new_target()),
        shop_id: Set(shop_id),
        description: Set(String::new()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_service(&mut row, &f)?;
    let model = tx.insert(row).await?;
    set_performers(&tx, &model, f.therapist_ids.as_deref().unwrap_or_default()).await?;
    changed(state, &tx, shop_id).await?;
    tx.commit().await?;
    Ok(model)
}

pub async fn update_service(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    id: Uuid,
    f: ServiceFields,
) -> AppResult<service_item::Model> {
    let tx = state.db.begin(tenant).await?;
    let current = tx.get::<service_item::Entity>(id).await?.ok_or(AppError::NotFound("service item"))?;
    check_write(who, current.shop_id)
        .map_err(|e| if matches!(e, AppError::NotFound(_)) { AppError::NotFound("service item") } else { e })?;
    let mut row = current.into_active_model();
    apply_service(&mut row, &f)?;
    row.updated_at = Set(state.now());
    let model = tx.update(row).await?;
    if let Some(ids) = &f.therapist_ids {
        set_performers(&tx, &model, ids).await?;
    }
    changed(state, &tx, model.shop_id).await?;
    tx.commit().await?;
    Ok(model)
}

pub async fn services_of(state: &AppState, tenant: TenantId, shop_id: Uuid) -> AppResult<Vec<service_item::Model>> {
    let tx = state.db.read(tenant).await?;
    let rows = tx
        .all(
            tx.select::<service_item::Entity>()
                .map(|q| q.filter(service_item::Column::ShopId.eq(shop_id)).order_by_asc(service_item::Column::Id)),
        )
        .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn get_service(state: &AppState, view: &View, tenant: TenantId, id: Uuid) -> AppResult<service_item::Model> {
    let tx = state.db.read(tenant).await?;
    let item = tx.get::<service_item::Entity>(id).await?.ok_or(AppError::NotFound("service item"))?;
    let s = tx.get::<shop::Entity>(item.shop_id).await?;
    tx.commit().await?;
    let visible = s.is_some_and(|s| view.sees(&s)) && (item.active || !view.is_public());
    if visible { Ok(item) } else { Err(AppError::NotFound("service item")) }
}

/// The therapists who perform a service (active ones for public views).
pub async fn performers(
    state: &AppState,
    tenant: TenantId,
    service_id: Uuid,
    active_only: bool,
) -> AppResult<Vec<therapist::Model>> {
    let tx = state.db.read(tenant).await?;
    let links = tx
        .all(
            tx.select::<service_therapist::Entity>()
                .map(|q| q.filter(service_therapist::Column::ServiceItemId.eq(service_id))),
        )
        .await?;
    let ids: Vec<Uuid> = links.iter().map(|l| l.therapist_id).collect();
    let rows = tx
        .all(tx.select::<therapist::Entity>().map(|q| {
            let q = q.filter(therapist::Column::Id.is_in(ids)).order_by_asc(therapist::Column::Id);
            if active_only { q.filter(therapist::Column::Active.eq(true)) } else { q }
        }))
        .await?;
    tx.commit().await?;
    Ok(rows)
}

// ---- promotions ----

#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum PromotionKind {
    PercentOff,
    AmountOff,
    MembersOnly,
    Notice,
}

impl PromotionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PromotionKind::PercentOff => "PERCENT_OFF",
            PromotionKind::AmountOff => "AMOUNT_OFF",
            PromotionKind::MembersOnly => "MEMBERS_ONLY",
            PromotionKind::Notice => "NOTICE",
        }
    }

    pub fn parse(s: &str) -> PromotionKind {
        match s {
            "PERCENT_OFF" => PromotionKind::PercentOff,
            "AMOUNT_OFF" => PromotionKind::AmountOff,
            "MEMBERS_ONLY" => PromotionKind::MembersOnly,
            _ => PromotionKind::Notice,
        }
    }
}

/// A promotion with the shops (that the caller sees) it runs in, and the number to call about it: its own, or
/// else its first shop's.
#[derive(Clone)]
pub struct PromotionRow {
    pub model: promotion::Model,
    pub shop_ids: Vec<Uuid>,
    pub call_phone: Option<String>,
}

pub struct PromotionFields {
    pub shop_ids: Vec<Uuid>,
    pub title: String,
    pub body: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub kind: PromotionKind,
    pub percent_off: Option<i32>,
    pub amount_off_fen: Option<i64>,
    pub call_phone: Option<String>,
    pub publish: bool,
}

pub async fn create_promotion(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    f: PromotionFields,
) -> AppResult<PromotionRow> {
    if f.shop_ids.is_empty() || f.shop_ids.len() > 200 {
        return Err(AppError::invalid_field("input.shopIds", "a promotion runs in 1-200 shops"));
    }
    if f.starts_at >= f.ends_at {
        return Err(AppError::invalid_field("input.endsAt", "startsAt must come before endsAt"));
    }
    let (percent, amount) = match (f.kind, f.percent_off, f.amount_off_fen) {
        (PromotionKind::PercentOff, Some(p), None) if (1..=99).contains(&p) => (Some(p), None),
        (PromotionKind::AmountOff, None, Some(a)) if (1..=10_000_000).contains(&a) => (None, Some(a)),
        (PromotionKind::MembersOnly | PromotionKind::Notice, None, None) => (None, None),
        _ => {
            return Err(AppError::validation(
                "PERCENT_OFF takes percentOff (1-99), AMOUNT_OFF takes amountOffFen; other kinds take neither",
            ));
        }
    };
    let call_phone = f.call_phone.as_deref().map(parse_phone).transpose().map_err(|_| {
        AppError::invalid_field(
            "input.callPhone",
            "phone must be a telephone number such as 010-64012345 or 13800138000",
        )
    })?;
    let tx = state.db.begin(tenant).await?;
    let mut first_phone = None;
    for shop_id in &f.shop_ids {
        let s = writable_shop(&tx, who, *shop_id).await?;
        first_phone.get_or_insert(s.phone);
    }
    let now = state.now();
    let model = tx
        .insert(promotion::ActiveModel {
            tenant_id: Set(tenant.0),
            id: Set(audit_scope::new_target()),
            title: Set(text("title", &f.title, 1, 100)?),
            body: Set(text("body", &f.body, 0, 2000)?),
            kind: Set(f.kind.as_str().into()),
            percent_off: Set(percent),
            amount_off_fen: Set(amount),
            call_phone: Set(call_phone),
            starts_at: Set(f.starts_at),
            ends_at: Set(f.ends_at),
            status: Set(if f.publish { PUBLISHED } else { DRAFT }.into()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let mut seen = std::collections::HashSet::new();
    let shop_ids: Vec<Uuid> = f.shop_ids.iter().copied().filter(|s| seen.insert(*s)).collect();
    for shop_id in &shop_ids {
        tx.insert(promotion_shop::ActiveModel {
            tenant_id: Set(tenant.0),
            id: Set(Uuid::now_v7()),
            promotion_id: Set(model.id),
            shop_id: Set(*shop_id),
        })
        .await?;
    }
    tx.bump_generation(Area::Storefront).await?;
    tx.commit().await?;
    let call_phone = model.call_phone.clone().or(first_phone);
    Ok(PromotionRow { model, shop_ids, call_phone })
}

async fn promotion_shop_ids(tx: &TenantTx, promotion_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(tx
        .all(
            tx.select::<promotion_shop::Entity>()
                .map(|q| q.filter(promotion_shop::Column::PromotionId.eq(promotion_id))),
        )
        .await?
        .into_iter()
        .map(|l| l.shop_id)
        .collect())
}

/// Publishes or withdraws a promotion; the caller must be allowed to change every shop it runs in.
pub async fn set_promotion_status(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    id: Uuid,
    publish: bool,
) -> AppResult<PromotionRow> {
    let tx = state.db.begin(tenant).await?;
    let current = tx.get::<promotion::Entity>(id).await?.ok_or(AppError::NotFound("promotion"))?;
    let shop_ids = promotion_shop_ids(&tx, id).await?;
    for shop_id in &shop_ids {
        check_write(who, *shop_id)
            .map_err(|e| if matches!(e, AppError::NotFound(_)) { AppError::NotFound("promotion") } else { e })?;
    }
    let first_phone = match shop_ids.first() {
        Some(s) => tx.get::<shop::Entity>(*s).await?.map(|s| s.phone),
        None => None,
    };
    let mut row = current.into_active_model();
    row.status = Set(if publish { PUBLISHED } else { DRAFT }.into());
    row.updated_at = Set(state.now());
    let model = tx.update(row).await?;
    tx.bump_generation(Area::Storefront).await?;
    tx.commit().await?;
    let call_phone = model.call_phone.clone().or(first_phone);
    Ok(PromotionRow { model, shop_ids, call_phone })
}

/// Promotions the caller sees, newest first: for public views, published ones running now in a published
/// shop; for staff, every promotion of the shops they see. `shop` narrows to one shop.
pub async fn promotions(
    state: &AppState,
    view: &View,
    tenant: &TenantInfo,
    shop: Option<Uuid>,
    before: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<PromotionRow>> {
    let now = state.now();
    if view.is_public() {
        return crate::storefront::index::of(state).get(state, tenant).await?.promotions(
            shop,
            before,
            limit as usize,
            now,
        );
    }
    let tx = state.db.read(tenant.id).await?;
    let phones: HashMap<Uuid, String> = tx
        .all(tx.select::<shop::Entity>().map(|q| view.restrict(q)))
        .await?
        .into_iter()
        .map(|s| (s.id, s.phone))
        .collect();
    let wanted: Vec<Uuid> = match shop {
        Some(s) if phones.contains_key(&s) => vec![s],
        Some(_) => return Err(AppError::NotFound("shop")),
        None => phones.keys().copied().collect(),
    };
    let links = tx
        .all(
            tx.select::<promotion_shop::Entity>()
                .map(|q| q.filter(promotion_shop::Column::ShopId.is_in(wanted.clone()))),
        )
        .await?;
    let mut shops_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut links = links;
    links.sort_by_key(|l| l.id);
    for l in links {
        shops_of.entry(l.promotion_id).or_default().push(l.shop_id);
    }
    let ids: Vec<Uuid> = shops_of.keys().copied().collect();
    let public = view.is_public();
    let rows = tx
        .all(tx.select::<promotion::Entity>().map(|q| {
            let mut q = q.filter(promotion::Column::Id.is_in(ids)).order_by_desc(promotion::Column::Id).limit(limit);
            if let Some(b) = before {
                q = q.filter(promotion::Column::Id.lt(b));
            }
            if public {
                q = q
                    .filter(promotion::Column::Status.eq(PUBLISHED))
                    .filter(promotion::Column::StartsAt.lte(now))
                    .filter(promotion::Column::EndsAt.gt(now));
            }
            q
        }))
        .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|model| {
            let shop_ids = shops_of.remove(&model.id).unwrap_or_default();
            let call_phone = model.call_phone.clone().or_else(|| shop_ids.first().and_then(|s| phones.get(s).cloned()));
            PromotionRow { model, shop_ids, call_phone }
        })
        .collect())
}

/// Adds a review's rating to its shop's average, in the reviewing transaction.
pub async fn add_rating(tx: &TenantTx, shop_id: Uuid, rating: i32) -> Result<(), sea_orm::DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    tx.exec_update(tx.update_many::<shop::Entity>().map(|q| {
        q.col_expr(shop::Column::RatingSum, Expr::col(shop::Column::RatingSum).add(i64::from(rating)))
            .col_expr(shop::Column::RatingCount, Expr::col(shop::Column::RatingCount).add(1))
            .filter(shop::Column::Id.eq(shop_id))
    }))
    .await?;
    tx.bump_generation(Area::Storefront).await.map(drop)
}

/// One shop of a bulk load (volume data for load tests): published, with its therapists, services and one
/// running promotion.
pub struct BulkShop {
    pub name: String,
    pub address: String,
    pub district: String,
    pub phone: String,
    pub location: GeoPoint,
    pub therapists: Vec<(String, Vec<String>)>,
    /// (name, category, minutes, price in fen); every therapist performs every service.
    pub services: Vec<(String, String, i32, i64)>,
    pub promotion: Option<(String, i32)>,
}

/// Loads many shops in one transaction with one generation raise: fast enough for 200 shops a tenant.
pub async fn bulk_load(state: &AppState, tenant: TenantId, shops: Vec<BulkShop>) -> AppResult<usize> {
    let now = state.now();
    let t = tenant.0;
    let (mut shop_rows, mut therapist_rows, mut service_rows, mut link_rows, mut promo_rows, mut promo_links) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let n = shops.len();
    for s in shops {
        let shop_id = Uuid::now_v7();
        let mut row = new_shop_row(t, shop_id, PUBLISHED, now);
        let fields = ShopFields {
            name: s.name,
            address: s.address,
            phone: s.phone,
            location: s.location,
            intro: Some("盲人按摩店（压测数据）".into()),
            district: Some(s.district),
            hours: None,
            closed_dates: None,
            tags: None,
            accessibility: None,
            photo_ids: None,
        };
        apply_fields(&mut row, fields, true)?;
        shop_rows.push(row);
        let mut therapist_ids = vec![];
        for (name, specialties) in s.therapists {
            let id = Uuid::now_v7();
            therapist_ids.push(id);
            therapist_rows.push(therapist::ActiveModel {
                tenant_id: Set(t),
                id: Set(id),
                shop_id: Set(shop_id),
                name: Set(name),
                photo_id: Set(None),
                gender: Set(Gender::Unspecified.as_str().into()),
                title: Set("按摩师".into()),
                years_of_practice: Set(5),
                specialties: Set(serde_json::json!(specialties)),
                intro: Set(String::new()),
                schedule: Set(None),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for (name, category, minutes, price) in s.services {
            let id = Uuid::now_v7();
            service_rows.push(service_item::ActiveModel {
                tenant_id: Set(t),
                id: Set(id),
                shop_id: Set(shop_id),
                name: Set(name),
                description: Set(String::new()),
                category: Set(category),
                duration_minutes: Set(minutes),
                price_fen: Set(price),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            });
            for therapist_id in &therapist_ids {
                link_rows.push(service_therapist::ActiveModel {
                    tenant_id: Set(t),
                    id: Set(Uuid::now_v7()),
                    service_item_id: Set(id),
                    therapist_id: Set(*therapist_id),
                });
            }
        }
        if let Some((title, percent)) = s.promotion {
            let id = Uuid::now_v7();
            promo_rows.push(promotion::ActiveModel {
                tenant_id: Set(t),
                id: Set(id),
                title: Set(title),
                body: Set("到店即享".into()),
                kind: Set(PromotionKind::PercentOff.as_str().into()),
                percent_off: Set(Some(percent)),
                amount_off_fen: Set(None),
                call_phone: Set(None),
                starts_at: Set(now - chrono::Duration::days(1)),
                ends_at: Set(now + chrono::Duration::days(365)),
                status: Set(PUBLISHED.into()),
                created_at: Set(now),
                updated_at: Set(now),
            });
            promo_links.push(promotion_shop::ActiveModel {
                tenant_id: Set(t),
                id: Set(Uuid::now_v7()),
                promotion_id: Set(id),
                shop_id: Set(shop_id),
            });
        }
    }
    let tx = state.db.begin(tenant).await?;
    tx.insert_many(shop_rows).await?;
    tx.insert_many(therapist_rows).await?;
    tx.insert_many(service_rows).await?;
    tx.insert_many(link_rows).await?;
    tx.insert_many(promo_rows).await?;
    tx.insert_many(promo_links).await?;
    tx.bump_generation(Area::Storefront).await?;
    tx.commit().await?;
    Ok(n)
}

/// The names of these therapists, by id (in the caller's transaction): what a notice about a booking reads out.
pub async fn therapist_names(
    tx: &TenantTx,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows = tx.all(tx.select::<therapist::Entity>().map(|q| q.filter(therapist::Column::Id.is_in(ids)))).await?;
    Ok(rows.into_iter().map(|t| (t.id, t.name)).collect())
}

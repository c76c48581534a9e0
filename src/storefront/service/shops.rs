//! Shops: their profiles, their status, their rating.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{DRAFT, PUBLISHED, SUSPENDED, View, changed, list, parse_phone, text, writable_shop};
use crate::{
    db::TenantTx,
    db::audit_scope,
    error::{AppError, AppResult},
    infra::geo::GeoPoint,
    kernel::{Area, Principal, Shape, TenantId},
    state::AppState,
    storefront::{entity::shop, hours::Week},
};

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
pub(super) fn new_shop_row(tenant: Uuid, id: Uuid, status: &str, now: DateTime<Utc>) -> shop::ActiveModel {
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

pub(super) fn apply_fields(row: &mut shop::ActiveModel, f: ShopFields, creating: bool) -> AppResult<()> {
    row.name = Set(text("name", &f.name, Shape::line(100))?);
    row.address = Set(text("address", &f.address, Shape::line(200))?);
    row.phone = Set(parse_phone(&f.phone)?);
    row.lat = Set(f.location.lat());
    row.lng = Set(f.location.lng());
    if let Some(v) = f.intro.as_deref().or(creating.then_some("")) {
        row.intro = Set(text("intro", v, Shape::paragraph(2000).or_empty())?);
    }
    if let Some(v) = f.district.as_deref().or(creating.then_some("")) {
        row.district = Set(text("district", v, Shape::line(50).or_empty())?);
    }
    if let Some(h) = f.hours.or(creating.then(Week::default)) {
        row.opening_hours = Set(h.to_json());
    }
    if let Some(d) = f.closed_dates.or(creating.then(Vec::new)) {
        row.closed_dates = Set(serde_json::json!(d));
    }
    if let Some(t) = f.tags.or(creating.then(Vec::new)) {
        row.tags = Set(serde_json::json!(list("tags", &t, 20, Shape::line(20))?));
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

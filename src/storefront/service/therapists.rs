//! Therapists: who works in a shop, and when.

use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{View, changed, check_write, list, text, writable_shop};
use crate::{
    db::TenantTx,
    db::audit_scope,
    error::{AppError, AppResult},
    kernel::{Principal, Shape, TenantId},
    state::AppState,
    storefront::{
        entity::{shop, therapist},
        hours::Week,
    },
};

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
        row.name = Set(text("name", &v, Shape::line(50))?);
    }
    if let Some(v) = f.specialties {
        row.specialties = Set(serde_json::json!(list("specialties", &v, 20, Shape::line(30))?));
    }
    if let Some(v) = f.gender {
        row.gender = Set(v.as_str().into());
    }
    if let Some(v) = f.title {
        row.title = Set(text("title", &v, Shape::line(50).or_empty())?);
    }
    if let Some(v) = f.years_of_practice {
        if !(0..=70).contains(&v) {
            return Err(AppError::invalid_field("input.yearsOfPractice", "yearsOfPractice must be 0-70"));
        }
        row.years_of_practice = Set(v);
    }
    if let Some(v) = f.intro {
        row.intro = Set(text("intro", &v, Shape::paragraph(1000).or_empty())?);
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

/// The names of these therapists, by id (in the caller's transaction): what a notice about a booking reads out.
pub async fn therapist_names(
    tx: &TenantTx,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Uuid, String)> = tx
        .tuples(
            tx.select::<therapist::Entity>().map(|q| q.filter(therapist::Column::Id.is_in(ids))),
            [therapist::Column::Id, therapist::Column::Name],
        )
        .await?;
    Ok(rows.into_iter().collect())
}

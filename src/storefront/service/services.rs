//! Service items: what a shop offers, for how long and at what price, and who performs it.

use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{View, changed, check_write, text, writable_shop};
use crate::{
    db::TenantTx,
    db::audit_scope,
    error::{AppError, AppResult},
    kernel::{Principal, Shape, TenantId},
    state::AppState,
    storefront::entity::{service_item, service_therapist, shop, therapist},
};

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
        row.name = Set(text("name", v, Shape::line(100))?);
    }
    if let Some(v) = &f.description {
        row.description = Set(text("description", v, Shape::paragraph(1000).or_empty())?);
    }
    if let Some(v) = &f.category {
        row.category = Set(text("category", v, Shape::line(50))?);
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

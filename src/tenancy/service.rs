use std::sync::Arc;

use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::{
    db::{tenant_row as tenant, unscoped},
    error::{AppError, AppResult, unique_or},
    infra::{crypto, origin},
    kernel::{Shape, TenantId, TenantInfo, template},
    state::AppState,
};

pub const ACTIVE: &str = "ACTIVE";
pub const SUSPENDED: &str = "SUSPENDED";

/// A slug: 3–63 of `a-z 0-9 -`, starting and ending with a letter or digit.
pub fn parse_slug(slug: &str) -> AppResult<&str> {
    let b = slug.as_bytes();
    let ok = (3..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-';
    if ok {
        Ok(slug)
    } else {
        Err(AppError::invalid_field("input.slug", "slug must be 3-63 characters of a-z, 0-9 and '-'"))
    }
}

pub struct NewTenant<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub template: &'a str,
    pub is_load_test: bool,
}

/// Creates a tenant from a template. Answers the tenant and its API key, which is shown only this once.
pub async fn create(state: &AppState, new: NewTenant<'_>) -> AppResult<(Arc<TenantInfo>, String)> {
    let slug = parse_slug(new.slug)?;
    let name = Shape::line(200).parse("input.name", new.name)?;
    let tpl = template::find(new.template).ok_or_else(|| {
        AppError::invalid_field("input.template", format!("template must be one of: {}", template::names().join(", ")))
    })?;
    let (key, key_hash) = crypto::new_api_key();
    let now = state.now();
    let row = tenant::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug.to_owned()),
        name: Set(name.into_string()),
        template: Set(new.template.to_owned()),
        kind: Set(tpl.kind.clone()),
        time_zone: Set(tpl.time_zone.clone()),
        status: Set(ACTIVE.to_owned()),
        api_key_hash: Set(Some(key_hash)),
        wechat_app_id: Set(None),
        wechat_secret_enc: Set(None),
        wechat_h5_origin: Set(None),
        is_load_test: Set(new.is_load_test),
        storefront_generation: Set(0),
        booking_generation: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let model = unscoped::insert_tenant(&state.db, row).await.map_err(|e| {
        unique_or(e, "tenants_slug_key", || AppError::conflict_because("SLUG_TAKEN", "a tenant with this slug exists"))
    })?;
    Ok((Arc::new(unscoped::tenant_info(&model)?), key))
}

async fn load(state: &AppState, id: TenantId) -> AppResult<tenant::Model> {
    unscoped::tenant_by_id(&state.db, id.0).await?.ok_or(AppError::NotFound("tenant"))
}

/// Writes a changed registry row. A change of the load-test mark is refused (`VALIDATION`): it is fixed when the
/// tenant is created (see `db::tenant_row`).
pub async fn update(state: &AppState, row: tenant::ActiveModel) -> AppResult<tenant::Model> {
    unscoped::update_tenant(&state.db, row).await.map_err(|e| {
        if tenant::is_load_test_refusal(&e) { AppError::validation(tenant::LOAD_TEST_FIXED) } else { e.into() }
    })
}

/// Replaces the tenant's API key; the old key stops working at once.
pub async fn rotate_api_key(state: &AppState, id: TenantId) -> AppResult<String> {
    let t = load(state, id).await?;
    let (key, hash) = crypto::new_api_key();
    let mut row: tenant::ActiveModel = t.into();
    row.api_key_hash = Set(Some(hash));
    row.updated_at = Set(state.now());
    update(state, row).await?;
    Ok(key)
}

pub async fn set_status(state: &AppState, id: TenantId, status: &str) -> AppResult<Arc<TenantInfo>> {
    let t = load(state, id).await?;
    let mut row: tenant::ActiveModel = t.into();
    row.status = Set(status.to_owned());
    row.updated_at = Set(state.now());
    Ok(Arc::new(unscoped::tenant_info(&update(state, row).await?)?))
}

/// Sets the tenant's WeChat official account (the secret is stored encrypted) and, when given, the origin of its
/// H5 pages.
pub async fn configure_wechat(
    state: &AppState,
    id: TenantId,
    app_id: &str,
    secret: &str,
    h5_origin: Option<&str>,
) -> AppResult<Arc<TenantInfo>> {
    let app_id = app_id.trim();
    if !(app_id.starts_with("wx")
        && (10..=32).contains(&app_id.len())
        && app_id.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(AppError::invalid_field("input.appId", "appId must look like wx followed by letters and digits"));
    }
    if !(16..=64).contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::invalid_field("input.appSecret", "appSecret must be 16-64 letters and digits"));
    }
    let h5_origin = h5_origin
        .map(|o| {
            origin::parse_origin(o).ok_or_else(|| {
                AppError::invalid_field(
                    "input.h5Origin",
                    "h5Origin must be an http(s) origin, like https://h5.example.cn",
                )
            })
        })
        .transpose()?;
    let t = load(state, id).await?;
    let mut row: tenant::ActiveModel = t.into();
    if let Some(o) = h5_origin {
        row.wechat_h5_origin = Set(Some(o));
    }
    row.wechat_app_id = Set(Some(app_id.to_owned()));
    row.wechat_secret_enc = Set(Some(state.keys.encrypt(secret)));
    row.updated_at = Set(state.now());
    Ok(Arc::new(unscoped::tenant_info(&update(state, row).await?)?))
}

/// The tenant's WeChat appid and decrypted secret, if configured.
pub async fn wechat_credentials(state: &AppState, id: TenantId) -> AppResult<Option<(String, String)>> {
    let t = load(state, id).await?;
    match (t.wechat_app_id, t.wechat_secret_enc) {
        (Some(app_id), Some(enc)) => Ok(Some((app_id, state.keys.decrypt(&enc)?))),
        _ => Ok(None),
    }
}

/// The origin of the tenant's H5 pages, if configured.
pub async fn wechat_h5_origin(state: &AppState, id: TenantId) -> AppResult<Option<String>> {
    Ok(load(state, id).await?.wechat_h5_origin)
}

/// An active tenant by slug; `TENANT_UNKNOWN` or `TENANT_SUSPENDED` otherwise.
pub async fn active_by_slug(state: &AppState, slug: &str) -> AppResult<Arc<TenantInfo>> {
    let t = state.tenants.by_slug(slug).await?.ok_or(AppError::TenantUnknown)?;
    active_info(t)
}

pub async fn active_by_id(state: &AppState, id: Uuid) -> AppResult<Arc<TenantInfo>> {
    let t = state.tenants.fresh(id).await?.ok_or(AppError::Unauthenticated)?;
    active_info(t)
}

/// The active tenant whose API key this is; `None` when no tenant has it.
pub async fn active_by_api_key(state: &AppState, key: &str) -> AppResult<Option<Arc<TenantInfo>>> {
    state.tenants.by_api_key_hash(&crypto::sha256_hex(key)).await?.map(active_info).transpose()
}

fn active_info(t: Arc<TenantInfo>) -> AppResult<Arc<TenantInfo>> {
    if t.status == SUSPENDED {
        return Err(AppError::TenantSuspended);
    }
    Ok(t)
}

pub async fn list(state: &AppState, after: Option<Uuid>, limit: u64) -> AppResult<Vec<Arc<TenantInfo>>> {
    let rows = unscoped::list_tenants(&state.db, after, limit).await?;
    Ok(rows.iter().map(|t| unscoped::tenant_info(t).map(Arc::new)).collect::<Result<_, _>>()?)
}

pub async fn by_slug(state: &AppState, slug: &str) -> AppResult<Option<Arc<TenantInfo>>> {
    Ok(unscoped::tenant_by_slug(&state.db, slug).await?.map(|t| unscoped::tenant_info(&t).map(Arc::new)).transpose()?)
}

/// Deletes a tenant and all its data.
/// Deletes a tenant and all its data. `admin` is the owner's connection: the service role may not delete
/// audit rows.
pub async fn purge(admin: &crate::db::Db, slug: &str) -> AppResult<TenantId> {
    let t = unscoped::tenant_by_slug(admin, slug).await?.ok_or(AppError::TenantUnknown)?;
    unscoped::purge_tenant(admin, TenantId(t.id)).await?;
    Ok(TenantId(t.id))
}

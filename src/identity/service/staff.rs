//! Staff accounts: creating, listing and changing them, and their passwords.

use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{password, shops};
use crate::{
    db::audit_scope,
    error::{AppError, AppResult, unique_or},
    identity::entity::staff,
    infra::{crypto, phone::PhoneNumber},
    kernel::{Shape, StaffRole, TenantId},
    state::AppState,
};

pub fn shop_ids(row: &staff::Model) -> Vec<Uuid> {
    serde_json::from_value(row.shop_ids.clone()).unwrap_or_default()
}

fn parse_username(text: &str) -> AppResult<String> {
    let u = text.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(u)
    } else {
        Err(AppError::invalid_field("input.username", "username must be 3-64 of a-z, 0-9, '.', '_' and '-'"))
    }
}

fn check_display_name(name: &str) -> AppResult<String> {
    Ok(Shape::line(100).parse("input.displayName", name)?.into())
}

fn check_shops(role: StaffRole, shop_ids: &[Uuid]) -> AppResult<serde_json::Value> {
    match (role.has_shops(), shop_ids.is_empty()) {
        (true, true) => {
            Err(AppError::invalid_field("input.shopIds", "SHOP_MANAGER and SHOP_STAFF need at least one shop"))
        }
        (false, false) => Err(AppError::invalid_field("input.shopIds", "only SHOP_MANAGER and SHOP_STAFF carry shops")),
        _ => Ok(serde_json::json!(shop_ids)),
    }
}

async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || crypto::hash_password(&password)).await.map_err(AppError::internal)
}

pub(super) async fn verify_password(hash: String, password: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || crypto::verify_password(&hash, &password)).await.map_err(AppError::internal)
}

pub struct NewStaff {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub role: StaffRole,
    pub shop_ids: Vec<Uuid>,
    pub phone: Option<String>,
}

fn phone_columns(state: &AppState, phone: Option<&str>) -> AppResult<(Option<String>, Option<String>)> {
    match phone {
        None => Ok((None, None)),
        Some(text) => {
            let p = PhoneNumber::parse(text).map_err(|e| e.at("input.phone"))?;
            Ok((Some(state.keys.encrypt(p.as_str())), Some(state.keys.lookup_hash("phone", p.as_str()))))
        }
    }
}

/// The phone, masked (`138****1234`), if the account has one.
pub fn masked_phone(state: &AppState, phone_enc: Option<&str>) -> AppResult<Option<String>> {
    phone_enc.map(|enc| Ok(PhoneNumber::parse(&state.keys.decrypt(enc)?)?.masked())).transpose()
}

pub async fn create_staff(state: &AppState, tenant: TenantId, new: NewStaff) -> AppResult<staff::Model> {
    let username = parse_username(&new.username)?;
    let display_name = check_display_name(&new.display_name)?;
    password::check("input.password", &new.password, &[&username, &display_name])?;
    let shop_ids = check_shops(new.role, &new.shop_ids)?;
    let (phone_enc, phone_hash) = phone_columns(state, new.phone.as_deref())?;
    let password_hash = hash_password(new.password).await?;
    let now = state.now();
    let tx = state.db.begin(tenant).await?;
    shops::check_known(state, &tx, &new.shop_ids).await?;
    let row = staff::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(audit_scope::new_target()),
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        role: Set(new.role.as_str().to_owned()),
        shop_ids: Set(shop_ids),
        phone_enc: Set(phone_enc),
        phone_hash: Set(phone_hash),
        active: Set(true),
        session_epoch: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let model = tx.insert(row).await.map_err(|e| {
        unique_or(e, "ux_staff_username", || AppError::conflict_because("USERNAME_TAKEN", "this username is taken"))
    })?;
    tx.commit().await?;
    Ok(model)
}

pub async fn get_staff(state: &AppState, tenant: TenantId, id: Uuid) -> AppResult<staff::Model> {
    let tx = state.db.read(tenant).await?;
    let row = tx.get::<staff::Entity>(id).await?;
    tx.commit().await?;
    row.ok_or(AppError::NotFound("staff"))
}

/// A page of staff in creation order, after the given id.
pub async fn list_staff(
    state: &AppState,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<staff::Model>> {
    let tx = state.db.read(tenant).await?;
    let rows = tx
        .all(tx.select::<staff::Entity>().map(|q| {
            let q = q.order_by_asc(staff::Column::Id).limit(limit);
            match after {
                Some(a) => q.filter(staff::Column::Id.gt(a)),
                None => q,
            }
        }))
        .await?;
    tx.commit().await?;
    Ok(rows)
}

#[derive(Default)]
pub struct StaffPatch {
    pub display_name: Option<String>,
    pub role: Option<StaffRole>,
    pub shop_ids: Option<Vec<Uuid>>,
    pub active: Option<bool>,
    pub phone: Option<Option<String>>,
}

/// Changes an account; what the patch leaves out keeps its value. A change of role, shops or active flag ends
/// the account's sessions.
pub async fn update_staff(state: &AppState, tenant: TenantId, id: Uuid, patch: StaffPatch) -> AppResult<staff::Model> {
    let tx = state.db.begin(tenant).await?;
    let current = tx.get::<staff::Entity>(id).await?.ok_or(AppError::NotFound("staff"))?;
    let role = patch.role.unwrap_or(StaffRole::parse(&current.role)?);
    // Shops left out are kept while the role carries shops; a role without shops carries none.
    let shops = match &patch.shop_ids {
        Some(ids) => ids.clone(),
        None if role.has_shops() => shop_ids(&current),
        None => vec![],
    };
    let shop_json = check_shops(role, &shops)?;
    shops::check_known(state, &tx, &shops).await?;
    let ends_sessions = patch.role.is_some() || patch.shop_ids.is_some() || patch.active == Some(false);
    let epoch = current.session_epoch + i32::from(ends_sessions);
    let mut row = current.into_active_model();
    if let Some(name) = &patch.display_name {
        row.display_name = Set(check_display_name(name)?);
    }
    if let Some(phone) = &patch.phone {
        let (enc, hash) = phone_columns(state, phone.as_deref())?;
        row.phone_enc = Set(enc);
        row.phone_hash = Set(hash);
    }
    if let Some(active) = patch.active {
        row.active = Set(active);
    }
    row.role = Set(role.as_str().to_owned());
    row.shop_ids = Set(shop_json);
    row.session_epoch = Set(epoch);
    row.updated_at = Set(state.now());
    let model = tx.update(row).await?;
    tx.commit().await?;
    Ok(model)
}

/// Sets a new password (by an administrator, or by the holder after proving the current one) and ends every
/// earlier session.
async fn set_password(
    state: &AppState,
    tenant: TenantId,
    id: Uuid,
    current: Option<String>,
    new: String,
) -> AppResult<()> {
    let account = get_staff(state, tenant, id).await?;
    let field = if current.is_some() { "newPassword" } else { "password" };
    password::check(field, &new, &[&account.username, &account.display_name])?;
    let new_hash = hash_password(new).await?;
    let tx = state.db.begin(tenant).await?;
    let row = tx.get::<staff::Entity>(id).await?.ok_or(AppError::NotFound("staff"))?;
    if let Some(current) = current
        && !verify_password(row.password_hash.clone(), current).await?
    {
        return Err(AppError::UnauthenticatedBecause("the current password is wrong"));
    }
    let epoch = row.session_epoch + 1;
    let mut row = row.into_active_model();
    row.password_hash = Set(new_hash);
    row.session_epoch = Set(epoch);
    row.updated_at = Set(state.now());
    tx.update(row).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reset_password(state: &AppState, tenant: TenantId, id: Uuid, new: String) -> AppResult<()> {
    set_password(state, tenant, id, None, new).await
}

pub async fn change_password(
    state: &AppState,
    tenant: TenantId,
    id: Uuid,
    current: String,
    new: String,
) -> AppResult<()> {
    set_password(state, tenant, id, Some(current), new).await
}

//! Staff accounts, logins, lockout; WeChat consumers are in `identity::consumers`.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbBackend, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::entity::staff;
use crate::{
    db::audit_scope,
    error::{AppError, AppResult, unique_or},
    infra::{
        crypto::{self, SessionClaims, SessionKind},
        phone::PhoneNumber,
    },
    kernel::{StaffRole, TenantId},
    state::AppState,
    tenancy::service as tenancy,
};

pub const STAFF_SESSION: Duration = Duration::hours(8);
pub const CONSUMER_SESSION: Duration = Duration::hours(2);

pub fn shop_ids(row: &staff::Model) -> Vec<Uuid> {
    serde_json::from_value(row.shop_ids.clone()).unwrap_or_default()
}

pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub(super) fn issue(
    state: &AppState,
    tenant: TenantId,
    sub: Uuid,
    kind: SessionKind,
    epoch: i32,
    ttl: Duration,
) -> Session {
    let now = state.now();
    let expires_at = now + ttl;
    let claims =
        SessionClaims { sub, tid: tenant.0, kind, ep: epoch, iat: now.timestamp(), exp: expires_at.timestamp() };
    Session { token: state.keys.sign_session(&claims), expires_at }
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

fn check_password(field: &str, password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if !(10..=128).contains(&n) {
        return Err(AppError::invalid_field(field, "password must be 10-128 characters"));
    }
    Ok(())
}

fn check_display_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid_field("input.displayName", "displayName must be 1-100 characters"));
    }
    Ok(name.to_owned())
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

async fn verify_password(hash: String, password: String) -> AppResult<bool> {
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
    check_password("input.password", &new.password)?;
    let shop_ids = check_shops(new.role, &new.shop_ids)?;
    let (phone_enc, phone_hash) = phone_columns(state, new.phone.as_deref())?;
    let password_hash = hash_password(new.password).await?;
    let now = state.now();
    let tx = state.db.begin(tenant).await?;
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
        recent_failures: Set(serde_json::json!([])),
        locked_until: Set(None),
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

/// Changes an account. A change of role, shops or active flag ends the account's sessions.
pub async fn update_staff(state: &AppState, tenant: TenantId, id: Uuid, patch: StaffPatch) -> AppResult<staff::Model> {
    let tx = state.db.begin(tenant).await?;
    let current = tx.get::<staff::Entity>(id).await?.ok_or(AppError::NotFound("staff"))?;
    let role = patch.role.unwrap_or(StaffRole::parse(&current.role)?);
    let shops =
        patch.shop_ids.clone().unwrap_or_else(|| if patch.role.is_some() { vec![] } else { shop_ids(&current) });
    let shop_json = check_shops(role, &shops)?;
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

/// Sets a new password (by an administrator, or by the holder after proving the current one), lifts any
/// lockout and ends every earlier session.
async fn set_password(
    state: &AppState,
    tenant: TenantId,
    id: Uuid,
    current: Option<String>,
    new: String,
) -> AppResult<()> {
    check_password(if current.is_some() { "newPassword" } else { "password" }, &new)?;
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
    row.recent_failures = Set(serde_json::json!([]));
    row.locked_until = Set(None);
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

/// Failed-login bookkeeping: 5 wrong passwords within any 15 minutes lock the account for 15 minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    pub recent: Vec<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
}

pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
pub const LOCK_TIME: Duration = Duration::minutes(15);

impl Lockout {
    fn of(row: &staff::Model) -> Lockout {
        Lockout {
            recent: serde_json::from_value(row.recent_failures.clone()).unwrap_or_default(),
            locked_until: row.locked_until,
        }
    }

    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    pub fn after_failure(&self, now: DateTime<Utc>) -> Lockout {
        let mut recent: Vec<_> = self.recent.iter().copied().filter(|t| now - *t < FAILURE_WINDOW).collect();
        recent.push(now);
        if recent.len() >= MAX_FAILURES {
            Lockout { recent: vec![], locked_until: Some(now + LOCK_TIME) }
        } else {
            Lockout { recent, locked_until: None }
        }
    }

    pub fn cleared() -> Lockout {
        Lockout { recent: vec![], locked_until: None }
    }
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| crypto::hash_password("not a password of anyone"));

fn locked_error(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let minutes = ((until - now).num_seconds() + 59) / 60;
    AppError::rate_limited_because(
        "ACCOUNT_LOCKED",
        format!("too many wrong passwords: this account is locked for {minutes} more minutes"),
    )
}

/// Staff sign-in. Wrong user and wrong password give the same answer, after the same work.
pub async fn staff_login(state: &AppState, tenant_slug: &str, username: &str, password: String) -> AppResult<Session> {
    let invalid = AppError::UnauthenticatedBecause("wrong username or password");
    let tenant = match tenancy::active_by_slug(state, tenant_slug).await {
        Err(AppError::TenantUnknown) => return Err(invalid),
        other => other?,
    };
    let username = username.trim().to_lowercase();
    if !state.limits.allow_credential(&format!("login:{}:{username}", tenant.id)) {
        return Err(AppError::rate_limited_because("TOO_MANY_SIGN_INS", "too many sign-in attempts; wait a minute"));
    }
    let tx = state.db.begin(tenant.id).await?;
    let lock = tx.backend() == DbBackend::Postgres;
    let row = tx
        .one(tx.select::<staff::Entity>().map(|q| {
            let q = q.filter(staff::Column::Username.eq(&username));
            if lock { q.lock_exclusive() } else { q }
        }))
        .await?;
    let Some(row) = row else {
        tx.commit().await?;
        verify_password(DUMMY_HASH.clone(), password).await?;
        return Err(invalid);
    };
    let now = state.now();
    let lockout = Lockout::of(&row);
    if let Some(until) = row.locked_until.filter(|_| lockout.is_locked(now)) {
        tx.commit().await?;
        return Err(locked_error(until, now));
    }
    let ok = verify_password(row.password_hash.clone(), password).await?;
    let (id, epoch, active) = (row.id, row.session_epoch, row.active);
    let next = if ok { Lockout::cleared() } else { lockout.after_failure(now) };
    if next != lockout {
        let mut am = row.into_active_model();
        am.recent_failures = Set(serde_json::json!(next.recent));
        am.locked_until = Set(next.locked_until);
        tx.update(am).await?;
    }
    tx.commit().await?;
    if let Some(until) = next.locked_until {
        tracing::warn!(staff_id = %id, "staff account locked after repeated wrong passwords");
        return Err(locked_error(until, now));
    }
    if !ok || !active {
        return Err(invalid);
    }
    Ok(issue(state, tenant.id, id, SessionKind::Staff, epoch, STAFF_SESSION))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_fifteen_minutes_lock_for_fifteen_minutes() {
        let t0 = Utc::now();
        let mut l = Lockout::cleared();
        for i in 0..4 {
            l = l.after_failure(t0 + Duration::minutes(i));
            assert!(!l.is_locked(t0 + Duration::minutes(i)));
        }
        l = l.after_failure(t0 + Duration::minutes(4));
        assert!(l.is_locked(t0 + Duration::minutes(4)));
        assert!(l.is_locked(t0 + Duration::minutes(18)));
        assert!(!l.is_locked(t0 + Duration::minutes(19) + Duration::seconds(1)));
    }

    #[test]
    fn the_window_slides() {
        let t0 = Utc::now();
        let mut l = Lockout::cleared();
        // Four failures 4 minutes apart never make five within 15 minutes...
        for i in 0..10 {
            let at = t0 + Duration::minutes(4 * i);
            l = l.after_failure(at);
            assert!(!l.is_locked(at), "failure {i}");
        }
        // ...but a burst straddling a fixed window's edge does.
        let mut l = Lockout::cleared();
        for s in [0, 60, 840, 850, 860] {
            l = l.after_failure(t0 + Duration::seconds(s));
        }
        assert!(l.is_locked(t0 + Duration::seconds(860)));
    }
}

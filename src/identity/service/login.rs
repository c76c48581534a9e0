//! Staff sign-in: one answer, after the same work, for a wrong name or a wrong password; throttled per name and
//! client address (`throttle`).

use std::{net::IpAddr, sync::LazyLock};

use sea_orm::{ColumnTrait, QueryFilter};

use super::{STAFF_SESSION, Session, issue, staff::verify_password, throttle};
use crate::{
    error::{AppError, AppResult},
    identity::entity::staff,
    infra::crypto::{self, SessionKind},
    state::AppState,
    tenancy::service as tenancy,
};

/// Checked instead of an account's hash when there is no account, so that an unknown name costs the same.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| crypto::hash_password("not a password of anyone"));

/// Staff sign-in from `client`. An unknown tenant or name, a wrong password and a deactivated account give the
/// same answer after the same work; so does a pause (`throttle`), whether or not the name has an account.
pub async fn staff_login(
    state: &AppState,
    tenant_slug: &str,
    username: &str,
    password: String,
    client: IpAddr,
) -> AppResult<Session> {
    let invalid = AppError::UnauthenticatedBecause("wrong username or password");
    // Made on the first sign-in of any kind, so that the first unknown name takes no longer than others.
    let dummy = DUMMY_HASH.clone();
    let tenant = match tenancy::active_by_slug(state, tenant_slug).await {
        Err(AppError::TenantUnknown) => {
            verify_password(dummy, password).await?;
            return Err(invalid);
        }
        other => other?,
    };
    let username = username.trim().to_lowercase();
    let keys = throttle::Keys::new(state, &username, client);
    if !throttle::admit(state, tenant.id, &keys).await? {
        return Err(throttle::paused_error());
    }
    let tx = state.db.read(tenant.id).await?;
    let row = tx.one(tx.select::<staff::Entity>().map(|q| q.filter(staff::Column::Username.eq(&username)))).await?;
    tx.commit().await?;
    let hash = row.as_ref().map_or(dummy, |r| r.password_hash.clone());
    let ok = verify_password(hash, password).await?;
    let Some(row) = row.filter(|r| ok && r.active) else { return Err(invalid) };
    throttle::succeeded(state, tenant.id, &keys).await?;
    Ok(issue(state, tenant.id, row.id, SessionKind::Staff, row.session_epoch, STAFF_SESSION))
}

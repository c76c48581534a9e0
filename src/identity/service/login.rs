//! Staff sign-in: one answer for a wrong user or password, and the lockout after repeated wrong passwords.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbBackend, IntoActiveModel, QueryFilter, QuerySelect};

use super::{STAFF_SESSION, Session, issue, staff::verify_password};
use crate::{
    error::{AppError, AppResult},
    identity::entity::staff,
    infra::crypto::{self, SessionKind},
    state::AppState,
    tenancy::service as tenancy,
};

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

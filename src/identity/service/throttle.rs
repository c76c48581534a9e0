//! Sign-in throttles, per sign-in name and client address, and per name across addresses.
//!
//! Each attempt is counted before its password is checked, in a transaction of its own that commits whatever
//! becomes of the sign-in (so that neither a failed sign-in's rollback nor a flood of attempts at once escapes the
//! count); a successful one is taken back. Five attempts for one name from one address (an IPv6 /64) within 15
//! minutes pause that name there; twenty for one name from anywhere pause it at every address where it has not
//! signed in within 30 days. Names that no account has are counted alike, so a pause tells nothing.
//! Rows are keyed by keyed hashes: no name or address is stored.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbBackend, IntoActiveModel, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    db::TenantTx,
    error::{AppError, AppResult},
    identity::entity::sign_in_throttle as throttle,
    kernel::TenantId,
    state::AppState,
};

pub const PER_ADDRESS: i32 = 5;
pub const PER_NAME: i32 = 20;
pub const WINDOW: Duration = Duration::minutes(15);
/// An address where a name signed in within this time is exempt from the name's limit across addresses.
pub const KNOWN_ADDRESS: Duration = Duration::days(30);

pub fn paused_error() -> AppError {
    AppError::rate_limited_because("TOO_MANY_SIGN_INS", "too many sign-in attempts: try again in 15 minutes")
}

/// The throttle keys of one attempt.
pub struct Keys {
    /// The name at this address.
    pair: String,
    /// The name from anywhere.
    name: String,
}

impl Keys {
    pub fn new(state: &AppState, name: &str, client: IpAddr) -> Keys {
        Keys {
            pair: state.keys.lookup_hash("sign-in-address", &format!("{name}\0{}", address_key(client))),
            name: state.keys.lookup_hash("sign-in-name", name),
        }
    }
}

/// An IPv4 address as is; an IPv6 address by its /64, which one subscriber usually holds whole.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Attempts counted in the row's window, as of `now`.
fn in_window(row: &throttle::Model, now: DateTime<Utc>) -> i32 {
    if now - row.window_started_at < WINDOW { row.failures } else { 0 }
}

/// Whether an attempt with these rows is paused.
fn paused(pair: &throttle::Model, name: &throttle::Model, now: DateTime<Utc>) -> bool {
    let known = pair.last_success_at.is_some_and(|at| now - at < KNOWN_ADDRESS);
    in_window(pair, now) >= PER_ADDRESS || (!known && in_window(name, now) >= PER_NAME)
}

/// Both rows of `keys`, made when missing and locked until `tx` ends.
async fn rows(tx: &TenantTx, keys: &Keys, now: DateTime<Utc>) -> AppResult<(throttle::Model, throttle::Model)> {
    let new = |key: &str| throttle::ActiveModel {
        tenant_id: Set(tx.tenant().0),
        id: Set(Uuid::now_v7()),
        key_hash: Set(key.to_owned()),
        failures: Set(0),
        window_started_at: Set(now),
        last_success_at: Set(None),
        updated_at: Set(now),
    };
    tx.insert_many_new(vec![new(&keys.pair), new(&keys.name)], [throttle::Column::TenantId, throttle::Column::KeyHash])
        .await?;
    let lock = tx.backend() == DbBackend::Postgres;
    let wanted = [keys.pair.clone(), keys.name.clone()];
    let found = tx
        .all(tx.select::<throttle::Entity>().map(|q| {
            let q = q.filter(throttle::Column::KeyHash.is_in(wanted));
            if lock { q.lock_exclusive() } else { q }
        }))
        .await?;
    let take = |key: &str| {
        found
            .iter()
            .find(|r| r.key_hash == key)
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("throttle row missing")))
    };
    Ok((take(&keys.pair)?, take(&keys.name)?))
}

/// Counts one more attempt in the row's window (a new window when the last one is over).
fn counted(row: throttle::Model, now: DateTime<Utc>, delta: i32) -> throttle::ActiveModel {
    let current = in_window(&row, now);
    let fresh = current == 0;
    let mut am = row.into_active_model();
    if fresh {
        am.window_started_at = Set(now);
    }
    am.failures = Set((current + delta).max(0));
    am.updated_at = Set(now);
    am
}

/// Counts an attempt for `keys` unless the name is paused at this address; answers whether it may go on.
pub async fn admit(state: &AppState, tenant: TenantId, keys: &Keys) -> AppResult<bool> {
    let now = state.now();
    let tx = state.db.begin_unaudited(tenant).await?;
    let (pair, name) = rows(&tx, keys, now).await?;
    let go_on = !paused(&pair, &name, now);
    if go_on {
        tx.update(counted(pair, now, 1)).await?;
        tx.update(counted(name, now, 1)).await?;
    }
    // Rows that counted nothing for 30 days tell nothing any more.
    let stale = now - KNOWN_ADDRESS;
    tx.exec_delete(tx.delete_many::<throttle::Entity>().map(|q| q.filter(throttle::Column::UpdatedAt.lt(stale))))
        .await?;
    tx.commit().await?;
    Ok(go_on)
}

/// The attempt signed in: it is taken back from both counts, and the address is known for the name.
pub async fn succeeded(state: &AppState, tenant: TenantId, keys: &Keys) -> AppResult<()> {
    let now = state.now();
    let tx = state.db.begin_unaudited(tenant).await?;
    let (pair, name) = rows(&tx, keys, now).await?;
    let mut pair = counted(pair, now, -PER_ADDRESS);
    pair.last_success_at = Set(Some(now));
    tx.update(pair).await?;
    tx.update(counted(name, now, -1)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_one_ipv6_slash_64_are_one() {
        let a: IpAddr = "2408:8207:1850:aaa0:1:2:3:4".parse().unwrap();
        let b: IpAddr = "2408:8207:1850:aaa0:ffff::9".parse().unwrap();
        let c: IpAddr = "2408:8207:1850:aaa1::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        assert_eq!(address_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
    }
}

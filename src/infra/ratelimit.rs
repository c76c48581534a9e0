//! Rate limits on login and consumer-facing mutations, per client IP and per credential (GCRA, `governor`).
//! They are per process; the account lockout after wrong passwords lives in the database and holds across
//! processes.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, NotUntil, Quota,
    clock::{Clock, DefaultClock, QuantaInstant},
};

pub struct Limits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_credential: DefaultKeyedRateLimiter<String>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).expect("non-zero quota"))
}

fn wait(not_until: NotUntil<QuantaInstant>) -> Duration {
    not_until.wait_time_from(DefaultClock::default().now())
}

impl Limits {
    /// `ip_per_minute` mutations from one address, `credential_per_minute` for one account or consumer.
    pub fn new(ip_per_minute: u32, credential_per_minute: u32) -> Limits {
        Limits {
            per_ip: DefaultKeyedRateLimiter::keyed(per_minute(ip_per_minute)),
            per_credential: DefaultKeyedRateLimiter::keyed(per_minute(credential_per_minute)),
        }
    }

    pub fn allow_ip(&self, ip: IpAddr) -> bool {
        self.check_ip(ip).is_ok()
    }

    pub fn allow_credential(&self, key: &str) -> bool {
        self.check_credential(key).is_ok()
    }

    /// Counts one from `ip`; when over the limit, how long until the next is allowed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        self.per_ip.check_key(&ip).map_err(wait)
    }

    /// Counts one for the account or consumer `key`; when over the limit, how long until the next is allowed.
    pub fn check_credential(&self, key: &str) -> Result<(), Duration> {
        self.per_credential.check_key(&key.to_owned()).map_err(wait)
    }

    /// Drops idle keys; called now and then so memory stays bounded.
    pub fn shrink(&self) {
        self.per_ip.retain_recent();
        self.per_credential.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_credential.shrink_to_fit();
    }
}

//! Typed settings from the environment (CONTRACT.md, "Environment").

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    Development,
    Production,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub env: Env,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// The service role's connection string; never logged (it may hold a password).
    pub database_url: SecretString,
    /// The owner role that runs migrations; defaults to `database_url`.
    pub database_admin_url: SecretString,
    pub redis_url: Option<SecretString>,
    pub platform_token: Option<SecretString>,
    /// Base64 text of 32 or more random bytes.
    pub secret_key: Option<SecretString>,
    /// In production, `/metrics` answers only `Authorization: Bearer <this>` (`CIVIC_METRICS_TOKEN`), and is off
    /// without it; in development it is open.
    pub metrics_token: Option<SecretString>,
    pub wechat_api_base: String,
    /// The origin of the service's own pages (`CIVIC_PUBLIC_URL`, e.g. `https://civic.example.cn`): a WeChat
    /// sign-in may return there, besides a tenant's configured H5 origin.
    pub public_origin: Option<String>,
    pub wechatpay_api_base: String,
    pub meili_url: Option<String>,
    pub meili_api_key: Option<SecretString>,
    /// The Meilisearch index of shops (`MEILI_INDEX`, default `shops`).
    pub meili_index: String,
    /// Database pool bounds (`CIVIC_DB_POOL_MAX`, `CIVIC_DB_POOL_MIN`); the minimum stays open so that a burst
    /// of cancelled requests cannot drain the pool.
    pub db_pool_max: u32,
    pub db_pool_min: u32,
    /// Consumer and anonymous mutations a minute, per client address (`CIVIC_RATE_IP_PER_MINUTE`) and per
    /// consumer (`CIVIC_RATE_CREDENTIAL_PER_MINUTE`).
    pub rate_ip_per_minute: u32,
    pub rate_credential_per_minute: u32,
    /// Uploads a minute, per client address (`CIVIC_UPLOAD_IP_PER_MINUTE`) and per consumer
    /// (`CIVIC_UPLOAD_CREDENTIAL_PER_MINUTE`).
    pub upload_ip_per_minute: u32,
    pub upload_credential_per_minute: u32,
    /// Memory that decoding uploads may take at once, in MiB (`CIVIC_DECODE_BUDGET_MB`), and how long an upload
    /// waits for its share before it is answered 503 (`CIVIC_DECODE_WAIT_MS`).
    pub decode_budget_mb: u32,
    pub decode_wait: std::time::Duration,
    /// Deliver notices (and expire unpaid orders) from this process; `CIVIC_DISPATCH=0` turns it off, e.g. for
    /// a process that only serves reads.
    pub dispatch_notices: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let env = match var("CIVIC_ENV").as_deref() {
            None | Some("development") => Env::Development,
            Some("production") => Env::Production,
            Some(other) => bail!("CIVIC_ENV must be development or production, not {other:?}"),
        };
        let data_dir = PathBuf::from(var("CIVIC_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url =
            var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}/civic.db?mode=rwc", data_dir.display()));
        let database_admin_url = var("DATABASE_ADMIN_URL").unwrap_or_else(|| database_url.clone());
        let bind = var("CIVIC_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("CIVIC_BIND must be host:port")?;
        let config = Config {
            env,
            bind,
            data_dir,
            database_url: database_url.into(),
            database_admin_url: database_admin_url.into(),
            redis_url: var("REDIS_URL").map(Into::into),
            platform_token: var("CIVIC_PLATFORM_TOKEN").map(Into::into),
            secret_key: var("CIVIC_SECRET_KEY").map(Into::into),
            metrics_token: var("CIVIC_METRICS_TOKEN").map(Into::into),
            public_origin: var("CIVIC_PUBLIC_URL").map(|u| public_origin(&u)).transpose()?,
            wechat_api_base: var("CIVIC_WECHAT_API_BASE").unwrap_or_else(|| "https://api.weixin.qq.com".into()),
            wechatpay_api_base: var("CIVIC_WECHATPAY_API_BASE")
                .unwrap_or_else(|| "https://api.mch.weixin.qq.com".into()),
            meili_url: var("MEILI_URL"),
            meili_api_key: var("MEILI_API_KEY").map(Into::into),
            meili_index: var("MEILI_INDEX").unwrap_or_else(|| "shops".into()),
            db_pool_max: var("CIVIC_DB_POOL_MAX").and_then(|v| v.parse().ok()).unwrap_or(32),
            db_pool_min: var("CIVIC_DB_POOL_MIN").and_then(|v| v.parse().ok()).unwrap_or(4),
            rate_ip_per_minute: var("CIVIC_RATE_IP_PER_MINUTE").and_then(|v| v.parse().ok()).unwrap_or(120),
            rate_credential_per_minute: var("CIVIC_RATE_CREDENTIAL_PER_MINUTE")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30),
            upload_ip_per_minute: var("CIVIC_UPLOAD_IP_PER_MINUTE").and_then(|v| v.parse().ok()).unwrap_or(30),
            upload_credential_per_minute: var("CIVIC_UPLOAD_CREDENTIAL_PER_MINUTE")
                .and_then(|v| v.parse().ok())
                .unwrap_or(10),
            decode_budget_mb: var("CIVIC_DECODE_BUDGET_MB").and_then(|v| v.parse().ok()).unwrap_or(256),
            decode_wait: std::time::Duration::from_millis(
                var("CIVIC_DECODE_WAIT_MS").and_then(|v| v.parse().ok()).unwrap_or(2000),
            ),
            dispatch_notices: var("CIVIC_DISPATCH").is_none_or(|v| v != "0"),
        };
        config.check()?;
        Ok(config)
    }

    /// Production refuses to start without its secrets; a present secret key must decode to 32+ bytes.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.env == Env::Production {
            if self.platform_token.is_none() {
                bail!("CIVIC_ENV=production requires CIVIC_PLATFORM_TOKEN");
            }
            if self.secret_key.is_none() {
                bail!("CIVIC_ENV=production requires CIVIC_SECRET_KEY");
            }
        }
        if let Some(token) = &self.platform_token
            && token.expose_secret().len() < 24
        {
            bail!("CIVIC_PLATFORM_TOKEN must be at least 24 characters");
        }
        if self.rate_ip_per_minute == 0
            || self.rate_credential_per_minute == 0
            || self.upload_ip_per_minute == 0
            || self.upload_credential_per_minute == 0
        {
            bail!("rate limits must be at least 1 a minute");
        }
        if self.decode_budget_mb == 0 {
            bail!("CIVIC_DECODE_BUDGET_MB must be at least 1");
        }
        if let Some(key) = &self.secret_key {
            decode_secret_key(key.expose_secret())?;
        }
        Ok(())
    }

    pub fn is_production(&self) -> bool {
        self.env == Env::Production
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.expose_secret().starts_with("postgres")
    }
}

/// `CIVIC_PUBLIC_URL` as an origin (`scheme://host[:port]`).
fn public_origin(text: &str) -> anyhow::Result<String> {
    let url = reqwest::Url::parse(text.trim()).context("CIVIC_PUBLIC_URL must be an http(s) URL")?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        bail!("CIVIC_PUBLIC_URL must be an http(s) URL");
    }
    Ok(url.origin().ascii_serialization())
}

pub fn decode_secret_key(text: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()))
        .context("CIVIC_SECRET_KEY must be base64")?;
    if bytes.len() < 32 {
        bail!("CIVIC_SECRET_KEY must hold at least 32 bytes");
    }
    Ok(bytes)
}

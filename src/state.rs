//! AppState: the shared handles every layer above may use (database, cache, keys, clock, limits, stores), built
//! once from the configuration, and the runtime parts of capabilities and domains, which `app` puts in by type
//! and each owner reads back (`AppState::part`). This module names no domain.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    ops::Deref,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use base64::Engine;
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    config::{self, Config},
    db::{Db, PoolOptions, registry::Registry},
    infra::{
        cache::Cache,
        crypto,
        crypto::Keys,
        media::{DecodeBudget, MediaStore},
        meili::Meili,
        metrics,
        ratelimit::Limits,
    },
    kernel::Clock,
};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub cache: Cache,
    pub keys: Keys,
    platform_token: SecretString,
    pub http: reqwest::Client,
    pub limits: Limits,
    /// Uploads a minute, per client address and per consumer.
    pub upload_limits: Limits,
    /// Memory that decoding uploads may take at once.
    pub decode_budget: DecodeBudget,
    pub metrics: PrometheusHandle,
    /// Each request's tenant, read fresh in shared batches.
    pub tenants: Registry,
    /// Where every "now" comes from.
    pub clock: Clock,
    /// Uploaded images: `CIVIC_MEDIA_S3_BUCKET` (S3-compatible) or `<data dir>/media`.
    pub media: MediaStore,
    /// Meilisearch, when `MEILI_URL` is set; else the embedded search answers.
    pub meili: Option<Arc<Meili>>,
    parts: Parts,
    ready: AtomicBool,
}

/// The runtime parts of capabilities and domains (in-memory indexes, providers, wake-up lists), one per type.
#[derive(Default)]
pub struct Parts(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl Parts {
    pub fn with<T: Any + Send + Sync>(mut self, part: T) -> Parts {
        self.0.insert(TypeId::of::<T>(), Box::new(part));
        self
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Connects to the stores and loads the secrets; `parts` makes the runtime parts (`app::state` lists them).
    /// In development, missing secrets are generated into the data directory (the platform token is printed
    /// the one time it is made).
    pub async fn build(config: Config, clock: Clock, parts: impl FnOnce(&Keys) -> Parts) -> anyhow::Result<AppState> {
        let secrets = load_secrets(&config)?;
        let db = Db::connect(
            config.database_url.expose_secret(),
            PoolOptions { max_connections: config.db_pool_max, min_connections: config.db_pool_min },
        )
        .await
        .context("cannot connect to the database")?;
        let registry_db =
            Db::connect(config.database_url.expose_secret(), PoolOptions { max_connections: 2, min_connections: 1 })
                .await
                .context("cannot connect to the database")?;
        let tenants = Registry::new(registry_db);
        let cache = Cache::connect(config.redis_url.as_ref().map(|u| u.expose_secret()))
            .await
            .context("cannot connect to Redis")?;
        let keys = Keys::from_secret(&secrets.secret_key);
        let parts = parts(&keys);
        let media = match MediaStore::s3_from_env()? {
            Some(s3) => s3,
            None => MediaStore::local(&config.data_dir.join("media"))?,
        };
        let meili = match &config.meili_url {
            Some(url) => Some(Arc::new(Meili::new(
                url,
                config.meili_api_key.as_ref().map(|k| k.expose_secret()),
                &config.meili_index,
            )?)),
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()?;
        Ok(AppState(Arc::new(Inner {
            limits: Limits::new(config.rate_ip_per_minute, config.rate_credential_per_minute),
            upload_limits: Limits::new(config.upload_ip_per_minute, config.upload_credential_per_minute),
            decode_budget: DecodeBudget::new(config.decode_budget_mb, config.decode_wait),
            keys,
            platform_token: secrets.platform_token,
            config,
            db,
            cache,
            http,
            metrics: metrics::handle(),
            tenants,
            clock,
            media,
            meili,
            parts,
            ready: AtomicBool::new(true),
        })))
    }

    /// The runtime part of this type, which `app::state` put in.
    pub fn part<T: Any + Send + Sync>(&self) -> &T {
        match self.parts.0.get(&TypeId::of::<T>()).and_then(|p| p.downcast_ref()) {
            Some(part) => part,
            None => panic!("{} is not a part of the state (app::state lists them)", std::any::type_name::<T>()),
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn is_platform_token(&self, candidate: &str) -> bool {
        crypto::secret_eq(candidate, self.platform_token.expose_secret())
    }

    /// A fingerprint of the platform token: a platform session carries it, so replacing the token ends them.
    pub fn platform_epoch(&self) -> i32 {
        let digest = crypto::sha256_hex(self.platform_token.expose_secret());
        i32::from_str_radix(&digest[..7], 16).unwrap_or_default()
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Called when shutdown begins: `/readyz` answers 503 so the load balancer stops sending traffic.
    pub fn set_draining(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }
}

struct Secrets {
    secret_key: Vec<u8>,
    platform_token: SecretString,
}

fn load_secrets(config: &Config) -> anyhow::Result<Secrets> {
    let secret_key = match &config.secret_key {
        Some(key) => config::decode_secret_key(key.expose_secret())?,
        None => {
            let text = read_or_create(&config.data_dir, "secret-key", || crypto::random_token(32))?;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.0.trim())?
        }
    };
    let platform_token = match &config.platform_token {
        Some(token) => token.clone(),
        None => {
            let (token, created) =
                read_or_create(&config.data_dir, "platform-token", || format!("cpt_{}", crypto::random_token(32)))?;
            if created {
                eprintln!(
                    "civic: generated a development platform token (shown once; kept in {}):\n  {}",
                    config.data_dir.join("platform-token").display(),
                    token.trim()
                );
            }
            token.trim().to_owned().into()
        }
    };
    Ok(Secrets { secret_key, platform_token })
}

/// Reads `dir/name`, or writes a new value there (mode 0600). Answers the text and whether it was created.
fn read_or_create(dir: &Path, name: &str, make: impl FnOnce() -> String) -> anyhow::Result<(String, bool)> {
    let path = dir.join(name);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok((text, false));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let value = make();
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(value.as_bytes())?;
            Ok((value, true))
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((std::fs::read_to_string(&path)?, false)),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
}

//! AppState: everything a request may use, built once from the configuration.

use std::{
    collections::HashSet,
    ops::Deref,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use base64::Engine;
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    booking::{
        notices::{LogNotifier, Notifier},
        payment::{PaymentProvider, SimulatedProvider},
    },
    config::{self, Config},
    db::TenantId,
    db::{Db, PoolOptions},
    infra::{cache::Cache, crypto, crypto::Keys, media::MediaStore, meili::Meili, metrics, ratelimit::Limits},
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
    pub metrics: PrometheusHandle,
    /// Each request's tenant, read fresh in shared batches.
    pub tenants: crate::tenancy::registry::Registry,
    /// Per-tenant nearest-shop and text-search indexes.
    pub storefront: crate::storefront::index::Indexes,
    /// Slot claims in memory for availability, by booking generation.
    pub claims: crate::booking::claims::Claims,
    /// Uploaded images: `CIVIC_MEDIA_S3_BUCKET` (S3-compatible) or `<data dir>/media`.
    pub media: MediaStore,
    /// Meilisearch, when `MEILI_URL` is set; else the embedded search answers.
    pub meili: Option<Arc<Meili>>,
    /// Tenants with fresh search outbox rows, for the dispatcher.
    pub search_pending: Mutex<HashSet<TenantId>>,
    /// The payment provider: the simulated one (no money moves) until WeChat Pay v3 lands.
    pub payments: Arc<dyn PaymentProvider>,
    /// Where notices go: the log in development.
    pub notifier: Arc<dyn Notifier>,
    /// Tenants with fresh notices, for the dispatcher.
    pub notice_pending: Mutex<HashSet<TenantId>>,
    ready: AtomicBool,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Connects to the stores and loads the secrets. In development, missing secrets are generated into the
    /// data directory (the platform token is printed the one time it is made).
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
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
        let tenants = crate::tenancy::registry::Registry::new(registry_db);
        let cache = Cache::connect(config.redis_url.as_ref().map(|u| u.expose_secret()))
            .await
            .context("cannot connect to Redis")?;
        let keys = Keys::from_secret(&secrets.secret_key);
        let payment_key = keys.payment_notify_key();
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
            keys,
            platform_token: secrets.platform_token,
            config,
            db,
            cache,
            http,
            metrics: metrics::handle(),
            tenants,
            storefront: Default::default(),
            claims: Default::default(),
            media,
            meili,
            search_pending: Mutex::default(),
            payments: Arc::new(SimulatedProvider::new(payment_key)),
            notifier: Arc::new(LogNotifier),
            notice_pending: Mutex::default(),
            ready: AtomicBool::new(true),
        })))
    }

    pub fn is_platform_token(&self, candidate: &str) -> bool {
        crypto::secret_eq(candidate, self.platform_token.expose_secret())
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

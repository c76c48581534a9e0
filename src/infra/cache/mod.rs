//! The hot-query cache: an in-process cache in front of Redis (when `REDIS_URL` is set), holding finished
//! answers by key.
//!
//! - One loader per key at a time: concurrent misses of one key in a process wait for the first one's answer.
//! - Each entry lives for its TTL less up to a fifth (jitter), so that entries made together do not expire
//!   together; an entry read from Redis keeps its deadline in the process.
//! - A key may be admitted only once asked before (`Cache::asked_before`): a small filter of the keys seen
//!   lately, so that answers which never repeat (a phone's exact position) are neither stored nor sent to Redis.
//! - Reads are queued and sent together: one reader takes every read waiting (up to a batch) into one `MGET`
//!   over a multiplexed connection, so that under load a round trip serves hundreds of requests. Stores are
//!   queued off the request's path and written in pipelines, many per round trip, over a deadpool-redis
//!   connection. When a queue is full (Redis slower than this process asks) the read or store is skipped and
//!   counted. Every Redis call has a short timeout. A failed or late call opens a breaker for a second: requests then
//!   skip Redis (the in-process cache and the database answer), and the first call after it tries again, so
//!   caching resumes by itself when Redis returns. When Redis does not answer at start, the process starts
//!   without it (`/readyz` says `degraded`) and connects in the background once it answers.
//!
//! Correctness does not depend on Redis: keys carry the tenant and the generations the answer was computed at
//! (see `tenancy::generation`), so a write makes every process's next read use new keys.

mod remote;
mod seen;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use rand::Rng;

use remote::Link;
use seen::Seen;

/// Weight of the in-process cache: key and body bytes. Sized for the storefront answers of a national
/// deployment (100 tenants x 200 shops: profiles of ~4.4 KB, ~90 MB, plus promotions and free slots): at 64 MiB
/// under the national load test a quarter of all requests went to Redis for an answer evicted from memory.
const LOCAL_BYTES: u64 = 256 * 1024 * 1024;

/// A cached answer.
pub struct Entry {
    pub body: Bytes,
    /// Unix milliseconds after which the entry is not served.
    expires_ms: u64,
}

/// Where an answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Local,
    Redis,
    Loaded,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Local => "HIT-LOCAL",
            Source::Redis => "HIT-REDIS",
            Source::Loaded => "MISS",
        }
    }
}

#[derive(Clone)]
pub struct Cache {
    local: moka::future::Cache<String, Arc<Entry>>,
    redis: Option<Arc<Link>>,
    seen: Arc<Seen>,
}

struct UntilDeadline;

impl moka::Expiry<String, Arc<Entry>> for UntilDeadline {
    fn expire_after_create(&self, _: &String, entry: &Arc<Entry>, _: Instant) -> Option<Duration> {
        Some(Duration::from_millis(entry.expires_ms.saturating_sub(now_ms())))
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

impl Cache {
    pub async fn connect(url: Option<&str>) -> anyhow::Result<Cache> {
        let local = moka::future::Cache::builder()
            .max_capacity(LOCAL_BYTES)
            .weigher(|k: &String, v: &Arc<Entry>| (k.len() + v.body.len()).try_into().unwrap_or(u32::MAX))
            .expire_after(UntilDeadline)
            .build();
        let redis = match url {
            None => None,
            Some(url) => Some(Link::connect(url).await?),
        };
        Ok(Cache { local, redis, seen: Arc::new(Seen::new()) })
    }

    /// Whether this process was asked for `key` lately (before this call). The first ask of a key whose answers
    /// rarely repeat is answered without the cache; a repeat goes through [`Cache::get_or_load`].
    pub fn asked_before(&self, key: &str) -> bool {
        let seen = self.seen.check_and_add(key);
        if !seen {
            metrics::counter!("civic_cache_misses_total").increment(1);
        }
        seen
    }

    pub fn kind(&self) -> &'static str {
        if self.redis.is_some() { "redis" } else { "memory" }
    }

    /// The answer stored under `key`, or the one `load` makes, which is stored for as long as `load` says it
    /// holds (less jitter) when it is `Some`. Concurrent calls for one key in this process share one `load`;
    /// `None` (not cacheable) is not shared: the caller that gets `None` back without a source must load for
    /// itself.
    pub async fn get_or_load<F>(&self, key: String, load: F) -> Option<(Arc<Entry>, Source)>
    where
        F: Future<Output = Option<(Bytes, Duration)>> + Send,
    {
        if let Some(entry) = self.local.get(&key).await {
            metrics::counter!("civic_cache_hits_total", "layer" => "local").increment(1);
            return Some((entry, Source::Local));
        }
        // Boxed: Redis and the load are the rarer path, and their state would make every hit's future large.
        Box::pin(self.get_or_load_shared(key, load)).await
    }

    /// [`Cache::get_or_load`] past a miss in this process: one load shared by concurrent calls for the key.
    async fn get_or_load_shared<F>(&self, key: String, load: F) -> Option<(Arc<Entry>, Source)>
    where
        F: Future<Output = Option<(Bytes, Duration)>> + Send,
    {
        const LOCAL: u8 = 0;
        const REDIS: u8 = 1;
        const LOADED: u8 = 2;
        let source = AtomicU8::new(LOCAL);
        let init = async {
            if let Some(entry) = self.redis_get(&key).await {
                source.store(REDIS, Ordering::Relaxed);
                return Ok(entry);
            }
            let (body, ttl) = load.await.ok_or(())?;
            // Answers are written into buffers that grow by doubling (a shop's profile of 4.4 KB sits in 8 KB):
            // what is kept holds its bytes alone. Under the national load test the first run after a start
            // grew the process by 300 MB, each new page costing a fault.
            let body = Bytes::copy_from_slice(&body);
            source.store(LOADED, Ordering::Relaxed);
            let jitter = rand::rng().random_range(0.8..=1.0);
            let entry = Arc::new(Entry { body, expires_ms: now_ms() + (ttl.as_millis() as f64 * jitter) as u64 });
            self.redis_put(&key, &entry);
            Ok::<_, ()>(entry)
        };
        let entry = self.local.entry_by_ref(&key).or_try_insert_with(init).await.ok()?;
        let source = match source.load(Ordering::Relaxed) {
            REDIS => Source::Redis,
            LOADED => Source::Loaded,
            _ => Source::Local,
        };
        let layer = match source {
            Source::Local => "local",
            Source::Redis => "redis",
            Source::Loaded => "none",
        };
        if source == Source::Loaded {
            metrics::counter!("civic_cache_misses_total").increment(1);
        } else {
            metrics::counter!("civic_cache_hits_total", "layer" => layer).increment(1);
        }
        Some((entry.into_value(), source))
    }
}

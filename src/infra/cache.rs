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
//!   caching resumes by itself when Redis returns.
//!
//! Correctness does not depend on Redis: keys carry the tenant and the generations the answer was computed at
//! (see `tenancy::generation`), so a write makes every process's next read use new keys.

use std::{
    future::Future,
    hash::BuildHasher,
    sync::{
        Arc,
        atomic::{AtomicU8, AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use rand::Rng;
use redis::aio::ConnectionManager;

/// Longest wait for a Redis read before the request goes on without it.
const READ_TIMEOUT: Duration = Duration::from_millis(100);
/// Longest wait for a Redis store (off the request's path).
const WRITE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long requests skip Redis after it failed.
const BREAK: Duration = Duration::from_secs(1);
/// Stores waiting to be written; and the most written in one pipeline.
const STORE_QUEUE: usize = 8192;
const STORE_BATCH: usize = 256;
/// Reads waiting to be sent; and the most keys in one `MGET`.
const READ_QUEUE: usize = 8192;
const READ_BATCH: usize = 256;
/// Weight of the in-process cache: key and body bytes. Sized for the storefront answers of a national
/// deployment (100 tenants x 200 shops: profiles of ~4.4 KB, ~90 MB, plus promotions and free slots): at 64 MiB
/// under the national load test a quarter of all requests went to Redis for an answer evicted from memory.
const LOCAL_BYTES: u64 = 256 * 1024 * 1024;
const KEY_PREFIX: &str = "civic:q:";

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

struct Redis {
    conn: ConnectionManager,
    /// Reads for the reader (`read_batches`).
    reads: tokio::sync::mpsc::Sender<Read>,
    /// Stores for the writer (`write_stores`).
    stores: tokio::sync::mpsc::Sender<Queued>,
    /// Unix milliseconds until which Redis is skipped.
    open_until: AtomicU64,
}

/// One key to read, and where its value goes (dropped unanswered when the batch failed).
struct Read {
    key: String,
    reply: tokio::sync::oneshot::Sender<Option<Vec<u8>>>,
}

/// One answer to store: the full key, the value (deadline and body), its time to live.
struct Store {
    key: String,
    value: Vec<u8>,
    ttl_ms: u64,
}

/// What the writer is asked: a store, or to say when the stores queued before it are written (or given up).
enum Queued {
    Store(Store),
    Flush(tokio::sync::oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct Cache {
    local: moka::future::Cache<String, Arc<Entry>>,
    redis: Option<Arc<Redis>>,
    seen: Arc<Seen>,
}

/// The keys asked for lately: a Bloom filter (3 bits a key) cleared after `SEEN_KEYS` keys, so that it says
/// "asked before" wrongly for about one key in a hundred, and forgets everything now and then (the next ask
/// of a forgotten key is then taken for a first one).
struct Seen {
    bits: Box<[AtomicU64]>,
    added: AtomicU64,
    hasher: std::hash::RandomState,
}

/// Keys remembered before the filter is cleared; and its size in bits (about ten a key).
const SEEN_KEYS: u64 = 200_000;
const SEEN_BITS: usize = 1 << 21;

impl Seen {
    fn new() -> Seen {
        let bits = (0..SEEN_BITS / 64).map(|_| AtomicU64::new(0)).collect();
        Seen { bits, added: AtomicU64::new(0), hasher: std::hash::RandomState::new() }
    }

    /// Whether `key` was seen since the last clearing; remembers it.
    fn check_and_add(&self, key: &str) -> bool {
        let hash = self.hasher.hash_one(key);
        let (h1, h2) = (hash as u32 as usize, (hash >> 32) as usize | 1);
        let mut seen = true;
        for i in 0..3 {
            let bit = h1.wrapping_add(i * h2) % SEEN_BITS;
            let (word, mask) = (&self.bits[bit / 64], 1u64 << (bit % 64));
            // Read first: a key asked often writes nothing, so the cores do not pass its words back and forth.
            seen &= word.load(Ordering::Relaxed) & mask != 0 || word.fetch_or(mask, Ordering::Relaxed) & mask != 0;
        }
        if !seen && self.added.fetch_add(1, Ordering::Relaxed) + 1 >= SEEN_KEYS {
            self.added.store(0, Ordering::Relaxed);
            self.bits.iter().for_each(|w| w.store(0, Ordering::Relaxed));
        }
        seen
    }
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
            Some(url) => {
                let client = redis::Client::open(url)?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Duration::from_secs(1))
                    .set_response_timeout(Duration::from_millis(500))
                    .set_number_of_retries(2)
                    .set_max_delay(500);
                let conn =
                    tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new_with_config(client, config))
                        .await??;
                let mut pool = deadpool_redis::Config::from_url(url);
                pool.pool = Some(deadpool_redis::PoolConfig {
                    max_size: 2,
                    timeouts: deadpool_redis::Timeouts {
                        wait: Some(WRITE_TIMEOUT),
                        create: Some(WRITE_TIMEOUT),
                        recycle: Some(WRITE_TIMEOUT),
                    },
                    ..Default::default()
                });
                let writes = pool.create_pool(Some(deadpool_redis::Runtime::Tokio1))?;
                let (stores, store_queue) = tokio::sync::mpsc::channel(STORE_QUEUE);
                let (reads, read_queue) = tokio::sync::mpsc::channel(READ_QUEUE);
                let redis = Arc::new(Redis { conn: conn.clone(), reads, stores, open_until: AtomicU64::new(0) });
                tokio::spawn(write_stores(Arc::downgrade(&redis), writes, store_queue));
                tokio::spawn(read_batches(Arc::downgrade(&redis), conn, read_queue));
                Some(redis)
            }
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

    /// True when the cache answers within a short time.
    pub async fn ping(&self) -> bool {
        let Some(redis) = &self.redis else { return true };
        let mut conn = redis.conn.clone();
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<String>(&mut conn);
        matches!(tokio::time::timeout(Duration::from_millis(500), ping).await, Ok(Ok(_)))
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

    /// Returns when the answers queued for Redis before this call are written there, or given up (Redis failed).
    /// Stores are written behind the requests that made them; this is for a caller that must know another
    /// process can now read them.
    pub async fn flush(&self) {
        let Some(redis) = &self.redis else { return };
        let (done, written) = tokio::sync::oneshot::channel();
        if redis.stores.send(Queued::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }

    /// Redis, unless its breaker is open.
    fn usable_redis(&self) -> Option<&Arc<Redis>> {
        self.redis.as_ref().filter(|r| now_ms() >= r.open_until.load(Ordering::Relaxed))
    }

    async fn redis_get(&self, key: &str) -> Option<Arc<Entry>> {
        let redis = self.usable_redis()?;
        let (reply, value) = tokio::sync::oneshot::channel();
        if redis.reads.try_send(Read { key: format!("{KEY_PREFIX}{key}"), reply }).is_err() {
            // The reader is behind: the request goes on without Redis.
            metrics::counter!("civic_cache_redis_reads_skipped_total").increment(1);
            return None;
        }
        match tokio::time::timeout(READ_TIMEOUT, value).await {
            Ok(Ok(value)) => value.and_then(decode),
            // The batch failed; the reader opened the breaker.
            Ok(Err(_)) => None,
            Err(_) => {
                trip(redis, "timed out");
                None
            }
        }
    }

    /// Queues the entry for Redis.
    fn redis_put(&self, key: &str, entry: &Entry) {
        let Some(redis) = self.usable_redis() else { return };
        let ttl_ms = entry.expires_ms.saturating_sub(now_ms());
        if ttl_ms == 0 {
            return;
        }
        let mut value = Vec::with_capacity(8 + entry.body.len());
        value.extend_from_slice(&entry.expires_ms.to_be_bytes());
        value.extend_from_slice(&entry.body);
        let store = Store { key: format!("{KEY_PREFIX}{key}"), value, ttl_ms };
        if redis.stores.try_send(Queued::Store(store)).is_err() {
            // The writer is behind: Redis is not at fault, the answer is just not stored.
            metrics::counter!("civic_cache_redis_stores_dropped_total").increment(1);
        }
    }
}

/// Reads queued keys, as many as are waiting (up to a batch) in one `MGET`; ends with the cache.
async fn read_batches(
    redis: std::sync::Weak<Redis>,
    mut conn: ConnectionManager,
    mut queue: tokio::sync::mpsc::Receiver<Read>,
) {
    let mut batch = Vec::with_capacity(READ_BATCH);
    while queue.recv_many(&mut batch, READ_BATCH).await > 0 {
        let Some(redis) = redis.upgrade() else { return };
        // Readers that gave up (timed out) need no answer.
        batch.retain(|r| !r.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        let mut cmd = redis::cmd("MGET");
        for read in &batch {
            cmd.arg(&read.key);
        }
        let get = cmd.query_async::<Vec<Option<Vec<u8>>>>(&mut conn);
        match tokio::time::timeout(READ_TIMEOUT, get).await {
            Ok(Ok(values)) if values.len() == batch.len() => {
                for (read, value) in batch.drain(..).zip(values) {
                    let _ = read.reply.send(value);
                }
            }
            Ok(Ok(_)) => trip(&redis, "MGET answered another number of values"),
            Ok(Err(e)) => trip(&redis, &format!("{e}")),
            Err(_) => trip(&redis, "timed out"),
        }
        batch.clear();
    }
}

/// Writes queued stores, as many as are waiting (up to a batch) in one pipeline; ends with the cache.
async fn write_stores(
    redis: std::sync::Weak<Redis>,
    pool: deadpool_redis::Pool,
    mut queue: tokio::sync::mpsc::Receiver<Queued>,
) {
    let mut batch = Vec::with_capacity(STORE_BATCH);
    while queue.recv_many(&mut batch, STORE_BATCH).await > 0 {
        let Some(redis) = redis.upgrade() else { return };
        let mut pipe = redis::pipe();
        let mut flushes = vec![];
        for queued in batch.drain(..) {
            match queued {
                Queued::Store(s) => _ = pipe.cmd("SET").arg(s.key).arg(s.value).arg("PX").arg(s.ttl_ms).ignore(),
                Queued::Flush(done) => flushes.push(done),
            }
        }
        if pipe.cmd_iter().next().is_some() {
            write_pipeline(&redis, &pool, pipe).await;
        }
        // The stores queued before these requests are written or given up.
        flushes.into_iter().for_each(|done| _ = done.send(()));
    }
}

/// Writes one pipeline of stores; a failure opens the breaker.
async fn write_pipeline(redis: &Redis, pool: &deadpool_redis::Pool, pipe: redis::Pipeline) {
    let write = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        pipe.query_async::<()>(&mut *conn).await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout(WRITE_TIMEOUT, write).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => trip(redis, &e),
        Err(_) => trip(redis, "timed out"),
    }
}

fn decode(value: Vec<u8>) -> Option<Arc<Entry>> {
    let deadline: [u8; 8] = value.get(..8)?.try_into().ok()?;
    let expires_ms = u64::from_be_bytes(deadline);
    if expires_ms <= now_ms() {
        return None;
    }
    Some(Arc::new(Entry { body: Bytes::from(value).slice(8..), expires_ms }))
}

/// Opens the breaker; logs once per opening.
fn trip(redis: &Redis, why: &str) {
    metrics::counter!("civic_cache_redis_errors_total").increment(1);
    let now = now_ms();
    let was = redis.open_until.swap(now + BREAK.as_millis() as u64, Ordering::Relaxed);
    if was <= now {
        tracing::warn!(error = why, "Redis cache unavailable; answering without it for a second");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_asked_before_from_its_second_ask_until_the_filter_is_cleared() {
        let seen = Seen::new();
        assert!(!seen.check_and_add("t:1:-:anon:aa"));
        assert!(seen.check_and_add("t:1:-:anon:aa"));
        assert!(!seen.check_and_add("t:1:-:anon:bb"), "another key is new");
        // Among many new keys, few are wrongly taken for repeats.
        let wrong = (0..20_000).filter(|i| seen.check_and_add(&format!("k{i}"))).count();
        assert!(wrong < 400, "{wrong} of 20,000 new keys taken for repeats");
        // Full: cleared, and every key is new again.
        (0..SEEN_KEYS).for_each(|i| {
            seen.check_and_add(&format!("fill{i}"));
        });
        assert!(!seen.check_and_add("t:1:-:anon:aa"));
    }
}

//! The Redis layer behind the in-process cache: batched reads, pipelined stores, and the breaker that skips
//! Redis for a second after it failed, and the link that is made in the background when Redis is down at start.

use std::{
    sync::{
        Arc, OnceLock, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use redis::aio::ConnectionManager;

use super::{Cache, Entry, now_ms};

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
const KEY_PREFIX: &str = "civic:q:";

pub(super) struct Redis {
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

/// The link to Redis: empty until the first connection is made, at start or, when Redis is down then, in the
/// background. Once made, the connection manager reconnects by itself and the breaker covers outages.
pub(super) struct Link {
    redis: OnceLock<Arc<Redis>>,
}

/// First pause between attempts to reach Redis after it was down at start, and the longest.
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LONGEST_RETRY: Duration = Duration::from_secs(2);

impl Link {
    /// Connects to Redis; when it does not answer, the cache starts without it and keeps trying in the
    /// background (a process that starts during a Redis outage serves from memory and the database, as a running
    /// one does). A URL that cannot be parsed is a configuration error.
    pub(super) async fn connect(url: &str) -> anyhow::Result<Arc<Link>> {
        let client = redis::Client::open(url)?;
        let link = Arc::new(Link { redis: OnceLock::new() });
        match open(client.clone(), url).await {
            Ok(redis) => _ = link.redis.set(redis),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "Redis unavailable at start; answering without it and connecting in the background");
                tokio::spawn(connect_later(Arc::downgrade(&link), client, url.to_owned()));
            }
        }
        Ok(link)
    }

    /// Redis, once connected.
    pub(super) fn get(&self) -> Option<&Arc<Redis>> {
        self.redis.get()
    }
}

/// Tries to connect until it succeeds, with growing pauses; ends with the cache.
async fn connect_later(link: Weak<Link>, client: redis::Client, url: String) {
    let mut pause = FIRST_RETRY;
    loop {
        tokio::time::sleep(pause).await;
        let Some(strong) = link.upgrade() else { return };
        if let Ok(redis) = open(client.clone(), &url).await {
            _ = strong.redis.set(redis);
            tracing::info!("Redis answers; the cache uses it from now on");
            return;
        }
        pause = (pause * 2).min(LONGEST_RETRY);
    }
}

/// Connects to Redis and starts the reader and the writer, which end with the cache.
async fn open(client: redis::Client, url: &str) -> anyhow::Result<Arc<Redis>> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(1))
        .set_response_timeout(Duration::from_millis(500))
        .set_number_of_retries(2)
        .set_max_delay(500);
    let conn =
        tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new_with_config(client, config)).await??;
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
    Ok(redis)
}

impl Cache {
    /// True when the cache answers within a short time.
    pub async fn ping(&self) -> bool {
        let Some(link) = &self.redis else { return true };
        // Configured but not yet reached: degraded.
        let Some(redis) = link.get() else { return false };
        let mut conn = redis.conn.clone();
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<String>(&mut conn);
        matches!(tokio::time::timeout(Duration::from_millis(500), ping).await, Ok(Ok(_)))
    }

    /// Returns when the answers queued for Redis before this call are written there, or given up (Redis failed).
    /// Stores are written behind the requests that made them; this is for a caller that must know another
    /// process can now read them.
    pub async fn flush(&self) {
        let Some(redis) = self.redis.as_ref().and_then(|l| l.get()) else { return };
        let (done, written) = tokio::sync::oneshot::channel();
        if redis.stores.send(Queued::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }

    /// Redis, unless its breaker is open.
    fn usable_redis(&self) -> Option<&Arc<Redis>> {
        self.redis.as_ref().and_then(|l| l.get()).filter(|r| now_ms() >= r.open_until.load(Ordering::Relaxed))
    }

    pub(super) async fn redis_get(&self, key: &str) -> Option<Arc<Entry>> {
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
    pub(super) fn redis_put(&self, key: &str, entry: &Entry) {
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

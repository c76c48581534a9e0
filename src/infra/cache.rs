//! The cache: Redis when `REDIS_URL` is set, in-process otherwise. Issue 5 grows this into the hot-query
//! cache; the platform core uses it for readiness.

use std::time::Duration;

use redis::aio::ConnectionManager;

#[derive(Clone)]
pub enum Cache {
    Memory,
    Redis(ConnectionManager),
}

impl Cache {
    pub async fn connect(url: Option<&str>) -> anyhow::Result<Cache> {
        match url {
            None => Ok(Cache::Memory),
            Some(url) => {
                let client = redis::Client::open(url)?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Duration::from_secs(2))
                    .set_response_timeout(Duration::from_millis(500));
                let manager =
                    tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new_with_config(client, config))
                        .await??;
                Ok(Cache::Redis(manager))
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Cache::Memory => "memory",
            Cache::Redis(_) => "redis",
        }
    }

    /// True when the cache answers within a short time.
    pub async fn ping(&self) -> bool {
        match self {
            Cache::Memory => true,
            Cache::Redis(conn) => {
                let mut conn = conn.clone();
                let cmd = redis::cmd("PING");
                let ping = cmd.query_async::<String>(&mut conn);
                matches!(tokio::time::timeout(Duration::from_millis(500), ping).await, Ok(Ok(_)))
            }
        }
    }
}

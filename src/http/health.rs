use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};

use super::Web;

/// 200 while the process runs.
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the database and the cache answer; 503 while shutting down or when either does not.
pub async fn readyz(State(web): State<Web>) -> impl IntoResponse {
    let state = &web.state;
    if !state.is_ready() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "draining" })));
    }
    let (db, cache) = tokio::join!(state.db.ping(), state.cache.ping());
    let body = serde_json::json!({
        "status": if db && cache { "ready" } else { "unavailable" },
        "database": db,
        "cache": cache,
        "cacheKind": state.cache.kind(),
    });
    (if db && cache { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}

/// Prometheus text: requests and latency by operation, database pool, and what later layers add (cache).
pub async fn metrics(State(web): State<Web>) -> impl IntoResponse {
    let (open, idle) = web.state.db.pool_stats();
    let cache_up = web.state.cache.ping().await;
    metrics::gauge!("civic_cache_up", "kind" => web.state.cache.kind()).set(if cache_up { 1.0 } else { 0.0 });
    metrics::gauge!("civic_db_pool_connections").set(open as f64);
    metrics::gauge!("civic_db_pool_idle").set(idle as f64);
    metrics::gauge!("civic_ready").set(if web.state.is_ready() { 1.0 } else { 0.0 });
    ([("content-type", "text/plain; version=0.0.4")], web.state.metrics.render())
}

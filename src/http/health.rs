use axum::{
    Json,
    extract::State,
    http::{
        HeaderMap, StatusCode,
        header::{AUTHORIZATION, WWW_AUTHENTICATE},
    },
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;

use crate::infra::crypto::secret_eq;

use super::Web;

/// 200 while the process runs.
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the database answers; 503 while shutting down or when it does not. The cache is reported but does
/// not decide: without Redis, requests are answered from the in-process cache and the database, so taking the
/// process out of the load balancer would turn a cache outage into an outage.
pub async fn readyz(State(web): State<Web>) -> impl IntoResponse {
    let state = &web.state;
    if !state.is_ready() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "draining" })));
    }
    let (db, cache) = tokio::join!(state.db.ping(), state.cache.ping());
    let status = match (db, cache) {
        (false, _) => "unavailable",
        (true, false) => "degraded",
        (true, true) => "ready",
    };
    let body = serde_json::json!({ "status": status, "database": db, "cache": cache, "cacheKind": state.cache.kind() });
    (if db { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}

/// Prometheus text: requests and latency by operation, database pool, and what later layers add (cache). In
/// production only for `Authorization: Bearer <CIVIC_METRICS_TOKEN>` (401 otherwise), and 404 without that token.
pub async fn metrics(State(web): State<Web>, headers: HeaderMap) -> Response {
    let config = &web.state.config;
    if config.is_production() {
        let Some(token) = &config.metrics_token else { return StatusCode::NOT_FOUND.into_response() };
        let given = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if !given.is_some_and(|g| secret_eq(g.trim(), token.expose_secret())) {
            return (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, "Bearer")]).into_response();
        }
    }
    let (open, idle) = web.state.db.pool_stats();
    let cache_up = web.state.cache.ping().await;
    metrics::gauge!("civic_cache_up", "kind" => web.state.cache.kind()).set(if cache_up { 1.0 } else { 0.0 });
    metrics::gauge!("civic_db_pool_connections").set(open as f64);
    metrics::gauge!("civic_db_pool_idle").set(idle as f64);
    metrics::gauge!("civic_ready").set(if web.state.is_ready() { 1.0 } else { 0.0 });
    ([("content-type", "text/plain; version=0.0.4")], web.state.metrics.render()).into_response()
}

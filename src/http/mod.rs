//! The HTTP surface: routes, request ids, tracing, limits, metrics.

mod body;
mod graphql;
mod health;
mod media;
pub mod webhooks;

use std::{net::SocketAddr, time::Instant};

use axum::{
    Router,
    body::Body,
    extract::DefaultBodyLimit,
    extract::MatchedPath,
    http::{HeaderValue, Request},
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
};
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, request_id::PropagateRequestIdLayer, trace::TraceLayer,
};

pub use crate::app::exec::{REQUEST_ID, Web, WebParts};
use crate::state::AppState;

/// Largest request body: GraphQL documents and variables. Uploads (`/media`) get their own limit.
pub const MAX_BODY: usize = 256 * 1024;

/// The metrics label of a request, set by the handler that knows it (the GraphQL operation).
#[derive(Clone, Copy)]
pub struct OpLabel(pub &'static str);

/// A client's request id is kept (in logs, audit rows, the response) only when it is 1–64 characters of
/// `[A-Za-z0-9._-]`.
fn fit_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Keeps the client's `X-Request-Id` when it is one fit id, else sets a fresh one (a UUIDv7): every request
/// has exactly one id, which `PropagateRequestIdLayer` returns in the response.
async fn request_id(mut req: Request<Body>) -> Request<Body> {
    let ids = req.headers().get_all(REQUEST_ID);
    let mut ids = ids.iter();
    let keep = matches!((ids.next(), ids.next()), (Some(id), None) if fit_request_id(id.as_bytes()));
    if !keep {
        // A UUID is always a header value: the id is never left out.
        match HeaderValue::from_str(&uuid::Uuid::now_v7().to_string()) {
            Ok(fresh) => req.headers_mut().insert(REQUEST_ID, fresh),
            Err(_) => req.headers_mut().remove(REQUEST_ID),
        };
    }
    req
}

pub fn router(state: AppState) -> anyhow::Result<Router> {
    let (schemas, plans) = crate::app::schema::build(state.clone())?;
    let web = Web::new(WebParts { state, schemas, plans });
    let uploads = Router::new()
        .route("/media", post(media::upload))
        .layer(DefaultBodyLimit::max(media::MAX_UPLOAD_BODY))
        .layer(RequestBodyLimitLayer::new(media::MAX_UPLOAD_BODY));
    Ok(Router::new()
        .route("/graphql", get(graphql::graphiql).post(graphql::graphql))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/media/{id}", get(media::read))
        .route("/webhooks/pay/{provider}/{tenant}", post(webhooks::pay))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .merge(uploads)
        .merge(crate::web::routes().layer(middleware::from_fn_with_state(web.clone(), crate::web::csrf_guard)))
        .fallback(crate::web::not_found)
        .layer(middleware::from_fn(record_metrics))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::map_request(request_id))
        .with_state(web))
}

/// Counts requests and their latency by operation (a GraphQL root field, or the route), and answers an API
/// route's body-limit refusal (413, plain text from `RequestBodyLimitLayer`) as JSON with its code. One
/// middleware for both: each layer is cloned for every request.
async fn record_metrics(req: Request<Body>, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let id = req.headers().get(REQUEST_ID).cloned();
    let start = Instant::now();
    let mut response = next.run(req).await;
    if let Some(limit) = route.as_ref().and_then(|r| body::api_limit(r.as_str()))
        && body::is_plain_too_large(&response)
    {
        let id = id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-");
        response = body::refuse(crate::error::AppError::BodyTooLarge(limit), id);
    }
    let op: metrics::SharedString = match (response.extensions().get::<OpLabel>(), route) {
        (Some(l), _) => l.0.into(),
        (None, Some(route)) => route.as_str().to_owned().into(),
        (None, None) => "unmatched".into(),
    };
    let status: metrics::SharedString = match response.status().as_u16() {
        200 => "200".into(),
        other => other.to_string().into(),
    };
    metrics::counter!("civic_requests_total", "operation" => op.clone(), "status" => status).increment(1);
    metrics::histogram!("civic_request_duration_seconds", "operation" => op).record(start.elapsed().as_secs_f64());
    response
}

/// The client address: the TCP peer. (Behind a proxy, configure it to pass the real address; see README.)
pub fn client_addr(req_addr: Option<SocketAddr>) -> std::net::IpAddr {
    req_addr.map(|a| a.ip()).unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
}

//! `POST /graphql`: one operation per request (an array body is refused with 400); `GET /graphql`: GraphiQL
//! outside production.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Json,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};

use super::{MAX_BODY, OpLabel, REQUEST_ID, Web, client_addr};
use crate::{
    error::{AppError, error_body},
    graphql::{context::RequestCtx, errors},
    identity::principal::{self, Principal},
};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refuse(err: AppError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = %format!("{cause:#}"), "internal error before execution");
    }
    (status, Json(error_body(&err, request_id))).into_response()
}

pub async fn graphql(State(web): State<Web>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = header(&parts.headers, REQUEST_ID.as_str()).unwrap_or("-").to_owned();
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let err = AppError::BadRequest(format!("the request body is larger than {MAX_BODY} bytes"));
            return (StatusCode::PAYLOAD_TOO_LARGE, Json(error_body(&err, &request_id))).into_response();
        }
    };
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refuse(
            AppError::BadRequest("batched requests are not supported: send one operation".into()),
            &request_id,
        );
    }
    let gql: async_graphql::Request = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(_) => {
            return refuse(
                AppError::BadRequest("the body must be a JSON object with a GraphQL query".into()),
                &request_id,
            );
        }
    };
    let who = match principal::resolve(
        &web.state,
        header(&parts.headers, "authorization"),
        header(&parts.headers, "x-tenant"),
    )
    .await
    {
        Ok(p) => p,
        Err(err) => return refuse(err, &request_id),
    };
    let machine = matches!(who, Principal::Platform | Principal::ApiKey { .. });
    if web.state.config.is_production() && !machine && !web.operations.allows(&gql.query) {
        return refuse(AppError::OperationNotRegistered, &request_id);
    }
    let span = tracing::Span::current();
    if let Some(t) = who.tenant() {
        span.record("tenant", t.slug.as_str());
    }
    let key = header(&parts.headers, "idempotency-key").map(str::to_owned);
    let ctx = RequestCtx::new(who, request_id.clone(), client_addr(peer), key);
    let op_label = Arc::clone(&ctx.op_label);
    let mut response = web.schema.execute(gql.data(ctx)).await;
    errors::finish(&mut response, &request_id);
    let label = *op_label.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(label) = label {
        span.record("operation", label);
    }
    let mut http = Json(response).into_response();
    http.extensions_mut().insert(OpLabel(label.unwrap_or("graphql")));
    http
}

pub async fn graphiql(State(web): State<Web>) -> Response {
    if web.state.config.is_production() {
        return StatusCode::NOT_FOUND.into_response();
    }
    Html(async_graphql::http::GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
}

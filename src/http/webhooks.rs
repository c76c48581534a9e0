//! `POST /webhooks/pay/{provider}/{tenant}`: payment notifications. The body is verified by the provider
//! (signature), then applied once; a forged, mismatched or unknown notification changes nothing.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use super::Web;
use crate::{error::AppError, tenancy::service as tenancy};

/// The header carrying the simulated provider's signature.
pub const SIGNATURE: &str = "x-civic-signature";

fn answer(status: StatusCode, code: &str) -> Response {
    (status, Json(serde_json::json!({ "code": code }))).into_response()
}

pub async fn pay(
    State(web): State<Web>,
    Path((provider, tenant)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let state = &web.state;
    let payments = crate::payments::provider(state);
    if provider != payments.name() {
        return answer(StatusCode::NOT_FOUND, "UNKNOWN_PROVIDER");
    }
    let signature = headers.get(SIGNATURE).and_then(|v| v.to_str().ok());
    let Some(notification) = payments.verify(&body, signature) else {
        tracing::error!(alert = true, provider, "payment notification with a bad signature refused");
        return answer(StatusCode::UNAUTHORIZED, "SIGNATURE");
    };
    let tenant = match tenancy::by_slug(state, &tenant).await {
        Ok(Some(t)) => t,
        Ok(None) => return answer(StatusCode::NOT_FOUND, "UNKNOWN_TENANT"),
        Err(_) => return answer(StatusCode::INTERNAL_SERVER_ERROR, "FAIL"),
    };
    if !crate::payments::may_use_simulation(state, &tenant) {
        return answer(StatusCode::NOT_FOUND, "UNKNOWN_PROVIDER");
    }
    match crate::payments::apply(state, &provider, &tenant, &notification).await {
        Ok(_) => answer(StatusCode::OK, "SUCCESS"),
        Err(AppError::Validation(_) | AppError::NotFound(_)) => answer(StatusCode::BAD_REQUEST, "MISMATCH"),
        Err(e) => {
            if let AppError::Internal(cause) = &e {
                tracing::error!(error = %format!("{cause:#}"), "payment notification not applied");
            }
            answer(StatusCode::INTERNAL_SERVER_ERROR, "FAIL")
        }
    }
}

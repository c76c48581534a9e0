//! What a request body may be, refused in JSON like every other error: `POST /graphql` takes `application/json`
//! only (415 `UNSUPPORTED_MEDIA_TYPE` otherwise: the simple types a hostile page may send cross-site, form data,
//! multipart and `text/plain`, and a body without a type), and a body over its route's limit is 413
//! `BODY_TOO_LARGE`, whether its length was announced (refused by `RequestBodyLimitLayer` before the handler)
//! or found while reading it.

use axum::{
    Json,
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
};

use super::REQUEST_ID;
use crate::error::{AppError, error_body};

/// An error answered before or outside GraphQL execution, as a GraphQL-shaped JSON body.
pub fn refuse(err: AppError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = %format!("{cause:#}"), "internal error before execution");
    }
    (status, Json(error_body(&err, request_id))).into_response()
}

pub(super) fn request_id(headers: &HeaderMap) -> String {
    headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned()
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
pub(super) fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|t| t.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// A `POST /graphql` whose body is not declared JSON: refused before its body is read.
pub(super) fn refuse_unless_json(headers: &HeaderMap) -> Option<Response> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    (!is_json(content_type)).then(|| refuse(AppError::UnsupportedMediaType, &request_id(headers)))
}

/// The body limit of an API route, whose refusals are answered in JSON; `None` for the pages.
pub(super) fn api_limit(route: &str) -> Option<usize> {
    match route {
        "/media" => Some(super::media::MAX_UPLOAD_BODY),
        "/graphql" | "/webhooks/pay/{provider}/{tenant}" => Some(super::MAX_BODY),
        _ => None,
    }
}

/// The body limit's own refusal: 413 in plain text.
pub(super) fn is_plain_too_large(response: &Response) -> bool {
    response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !is_json(response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_is_application_json_with_any_parameters() {
        use super::is_json;
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("Application/JSON ; charset=utf-8")));
        for other in [None, Some("text/plain"), Some("application/jsonp"), Some("multipart/form-data; boundary=x")] {
            assert!(!is_json(other), "{other:?}");
        }
    }
}

//! Gives every error in a response its `extensions.code` (with `reason` and `field` when the refusal names
//! them), and makes internal failures opaque.

use async_graphql::{ErrorExtensionValues, Response, ServerError};

use crate::error::AppError;

/// The code of an error: an `AppError`'s own; `INTERNAL` for any other error a resolver raised (a database
/// or driver error that was `?`-ed through); `BAD_REQUEST` for what async-graphql itself refused (syntax,
/// validation, limits).
pub fn code_of(err: &ServerError) -> &'static str {
    if let Some(app) = err.source::<AppError>() {
        return app.code();
    }
    if err.source.is_some() { "INTERNAL" } else { "BAD_REQUEST" }
}

/// The refusal of a document that selects more fields than the schema allows.
pub const TOO_MANY_FIELDS: &str = "Query selects too many fields.";

/// The reason of a request refused by one of the schema's limits (async-graphql's messages, and ours).
fn limit_reason(message: &str) -> Option<&'static str> {
    match message {
        "Query is too complex." => Some("TOO_COMPLEX"),
        "Query is nested too deep." => Some("TOO_DEEP"),
        TOO_MANY_FIELDS => Some("TOO_MANY_FIELDS"),
        _ => None,
    }
}

pub fn finish(response: &mut Response, request_id: &str) {
    for err in &mut response.errors {
        let code = code_of(err);
        if code == "INTERNAL" {
            match err.source::<AppError>() {
                Some(AppError::Internal(cause)) => tracing::error!(error = %format!("{cause:#}"), "internal error"),
                _ => tracing::error!(error = %err.message, "internal error"),
            }
            err.message = format!("internal error (request {request_id})");
        }
        let (reason, field) = match err.source::<AppError>() {
            Some(app) => (app.reason(), app.field().map(str::to_owned)),
            None => (limit_reason(&err.message), None),
        };
        let ext = err.extensions.get_or_insert_with(ErrorExtensionValues::default);
        ext.set("code", code);
        if let Some(reason) = reason {
            ext.set("reason", reason);
        }
        if let Some(field) = field {
            ext.set("field", field);
        }
        if code == "INTERNAL" {
            ext.set("requestId", request_id);
        }
    }
}

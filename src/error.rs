//! One error type for the whole service, with stable codes.
//!
//! Policy: the `Display` text of every variant except `Internal` is safe to show to the caller. An internal
//! failure keeps its cause for the log only; the caller sees an opaque message and the request id.
//! Resolvers may `?` any error: `graphql::errors::finish` classifies every error in a response by its source,
//! so a database or driver error that slips through still reaches the caller as an opaque `INTERNAL`.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required or credential invalid")]
    Unauthenticated,
    #[error("{0}")]
    UnauthenticatedBecause(&'static str),
    #[error("not allowed for this caller")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("unknown tenant")]
    TenantUnknown,
    #[error("this tenant is suspended")]
    TenantSuspended,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PaymentFailed(String),
    #[error(
        "this operation is not registered: in production, sessions and anonymous callers send the operations in graphql/operations"
    )]
    OperationNotRegistered,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated | AppError::UnauthenticatedBecause(_) => "UNAUTHENTICATED",
            AppError::Forbidden => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Validation(_) => "VALIDATION",
            AppError::Conflict(_) => "CONFLICT",
            AppError::RateLimited(_) => "RATE_LIMITED",
            AppError::TenantUnknown => "TENANT_UNKNOWN",
            AppError::TenantSuspended => "TENANT_SUSPENDED",
            AppError::BadRequest(_) => "BAD_REQUEST",
            AppError::OperationNotRegistered => "OPERATION_NOT_REGISTERED",
            AppError::PaymentFailed(_) => "PAYMENT_FAILED",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::UnauthenticatedBecause(_) => 401,
            AppError::Forbidden | AppError::TenantSuspended => 403,
            AppError::NotFound(_) => 404,
            AppError::Validation(_)
            | AppError::BadRequest(_)
            | AppError::TenantUnknown
            | AppError::OperationNotRegistered => 400,
            AppError::Conflict(_) => 409,
            AppError::PaymentFailed(_) => 402,
            AppError::RateLimited(_) => 429,
            AppError::Internal(_) => 500,
        }
    }

    pub fn validation(msg: impl fmt::Display) -> Self {
        AppError::Validation(msg.to_string())
    }

    pub fn conflict(msg: impl fmt::Display) -> Self {
        AppError::Conflict(msg.to_string())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

/// True when a database error is a unique-constraint violation (both backends).
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// The JSON body of an error answered outside GraphQL execution (auth, tenant, limits, batches), shaped like
/// a GraphQL response so that clients handle every failure the same way.
pub fn error_body(err: &AppError, request_id: &str) -> serde_json::Value {
    let message = match err {
        AppError::Internal(_) => format!("internal error (request {request_id})"),
        other => other.to_string(),
    };
    serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": err.code(), "requestId": request_id } }]
    })
}

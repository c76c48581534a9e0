//! One error type for the whole service, with stable codes.
//!
//! Policy: the `Display` text of every variant except `Internal` is safe to show to the caller. An internal
//! failure keeps its cause for the log only; the caller sees an opaque message and the request id.
//! Resolvers may `?` any error: `graphql::errors::finish` classifies every error in a response by its source,
//! so a database or driver error that slips through still reaches the caller as an opaque `INTERNAL`.
//!
//! A refusal may say more than its code, for clients to branch on rather than parse messages: a `reason`
//! (SCREAMING_SNAKE, stable like the codes: `SLOT_TAKEN`, `FEATURE_OFF`, …) and, for a value the client sent,
//! the `field` path as it sent it (`input.name`, `input.tags.2`). Both go in `extensions` beside `code`.

use std::fmt;

/// The words of a refusal, with what a client may branch on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub reason: Option<&'static str>,
    pub field: Option<String>,
}

impl Refusal {
    pub fn new(message: impl fmt::Display) -> Refusal {
        Refusal { message: message.to_string(), reason: None, field: None }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<String> for Refusal {
    fn from(message: String) -> Refusal {
        Refusal::new(message)
    }
}

impl From<&str> for Refusal {
    fn from(message: &str) -> Refusal {
        Refusal::new(message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required or credential invalid")]
    Unauthenticated,
    #[error("{0}")]
    UnauthenticatedBecause(&'static str),
    #[error("not allowed for this caller")]
    Forbidden,
    /// Forbidden for a reason the caller can act on (`FEATURE_OFF`, …).
    #[error("{0}")]
    ForbiddenBecause(Refusal),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Validation(Refusal),
    #[error("{0}")]
    Conflict(Refusal),
    #[error("{0}")]
    RateLimited(Refusal),
    #[error("unknown tenant")]
    TenantUnknown,
    #[error("this tenant is suspended")]
    TenantSuspended,
    #[error("{0}")]
    BadRequest(String),
    #[error("send the request as JSON, with the header Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    #[error("{0}")]
    PaymentFailed(Refusal),
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
            AppError::Forbidden | AppError::ForbiddenBecause(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Validation(_) => "VALIDATION",
            AppError::Conflict(_) => "CONFLICT",
            AppError::RateLimited(_) => "RATE_LIMITED",
            AppError::TenantUnknown => "TENANT_UNKNOWN",
            AppError::TenantSuspended => "TENANT_SUSPENDED",
            AppError::BadRequest(_) => "BAD_REQUEST",
            AppError::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            AppError::BodyTooLarge(_) => "BODY_TOO_LARGE",
            AppError::OperationNotRegistered => "OPERATION_NOT_REGISTERED",
            AppError::PaymentFailed(_) => "PAYMENT_FAILED",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::UnauthenticatedBecause(_) => 401,
            AppError::Forbidden | AppError::ForbiddenBecause(_) | AppError::TenantSuspended => 403,
            AppError::NotFound(_) => 404,
            AppError::Validation(_)
            | AppError::BadRequest(_)
            | AppError::TenantUnknown
            | AppError::OperationNotRegistered => 400,
            AppError::Conflict(_) => 409,
            AppError::BodyTooLarge(_) => 413,
            AppError::UnsupportedMediaType => 415,
            AppError::PaymentFailed(_) => 402,
            AppError::RateLimited(_) => 429,
            AppError::Internal(_) => 500,
        }
    }

    fn refusal(&self) -> Option<&Refusal> {
        match self {
            AppError::ForbiddenBecause(r)
            | AppError::Validation(r)
            | AppError::Conflict(r)
            | AppError::RateLimited(r)
            | AppError::PaymentFailed(r) => Some(r),
            _ => None,
        }
    }

    /// What the client may branch on besides the code (`extensions.reason`).
    pub fn reason(&self) -> Option<&'static str> {
        self.refusal().and_then(|r| r.reason)
    }

    /// The path of the value the client sent that was refused (`extensions.field`).
    pub fn field(&self) -> Option<&str> {
        self.refusal().and_then(|r| r.field.as_deref())
    }

    pub fn validation(msg: impl fmt::Display) -> Self {
        AppError::Validation(Refusal::new(msg))
    }

    /// A value the client sent at `field` (`input.name`, `input.tags.2`) is refused.
    pub fn invalid_field(field: impl Into<String>, msg: impl fmt::Display) -> Self {
        AppError::Validation(Refusal { field: Some(field.into()), ..Refusal::new(msg) })
    }

    /// A validation error of a shared parser (a phone, a time, a point) as refusing the value at `field`; an
    /// error that names its field already, or is no validation error, is unchanged.
    pub fn at(self, field: impl Into<String>) -> Self {
        match self {
            AppError::Validation(r) if r.field.is_none() => {
                AppError::Validation(Refusal { field: Some(field.into()), ..r })
            }
            other => other,
        }
    }

    pub fn conflict(msg: impl fmt::Display) -> Self {
        AppError::Conflict(Refusal::new(msg))
    }

    pub fn conflict_because(reason: &'static str, msg: impl fmt::Display) -> Self {
        AppError::Conflict(Refusal { reason: Some(reason), ..Refusal::new(msg) })
    }

    pub fn forbidden_because(reason: &'static str, msg: impl fmt::Display) -> Self {
        AppError::ForbiddenBecause(Refusal { reason: Some(reason), ..Refusal::new(msg) })
    }

    pub fn rate_limited_because(reason: &'static str, msg: impl fmt::Display) -> Self {
        AppError::RateLimited(Refusal { reason: Some(reason), ..Refusal::new(msg) })
    }

    pub fn payment_failed_because(reason: &'static str, msg: impl fmt::Display) -> Self {
        AppError::PaymentFailed(Refusal { reason: Some(reason), ..Refusal::new(msg) })
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }
}

/// A violation of the unique key `key` as `refusal`; any other database error is internal.
pub fn unique_or(err: sea_orm::DbErr, key: &str, refusal: impl FnOnce() -> AppError) -> AppError {
    if violated_unique(&err) == Some(key) { refusal() } else { err.into() }
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

/// The unique index or constraint a database error violated, by its name in the migrations
/// (`migration::unique_keys`), on both backends; `None` for any other error, and for a violation of a key the
/// migrations do not list. A caller turns the violation it expects into its refusal and anything else into an
/// internal error, never a misleading conflict.
pub fn violated_unique(err: &sea_orm::DbErr) -> Option<&'static str> {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err else { return None };
    let sqlx::Error::Database(db) = &**e else { return None };
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return (pg.code() == "23505").then(|| pg.constraint()).flatten().and_then(unique_key_named);
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return sqlite_unique_key(db.message());
    }
    None
}

fn unique_key_named(name: &str) -> Option<&'static str> {
    migration::unique_keys::unique_key_named(name).map(|k| k.name)
}

/// SQLite names the columns, not the index: `UNIQUE constraint failed: staff.tenant_id, staff.username`.
fn sqlite_unique_key(message: &str) -> Option<&'static str> {
    let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
    let mut table = None;
    let mut names = vec![];
    for qualified in columns.split(", ") {
        let (t, c) = qualified.split_once('.')?;
        if *table.get_or_insert(t) != t {
            return None;
        }
        names.push(c);
    }
    migration::unique_keys::unique_key_on(table?, &names).map(|k| k.name)
}

/// The JSON body of an error answered outside GraphQL execution (auth, tenant, limits, batches), shaped like
/// a GraphQL response so that clients handle every failure the same way.
pub fn error_body(err: &AppError, request_id: &str) -> serde_json::Value {
    let message = match err {
        AppError::Internal(_) => format!("internal error (request {request_id})"),
        other => other.to_string(),
    };
    let mut extensions = serde_json::json!({ "code": err.code(), "requestId": request_id });
    if let Some(reason) = err.reason() {
        extensions["reason"] = reason.into();
    }
    if let Some(field) = err.field() {
        extensions["field"] = field.into();
    }
    serde_json::json!({ "errors": [{ "message": message, "extensions": extensions }] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_name_their_key_by_its_columns() {
        let key = sqlite_unique_key;
        assert_eq!(key("UNIQUE constraint failed: staff.tenant_id, staff.username"), Some("ux_staff_username"));
        assert_eq!(key("UNIQUE constraint failed: tenants.slug"), Some("tenants_slug_key"));
        assert_eq!(key("UNIQUE constraint failed: staff.tenant_id, staff.id"), None, "a primary key is not listed");
        assert_eq!(key("UNIQUE constraint failed: staff.username, staff.tenant_id"), None, "in the index's order");
        assert_eq!(key("NOT NULL constraint failed: staff.username"), None);
    }

    #[test]
    fn refusals_carry_reason_and_field_into_the_body() {
        let body = error_body(&AppError::invalid_field("input.name", "name must be 1-100 characters"), "r1");
        let ext = &body["errors"][0]["extensions"];
        assert_eq!(ext["code"], "VALIDATION");
        assert_eq!(ext["field"], "input.name");
        assert!(ext.get("reason").is_none());
        let body = error_body(&AppError::forbidden_because("FEATURE_OFF", "off"), "r2");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "FEATURE_OFF");
        assert_eq!(body["errors"][0]["message"], "off");
    }
}

//! The GraphQL kernel every domain's resolvers stand on: the request context, guards, ids, pagination, scalars,
//! error mapping, cache policy types and the registry of operations. It names no domain; `app` assembles the
//! domains' roots into the schema.

pub mod context;
pub mod direct;
pub mod errors;
pub mod extensions;
pub mod guard;
pub mod nul;
pub mod operations;
pub mod pagination;
pub mod plain;
pub mod response_cache;
pub mod scalars;
pub mod selections;

use async_graphql::ID;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The uuid inside an id; an id that is not one of ours names nothing, so it is `NOT_FOUND`.
pub fn id_of(id: &ID, what: &'static str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound(what))
}

pub fn ids_of(ids: &[ID]) -> AppResult<Vec<Uuid>> {
    ids.iter()
        .map(|id| Uuid::parse_str(id.as_str()).map_err(|_| AppError::validation("an id in the list is malformed")))
        .collect()
}

//! Schema assembly: per-domain roots merged into one Query and one Mutation, with the limits and hooks that
//! every operation passes through.

pub mod context;
pub mod direct;
pub mod errors;
pub mod extensions;
pub mod guard;
pub mod operations;
pub mod pagination;
pub mod plain;
pub mod response_cache;
pub mod scalars;

use std::sync::Arc;

use async_graphql::{EmptySubscription, ID, MergedObject, Schema, SchemaBuilder, ValidationMode};
use uuid::Uuid;

use crate::{
    audit::graphql::AuditQuery,
    booking::graphql::{BookingMutation, BookingQuery},
    error::{AppError, AppResult},
    identity::graphql::{IdentityMutation, IdentityQuery},
    state::AppState,
    storefront::graphql::{StorefrontMutation, StorefrontQuery},
    tenancy::graphql::{TenancyMutation, TenancyQuery},
};

#[derive(MergedObject, Default)]
pub struct Query(TenancyQuery, IdentityQuery, AuditQuery, StorefrontQuery, BookingQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(TenancyMutation, IdentityMutation, StorefrontMutation, BookingMutation);

pub type CivicSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deepest selection allowed. GraphiQL's introspection query needs 13.
pub const MAX_DEPTH: usize = 15;
/// Most fields (each alias counted) one operation may select.
pub const MAX_COMPLEXITY: usize = 1_000;

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .limit_directives(10)
}

/// The SDL, as `civic schema` prints it and `graphql/schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// One schema twice: `full` runs mutations and anything else with the hooks of `extensions` and full
/// validation; `queries` runs registered queries (see `response_cache::Plan::query`), which are known to be
/// valid, without hooks and with async-graphql's fast validation (the executor still checks every value).
#[derive(Clone)]
pub struct Schemas {
    pub full: CivicSchema,
    pub queries: CivicSchema,
}

/// The schemas, and what the HTTP layer knows of documents (registration, labels, cache policy).
pub fn build(state: AppState) -> anyhow::Result<(Schemas, response_cache::Plans)> {
    let production = state.config.is_production();
    let roots = Arc::new(extensions::RootFields::from_sdl(&sdl()));
    let plans = response_cache::Plans::new(roots, Arc::new(operations::Registry::load()?));
    let schema = |hooks: bool| {
        let mut b = builder().data(state.clone());
        b = match hooks {
            true => b.extension(extensions::Hooks { refuse_introspection: production }),
            false => b.validation_mode(ValidationMode::Fast),
        };
        if production {
            b = b.disable_introspection().disable_suggestions();
        }
        b.finish()
    };
    Ok((Schemas { full: schema(true), queries: schema(false) }, plans))
}

/// The uuid inside an id; an id that is not one of ours names nothing, so it is `NOT_FOUND`.
pub fn id_of(id: &ID, what: &'static str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound(what))
}

pub fn ids_of(ids: &[ID]) -> AppResult<Vec<Uuid>> {
    ids.iter()
        .map(|id| Uuid::parse_str(id.as_str()).map_err(|_| AppError::validation("an id in the list is malformed")))
        .collect()
}

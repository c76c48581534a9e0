//! The schema: every domain's roots (`app::domains`) merged into one Query and one Mutation, with the limits and
//! hooks every operation passes through.

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder, ValidationMode};

use super::{
    cache, domains,
    domains::{Mutation, Query},
    hooks,
};
use crate::{
    graphql::{extensions::RootFields, operations, response_cache},
    state::AppState,
};

pub type CivicSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deepest selection allowed. GraphiQL's introspection query needs 13.
pub const MAX_DEPTH: usize = 15;
/// Most values one answer may hold: each selected field (each alias) counts 1, and a list counts its selection
/// once for every entry it may hold (`graphql::pagination::page_cost`), so lists multiply as they nest.
pub const MAX_COMPLEXITY: usize = 10_000;
/// Most fields (each alias and each use of a fragment counted) one document may select: what a request may ask
/// the executor to resolve, whatever its answer holds. Checked by the full schema's hooks; registered queries
/// are known to be small.
pub const MAX_FIELDS: usize = 1_000;

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

/// One schema twice: `full` runs mutations and anything else with the hooks of `app::hooks` and full
/// validation; `queries` runs registered queries (see `response_cache::Plan::plain`), which are known to be
/// valid, without hooks and with async-graphql's fast validation (the executor still checks every value).
#[derive(Clone)]
pub struct Schemas {
    pub full: CivicSchema,
    pub queries: CivicSchema,
}

/// The document plans (registration, labels, cache policy) of this schema.
pub fn plans() -> anyhow::Result<response_cache::Plans> {
    let roots = Arc::new(RootFields::from_sdl(&sdl()));
    let features = Arc::new(domains::featured_roots().into_iter().collect());
    let registry = Arc::new(operations::Registry::load()?);
    Ok(response_cache::Plans::new(roots, registry, cache::policy_of, features, cache::writer_of))
}

/// The schemas, and what the HTTP layer knows of documents (registration, labels, cache policy).
pub fn build(state: AppState) -> anyhow::Result<(Schemas, response_cache::Plans)> {
    let production = state.config.is_production();
    let schema = |with_hooks: bool| {
        let mut b = builder().data(state.clone());
        b = match with_hooks {
            true => b.extension(hooks::Hooks { refuse_introspection: production }),
            false => b.validation_mode(ValidationMode::Fast),
        };
        if production {
            b = b.disable_introspection().disable_suggestions();
        }
        b.finish()
    };
    Ok((Schemas { full: schema(true), queries: schema(false) }, plans()?))
}

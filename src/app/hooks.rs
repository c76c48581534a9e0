//! The hooks of the full schema (`app::schema::Schemas`): introspection refused in production, and for each
//! root mutation the rate limit (consumers and anonymous callers) and the audit row (staff, API keys, the
//! platform). Registered queries run on a schema without hooks, which spares every field of every such query a
//! pass through them.

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Value, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, ResolveInfo},
    parser::types::ExecutableDocument,
};

use crate::{
    audit::service::{self as audit, Entry},
    error::AppError,
    graphql::{context::RequestCtx, errors::code_of, extensions::asks_introspection},
    kernel::{Principal, TenantId},
    state::AppState,
};

pub struct Hooks {
    /// Refuse introspection with an error (async-graphql's own switch answers `null` silently).
    pub refuse_introspection: bool,
}

impl ExtensionFactory for Hooks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(HooksExt { refuse_introspection: self.refuse_introspection })
    }
}

struct HooksExt {
    refuse_introspection: bool,
}

#[async_graphql::async_trait::async_trait]
impl Extension for HooksExt {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if self.refuse_introspection && asks_introspection(&doc) {
            return Err(ServerError::new("introspection is disabled", None));
        }
        Ok(doc)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type != "Mutation" || info.path_node.parent.is_some() {
            return next.run(ctx, info).await;
        }
        let (Some(state), Some(req)) = (ctx.data_opt::<AppState>(), ctx.data_opt::<RequestCtx>()) else {
            return next.run(ctx, info).await;
        };
        let pos = info.field.name.pos;
        let action = info.name.to_owned();
        if let Err(err) = rate_limit(state, req) {
            let mut refused = ServerError::new(err.to_string(), Some(pos));
            refused.source = Some(Arc::new(err));
            return Err(refused);
        }
        req.take_audit();
        let result = next.run(ctx, info).await;
        let note = req.take_audit();
        // A mutation that names its tenant (sign-in, the platform's tenant operations) is audited there, whoever
        // calls; otherwise in the caller's own tenant. Consumers' own mutations are not staff actions.
        let tenant = note.tenant.or(match &req.principal {
            Principal::Staff { tenant, .. } | Principal::ApiKey { tenant } => Some(tenant.id),
            Principal::Platform => Some(TenantId::PLATFORM),
            Principal::Anonymous { .. } | Principal::Consumer { .. } => None,
        });
        if let Some(tenant) = tenant {
            let (actor_kind, actor_id) = req.principal.actor();
            let outcome = match &result {
                Ok(_) => "OK",
                Err(e) => code_of(e),
            };
            let entry = Entry { actor_kind, actor_id, action, target: note.target, outcome };
            if let Err(e) = audit::record(state, tenant, entry, &req.request_id).await {
                tracing::error!(error = %format!("{e:#}"), "audit row not written");
            }
        }
        result
    }
}

/// Consumers and anonymous callers: a budget per client address, and per consumer.
fn rate_limit(state: &AppState, req: &RequestCtx) -> Result<(), AppError> {
    let limited = || AppError::RateLimited("too many requests; try again in a minute".into());
    match &req.principal {
        Principal::Anonymous { .. } | Principal::Consumer { .. } => {
            if !state.limits.allow_ip(req.ip) {
                return Err(limited());
            }
            if let Some(key) = req.principal.credential_key()
                && !state.limits.allow_credential(&key)
            {
                return Err(limited());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

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

use super::schema::MAX_FIELDS;
use crate::{
    audit::service as audit,
    db::audit_scope::AuditScope,
    error::AppError,
    graphql::{
        context::RequestCtx,
        errors::{TOO_MANY_FIELDS, code_of},
        extensions::asks_introspection,
        selections,
    },
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
        if selections::more_than(&doc, MAX_FIELDS) {
            return Err(ServerError::new(TOO_MANY_FIELDS, None));
        }
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
        // A mutation is audited in its caller's tenant (staff, API keys) or the platform's; one that names its
        // tenant (sign-in, the platform's tenant operations) there, whoever calls. Consumers' own mutations are
        // not staff actions.
        let tenant = match &req.principal {
            Principal::Staff { tenant, .. } | Principal::ApiKey { tenant } => Some(tenant.id),
            Principal::Platform => Some(TenantId::PLATFORM),
            Principal::Anonymous { .. } | Principal::Consumer { .. } => None,
        };
        let (actor_kind, actor_id) = req.principal.actor();
        let row = audit::Row::new(actor_kind, actor_id, action, &req.request_id, state.clock.clone());
        let scope = AuditScope::new(tenant, Box::new(row.clone()));
        let result = scope.run(next.run(ctx, info)).await;
        // The row went in with the change when a transaction of the tenant committed; a refusal, or a change
        // outside any tenant's transaction (the registry), is recorded on its own.
        if let Some(tenant) = scope.tenant()
            && !(result.is_ok() && scope.written())
        {
            let outcome = match &result {
                Ok(_) => "OK",
                Err(e) => code_of(e),
            };
            if let Err(e) = row.record(state, tenant, scope.target(), outcome).await {
                tracing::error!(alert = true, error = %format!("{e:#}"), "audit row not written");
            }
        }
        result
    }
}

/// Consumers and anonymous callers: a budget per client address, and per consumer.
fn rate_limit(state: &AppState, req: &RequestCtx) -> Result<(), AppError> {
    let limited = || AppError::rate_limited_because("TOO_MANY_REQUESTS", "too many requests; try again in a minute");
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

/// Audits the root mutations of a request refused before it ran (a NUL in its strings) as the hook audits a
/// refused mutation: in the caller's tenant, or, for a caller without one, in the tenant its `tenant` argument
/// names (a sign-in). The row names no target: what the request sent is what was refused.
pub async fn audit_unrun(
    state: &AppState,
    who: &Principal,
    request_id: &str,
    query: &str,
    body: &[u8],
    err: &AppError,
) {
    use async_graphql::parser::types::OperationType;
    let Ok(doc) = async_graphql::parser::parse_query(query) else { return };
    let variables = serde_json::from_slice::<serde_json::Value>(body).ok().map(|mut b| b["variables"].take());
    let variable = |name: async_graphql::Name| {
        let value = variables.as_ref().and_then(|v| v.get(name.as_str())).cloned().unwrap_or_default();
        Ok::<_, ()>(Value::from_json(value).unwrap_or(Value::Null))
    };
    let mut fields = vec![];
    for (_, op) in doc.operations.iter().filter(|(_, op)| op.node.ty == OperationType::Mutation) {
        for s in &op.node.selection_set.node.items {
            if let async_graphql::parser::types::Selection::Field(f) = &s.node {
                fields.push(&f.node);
            }
        }
    }
    let (actor_kind, actor_id) = who.actor();
    for field in fields {
        let tenant = match who {
            Principal::Staff { tenant, .. } | Principal::ApiKey { tenant } => Some(tenant.id),
            Principal::Platform => Some(TenantId::PLATFORM),
            Principal::Anonymous { .. } | Principal::Consumer { .. } => {
                let named = field.arguments.iter().find(|(n, _)| n.node == "tenant");
                match named.and_then(|(_, v)| v.node.clone().into_const_with(variable).ok()) {
                    Some(Value::String(slug)) => {
                        crate::tenancy::service::by_slug(state, &slug).await.ok().flatten().map(|t| t.id)
                    }
                    _ => None,
                }
            }
        };
        let Some(tenant) = tenant else { continue };
        let action = field.name.node.to_string();
        let row = audit::Row::new(actor_kind, actor_id.clone(), action, request_id, state.clock.clone());
        if let Err(e) = row.record(state, tenant, None, err.code()).await {
            tracing::error!(alert = true, error = %format!("{e:#}"), "audit row not written");
        }
    }
}

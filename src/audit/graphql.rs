use async_graphql::{Context, Enum, ID, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::{entity as audit_log, service};
use crate::graphql::{
    context::CtxExt,
    guard::{Allow, TENANT_ADMIN},
    pagination::Page,
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Platform,
    ApiKey,
    Staff,
    Anonymous,
    Consumer,
}

#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    /// The staff account that acted, when staff did.
    pub actor_id: Option<ID>,
    /// The mutation's name, e.g. `createStaff`.
    pub action: String,
    /// The id of the row acted on, when there is one.
    pub target: Option<String>,
    /// `OK`, or the error code the mutation answered.
    pub outcome: String,
    pub request_id: String,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(m: audit_log::Model) -> Self {
        let actor_kind = match m.actor_kind.as_str() {
            "PLATFORM" => ActorKind::Platform,
            "API_KEY" => ActorKind::ApiKey,
            "STAFF" => ActorKind::Staff,
            "CONSUMER" => ActorKind::Consumer,
            _ => ActorKind::Anonymous,
        };
        AuditEntry {
            id: ID(m.id.to_string()),
            at: m.at,
            actor_kind,
            actor_id: m.actor_id.map(ID),
            action: m.action,
            target: m.target,
            outcome: m.outcome,
            request_id: m.request_id,
        }
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The tenant's audit log, newest first.
    #[graphql(
        guard = "Allow(TENANT_ADMIN)",
        complexity = "crate::graphql::pagination::page_cost(first, child_complexity)"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry>> {
        let page = Page::parse(first, after)?;
        let rows = service::list(ctx.state(), ctx.tenant_id()?, page.after, page.fetch()).await?;
        Ok(page.connection(rows.into_iter().map(|r| (r.id, AuditEntry::from(r))).collect()))
    }
}

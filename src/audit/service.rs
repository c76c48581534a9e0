//! Audit rows: written by the transaction of the change they record (`db::audit_scope`), or on their own for a
//! refusal; read newest first.

use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::entity as audit_log;
use crate::{
    db::{TenantTx, audit_scope::AuditWriter},
    error::AppResult,
    kernel::{Clock, TenantId},
    state::AppState,
};

/// What an audit row says of one mutation, whatever its outcome.
#[derive(Clone)]
pub struct Row {
    actor_kind: &'static str,
    actor_id: Option<String>,
    action: String,
    request_id: String,
    clock: Clock,
}

impl Row {
    pub fn new(
        actor_kind: &'static str,
        actor_id: Option<String>,
        action: String,
        request_id: &str,
        clock: Clock,
    ) -> Row {
        Row { actor_kind, actor_id, action, request_id: request_id.chars().take(64).collect(), clock }
    }

    async fn insert(&self, tx: &TenantTx, target: Option<String>, outcome: &str) -> Result<(), DbErr> {
        tx.insert(audit_log::ActiveModel {
            tenant_id: Set(tx.tenant().0),
            id: Set(Uuid::now_v7()),
            at: Set(self.clock.now()),
            actor_kind: Set(self.actor_kind.to_owned()),
            actor_id: Set(self.actor_id.clone()),
            action: Set(self.action.clone()),
            target: Set(target.map(|t| t.chars().take(128).collect())),
            outcome: Set(outcome.to_owned()),
            request_id: Set(self.request_id.clone()),
        })
        .await?;
        Ok(())
    }

    /// Writes the row in its own transaction (a refusal, or a change made outside a tenant's transaction).
    pub async fn record(
        &self,
        state: &AppState,
        tenant: TenantId,
        target: Option<String>,
        outcome: &str,
    ) -> AppResult<()> {
        let tx = state.db.begin(tenant).await?;
        self.insert(&tx, target, outcome).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl AuditWriter for Row {
    async fn write(&self, tx: &TenantTx, target: Option<String>) -> Result<(), DbErr> {
        self.insert(tx, target, "OK").await
    }
}

/// Newest first, before the given id.
pub async fn list(
    state: &AppState,
    tenant: TenantId,
    before: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<audit_log::Model>> {
    let tx = state.db.read(tenant).await?;
    let rows = tx
        .all(tx.select::<audit_log::Entity>().map(|q| {
            let q = q.order_by_desc(audit_log::Column::Id).limit(limit);
            match before {
                Some(b) => q.filter(audit_log::Column::Id.lt(b)),
                None => q,
            }
        }))
        .await?;
    tx.commit().await?;
    Ok(rows)
}

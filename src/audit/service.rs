use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::entity as audit_log;
use crate::{error::AppResult, kernel::TenantId, state::AppState};

pub struct Entry {
    pub actor_kind: &'static str,
    pub actor_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: &'static str,
}

/// Writes one audit row in its own transaction.
pub async fn record(state: &AppState, tenant: TenantId, entry: Entry, request_id: &str) -> AppResult<()> {
    let tx = state.db.begin(tenant).await?;
    tx.insert(audit_log::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(Uuid::now_v7()),
        at: Set(state.now()),
        actor_kind: Set(entry.actor_kind.to_owned()),
        actor_id: Set(entry.actor_id),
        action: Set(entry.action),
        target: Set(entry.target),
        outcome: Set(entry.outcome.to_owned()),
        request_id: Set(request_id.chars().take(64).collect()),
    })
    .await?;
    tx.commit().await?;
    Ok(())
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

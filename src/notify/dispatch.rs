//! The one dispatcher: delivers every domain's notices at least once, with retries and back-off, so a crash
//! between a commit and its delivery still delivers after a restart.

use std::{collections::HashSet, time::Duration};

use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};
use uuid::Uuid;

use super::{
    channel::{self, Channel, Notifier, Outgoing},
    entity::notice,
};
use crate::{db::unscoped, kernel::TenantId, state::AppState};

fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(2i64.saturating_pow(attempts.clamp(0, 9) as u32).min(600))
}

/// The most notices one pass claims.
const BATCH: u64 = 100;
/// How long a claimed batch is held by the process that claimed it.
const CLAIM: chrono::Duration = chrono::Duration::seconds(60);

/// Delivers the tenant's due notices; answers how many were delivered.
///
/// One transaction claims a batch for a minute (so another process does not send them too; if this one dies,
/// the claim runs out and they are sent then: at least once); after sending, one statement marks the delivered
/// ones. Failures are retried with back-off. Load-test tenants never reach a real provider.
pub async fn deliver_due(state: &AppState, notifier: &dyn Notifier, tenant: TenantId) -> anyhow::Result<usize> {
    let Some(info) = state.tenants.fresh(tenant.0).await? else { return Ok(0) };
    let now = state.now();
    let tx = state.db.begin(tenant).await?;
    let due: Vec<Uuid> = tx
        .tuples::<notice::Entity, Uuid>(
            tx.select::<notice::Entity>().map(|q| {
                q.filter(notice::Column::DeliveredAt.is_null())
                    .filter(notice::Column::NextAttemptAt.lte(now))
                    .order_by_asc(notice::Column::Id)
                    .limit(BATCH)
            }),
            [notice::Column::Id],
        )
        .await?;
    if due.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    // Another process may have claimed some since: the conditions are checked again on each row.
    let claimed = tx
        .update_returning(tx.update_many::<notice::Entity>().map(|q| {
            q.col_expr(notice::Column::NextAttemptAt, Expr::value(now + CLAIM))
                .filter(notice::Column::Id.is_in(due))
                .filter(notice::Column::DeliveredAt.is_null())
                .filter(notice::Column::NextAttemptAt.lte(now))
        }))
        .await?;
    tx.commit().await?;
    let mut delivered = vec![];
    let mut failed = vec![];
    for n in claimed {
        let result = match Channel::parse(&n.channel) {
            Ok(_) if info.is_load_test => Ok(()),
            Ok(channel) => {
                let outgoing = Outgoing {
                    tenant,
                    channel,
                    recipient_kind: n.recipient_kind.clone(),
                    recipient_id: n.recipient_id,
                    text: n.text.clone().unwrap_or_else(|| n.event.clone()),
                };
                notifier.send(&outgoing).await
            }
            Err(e) => Err(anyhow::anyhow!("{e}")),
        };
        match result {
            Ok(()) => delivered.push(n.id),
            Err(e) => failed.push((n, format!("{e}"))),
        }
    }
    let count = delivered.len();
    let tx = state.db.begin(tenant).await?;
    if !delivered.is_empty() {
        tx.exec_update(tx.update_many::<notice::Entity>().map(|q| {
            q.col_expr(notice::Column::DeliveredAt, Expr::value(Some(state.now())))
                .filter(notice::Column::Id.is_in(delivered))
        }))
        .await?;
    }
    for (n, error) in failed {
        let attempts = n.attempts + 1;
        let mut row = n.into_active_model();
        row.attempts = Set(attempts);
        row.next_attempt_at = Set(state.now() + backoff(attempts));
        row.last_error = Set(Some(error.chars().take(200).collect()));
        tx.update(row).await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// Runs until the process ends: delivers the notices of tenants that just wrote some, and sweeps every tenant
/// now and then (rows left by a crash, another process, or a retry that has come due).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    let notifier = channel::outbox(&state).notifier.clone();
    tokio::spawn(async move {
        let mut last_sweep: Option<tokio::time::Instant> = None;
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut tenants: HashSet<TenantId> = channel::take_woken(&state);
            if last_sweep.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                match unscoped::all_tenants(&state.db).await {
                    Ok(all) => tenants.extend(all.iter().map(|t| TenantId(t.id))),
                    Err(e) => tracing::warn!(error = %e, "notice sweep could not list tenants"),
                }
                last_sweep = Some(tokio::time::Instant::now());
            }
            for t in tenants {
                if let Err(e) = deliver_due(&state, notifier.as_ref(), t).await {
                    tracing::warn!(error = %format!("{e:#}"), "notices not delivered; will retry");
                    channel::wake(&state, t);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_back_off_to_ten_minutes() {
        let secs: Vec<i64> = [1, 2, 5, 9, 20].iter().map(|a| super::backoff(*a).num_seconds()).collect();
        assert_eq!(secs, [2, 4, 32, 512, 512]);
    }
}

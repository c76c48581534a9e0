//! Notices about orders, through an outbox: rows written in the same transaction as the change (so a rolled
//! back change sends nothing), delivered at least once by a dispatcher with retries and back-off (so a crash
//! between commit and delivery still delivers after restart). To the shop: SMS and a voice call (its staff may
//! be blind: the call reads the service, the time and the therapist). To the consumer: a WeChat template
//! message on confirmation, cancellation and refund. Providers are a trait; the development default writes to
//! the log.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};
use uuid::Uuid;

use super::entity::{notice, order};
use crate::{
    db::{TenantTx, unscoped},
    error::AppResult,
    kernel::TenantId,
    notify::{self, Notifier, SMS, VOICE, WECHAT},
    state::AppState,
};

/// The words of a notice. The shop's voice call reads the service, the time and the therapist.
fn message(event: &str, o: &order::Model, therapist: &str, tz: chrono_tz::Tz) -> String {
    let service = o.price_snapshot["serviceName"].as_str().unwrap_or("服务");
    let when = o.start_at.with_timezone(&tz).format("%m月%d日 %H:%M");
    match event {
        "PAID" => format!("新订单：{service}，{when}，推拿师{therapist}。请确认。"),
        "CONFIRMED" => format!("您预约的{service}（{when}）已确认，期待您的光临。"),
        "CANCELLED" if o.refunded_fen > 0 => {
            format!(
                "您预约的{service}（{when}）已取消，退款 {}.{:02} 元将原路退回。",
                o.refunded_fen / 100,
                o.refunded_fen % 100
            )
        }
        "CANCELLED" => format!("您预约的{service}（{when}）已取消。"),
        other => format!("订单 {other}"),
    }
}

/// Writes the notices an order event causes, in the caller's transaction.
pub async fn order_event(tx: &TenantTx, o: &order::Model, event: &str, now: chrono::DateTime<Utc>) -> AppResult<()> {
    let channels: &[&str] = match event {
        "PAID" => &[SMS, VOICE],
        "CONFIRMED" => &[WECHAT],
        "CANCELLED" => &[WECHAT, SMS],
        _ => &[],
    };
    // No channels, no rows: `insert_many` then sends nothing.
    let rows = channels.iter().map(|channel| notice::ActiveModel {
        tenant_id: Set(tx.tenant().0),
        id: Set(Uuid::now_v7()),
        order_id: Set(Some(o.id)),
        channel: Set((*channel).into()),
        event: Set(event.into()),
        payload: Set(serde_json::json!({ "order": o.id, "shop": o.shop_id, "therapist": o.therapist_id })),
        attempts: Set(0),
        next_attempt_at: Set(now),
        delivered_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
    });
    tx.insert_many(rows.collect()).await?;
    Ok(())
}

fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(2i64.saturating_pow(attempts.clamp(0, 9) as u32).min(600))
}

/// The most notices one pass claims.
const BATCH: u64 = 100;

/// Delivers the tenant's due notices; answers how many were delivered.
///
/// One transaction claims a batch for a minute (so another process does not send them too; if this one dies,
/// the claim runs out and they are sent then: at least once) and reads what their words need; after sending,
/// one statement marks the delivered ones. Failures are retried with back-off.
pub async fn deliver_due(state: &AppState, notifier: &dyn Notifier, tenant: TenantId) -> anyhow::Result<usize> {
    let Some(info) = state.tenants.fresh(tenant.0).await? else { return Ok(0) };
    let now = state.now();
    let tx = state.db.begin(tenant).await?;
    let due: Vec<Uuid> = tx
        .all(tx.select::<notice::Entity>().map(|q| {
            q.filter(notice::Column::DeliveredAt.is_null())
                .filter(notice::Column::NextAttemptAt.lte(now))
                .order_by_asc(notice::Column::Id)
                .limit(BATCH)
        }))
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    if due.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    // Another process may have claimed some since: the conditions are checked again on each row.
    let claimed = tx
        .update_returning(tx.update_many::<notice::Entity>().map(|q| {
            q.col_expr(notice::Column::NextAttemptAt, Expr::value(now + chrono::Duration::seconds(60)))
                .filter(notice::Column::Id.is_in(due))
                .filter(notice::Column::DeliveredAt.is_null())
                .filter(notice::Column::NextAttemptAt.lte(now))
        }))
        .await?;
    let order_ids: HashSet<Uuid> = claimed.iter().filter_map(|n| n.order_id).collect();
    let orders: HashMap<Uuid, order::Model> = match order_ids.is_empty() {
        true => HashMap::new(),
        false => tx
            .all(tx.select::<order::Entity>().map(|q| q.filter(order::Column::Id.is_in(order_ids))))
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect(),
    };
    let therapist_ids: HashSet<Uuid> = orders.values().map(|o| o.therapist_id).collect();
    let names = crate::storefront::therapist_names(&tx, therapist_ids).await?;
    tx.commit().await?;
    let mut delivered = vec![];
    let mut failed = vec![];
    for n in claimed {
        let text = match n.order_id.and_then(|id| orders.get(&id)) {
            Some(o) => {
                let therapist = names.get(&o.therapist_id).map(String::as_str).unwrap_or_default();
                message(&n.event, o, therapist, info.time_zone)
            }
            None => n.event.clone(),
        };
        // Load-test tenants never reach a real provider.
        let result = if info.is_load_test { Ok(()) } else { notifier.send(&n.channel, &text).await };
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

/// Runs until the process ends: delivers notices of tenants that just wrote some, and sweeps every tenant now
/// and then (rows left by a crash or another process).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    let notifier = notify::outbox(&state).notifier.clone();
    tokio::spawn(async move {
        let mut last_sweep: Option<tokio::time::Instant> = None;
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut tenants: HashSet<TenantId> = notify::take_woken(&state);
            if last_sweep.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                match unscoped::all_tenants(&state.db).await {
                    Ok(all) => tenants.extend(all.iter().map(|t| TenantId(t.id))),
                    Err(e) => tracing::warn!(error = %e, "notice sweep could not list tenants"),
                }
                last_sweep = Some(tokio::time::Instant::now());
                for t in tenants.clone() {
                    let _ = super::service::expire_due(&state, t).await;
                }
            }
            for t in tenants {
                if let Err(e) = deliver_due(&state, notifier.as_ref(), t).await {
                    tracing::warn!(error = %format!("{e:#}"), "notices not delivered; will retry");
                    notify::wake(&state, t);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shop_hears_the_service_the_time_and_the_therapist() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T06:30:00Z").unwrap().with_timezone(&Utc);
        let o = order::Model {
            tenant_id: Uuid::nil(),
            id: Uuid::nil(),
            consumer_id: Uuid::nil(),
            shop_id: Uuid::nil(),
            service_item_id: Uuid::nil(),
            therapist_id: Uuid::nil(),
            start_at: start,
            end_at: start,
            status: "PAID".into(),
            amount_fen: 12800,
            paid_fen: 12800,
            refunded_fen: 6400,
            price_snapshot: serde_json::json!({ "serviceName": "中医推拿 60 分钟" }),
            refund_policy: serde_json::json!({}),
            expires_at: start,
            cancel_reason: None,
            created_at: start,
            updated_at: start,
        };
        let text = message("PAID", &o, "张建国", chrono_tz::Asia::Shanghai);
        assert_eq!(text, "新订单：中医推拿 60 分钟，11月25日 14:30，推拿师张建国。请确认。");
        assert!(message("CANCELLED", &o, "张建国", chrono_tz::Asia::Shanghai).contains("退款 64.00 元"));
    }
}

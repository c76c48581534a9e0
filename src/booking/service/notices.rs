//! Booking's notices, through `notify`'s outbox: to the shop, an SMS and a voice call when an order is paid (its
//! staff may be blind: the call reads the service, the time and the therapist), an SMS when it is cancelled; to
//! the consumer (when the order has one), a WeChat template message on confirmation, cancellation and refund.

use chrono::Utc;

use crate::{booking::entity::order, db::TenantTx, error::AppResult, kernel::TenantInfo, notify};

/// The words of a notice. The shop's voice call reads the service, the time and the therapist.
fn message(event: &str, o: &order::Model, therapist: &str, tz: chrono_tz::Tz) -> String {
    let service = &o.price_snapshot.service_name;
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

/// Writes the notices the order's events cause (in order, e.g. `PAID` then `CONFIRMED`), in the caller's
/// transaction (through `notify`): one read of the therapist's name, one insert.
pub async fn order_events(
    tx: &TenantTx,
    tenant: &TenantInfo,
    o: &order::Model,
    events: &[&str],
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    use notify::{Channel::*, RecipientKind::*};
    let sends = |event: &str| -> (&'static str, &'static [(notify::Channel, notify::RecipientKind)]) {
        match event {
            "PAID" => ("ORDER_PAID", &[(Sms, Shop), (VoiceCall, Shop)]),
            "CONFIRMED" => ("ORDER_CONFIRMED", &[(WechatTemplate, Consumer)]),
            "CANCELLED" => ("ORDER_CANCELLED", &[(WechatTemplate, Consumer), (Sms, Shop)]),
            _ => ("", &[]),
        }
    };
    if events.iter().all(|e| sends(e).1.is_empty()) {
        return Ok(());
    }
    let names = crate::storefront::therapist_names(tx, [o.therapist_id]).await?;
    let therapist = names.get(&o.therapist_id).map(String::as_str).unwrap_or_default();
    // A booking staff took for a customer has no consumer to message.
    let recipient = |kind| if kind == Shop { Some(o.shop_id) } else { o.consumer_id };
    let mut notices = vec![];
    for &event in events {
        let (name, sends) = sends(event);
        let text = message(event, o, therapist, tenant.time_zone);
        notices.extend(sends.iter().filter_map(|&(channel, kind)| Some((channel, kind, recipient(kind)?))).map(
            |(channel, kind, id)| notify::Notice {
                channel,
                event: name,
                recipient: notify::Recipient { kind, id },
                dedupe_key: format!("order:{}:{name}:{}", o.id, channel.as_str()),
                text: text.clone(),
                about: serde_json::json!({ "order": o.id, "shop": o.shop_id, "therapist": o.therapist_id }),
            },
        ));
    }
    notify::enqueue(tx, now, notices).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_shop_hears_the_service_the_time_and_the_therapist() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T06:30:00Z").unwrap().with_timezone(&Utc);
        let o = order::Model {
            tenant_id: Uuid::nil(),
            id: Uuid::nil(),
            consumer_id: None,
            shop_id: Uuid::nil(),
            service_item_id: Uuid::nil(),
            therapist_id: Uuid::nil(),
            start_at: start,
            end_at: start,
            status: "PAID".into(),
            amount_fen: 12800,
            paid_fen: 12800,
            refunded_fen: 6400,
            price_snapshot: order::PriceSnapshot {
                service_name: "中医推拿 60 分钟".into(),
                list_price_fen: 12800,
                duration_minutes: 60,
                discounts: vec![],
            },
            refund_policy: order::RefundPolicy { cancel_cutoff_hours: 2, late_refund_percent: 0 },
            expires_at: start,
            cancel_reason: None,
            channel: "WECHAT".into(),
            customer_name: None,
            customer_phone_enc: None,
            customer_phone_hash: None,
            created_at: start,
            updated_at: start,
        };
        let text = message("PAID", &o, "张建国", chrono_tz::Asia::Shanghai);
        assert_eq!(text, "新订单：中医推拿 60 分钟，11月25日 14:30，推拿师张建国。请确认。");
        assert!(message("CANCELLED", &o, "张建国", chrono_tz::Asia::Shanghai).contains("退款 64.00 元"));
    }
}

//! A consumer's booking as the pages read it from the API, and how it is put into words.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::json;

use crate::web::{format, h5::shopper::Shopper, runner::Failure};

#[derive(Deserialize, Clone)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OrderShop {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub call_url: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub therapists: Vec<Named>,
}

#[derive(Deserialize, Clone)]
pub struct Review {
    pub rating: i32,
    pub text: String,
}

/// A booking of the signed-in consumer.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub status: String,
    pub service_name: String,
    pub start: String,
    pub end: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    #[serde(default)]
    pub refund_if_cancelled_fen: Option<i64>,
    #[serde(default)]
    pub pay_before: Option<String>,
    #[serde(default)]
    pub cancel_reason: Option<String>,
    #[serde(default)]
    pub therapist_id: Option<String>,
    pub shop: OrderShop,
    #[serde(default)]
    pub review: Option<Review>,
}

/// A status in the consumer's words.
pub fn status_words(status: &str) -> &'static str {
    match status {
        "PENDING_PAYMENT" => "待支付",
        "PAID" => "已支付，等待门店确认",
        "CONFIRMED" => "已确认",
        "COMPLETED" => "已完成",
        "CANCELLED" => "已取消",
        "EXPIRED" => "已过期（未在时限内支付）",
        "NO_SHOW" => "未到店",
        _ => "未知",
    }
}

impl Order {
    pub fn status_text(&self) -> &'static str {
        status_words(&self.status)
    }

    /// `2026年12月8日 14:30–15:30`.
    pub fn when(&self, zone: Tz) -> String {
        format!("{}–{}", format::date_time(&self.start, zone), format::clock(&self.end, zone))
    }

    pub fn amount(&self) -> String {
        format::money(self.amount_fen)
    }

    pub fn paid(&self) -> String {
        format::money(self.paid_fen)
    }

    pub fn refunded(&self) -> String {
        format::money(self.refunded_fen)
    }

    pub fn therapist(&self) -> String {
        let named = self.therapist_id.as_ref().and_then(|id| self.shop.therapists.iter().find(|t| &t.id == id));
        named.map(|t| t.name.clone()).unwrap_or_else(|| "门店安排".into())
    }

    pub fn pay_before_text(&self, zone: Tz) -> String {
        self.pay_before.as_deref().map(|t| format::date_time(t, zone)).unwrap_or_default()
    }

    /// Still ahead and still on: not yet done, cancelled, expired or missed.
    pub fn upcoming(&self, now: DateTime<Utc>) -> bool {
        let open = matches!(self.status.as_str(), "PENDING_PAYMENT" | "PAID" | "CONFIRMED");
        open && DateTime::parse_from_rfc3339(&self.end).is_ok_and(|end| end > now)
    }

    pub fn pending_payment(&self) -> bool {
        self.status == "PENDING_PAYMENT"
    }

    pub fn reviewable(&self) -> bool {
        self.status == "COMPLETED" && self.review.is_none()
    }
}

/// The consumer's booking `id`; `None` when it is not theirs to see (or not an order at all).
pub async fn load(shopper: &Shopper, id: &str) -> Result<Option<Order>, Failure> {
    #[derive(Deserialize)]
    struct Answer {
        order: Order,
    }
    match shopper.runner.run::<Answer>("H5Order", json!({ "id": id })).await {
        Ok(a) => Ok(Some(a.order)),
        Err(f) if f.code == "NOT_FOUND" || f.code == "VALIDATION" || f.code == "FORBIDDEN" => Ok(None),
        Err(f) => Err(f),
    }
}

/// The consumer's bookings: those ahead first (soonest first), then the past (latest first).
pub async fn mine(shopper: &Shopper) -> Result<(Vec<Order>, Vec<Order>), Failure> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        my_orders: Connection,
    }
    #[derive(Deserialize)]
    struct Connection {
        edges: Vec<Edge>,
    }
    #[derive(Deserialize)]
    struct Edge {
        node: Order,
    }
    let a: Answer = shopper.runner.run("H5MyOrders", json!({ "first": 100 })).await?;
    let now = shopper.runner.web.state.now();
    let (mut ahead, mut past): (Vec<Order>, Vec<Order>) =
        a.my_orders.edges.into_iter().map(|e| e.node).partition(|o| o.upcoming(now));
    ahead.sort_by(|a, b| a.start.cmp(&b.start));
    past.sort_by(|a, b| b.start.cmp(&a.start));
    Ok((ahead, past))
}

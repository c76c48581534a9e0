use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A booking, which is an order: a service item with one therapist at one time, and its money.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The consumer who booked; none for a booking staff took for a customer (`channel` PHONE or WALK_IN).
    pub consumer_id: Option<Uuid>,
    pub shop_id: Uuid,
    pub service_item_id: Uuid,
    pub therapist_id: Uuid,
    pub start_at: DateTimeUtc,
    pub end_at: DateTimeUtc,
    pub status: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub price_snapshot: PriceSnapshot,
    pub refund_policy: RefundPolicy,
    pub expires_at: DateTimeUtc,
    pub cancel_reason: Option<String>,
    /// How the booking was taken: `WECHAT` (by the consumer), `PHONE` or `WALK_IN` (by staff for a customer).
    pub channel: String,
    /// The customer staff booked for (human text), and their phone, encrypted, with its look-up hash.
    pub customer_name: Option<String>,
    pub customer_phone_enc: Option<String>,
    pub customer_phone_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// What was booked, as it was when booked (a JSON column; a row that does not read as this is an error).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct PriceSnapshot {
    pub service_name: String,
    pub list_price_fen: i64,
    pub duration_minutes: i32,
    /// Discounts applied to the list price; none are offered yet, so always empty.
    pub discounts: Vec<Json>,
}

/// The refund policy an order is booked under, kept on the order (a JSON column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct RefundPolicy {
    pub cancel_cutoff_hours: i64,
    pub late_refund_percent: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A booking, which is an order: a service item with one therapist at one time, and its money.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consumer_id: Uuid,
    pub shop_id: Uuid,
    pub service_item_id: Uuid,
    pub therapist_id: Uuid,
    pub start_at: DateTimeUtc,
    pub end_at: DateTimeUtc,
    pub status: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub price_snapshot: Json,
    pub refund_policy: Json,
    pub expires_at: DateTimeUtc,
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

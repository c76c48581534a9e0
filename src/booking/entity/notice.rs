use sea_orm::entity::prelude::*;

/// A message to deliver (SMS, voice call, WeChat template), written with the change that causes it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Option<Uuid>,
    pub channel: String,
    pub event: String,
    pub payload: Json,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A message to deliver, written with the change that causes it (see `notify::outbox`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel: String,
    /// What happened, e.g. `ORDER_PAID`.
    pub event: String,
    /// The domain's references (ids) of what the notice is about.
    pub payload: Json,
    /// Who receives it, by reference (`SHOP`, `CONSUMER`, `STAFF`, `ACCOUNT` and an id): never a phone number.
    pub recipient_kind: Option<String>,
    pub recipient_id: Option<Uuid>,
    /// One notice per key and tenant: writing the same key again adds nothing.
    pub dedupe_key: Option<String>,
    /// The words, in the tenant's language and time zone.
    pub text: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

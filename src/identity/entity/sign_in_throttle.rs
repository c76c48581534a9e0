use sea_orm::entity::prelude::*;

/// Wrong passwords counted under one keyed hash (of a sign-in name and a client address, or of a name across
/// addresses), in a window that starts with the first of them; and, for a name and address, when that name last
/// signed in from there. Never a name or an address in clear.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_throttles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub key_hash: String,
    pub failures: i32,
    pub window_started_at: DateTimeUtc,
    pub last_success_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

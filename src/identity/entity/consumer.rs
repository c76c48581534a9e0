use sea_orm::entity::prelude::*;

/// A WeChat user of one tenant, keyed by (tenant, appid, openid). The openid is stored encrypted, with a keyed
/// hash for look-up.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consumers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub app_id: String,
    pub openid_hash: String,
    pub openid_enc: String,
    pub unionid_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_login_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

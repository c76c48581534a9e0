use sea_orm::entity::prelude::*;

/// The tenant registry. Not tenant-owned: it is what a tenant is. Only `db::unscoped` and `db::registry` read and write it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub template: String,
    pub kind: String,
    pub time_zone: String,
    pub status: String,
    pub api_key_hash: Option<String>,
    pub wechat_app_id: Option<String>,
    pub wechat_secret_enc: Option<String>,
    pub is_load_test: bool,
    /// Cache generations: see `kernel::tenant`.
    pub storefront_generation: i64,
    pub booking_generation: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

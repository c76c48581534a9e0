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
    /// The origin (`https://h5.example.cn`) of the tenant's H5 pages: where a WeChat sign-in may return to.
    pub wechat_h5_origin: Option<String>,
    pub is_load_test: bool,
    /// Cache generations: see `kernel::tenant`.
    pub storefront_generation: i64,
    pub booking_generation: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Why an update of a tenant's row was refused: it would change the load-test mark.
pub const LOAD_TEST_FIXED: &str = "the load-test mark is set when a tenant is created and cannot be changed: \
                                   create another tenant instead";

/// True when `err` is the refusal of an update that would change the load-test mark.
pub fn is_load_test_refusal(err: &DbErr) -> bool {
    matches!(err, DbErr::Custom(m) if m == LOAD_TEST_FIXED)
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// The load-test mark lets the simulated payment provider serve the tenant in production: it is fixed when
    /// the tenant is created, and an update that sets it, to any value, is refused before it is written.
    async fn before_save<C>(self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if !insert && self.is_load_test.is_set() {
            return Err(DbErr::Custom(LOAD_TEST_FIXED.to_owned()));
        }
        Ok(self)
    }
}

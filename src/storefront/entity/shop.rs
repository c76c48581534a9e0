use sea_orm::entity::prelude::*;

/// A shop; `lat`/`lng` are GCJ-02.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shops")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub intro: String,
    pub address: String,
    pub district: String,
    pub phone: String,
    pub lat: f64,
    pub lng: f64,
    pub opening_hours: Json,
    pub closed_dates: Json,
    pub tags: Json,
    pub photo_ids: Json,
    pub step_free: bool,
    pub guide_dogs: bool,
    pub braille_price_list: bool,
    pub audio_price_list: bool,
    pub status: String,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

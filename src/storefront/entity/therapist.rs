use sea_orm::entity::prelude::*;

/// A therapist (推拿师) of one shop; no `schedule` means the shop's hours.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "therapists")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shop_id: Uuid,
    pub name: String,
    pub photo_id: Option<Uuid>,
    pub gender: String,
    pub title: String,
    pub years_of_practice: i32,
    pub specialties: Json,
    pub intro: String,
    pub schedule: Option<Json>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// The part of a payment that pays one payable (an order; later a recharge or a bill). A payment's allocations
/// sum to its amount.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_allocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payment_id: Uuid,
    /// The kind of payable (`order`, …): which domain's `Payee` it belongs to.
    pub payable_kind: String,
    pub payable_id: Uuid,
    pub amount_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

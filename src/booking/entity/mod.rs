pub mod order;
pub mod review;
pub mod slot_claim;

crate::tenant_entity!(order, review, slot_claim);

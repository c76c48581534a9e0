pub mod order;
pub mod payment;
pub mod payment_event;
pub mod refund;
pub mod review;
pub mod slot_claim;

crate::tenant_entity!(order, payment, payment_event, refund, review, slot_claim);

pub mod allocation;
pub mod payment;
pub mod payment_event;
pub mod refund;

crate::tenant_entity!(allocation, payment, payment_event, refund);

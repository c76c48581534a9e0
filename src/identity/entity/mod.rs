pub mod consumer;
pub mod staff;

crate::tenant_entity!(consumer, staff);

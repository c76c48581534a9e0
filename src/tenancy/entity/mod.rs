pub mod revision;
pub mod tenant;

crate::tenant_entity!(revision);

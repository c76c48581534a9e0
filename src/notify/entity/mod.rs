pub mod notice;

crate::tenant_entity!(notice);

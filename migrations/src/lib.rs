//! The schema, as sea-orm migrations. Migrations never import the service's entities.
//!
//! Every tenant-owned table is created with [`tenant_table`]: `tenant_id` leads its primary key, and on
//! PostgreSQL it gets `ENABLE` and `FORCE ROW LEVEL SECURITY` with a policy on `app.tenant_id`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_platform_core;
mod m20261124_000001_storefront;
mod m20261124_000002_search_outbox;
mod m20261124_000003_booking;
mod m20261125_000001_generations;
pub mod tenant_table;

pub use tenant_table::{TENANT_TABLES, tenant_table};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_platform_core::Migration),
            Box::new(m20261124_000001_storefront::Migration),
            Box::new(m20261124_000002_search_outbox::Migration),
            Box::new(m20261124_000003_booking::Migration),
            Box::new(m20261125_000001_generations::Migration),
        ]
    }
}

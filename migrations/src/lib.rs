//! The schema, as sea-orm migrations. Migrations never import the service's entities.
//!
//! Every tenant-owned table is created with [`tenant_table`]: `tenant_id` leads its primary key, and on
//! PostgreSQL it gets `ENABLE` and `FORCE ROW LEVEL SECURITY` with a policy on `app.tenant_id`.

pub use sea_orm_migration::prelude::*;

// Grouped by the domain whose tables they make; run in the order of `Migrator::migrations`.
mod booking;
mod identity;
mod notify;
mod payments;
mod platform;
mod storefront;
pub mod tenant_table;
pub mod unique_keys;

pub use tenant_table::{TENANT_TABLES, tenant_table};
pub use unique_keys::{UNIQUE_KEYS, UniqueKey};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(platform::m20261123_000001_platform_core::Migration),
            Box::new(storefront::m20261124_000001_storefront::Migration),
            Box::new(storefront::m20261124_000002_search_outbox::Migration),
            Box::new(booking::m20261124_000003_booking::Migration),
            Box::new(platform::m20261125_000001_generations::Migration),
            Box::new(notify::m20261205_000001_outbox::Migration),
            Box::new(payments::m20261205_000002_payables::Migration),
            Box::new(identity::m20261206_000001_sign_in_throttles::Migration),
            Box::new(booking::m20261206_000001_counter_bookings::Migration),
        ]
    }
}

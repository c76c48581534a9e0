//! Cache generations on the tenant's registry row. A write that changes what consumers read raises its area's
//! generation in the writing transaction; every cached answer is keyed by the generations it was computed at, and
//! one batched read of the registry rows tells every request of a process the current ones. They replace the
//! per-tenant `tenant_revisions` rows, which only the storefront indexes used and which sat behind row-level
//! security, so that they could not be read for many tenants at once.

use sea_orm_migration::prelude::*;

use crate::tenant_table::{col, ident};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in ["storefront_generation", "booking_generation"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ident("tenants"))
                        .add_column(col(column).big_integer().not_null().default(0))
                        .to_owned(),
                )
                .await?;
        }
        manager.drop_table(Table::drop().table(ident("tenant_revisions")).to_owned()).await
    }
}

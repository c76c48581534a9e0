//! The search outbox: shops whose search documents must be sent to Meilisearch, written in the same transaction
//! as the change, so that a Meilisearch outage never fails a write and is caught up afterwards.

use sea_orm_migration::prelude::*;

use crate::tenant_table::{col, ident, pk, tenant_fk, tenant_id_col, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tenant_table(
            manager,
            Table::create()
                .table(ident("search_outbox"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("shop_id").uuid().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("search_outbox"))
                .to_owned(),
            "search_outbox",
        )
        .await
    }
}

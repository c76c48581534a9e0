//! The notices table becomes every domain's outbox: the recipient by reference (never a phone number), a dedupe
//! key (one notice per key and tenant), and the words written by the domain with the change; it no longer names
//! an order (what a notice is about stays in `payload`).

use sea_orm_migration::prelude::*;

use crate::tenant_table::{col, ident, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One change a statement: SQLite alters one thing at a time.
        for column in [
            col("recipient_kind").string_len(16).null().to_owned(),
            col("recipient_id").uuid().null().to_owned(),
            col("dedupe_key").string_len(120).null().to_owned(),
            col("text").text().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(ident("notices")).add_column(column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(ident("notices")).drop_column(ident("order_id")).to_owned()).await?;
        index(manager, "ux_notices_dedupe", "notices", &["tenant_id", "dedupe_key"], true).await
    }
}

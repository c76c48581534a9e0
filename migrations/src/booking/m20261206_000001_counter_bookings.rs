//! Bookings taken by shop staff for a customer at the counter or on the phone: an order may have no consumer,
//! and says how it was taken (`channel`: `WECHAT` for consumers' own bookings, `PHONE`, `WALK_IN`), with the
//! customer's name and phone (encrypted, with a look-up hash beside it) when staff took it.
//!
//! PostgreSQL drops the `NOT NULL` of `orders.consumer_id` in place. SQLite cannot alter a column; removing a
//! `NOT NULL` there is done the way SQLite documents for changes that leave the stored rows as they are (section
//! 7 of "ALTER TABLE"): the table's definition is rewritten in the schema table, in the migration's transaction,
//! and the schema version raised so that every connection reads it again.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{DbBackend, Statement},
};

use crate::tenant_table::{col, ident, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NOT_NULL: &str = r#""consumer_id" uuid_text NOT NULL"#;
const NULLABLE: &str = r#""consumer_id" uuid_text NULL"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                conn.execute_unprepared("ALTER TABLE orders ALTER COLUMN consumer_id DROP NOT NULL").await?;
            }
            backend => {
                let version = conn
                    .query_one_raw(Statement::from_string(backend, "PRAGMA schema_version"))
                    .await?
                    .and_then(|row| row.try_get_by_index::<i64>(0).ok())
                    .ok_or_else(|| DbErr::Migration("no schema version".into()))?;
                conn.execute_unprepared("PRAGMA writable_schema = ON").await?;
                let changed = conn
                    .execute_unprepared(&format!(
                        "UPDATE sqlite_master SET sql = replace(sql, '{NOT_NULL}', '{NULLABLE}')
                         WHERE type = 'table' AND name = 'orders' AND instr(sql, '{NOT_NULL}') > 0"
                    ))
                    .await?
                    .rows_affected();
                conn.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1)).await?;
                conn.execute_unprepared("PRAGMA writable_schema = OFF").await?;
                if changed != 1 {
                    return Err(DbErr::Migration("orders.consumer_id is not as created".into()));
                }
            }
        }
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            col("channel").string_len(20).not_null().default("WECHAT").to_owned(),
            col("customer_name").string_len(50).null().to_owned(),
            col("customer_phone_enc").text().null().to_owned(),
            col("customer_phone_hash").string_len(64).null().to_owned(),
        ];
        for column in columns {
            manager.alter_table(Table::alter().table(ident("orders")).add_column(column).to_owned()).await?;
        }
        index(manager, "ix_orders_customer_phone", "orders", &["tenant_id", "customer_phone_hash"], false).await
    }
}

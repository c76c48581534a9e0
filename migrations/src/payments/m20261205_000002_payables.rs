//! Payments become a capability of their own: a payment pays one or more payables (an order today; a recharge or
//! a set of bills later) through allocation rows that sum to it, and no longer names an order. A refund names the
//! payment it returns money from and the payable it is for. Existing payments get one allocation each (with the
//! payment's id), existing refunds the order's succeeded payment.
//!
//! PostgreSQL alters the tables in place (row-level security is relaxed for the owner while rows are copied);
//! SQLite, which cannot drop a column that a foreign key uses, rebuilds the three tables. Either way in one
//! transaction.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

use crate::tenant_table::{col, ident, index, pk, tenant_id_col, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => postgres(manager).await?,
            _ => sqlite(manager).await?,
        }
        index(manager, "ix_payment_allocations_payment", "payment_allocations", &["tenant_id", "payment_id"], false)
            .await?;
        index(
            manager,
            "ix_payment_allocations_payable",
            "payment_allocations",
            &["tenant_id", "payable_kind", "payable_id"],
            false,
        )
        .await?;
        index(manager, "ix_refunds_payable", "refunds", &["tenant_id", "payable_kind", "payable_id"], false).await
    }
}

/// `(tenant_id, column)` → `parent(tenant_id, id)`, declared on `table`.
fn fk(table: &str, column: &str, parent: &str, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_tbl(ident(table))
        .from_col(ident("tenant_id"))
        .from_col(ident(column))
        .to_tbl(ident(parent))
        .to_col(ident("tenant_id"))
        .to_col(ident("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn allocations(payments: &str) -> TableCreateStatement {
    Table::create()
        .table(ident("payment_allocations"))
        .col(tenant_id_col())
        .col(col("id").uuid().not_null())
        .col(col("payment_id").uuid().not_null())
        .col(col("payable_kind").string_len(32).not_null())
        .col(col("payable_id").uuid().not_null())
        .col(col("amount_fen").big_integer().not_null())
        .primary_key(&mut pk())
        .foreign_key(&mut fk("payment_allocations", "payment_id", payments, "fk_payment_allocations_payment_id"))
        .to_owned()
}

/// The one succeeded payment of a refund's order (or, failing that, its first payment).
const PAYMENT_OF_REFUND: &str =
    "(SELECT p.id FROM payments p WHERE p.tenant_id = r.tenant_id AND p.order_id = r.order_id
      ORDER BY CASE p.status WHEN 'SUCCEEDED' THEN 0 ELSE 1 END, p.created_at LIMIT 1)";

async fn postgres(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    tenant_table(manager, allocations("payments"), "payment_allocations").await?;
    let conn = manager.get_connection();
    conn.execute_unprepared(&format!(
        "ALTER TABLE payments NO FORCE ROW LEVEL SECURITY;
         ALTER TABLE refunds NO FORCE ROW LEVEL SECURITY;
         ALTER TABLE payment_allocations NO FORCE ROW LEVEL SECURITY;
         INSERT INTO payment_allocations (tenant_id, id, payment_id, payable_kind, payable_id, amount_fen)
           SELECT tenant_id, id, id, 'order', order_id, amount_fen FROM payments;
         ALTER TABLE refunds ADD COLUMN payment_id uuid;
         ALTER TABLE refunds ADD COLUMN payable_kind varchar(32) NOT NULL DEFAULT 'order';
         UPDATE refunds r SET payment_id = {PAYMENT_OF_REFUND};
         ALTER TABLE refunds ALTER COLUMN payment_id SET NOT NULL;
         ALTER TABLE refunds ALTER COLUMN payable_kind DROP DEFAULT;
         ALTER TABLE refunds DROP CONSTRAINT fk_refunds_order_id;
         ALTER TABLE refunds RENAME COLUMN order_id TO payable_id;
         ALTER TABLE refunds ADD CONSTRAINT fk_refunds_payment_id FOREIGN KEY (tenant_id, payment_id)
           REFERENCES payments (tenant_id, id) ON DELETE CASCADE;
         ALTER TABLE payments DROP COLUMN order_id;
         ALTER TABLE payments ADD CONSTRAINT fk_payments_tenant FOREIGN KEY (tenant_id)
           REFERENCES tenants (id) ON DELETE CASCADE;
         ALTER TABLE payments FORCE ROW LEVEL SECURITY;
         ALTER TABLE refunds FORCE ROW LEVEL SECURITY;
         ALTER TABLE payment_allocations FORCE ROW LEVEL SECURITY;"
    ))
    .await?;
    Ok(())
}

async fn sqlite(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // New tables point at `payments_new`; renaming it to `payments` rewrites those references.
    manager
        .create_table(
            Table::create()
                .table(ident("payments_new"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("idempotency_key").string_len(100).not_null())
                .col(col("request_hash").string_len(64).not_null())
                .col(col("amount_fen").big_integer().not_null())
                .col(col("status").string_len(16).not_null())
                .col(col("provider").string_len(32).not_null())
                .col(col("provider_txn_id").string_len(64).null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(crate::tenant_table::tenant_fk("payments_new").name("fk_payments_tenant"))
                .to_owned(),
        )
        .await?;
    manager.create_table(allocations("payments_new")).await?;
    manager
        .create_table(
            Table::create()
                .table(ident("payment_events_new"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("provider").string_len(32).not_null())
                .col(col("provider_txn_id").string_len(64).not_null())
                .col(col("payment_id").uuid().not_null())
                .col(col("amount_fen").big_integer().not_null())
                .col(col("outcome").string_len(32).not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut fk(
                    "payment_events_new",
                    "payment_id",
                    "payments_new",
                    "fk_payment_events_payment_id",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(ident("refunds_new"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("payment_id").uuid().not_null())
                .col(col("payable_kind").string_len(32).not_null())
                .col(col("payable_id").uuid().not_null())
                .col(col("refund_no").string_len(64).not_null())
                .col(col("amount_fen").big_integer().not_null())
                .col(col("status").string_len(16).not_null())
                .col(col("reason").string_len(200).null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut fk("refunds_new", "payment_id", "payments_new", "fk_refunds_payment_id"))
                .to_owned(),
        )
        .await?;
    let conn = manager.get_connection();
    conn.execute_unprepared(&format!(
        "INSERT INTO payments_new (tenant_id, id, idempotency_key, request_hash, amount_fen, status, provider,
           provider_txn_id, created_at, updated_at)
           SELECT tenant_id, id, idempotency_key, request_hash, amount_fen, status, provider, provider_txn_id,
             created_at, updated_at FROM payments;
         INSERT INTO payment_allocations (tenant_id, id, payment_id, payable_kind, payable_id, amount_fen)
           SELECT tenant_id, id, id, 'order', order_id, amount_fen FROM payments;
         INSERT INTO payment_events_new SELECT tenant_id, id, provider, provider_txn_id, payment_id, amount_fen,
           outcome, created_at FROM payment_events;
         INSERT INTO refunds_new (tenant_id, id, payment_id, payable_kind, payable_id, refund_no, amount_fen, status,
           reason, created_at, updated_at)
           SELECT r.tenant_id, r.id, {PAYMENT_OF_REFUND}, 'order', r.order_id, r.refund_no, r.amount_fen, r.status,
             r.reason, r.created_at, r.updated_at FROM refunds r;
         DROP TABLE payment_events;
         DROP TABLE refunds;
         DROP TABLE payments;
         ALTER TABLE payments_new RENAME TO payments;
         ALTER TABLE payment_events_new RENAME TO payment_events;
         ALTER TABLE refunds_new RENAME TO refunds;"
    ))
    .await?;
    index(manager, "ux_payments_idempotency", "payments", &["tenant_id", "idempotency_key"], true).await?;
    index(manager, "ux_payment_events_txn", "payment_events", &["tenant_id", "provider", "provider_txn_id"], true)
        .await?;
    index(manager, "ux_refunds_no", "refunds", &["tenant_id", "refund_no"], true).await
}

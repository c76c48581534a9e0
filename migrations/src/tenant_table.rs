use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Every tenant-owned table, children before parents: `civic tenant purge` deletes in this order, and a test
/// checks that the list names exactly the tables that have a `tenant_id` column.
pub const TENANT_TABLES: &[&str] = &[
    "notices",
    "reviews",
    "refunds",
    "payment_events",
    "payments",
    "slot_claims",
    "orders",
    "search_outbox",
    "promotion_shops",
    "promotions",
    "service_therapists",
    "service_items",
    "therapists",
    "shops",
    "media",
    "tenant_revisions",
    "audit_log",
    "consumers",
    "staff",
];

/// Creates a tenant-owned table. `columns` must include `tenant_id` and the primary key must lead with it.
/// On PostgreSQL the table gets row-level security, enabled and forced, with one policy for reads and writes.
pub async fn tenant_table(manager: &SchemaManager<'_>, stmt: TableCreateStatement, name: &str) -> Result<(), DbErr> {
    assert!(TENANT_TABLES.contains(&name), "{name} missing from TENANT_TABLES");
    manager.create_table(stmt).await?;
    if manager.get_database_backend() == DbBackend::Postgres {
        let conn = manager.get_connection();
        conn.execute_unprepared(&format!(
            "ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;
             ALTER TABLE {name} FORCE ROW LEVEL SECURITY;
             CREATE POLICY tenant_isolation ON {name}
               USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
               WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);"
        ))
        .await?;
    }
    Ok(())
}

/// `tenant_id uuid NOT NULL`, the first column of every tenant-owned table.
pub fn tenant_id_col() -> ColumnDef {
    ColumnDef::new(Alias::new("tenant_id")).uuid().not_null().to_owned()
}

/// A foreign key from `table.tenant_id` to `tenants.id`.
pub fn tenant_fk(table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_tenant"))
        .from(Alias::new(table), Alias::new("tenant_id"))
        .to(Alias::new("tenants"), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

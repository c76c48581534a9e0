use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Every tenant-owned table, children before parents: `civic tenant purge` deletes in this order, and a test
/// checks that the list names exactly the tables that have a `tenant_id` column.
pub const TENANT_TABLES: &[&str] = &[
    "notices",
    "reviews",
    "refunds",
    "payment_events",
    "payment_allocations",
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
    "audit_log",
    "oauth_states",
    "sign_in_throttles",
    "consumers",
    "staff",
];

/// Tenant-owned tables an early migration created and a later one dropped.
pub const RETIRED_TABLES: &[&str] = &["tenant_revisions"];

/// Creates a tenant-owned table. `columns` must include `tenant_id` and the primary key must lead with it.
/// On PostgreSQL the table gets row-level security, enabled and forced, with one policy for reads and writes.
pub async fn tenant_table(manager: &SchemaManager<'_>, stmt: TableCreateStatement, name: &str) -> Result<(), DbErr> {
    assert!(TENANT_TABLES.contains(&name) || RETIRED_TABLES.contains(&name), "{name} missing from TENANT_TABLES");
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

/// A column by name.
pub fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

/// An identifier (table, column) by name.
pub fn ident(name: &str) -> Alias {
    Alias::new(name)
}

/// The primary key of a tenant-owned table: `(tenant_id, id)`.
pub fn pk() -> IndexCreateStatement {
    Index::create().col(ident("tenant_id")).col(ident("id")).to_owned()
}

/// `(tenant_id, column)` → `parent(tenant_id, id)`: a child never points into another tenant.
pub fn scoped_fk(table: &str, column: &str, parent: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from_tbl(ident(table))
        .from_col(ident("tenant_id"))
        .from_col(ident(column))
        .to_tbl(ident(parent))
        .to_col(ident("tenant_id"))
        .to_col(ident("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// Creates an index (unique or not) on `table(cols…)`. A unique index of a tenant table leads with `tenant_id`
/// (so the table stays distributable by it: `tests/it/postgres.rs` checks the migrated schema).
pub async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    assert!(
        !unique || !TENANT_TABLES.contains(&table) || cols.first() == Some(&"tenant_id"),
        "unique index {name} of tenant table {table} must lead with tenant_id"
    );
    let mut stmt = Index::create();
    stmt.name(name).table(ident(table));
    for c in cols {
        stmt.col(ident(c));
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt).await
}

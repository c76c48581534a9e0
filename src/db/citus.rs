//! Citus: the same schema, spread over workers by tenant. `tenants` becomes a reference table (a copy on every
//! node: small, read by every request, referenced by every tenant table) and every tenant table is distributed
//! by `tenant_id`, all colocated, so that a tenant's rows of every table lie in one shard group and a tenant's
//! queries and transactions reach one worker. Nothing happens on plain PostgreSQL or SQLite.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::{Db, unscoped::has_citus};

/// The rows of a query of up to three text columns.
async fn strings(conn: &impl ConnectionTrait, sql: &str) -> Result<Vec<Vec<String>>, DbErr> {
    let rows = conn.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await?;
    Ok(rows.iter().map(|r| (0..3).map_while(|i| r.try_get_by_index::<String>(i).ok()).collect()).collect())
}

/// Distributes what the migrations created and is not distributed yet (so it runs after every `civic
/// migrate`, before the service role's grants, which Citus then passes on to the shards). Composite foreign
/// keys between tenant tables are dropped for the distribution and added again after it, when Citus checks
/// them shard by shard: they lead with `tenant_id` on both sides (`tests/it/postgres.rs` holds every tenant
/// table to that), so both rows of a key always lie on one shard.
pub async fn distribute(db: &Db) -> Result<(), DbErr> {
    let conn = db.raw();
    if db.backend() != DbBackend::Postgres || !has_citus(conn).await? {
        return Ok(());
    }
    let done: Vec<String> = strings(conn, "SELECT logicalrelid::regclass::text FROM pg_dist_partition")
        .await?
        .into_iter()
        .flatten()
        .collect();
    // Parents before children (the list is children first), colocated with the first.
    let pending: Vec<&str> =
        migration::TENANT_TABLES.iter().rev().copied().filter(|t| !done.iter().any(|d| d == t)).collect();
    if pending.is_empty() && done.iter().any(|d| d == "tenants") {
        return Ok(());
    }
    let tables = migration::TENANT_TABLES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(",");
    let keys = strings(
        conn,
        &format!(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE contype = 'f' AND confrelid <> 'tenants'::regclass AND conrelid::regclass::text IN ({tables})
             ORDER BY conrelid::regclass::text, conname"
        ),
    )
    .await?;
    for key in &keys {
        conn.execute_unprepared(&format!("ALTER TABLE {} DROP CONSTRAINT {}", key[0], key[1])).await?;
    }
    let distributed = async {
        if !done.iter().any(|d| d == "tenants") {
            conn.execute_unprepared("SELECT create_reference_table('tenants')").await?;
        }
        let first = migration::TENANT_TABLES.last().copied().unwrap_or("staff");
        for table in &pending {
            let colocate = if *table == first { "default".to_owned() } else { first.to_owned() };
            conn.execute_unprepared(&format!(
                "SELECT create_distributed_table('{table}', 'tenant_id', colocate_with => '{colocate}')"
            ))
            .await?;
        }
        Ok::<_, DbErr>(())
    }
    .await;
    // The keys come back whatever happened, so a failed distribution leaves the schema as it was.
    for key in &keys {
        conn.execute_unprepared(&format!("ALTER TABLE {} ADD CONSTRAINT {} {}", key[0], key[1], key[2])).await?;
    }
    distributed
}

//! PostgreSQL's own wall: row-level security on every tenant table, a service role without powers, an audit
//! log it cannot rewrite. These run when `DATABASE_URL` points at PostgreSQL (CI's second pass); on SQLite
//! only the table list check runs.

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::json;

use crate::helpers::{Backend, TestApp, is_postgres};

async fn strings(conn: &impl ConnectionTrait, sql: &str) -> Vec<String> {
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn count(conn: &impl ConnectionTrait, table: &str) -> i64 {
    conn.query_one_raw(Statement::from_string(conn.get_database_backend(), format!("SELECT count(*) FROM {table}")))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

#[tokio::test]
async fn the_tenant_table_list_names_every_table_with_tenant_id() {
    let app = TestApp::spawn().await;
    let conn = app.service_conn().await;
    let sql = if is_postgres() {
        "SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY 1"
    } else {
        "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'tenant_id' ORDER BY 1"
    };
    let mut expected: Vec<String> = migration::TENANT_TABLES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(strings(&conn, sql).await, expected);
}

/// What Citus needs to distribute every tenant table by `tenant_id` and keep a tenant's rows on one shard: the
/// primary key and every unique key lead with `tenant_id`; a foreign key either names the tenant alone
/// (`tenant_id` → `tenants`) or leads with `tenant_id` on both sides, into another tenant table; no column takes
/// its default from a sequence.
#[tokio::test]
async fn every_tenant_table_is_distributable_by_tenant_id() {
    let Some((_app, conn)) = service_role_on_postgres().await else { return };
    let tables = migration::TENANT_TABLES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(",");
    let first = |kind: &str| {
        format!(
            "SELECT t.relname::text || ' ' || c.conname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = current_schema() AND t.relname IN ({tables}) AND c.contype = '{kind}'
               AND (SELECT attname FROM pg_attribute WHERE attrelid = t.oid AND attnum = c.conkey[1]) <> 'tenant_id'
             ORDER BY 1"
        )
    };
    assert_eq!(strings(&conn, &first("p")).await, Vec::<String>::new(), "primary keys not led by tenant_id");
    assert_eq!(strings(&conn, &first("f")).await, Vec::<String>::new(), "foreign keys not led by tenant_id");
    let unique = format!(
        "SELECT t.relname::text || ' ' || x.relname::text FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND t.relname IN ({tables}) AND i.indisunique
           AND (SELECT attname FROM pg_attribute WHERE attrelid = t.oid AND attnum = i.indkey[0]) <> 'tenant_id'
         ORDER BY 1"
    );
    assert_eq!(strings(&conn, &unique).await, Vec::<String>::new(), "unique indexes not led by tenant_id");
    let foreign = format!(
        "SELECT t.relname::text || ' ' || c.conname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND t.relname IN ({tables}) AND c.contype = 'f'
           AND NOT (r.relname = 'tenants' AND cardinality(c.conkey) = 1)
           AND NOT (r.relname IN ({tables})
                    AND (SELECT attname FROM pg_attribute WHERE attrelid = r.oid AND attnum = c.confkey[1]) = 'tenant_id')
         ORDER BY 1"
    );
    assert_eq!(strings(&conn, &foreign).await, Vec::<String>::new(), "foreign keys that would cross shards");
    let serial = format!(
        "SELECT table_name::text || '.' || column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name IN ({tables})
           AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')
         ORDER BY 1"
    );
    assert_eq!(strings(&conn, &serial).await, Vec::<String>::new(), "columns numbered by a sequence");
}

/// A fresh app and a connection as its service role, on PostgreSQL only (`None` on SQLite).
async fn service_role_on_postgres() -> Option<(TestApp, sea_orm::DatabaseConnection)> {
    if !is_postgres() {
        return None;
    }
    let app = TestApp::spawn().await;
    let conn = app.service_conn().await;
    Some((app, conn))
}

/// Data in two tenants, so that "sees nothing" means something.
async fn populated() -> (TestApp, crate::helpers::TestTenant) {
    let app = TestApp::spawn().await;
    let a = app.tenant("massage").await;
    let b = app.tenant("water").await;
    for t in [&a, &b] {
        app.staff(t, "TENANT_ADMIN", &[]).await;
        app.consumer(t, "o-rls").await;
    }
    (app, a)
}

#[tokio::test]
async fn every_tenant_table_has_forced_row_level_security_with_a_policy() {
    let Some((_app, conn)) = service_role_on_postgres().await else { return };
    let rows = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                    (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r'
               AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), migration::TENANT_TABLES.len());
    for r in rows {
        let (table, enabled, forced, policies): (String, bool, bool, i64) = (
            r.try_get_by_index(0).unwrap(),
            r.try_get_by_index(1).unwrap(),
            r.try_get_by_index(2).unwrap(),
            r.try_get_by_index(3).unwrap(),
        );
        assert!(enabled && forced && policies >= 1, "{table}: enabled {enabled}, forced {forced}, policies {policies}");
    }
}

#[tokio::test]
async fn the_service_role_without_a_tenant_sees_zero_rows() {
    if !is_postgres() {
        return;
    }
    let (app, a) = populated().await;
    let conn = app.service_conn().await;
    for table in migration::TENANT_TABLES {
        assert_eq!(count(&conn, table).await, 0, "{table} is visible with no tenant set");
    }
    // With a tenant set, that tenant's rows and no others.
    let txn = conn.begin().await.unwrap();
    txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{}', true)", a.id)).await.unwrap();
    assert!(count(&txn, "staff").await >= 1);
    let foreign: i64 = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT count(*) FROM staff WHERE tenant_id <> '{}'", a.id),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(foreign, 0);
    // Writing a row for another tenant is refused by the policy's WITH CHECK.
    let other = uuid::Uuid::now_v7();
    let err = txn
        .execute_unprepared(&format!(
            "INSERT INTO audit_log (tenant_id, id, at, actor_kind, action, outcome, request_id)
             VALUES ('{other}', '{other}', now(), 'STAFF', 'x', 'OK', 'r')"
        ))
        .await;
    assert!(err.is_err(), "a row for another tenant was written");
}

#[tokio::test]
async fn the_service_role_has_no_powers_and_cannot_rewrite_the_audit_log() {
    if !is_postgres() {
        return;
    }
    let (app, a) = populated().await;
    let conn = app.service_conn().await;
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT r.rolsuper, r.rolbypassrls,
                    EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = current_user)
             FROM pg_roles r WHERE r.rolname = current_user",
        ))
        .await
        .unwrap()
        .unwrap();
    let powers: (bool, bool, bool) =
        (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap(), row.try_get_by_index(2).unwrap());
    assert_eq!(powers, (false, false, false), "superuser, bypassrls, owns tables");
    for sql in ["UPDATE audit_log SET outcome = 'OK'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let txn = conn.begin().await.unwrap();
        txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{}', true)", a.id)).await.unwrap();
        assert!(count(&txn, "audit_log").await > 0);
        let r = txn.execute_unprepared(sql).await;
        assert!(r.is_err(), "{sql} was allowed");
        txn.rollback().await.unwrap();
    }
    // The service itself still appends.
    let in_log = |conn: sea_orm::DatabaseConnection, tenant: String| async move {
        let txn = conn.begin().await.unwrap();
        txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{tenant}', true)")).await.unwrap();
        count(&txn, "audit_log").await
    };
    let before = in_log(app.service_conn().await, a.id.clone()).await;
    app.bearer(&a.api_key).gql("mutation { rotateApiKey { apiKey } }", json!({})).await.data();
    assert_eq!(in_log(app.service_conn().await, a.id.clone()).await, before + 1);
    // Nor may it touch the migration history.
    let r = conn.execute_unprepared("DELETE FROM seaql_migrations").await;
    assert!(r.is_err());
    assert!(matches!(app.backend, Backend::Postgres { .. }));
}

/// A tenant transaction names its tenant with its `BEGIN` (`db::pg_txn`). One left unfinished after a failed
/// statement is rolled back: nothing it wrote stays, and its connection (the pool's only one here) serves the
/// next transaction, for its own tenant, as if nothing had happened.
#[tokio::test]
async fn a_tenant_transaction_dropped_after_a_failure_is_rolled_back_and_its_connection_serves_the_next() {
    use civic::{
        db::{Db, PoolOptions},
        identity::entity::consumer,
        kernel::TenantId,
    };
    use sea_orm::ActiveValue::Set;

    let app = TestApp::spawn().await;
    let a = app.tenant("massage").await;
    let b = app.tenant("water").await;
    app.consumer(&b, "o-b").await;
    let db = Db::connect(&app.database_url, PoolOptions { max_connections: 1, min_connections: 1 }).await.unwrap();
    let (a_id, b_id) = (TenantId(a.id.parse().unwrap()), TenantId(b.id.parse().unwrap()));
    let row = |id: uuid::Uuid| consumer::ActiveModel {
        tenant_id: Set(a_id.0),
        id: Set(id),
        app_id: Set("wx-test".into()),
        openid_hash: Set(format!("hash-{id}")),
        openid_enc: Set("enc".into()),
        unionid_enc: Set(None),
        phone_enc: Set(None),
        phone_hash: Set(None),
        created_at: Set(chrono::Utc::now()),
        last_login_at: Set(chrono::Utc::now()),
    };
    let count = |tenant: TenantId| {
        let db = db.clone();
        async move {
            let tx = db.read(tenant).await.unwrap();
            let n = tx.count(tx.select::<consumer::Entity>()).await.unwrap();
            tx.commit().await.unwrap();
            n
        }
    };
    let before = count(a_id).await;

    let tx = db.begin(a_id).await.unwrap();
    let id = uuid::Uuid::now_v7();
    tx.insert(row(id)).await.unwrap();
    // The same key again: the statement fails, and the transaction with it.
    assert!(tx.insert(row(id)).await.is_err());
    drop(tx);

    assert_eq!(count(a_id).await, before, "the first insert was rolled back with the transaction");
    // The next transaction on the same connection is for another tenant and sees that tenant's rows.
    let tx = db.read(b_id).await.unwrap();
    let seen = tx.all(tx.select::<consumer::Entity>()).await.unwrap();
    tx.commit().await.unwrap();
    // B's one consumer: on PostgreSQL, row-level security would hide it if the connection still named A.
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].tenant_id, b_id.0);
    let tx = db.begin(a_id).await.unwrap();
    tx.insert(row(id)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(a_id).await, before + 1);
    db.close().await;
}

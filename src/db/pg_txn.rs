//! A PostgreSQL transaction that names its tenant in the same round trip as its `BEGIN` (on Citus, just after).
//!
//! Row-level security reads the tenant from `app.tenant_id`, set for the transaction only. sea-orm's
//! transaction sends `BEGIN` on its own, which made naming the tenant a second round trip to the server in
//! every transaction (with `COMMIT` and sqlx's ping when the connection goes back to its pool, five round trips
//! for a transaction of one statement; now four). Here both go in one simple query; the statements run as sea-orm's own
//! transaction runs them (sqlx, prepared and cached per connection), and a transaction dropped without
//! `commit` is rolled back, as sea-orm's is.

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
    sqlx::{self, Executor, PgPool, Postgres, Transaction},
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Mutex;

use super::TenantId;

pub struct PgTxn(Mutex<Transaction<'static, Postgres>>);

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(e.into()))
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(e.into()))
}

fn query(stmt: Statement) -> sqlx::query::Query<'static, Postgres, SqlxValues> {
    let values = stmt.values.unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql), SqlxValues(values))
}

/// The statement that names the transaction's tenant for row-level security. `SET LOCAL` rather than
/// `set_config(…, true)`: Citus passes `SET LOCAL` on to the workers that hold the shards (with
/// `citus.propagate_set_commands = 'local'`), and never a function call.
pub(crate) fn name_tenant(tenant: TenantId) -> String {
    // A UUID prints as hex digits and hyphens only: nothing in it can end the literal.
    format!("SET LOCAL app.tenant_id = '{}'", tenant.0)
}

impl PgTxn {
    /// Begins a transaction of `tenant`. On plain PostgreSQL `BEGIN` and the tenant go in one simple query (one
    /// round trip). `apart` (Citus) sends them as two: Citus replays the whole text of a statement that
    /// carried a `SET` on each worker connection, where a `BEGIN` in it is refused.
    pub async fn begin(pool: &PgPool, tenant: TenantId, apart: bool) -> Result<PgTxn, DbErr> {
        let begin = if apart { "BEGIN".to_owned() } else { format!("BEGIN; {}", name_tenant(tenant)) };
        let mut tx = pool.begin_with(sqlx::AssertSqlSafe(begin)).await.map_err(|e| match e {
            sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            e => DbErr::Conn(RuntimeErr::SqlxError(e.into())),
        })?;
        if apart {
            tx.execute(sqlx::AssertSqlSafe(name_tenant(tenant))).await.map_err(exec_err)?;
        }
        Ok(PgTxn(Mutex::new(tx)))
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.0.into_inner().commit().await.map_err(exec_err)
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for PgTxn {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let mut tx = self.0.lock().await;
        query(stmt).execute(&mut **tx).await.map(ExecResult::from).map_err(exec_err)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let mut tx = self.0.lock().await;
        tx.execute(sqlx::AssertSqlSafe(sql)).await.map(ExecResult::from).map_err(exec_err)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut tx = self.0.lock().await;
        query(stmt).fetch_optional(&mut **tx).await.map(|row| row.map(QueryResult::from)).map_err(query_err)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut tx = self.0.lock().await;
        query(stmt)
            .fetch_all(&mut **tx)
            .await
            .map(|rows| rows.into_iter().map(QueryResult::from).collect())
            .map_err(query_err)
    }
}

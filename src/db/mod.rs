//! The database, reachable only through a tenant-scoped handle.
//!
//! `Db` keeps its connection private. Tenant-owned tables are read and written through [`TenantTx`], a
//! transaction bound to one tenant: on PostgreSQL its `BEGIN` runs `SET LOCAL app.tenant_id = …` so that
//! row-level security applies, and on every backend each query it runs carries `tenant_id = <tenant>` (added
//! when the query runs, after any refinement) and each row it inserts gets the tenant's id. The few code paths that need no tenant live in [`unscoped`].

pub mod audit_scope;
pub mod citus;
mod pg_txn;
pub mod registry;
pub mod tenant_row;
pub mod unscoped;

use std::time::Duration;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, DeleteMany, EntityTrait, ExecResult, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryResult, QuerySelect, Select, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, TryGetableMany, UpdateMany, sea_query::Value,
};
use uuid::Uuid;

use pg_txn::PgTxn;

use crate::kernel::{Area, TenantId};

/// A table whose rows belong to one tenant. Implemented with [`tenant_entity!`].
pub trait TenantEntity: EntityTrait {
    fn tenant_column() -> Self::Column;
    fn id_column() -> Self::Column;
}

/// `tenant_entity!(crate::<domain>::entity::<table>);` marks an entity module's `Entity` as tenant-owned; the
/// module's model must have `tenant_id` and `id` columns.
#[macro_export]
macro_rules! tenant_entity {
    ($($module:path),+ $(,)?) => {$(
        const _: () = {
            use $module as m;
            impl $crate::db::TenantEntity for m::Entity {
                fn tenant_column() -> m::Column {
                    m::Column::TenantId
                }
                fn id_column() -> m::Column {
                    m::Column::Id
                }
            }
        };
    )+};
}

#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// The database is a Citus coordinator: a tenant transaction names its tenant in a statement of its own.
    citus: bool,
}

pub struct PoolOptions {
    pub max_connections: u32,
    pub min_connections: u32,
}

impl Db {
    pub async fn connect(url: &str, pool: PoolOptions) -> Result<Db, DbErr> {
        let mut opts = ConnectOptions::new(url.to_owned());
        // sqlx's statement log would print bound values: personal data must never reach the log.
        opts.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(5))
            // sqlx pings a connection when it goes back to the pool; pinging it again on every checkout cost one
            // more round trip per transaction. Only a connection idle long enough for a server or firewall to
            // have dropped it is checked first.
            .test_before_acquire_if_idle_for(Duration::from_secs(30))
            .max_connections(pool.max_connections)
            .min_connections(pool.min_connections);
        if url.starts_with("sqlite") {
            opts.max_connections(pool.max_connections.min(8)).map_sqlx_sqlite_opts(|o| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        }
        let conn = Database::connect(opts).await?;
        let citus = conn.get_database_backend() == DbBackend::Postgres && unscoped::has_citus(&conn).await?;
        Ok(Db { conn, citus })
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// A transaction for `tenant` that may write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so that two writers queue on the busy timeout instead of failing on a lock upgrade.
    pub async fn begin(&self, tenant: TenantId) -> Result<TenantTx, DbErr> {
        let mut tx = self.scoped(tenant, Some(SqliteTransactionMode::Immediate)).await?;
        tx.writes = true;
        Ok(tx)
    }

    /// A writing transaction for `tenant` that carries no audit row: for bookkeeping that must commit whatever
    /// becomes of the running mutation (a failed sign-in's count), whose own audit row is written apart.
    pub async fn begin_unaudited(&self, tenant: TenantId) -> Result<TenantTx, DbErr> {
        self.scoped(tenant, Some(SqliteTransactionMode::Immediate)).await
    }

    /// A transaction for `tenant` that only reads.
    pub async fn read(&self, tenant: TenantId) -> Result<TenantTx, DbErr> {
        self.scoped(tenant, None).await
    }

    async fn scoped(&self, tenant: TenantId, mode: Option<SqliteTransactionMode>) -> Result<TenantTx, DbErr> {
        let txn = match self.backend() {
            // Boxed, as sea-orm boxes its own: sqlx's acquiring and beginning is a future of kilobytes, which every
            // future awaiting a transaction would otherwise carry inline and be copied with (+9% instructions).
            DbBackend::Postgres => {
                Txn::Pg(Box::pin(PgTxn::begin(self.conn.get_postgres_connection_pool(), tenant, self.citus)).await?)
            }
            _ => {
                let options = TransactionOptions { sqlite_transaction_mode: mode, ..Default::default() };
                Txn::Sea(self.conn.begin_with_options(options).await?)
            }
        };
        Ok(TenantTx { txn, tenant, writes: false })
    }

    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }

    /// Pool gauges for `/metrics`: (connections open, of which idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        match self.backend() {
            DbBackend::Postgres => {
                let p = self.conn.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
            DbBackend::Sqlite => {
                let p = self.conn.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            _ => (0, 0),
        }
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }

    fn raw(&self) -> &DatabaseConnection {
        &self.conn
    }
}

/// A query or statement of tenant-owned rows, refined with [`Scoped::map`]. Only a [`TenantTx`] runs it, and it
/// adds `tenant_id = <its tenant>` then, to whatever the refinements built: even a closure that returns a fresh
/// query (`|_| E::find()`) reaches no other tenant's rows.
pub struct Scoped<Q>(Q);

impl<Q> Scoped<Q> {
    pub fn map(self, f: impl FnOnce(Q) -> Q) -> Self {
        Scoped(f(self.0))
    }
}

/// A transaction bound to one tenant: the only way to touch tenant-owned rows.
pub struct TenantTx {
    txn: Txn,
    tenant: TenantId,
    /// Opened to write (`Db::begin`): it carries the running mutation's audit row (see [`audit_scope`]).
    writes: bool,
}

/// sea-orm's transaction (SQLite), or one that names its tenant with its `BEGIN` (PostgreSQL, see [`pg_txn`]).
enum Txn {
    Sea(DatabaseTransaction),
    Pg(PgTxn),
}

#[async_trait::async_trait]
impl ConnectionTrait for Txn {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            Txn::Sea(t) => t.get_database_backend(),
            Txn::Pg(t) => t.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Txn::Sea(t) => t.execute_raw(stmt).await,
            Txn::Pg(t) => t.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Txn::Sea(t) => t.execute_unprepared(sql).await,
            Txn::Pg(t) => t.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Txn::Sea(t) => t.query_one_raw(stmt).await,
            Txn::Pg(t) => t.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Txn::Sea(t) => t.query_all_raw(stmt).await,
            Txn::Pg(t) => t.query_all_raw(stmt).await,
        }
    }
}

impl TenantTx {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    fn tenant_value(&self) -> Value {
        self.tenant.0.into()
    }

    /// The query as it runs: whatever was built, and `tenant_id = <tenant>`.
    fn within<E: TenantEntity, Q: QueryFilter>(&self, q: Scoped<Q>) -> Q {
        q.0.filter(E::tenant_column().eq(self.tenant.0))
    }

    /// `SELECT … FROM e WHERE tenant_id = <tenant>` (the condition added when it runs).
    pub fn select<E: TenantEntity>(&self) -> Scoped<Select<E>> {
        Scoped(E::find())
    }

    pub async fn all<E: TenantEntity>(&self, q: Scoped<Select<E>>) -> Result<Vec<E::Model>, DbErr> {
        self.within::<E, _>(q).all(&self.txn).await
    }

    /// These `columns` of the rows, as tuples: read by place rather than by name, for reads of many rows.
    pub async fn tuples<E: TenantEntity, T: TryGetableMany>(
        &self,
        q: Scoped<Select<E>>,
        columns: impl IntoIterator<Item = E::Column>,
    ) -> Result<Vec<T>, DbErr> {
        self.within::<E, _>(q).select_only().columns(columns).into_tuple::<T>().all(&self.txn).await
    }

    pub async fn one<E: TenantEntity>(&self, q: Scoped<Select<E>>) -> Result<Option<E::Model>, DbErr> {
        self.within::<E, _>(q).one(&self.txn).await
    }

    pub async fn count<E: TenantEntity>(&self, q: Scoped<Select<E>>) -> Result<u64, DbErr>
    where
        E::Model: Sync,
    {
        self.within::<E, _>(q).count(&self.txn).await
    }

    /// The row with this id, if it belongs to the tenant.
    pub async fn get<E: TenantEntity>(&self, id: Uuid) -> Result<Option<E::Model>, DbErr> {
        self.one(self.select::<E>().map(|q| q.filter(E::id_column().eq(id)))).await
    }

    /// The row with this id, locked until the transaction ends (`FOR UPDATE` on PostgreSQL; on SQLite the writing
    /// transaction already holds the database's write lock). Read this way what you will change from what you read.
    pub async fn get_for_update<E: TenantEntity>(&self, id: Uuid) -> Result<Option<E::Model>, DbErr> {
        let q = E::find().filter(E::tenant_column().eq(self.tenant.0)).filter(E::id_column().eq(id));
        let q = if self.backend() == DbBackend::Postgres { q.lock_exclusive() } else { q };
        q.one(&self.txn).await
    }

    /// Inserts a row, setting its `tenant_id` to the handle's tenant whatever it held.
    pub async fn insert<A>(&self, mut row: A) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantEntity,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        row.set(<A::Entity as TenantEntity>::tenant_column(), self.tenant_value());
        row.insert(&self.txn).await
    }

    /// Inserts many rows in statements of at most 400 rows, each row's `tenant_id` set to the handle's tenant.
    pub async fn insert_many<A>(&self, rows: Vec<A>) -> Result<(), DbErr>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantEntity,
    {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<A> = rows
                .by_ref()
                .take(400)
                .map(|mut r| {
                    r.set(<A::Entity as TenantEntity>::tenant_column(), self.tenant_value());
                    r
                })
                .collect();
            <A::Entity as EntityTrait>::insert_many(chunk).exec_without_returning(&self.txn).await?;
        }
        Ok(())
    }

    /// Inserts the rows that do not collide with an existing row on the unique index over `unique` (which must
    /// exist, leading with `tenant_id`); answers how many were inserted. For writes that must happen once.
    pub async fn insert_many_new<A>(
        &self,
        rows: Vec<A>,
        unique: impl IntoIterator<Item = <A::Entity as EntityTrait>::Column>,
    ) -> Result<u64, DbErr>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantEntity,
    {
        if rows.is_empty() {
            return Ok(0);
        }
        let rows = rows.into_iter().map(|mut r| {
            r.set(<A::Entity as TenantEntity>::tenant_column(), self.tenant_value());
            r
        });
        <A::Entity as EntityTrait>::insert_many(rows)
            .on_conflict_do_nothing_on(unique)
            .exec_without_returning(&self.txn)
            .await
            .map(|n| match n {
                sea_orm::TryInsertResult::Inserted(n) => n,
                _ => 0,
            })
    }

    /// Updates a row by its primary key, which leads with `tenant_id`: the handle's tenant is written into
    /// it, so a row of another tenant is never matched.
    pub async fn update<A>(&self, mut row: A) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantEntity,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        row.set(<A::Entity as TenantEntity>::tenant_column(), self.tenant_value());
        row.update(&self.txn).await
    }

    /// `UPDATE e SET … WHERE tenant_id = <tenant>`; refine with `map`, run with [`TenantTx::exec_update`].
    pub fn update_many<E: TenantEntity>(&self) -> Scoped<UpdateMany<E>> {
        Scoped(E::update_many())
    }

    pub async fn exec_update<E: TenantEntity>(&self, q: Scoped<UpdateMany<E>>) -> Result<u64, DbErr> {
        Ok(self.within::<E, _>(q).exec(&self.txn).await?.rows_affected)
    }

    /// Runs the update and answers the rows it changed, as changed (`RETURNING`).
    pub async fn update_returning<E: TenantEntity>(&self, q: Scoped<UpdateMany<E>>) -> Result<Vec<E::Model>, DbErr> {
        self.within::<E, _>(q).exec_with_returning(&self.txn).await
    }

    /// `DELETE FROM e WHERE tenant_id = <tenant>`; refine with `map`, run with [`TenantTx::exec_delete`].
    pub fn delete_many<E: TenantEntity>(&self) -> Scoped<DeleteMany<E>> {
        Scoped(E::delete_many())
    }

    pub async fn exec_delete<E: TenantEntity>(&self, q: Scoped<DeleteMany<E>>) -> Result<u64, DbErr> {
        Ok(self.within::<E, _>(q).exec(&self.txn).await?.rows_affected)
    }

    /// Raises the tenant's cache generation for `area`; call inside the writing transaction, last before it
    /// commits (the tenant's row stays locked until then). Answers the new generation.
    pub async fn bump_generation(&self, area: Area) -> Result<i64, DbErr> {
        unscoped::bump_generation(self, area).await
    }

    /// Commits; the first writing transaction of an audited mutation's tenant writes the audit row first, so
    /// that the change and its row commit together.
    pub async fn commit(self) -> Result<(), DbErr> {
        let audit = if self.writes { audit_scope::due_for(&self) } else { None };
        if let Some(scope) = &audit {
            audit_scope::write(scope, &self).await?;
        }
        match self.txn {
            Txn::Sea(t) => t.commit().await?,
            Txn::Pg(t) => Box::pin(t.commit()).await?,
        }
        if let Some(scope) = &audit {
            audit_scope::mark_written(scope);
        }
        Ok(())
    }
}

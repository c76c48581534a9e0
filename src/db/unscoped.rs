//! The code paths that run without a tenant, all of them. Each is named for what it does; nothing else in the
//! service reaches the database except through a `TenantTx`.
//!
//! 1. The tenant registry (`tenants`): look-ups by slug, API key hash and id happen before a tenant is known,
//!    and the platform operator creates, lists, suspends and re-keys tenants.
//!    Requests learn their tenant's current row, cache generations included, from one batched read of many
//!    tenants (`tenants_by_ids`); a tenant's own writing transaction raises its generations
//!    (`bump_generation`), touching only its own row.
//! 2. Readiness: `Db::ping`.
//! 3. Operations: migrations, service-role grants and tenant purge, run by the CLI as the owner role.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{Db, TenantTx, tenant_row as tenant};
use crate::kernel::{Area, TenantId, TenantInfo, template};

/// A slug with a NUL (from a URL path, say) names no tenant: PostgreSQL cannot even compare it.
pub async fn tenant_by_slug(db: &Db, slug: &str) -> Result<Option<tenant::Model>, DbErr> {
    if slug.contains('\0') {
        return Ok(None);
    }
    tenant::Entity::find().filter(tenant::Column::Slug.eq(slug)).one(db.raw()).await
}

pub async fn tenant_by_id(db: &Db, id: Uuid) -> Result<Option<tenant::Model>, DbErr> {
    tenant::Entity::find_by_id(id).one(db.raw()).await
}

/// The registry rows of these tenants (missing ones are absent from the answer).
pub async fn tenants_by_ids(db: &Db, ids: &[Uuid]) -> Result<Vec<tenant::Model>, DbErr> {
    let Some(&last) = ids.last() else { return Ok(vec![]) };
    // The list padded to a power of two with its last id: a handful of statement texts, each prepared once per
    // connection, instead of one per batch size (which crowded the statement cache and were planned again).
    let padded = ids.iter().copied().chain(std::iter::repeat(last)).take(ids.len().next_power_of_two());
    tenant::Entity::find().filter(tenant::Column::Id.is_in(padded)).all(db.raw()).await
}

/// Raises one cache generation of the transaction's own tenant; answers the new value.
pub(super) async fn bump_generation(tx: &TenantTx, area: Area) -> Result<i64, DbErr> {
    let column = match area {
        Area::Storefront => tenant::Column::StorefrontGeneration,
        Area::Booking => tenant::Column::BookingGeneration,
    };
    let rows = tenant::Entity::update_many()
        .col_expr(column, Expr::col(column).add(1))
        .filter(tenant::Column::Id.eq(tx.tenant.0))
        .exec_with_returning(&tx.txn)
        .await?;
    let row = rows.first().ok_or_else(|| DbErr::RecordNotFound("the transaction's tenant".into()))?;
    Ok(match area {
        Area::Storefront => row.storefront_generation,
        Area::Booking => row.booking_generation,
    })
}

pub async fn tenant_by_api_key_hash(db: &Db, hash: &str) -> Result<Option<tenant::Model>, DbErr> {
    tenant::Entity::find().filter(tenant::Column::ApiKeyHash.eq(hash)).one(db.raw()).await
}

/// Tenants ordered by id (time-ordered UUIDv7), after the given id.
pub async fn list_tenants(db: &Db, after: Option<Uuid>, limit: u64) -> Result<Vec<tenant::Model>, DbErr> {
    let mut q = tenant::Entity::find().order_by_asc(tenant::Column::Id).limit(limit);
    if let Some(after) = after {
        q = q.filter(tenant::Column::Id.gt(after));
    }
    q.all(db.raw()).await
}

/// Every tenant, read page by page (for background jobs that visit each one).
pub async fn all_tenants(db: &Db) -> Result<Vec<tenant::Model>, DbErr> {
    let mut out = vec![];
    loop {
        let page = list_tenants(db, out.last().map(|t: &tenant::Model| t.id), 500).await?;
        if page.is_empty() {
            return Ok(out);
        }
        out.extend(page);
    }
}

pub async fn insert_tenant(db: &Db, row: tenant::ActiveModel) -> Result<tenant::Model, DbErr> {
    row.insert(db.raw()).await
}

pub async fn update_tenant(db: &Db, row: tenant::ActiveModel) -> Result<tenant::Model, DbErr> {
    row.update(db.raw()).await
}

/// Runs pending migrations. Call with the owner's connection (`DATABASE_ADMIN_URL`).
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    use migration::MigratorTrait;
    migration::Migrator::up(db.raw(), None).await
}

/// PostgreSQL: gives the service role exactly what the service needs: use of the schema, read and write on the
/// tenant tables and the registry, insert-only on the audit log, nothing on the migration table.
pub async fn grant_service_role(admin: &Db, role: &str) -> Result<(), DbErr> {
    if admin.backend() != DbBackend::Postgres {
        return Ok(());
    }
    let role = quote_ident(role);
    admin
        .raw()
        .execute_unprepared(&format!(
            "GRANT USAGE ON SCHEMA public TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
             REVOKE ALL ON seaql_migrations FROM {role};
             REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role};
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};"
        ))
        .await?;
    Ok(())
}

/// What PostgreSQL says of the connected role: (superuser, bypasses RLS, owns any table in public).
pub async fn role_powers(db: &Db) -> Result<Option<(bool, bool, bool)>, DbErr> {
    if db.backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let row = db
        .raw()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT r.rolsuper, r.rolbypassrls,
                    EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = current_user)
             FROM pg_roles r WHERE r.rolname = current_user",
        ))
        .await?;
    Ok(match row {
        Some(r) => Some((r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?)),
        None => None,
    })
}

/// Whether the database is a Citus coordinator (the `citus` extension is installed).
pub(crate) async fn has_citus(conn: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')",
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index(0)?,
        None => false,
    })
}

/// Deletes a tenant and every row it owns, in one transaction. Run by the CLI as the owner; on PostgreSQL the
/// deletes run with `app.tenant_id` set, as row-level security (forced, so the owner too) requires.
pub async fn purge_tenant(db: &Db, tenant: TenantId) -> Result<(), DbErr> {
    let txn = db.raw().begin().await?;
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared(&super::pg_txn::name_tenant(tenant)).await?;
    }
    let placeholder = if backend == DbBackend::Postgres { "$1" } else { "?" };
    for table in migration::TENANT_TABLES {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM {table} WHERE tenant_id = {placeholder}"),
            [tenant.0.into()],
        ))
        .await?;
    }
    tenant::Entity::delete_by_id(tenant.0).exec(&txn).await?;
    txn.commit().await
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What a request knows of a tenant, from its registry row. A time zone or template the binary does not know is
/// an error, never a silent default.
pub fn tenant_info(t: &tenant::Model) -> Result<TenantInfo, DbErr> {
    let bad = |what: &str| DbErr::Custom(format!("tenant {}: unknown stored {what}", t.id));
    Ok(TenantInfo {
        id: TenantId(t.id),
        slug: t.slug.clone(),
        name: t.name.clone(),
        kind: t.kind.clone(),
        template: t.template.clone(),
        time_zone: t.time_zone.parse().map_err(|_| bad("time zone"))?,
        status: t.status.clone(),
        wechat_app_id: t.wechat_app_id.clone(),
        is_load_test: t.is_load_test,
        created_at: t.created_at,
        features: &template::find(&t.template).ok_or_else(|| bad("template"))?.features,
        generations: crate::kernel::Generations { storefront: t.storefront_generation, booking: t.booking_generation },
        api_key_hash: t.api_key_hash.clone().map(crate::kernel::KeyHash),
    })
}

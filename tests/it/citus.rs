//! Citus. These run where a Citus coordinator is reachable: set `CIVIC_CITUS_URL` (the service role on the
//! coordinator, e.g. `postgres://civic_svc@127.0.0.1:9700/civic?sslmode=disable`) and `CIVIC_CITUS_ADMIN_URL`
//! (the owner role there); README, "Running on Citus". Without them they say so and check nothing. The cluster's
//! database is shared: each run makes its own tenants.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{base_config, unique};
use civic::{
    db::{Db, PoolOptions, unscoped},
    infra::geo::GeoPoint,
    storefront::{entity::shop, service::BulkShop},
    tenancy::service::{self as tenancy, NewTenant},
};

fn citus() -> Option<(String, String)> {
    let url = std::env::var("CIVIC_CITUS_URL").ok().filter(|u| !u.is_empty())?;
    let admin = std::env::var("CIVIC_CITUS_ADMIN_URL").ok().filter(|u| !u.is_empty())?;
    Some((url, admin))
}

async fn strings(conn: &impl ConnectionTrait, sql: &str) -> Vec<String> {
    let rows = conn.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

fn a_shop() -> BulkShop {
    BulkShop {
        name: "康健盲人推拿".into(),
        address: "北京市东城区测试路1号".into(),
        district: "东城区".into(),
        phone: "010-60000000".into(),
        location: GeoPoint::gcj02_unchecked(39.92, 116.42),
        therapists: vec![("张师傅".into(), vec!["颈椎调理".into()])],
        services: vec![("中医推拿 60 分钟".into(), "推拿".into(), 60, 12800)],
        promotion: None,
    }
}

#[tokio::test]
async fn on_citus_every_tenant_table_is_distributed_and_a_tenant_reaches_its_own_rows_only() {
    let Some((url, admin)) = citus() else {
        eprintln!("CIVIC_CITUS_URL is not set: the Citus path is not exercised here");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = base_config(dir.path());
    config.database_url = url.into();
    config.database_admin_url = admin.clone().into();
    civic::migrate(&config).await.unwrap();

    // `tenants` on every node, every tenant table spread by tenant_id, all in one colocation group.
    let sql = sea_orm::Database::connect(&admin).await.unwrap();
    let placed = strings(
        &sql,
        "SELECT logicalrelid::regclass::text || ' ' || partmethod::text ||
                CASE WHEN partmethod = 'h' THEN ' ' || colocationid::text ELSE '' END
         FROM pg_dist_partition",
    )
    .await;
    assert!(placed.contains(&"tenants n".to_owned()), "tenants is a reference table: {placed:?}");
    let groups: std::collections::HashSet<&str> =
        placed.iter().filter_map(|p| p.rsplit_once(' ')).map(|(_, g)| g).collect();
    for table in migration::TENANT_TABLES {
        assert!(placed.iter().any(|p| p.starts_with(&format!("{table} h "))), "{table} is not distributed: {placed:?}");
    }
    assert_eq!(groups.len(), 2, "one colocation group for the tenant tables (and `n` of tenants): {placed:?}");
    let local = strings(&sql, "SELECT count(*)::text FROM citus_tables WHERE citus_table_type = 'local'").await;
    assert_eq!(local, ["0"]);

    // The service role's transactions name their tenant on the workers: A's shop is A's alone.
    let state = civic::app::state(config).await.unwrap();
    let mut made = vec![];
    for name in ["甲", "乙"] {
        let slug = unique("citus");
        let new = NewTenant { slug: &slug, name, template: "massage", is_load_test: false };
        made.push(tenancy::create(&state, new).await.unwrap().0);
    }
    let (a, b) = (made[0].id, made[1].id);
    civic::storefront::service::bulk_load(&state, a, vec![a_shop()]).await.unwrap();
    for (tenant, shops) in [(a, 1), (b, 0)] {
        let tx = state.db.read(tenant).await.unwrap();
        assert_eq!(tx.count(tx.select::<shop::Entity>()).await.unwrap(), shops);
        tx.commit().await.unwrap();
    }

    // Purge leaves none of A's rows on any shard.
    let owner = Db::connect(&admin, PoolOptions { max_connections: 2, min_connections: 0 }).await.unwrap();
    unscoped::purge_tenant(&owner, a).await.unwrap();
    let left = migration::TENANT_TABLES
        .iter()
        .map(|t| format!("(SELECT count(*) FROM {t} WHERE tenant_id = '{}')", a.0))
        .collect::<Vec<_>>()
        .join(" + ");
    assert_eq!(strings(&sql, &format!("SELECT ({left})::text")).await, ["0"]);
}

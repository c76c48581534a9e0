//! Template features: a tenant's template (`tenants/*.toml`) switches domains on; a root field of a domain its
//! tenant's template lacks is `FORBIDDEN` with `reason: FEATURE_OFF`, for every kind of caller and before the
//! response cache, and writes nothing.

use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp, TestTenant};

const CREATE_SHOP: &str = "mutation($i: ShopInput!) { createShop(input: $i) { id } }";
const SHOPS: &str = "{ shops { edges { node { id name } } } }";
const NEAREST: &str = "query($p: GeoPointInput!) { nearestShops(near: $p, radiusMeters: 5000) { distanceMeters } }";

fn shop_input() -> Value {
    json!({ "i": { "name": "自来水推拿", "address": "北京市东城区", "phone": "010-65001234",
                   "location": { "lat": 39.91, "lng": 116.46 } } })
}

#[track_caller]
fn expect_feature_off(r: &Gql) {
    r.expect_code("FORBIDDEN");
    assert_eq!(r.body["errors"][0]["extensions"]["reason"], "FEATURE_OFF", "{}", r.body);
    assert!(r.body.get("data").is_none_or(Value::is_null), "nothing answered: {}", r.body);
}

/// The tenant's rows of `table`.
async fn rows(app: &TestApp, tenant: &TestTenant, table: &str) -> i64 {
    let conn = app.service_conn().await;
    let txn = conn.begin().await.unwrap();
    if crate::helpers::is_postgres() {
        txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{}', true)", tenant.id)).await.unwrap();
    }
    let sql = format!("SELECT count(*) FROM {table}");
    let row = txn.query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    row.unwrap().try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn a_water_tenant_is_refused_the_storefront_by_every_kind_of_caller() {
    let app = TestApp::spawn().await;
    let water = app.tenant("water").await;
    let admin = app.staff(&water, "TENANT_ADMIN", &[]).await;
    let consumer = app.consumer(&water, "o-water-1").await;
    let shops_before = rows(&app, &water, "shops").await;

    let near = json!({ "p": { "lat": 39.91, "lng": 116.46 } });
    for (who, caller) in [
        ("api key", app.bearer(&water.api_key)),
        ("staff", app.bearer(&admin.token)),
        ("consumer", app.bearer(&consumer)),
        ("anonymous", app.with_tenant(&water.slug)),
    ] {
        let r = caller.gql(CREATE_SHOP, shop_input()).await;
        expect_feature_off(&r);
        assert_eq!(r.status, 403, "{who}");
        expect_feature_off(&caller.gql(NEAREST, near.clone()).await);
        expect_feature_off(&caller.gql(SHOPS, json!({})).await);
        // Through a fragment, beside a field every tenant has.
        let hidden = "{ tenant { slug } ...F } fragment F on Query { shops { edges { node { id } } } }";
        expect_feature_off(&caller.gql(hidden, json!({})).await);
    }
    assert_eq!(rows(&app, &water, "shops").await, shops_before, "no shop was written");

    // What the template has still answers: the tenant, and staff of the platform's own domains.
    let t = app.bearer(&water.api_key).gql("{ tenant { slug kind } }", json!({})).await.data();
    assert_eq!(t["tenant"]["kind"], "water");
    app.bearer(&admin.token).gql("{ me { __typename } }", json!({})).await.data();

    // A massage tenant has the storefront: the same mutation passes.
    let massage = app.tenant("massage").await;
    app.bearer(&massage.api_key).gql(CREATE_SHOP, shop_input()).await.data();

    // The platform operator, with no tenant of its own, is not refused by a feature.
    let r = app.platform().gql(SHOPS, json!({})).await;
    assert_ne!(r.body["errors"][0]["extensions"]["reason"], "FEATURE_OFF", "{}", r.body);
}

#[tokio::test]
async fn a_cached_storefront_answer_is_not_served_to_a_tenant_without_the_feature() {
    let app = TestApp::spawn().await;
    let massage = app.tenant("massage").await;
    let water = app.tenant("water").await;
    let ask = |slug: &str| {
        let caller = app.with_tenant(slug);
        async move {
            let r = caller.post_raw(json!({ "query": SHOPS }).to_string()).await;
            let source = r.headers().get("x-cache").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
            (source, Gql::from(r).await)
        }
    };
    // The massage tenant's answer is cached (asked twice, the second from the cache).
    ask(&massage.slug).await.1.data();
    let (source, hit) = ask(&massage.slug).await;
    assert!(source.starts_with("HIT"), "{source}");
    hit.data();
    // The water tenant asks the same document, twice: refused each time, never from the cache.
    for _ in 0..2 {
        let (source, r) = ask(&water.slug).await;
        expect_feature_off(&r);
        assert_eq!(source, "-", "refused before the cache");
    }
}

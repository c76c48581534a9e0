//! Tenants: onboarding, API keys, suspension, templates, purge.

use serde_json::json;

use crate::helpers::{TestApp, unique};

const CREATE: &str =
    "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id slug kind timeZone status } apiKey } }";

#[tokio::test]
async fn the_platform_creates_tenants_from_templates() {
    let app = TestApp::spawn().await;
    let slug = unique("acme");
    let r =
        app.platform().gql(CREATE, json!({ "i": { "slug": slug, "name": "水务", "template": "water" } })).await.data();
    let t = &r["createTenant"];
    assert_eq!(t["tenant"]["kind"], "water");
    assert_eq!(t["tenant"]["timeZone"], "Asia/Shanghai");
    assert_eq!(t["tenant"]["status"], "ACTIVE");
    let key = t["apiKey"].as_str().unwrap();
    assert!(key.starts_with("ck_") && key.len() > 40);
    let me = app.bearer(key).gql("{ me { kind tenant { slug } } }", json!({})).await.data();
    assert_eq!(me["me"]["kind"], "API_KEY");
    assert_eq!(me["me"]["tenant"]["slug"], slug.as_str());

    let stored: Vec<String> = {
        use sea_orm::ConnectionTrait;
        let conn = app.service_conn().await;
        let rows = conn
            .query_all_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                "SELECT api_key_hash FROM tenants",
            ))
            .await
            .unwrap();
        rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
    };
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(key)), "only the key's hash is stored");

    let dup = app.platform().gql(CREATE, json!({ "i": { "slug": slug, "name": "again", "template": "water" } })).await;
    dup.expect_code("CONFLICT");
    for (s, tpl) in [("UPPER", "water"), ("a", "water"), ("-lead", "water"), (&unique("ok") as &str, "bakery")] {
        app.platform()
            .gql(CREATE, json!({ "i": { "slug": s, "name": "x", "template": tpl } }))
            .await
            .expect_code("VALIDATION");
    }
    let list = app.platform().gql("{ tenants(first: 100) { edges { node { slug } } } }", json!({})).await.data();
    assert_eq!(list["tenants"]["edges"].as_array().unwrap().len(), 1, "refused attempts created nothing");
}

#[tokio::test]
async fn rotating_the_api_key_retires_the_old_one() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let r = app.bearer(&t.api_key).gql("mutation { rotateApiKey { apiKey } }", json!({})).await.data();
    let new_key = r["rotateApiKey"]["apiKey"].as_str().unwrap();
    app.bearer(&t.api_key).gql("{ me { kind } }", json!({})).await.expect_code("UNAUTHENTICATED");
    assert_eq!(app.bearer(new_key).gql("{ me { kind } }", json!({})).await.data()["me"]["kind"], "API_KEY");
    let r = app
        .platform()
        .gql("mutation($id: ID!) { rotateApiKey(tenantId: $id) { apiKey } }", json!({ "id": t.id }))
        .await
        .data();
    let platform_key = r["rotateApiKey"]["apiKey"].as_str().unwrap();
    app.bearer(new_key).gql("{ me { kind } }", json!({})).await.expect_code("UNAUTHENTICATED");
    app.bearer(platform_key).gql("{ me { kind } }", json!({})).await.data();
}

/// API keys are known from memory by their hash, checked against the tenant's fresh registry row: a key rotated
/// or a tenant suspended through one process is refused by every other on its next request.
#[tokio::test]
async fn a_key_rotated_or_a_tenant_suspended_in_one_process_is_refused_by_the_others_at_once() {
    let app = TestApp::spawn().await;
    let other = app.spawn_beside().await;
    let t = app.tenant("massage").await;
    // Both processes have used the key (and so know it).
    for p in [&app, &other] {
        assert_eq!(p.bearer(&t.api_key).gql("{ me { kind } }", json!({})).await.data()["me"]["kind"], "API_KEY");
    }
    let r = app.bearer(&t.api_key).gql("mutation { rotateApiKey { apiKey } }", json!({})).await.data();
    let new_key = r["rotateApiKey"]["apiKey"].as_str().unwrap().to_owned();
    for p in [&app, &other] {
        p.bearer(&t.api_key).gql("{ me { kind } }", json!({})).await.expect_code("UNAUTHENTICATED");
        p.bearer(&new_key).gql("{ tenant { slug } }", json!({})).await.data();
    }
    other
        .platform()
        .gql("mutation($id: ID!) { suspendTenant(id: $id) { status } }", json!({ "id": t.id }))
        .await
        .data();
    for p in [&app, &other] {
        p.bearer(&new_key).gql("{ me { kind } }", json!({})).await.expect_code("TENANT_SUSPENDED");
    }
    app.platform().gql("mutation($id: ID!) { activateTenant(id: $id) { status } }", json!({ "id": t.id })).await.data();
    for p in [&app, &other] {
        p.bearer(&new_key).gql("{ me { kind } }", json!({})).await.data();
    }
}

#[tokio::test]
async fn a_suspended_tenant_is_refused_everywhere() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let s = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let consumer = app.consumer(&t, "o-suspend").await;
    app.platform().gql("mutation($id: ID!) { suspendTenant(id: $id) { status } }", json!({ "id": t.id })).await.data();
    for credential in [&t.api_key, &s.token, &consumer] {
        let r = app.bearer(credential).gql("{ me { kind } }", json!({})).await;
        assert_eq!(r.status, 403);
        r.expect_code("TENANT_SUSPENDED");
    }
    app.with_tenant(&t.slug).gql("{ tenant { slug } }", json!({})).await.expect_code("TENANT_SUSPENDED");
    app.login(&t.slug, &s.username, &s.password).await.expect_code("TENANT_SUSPENDED");
    app.platform().gql("mutation($id: ID!) { activateTenant(id: $id) { status } }", json!({ "id": t.id })).await.data();
    app.bearer(&s.token).gql("{ me { kind } }", json!({})).await.data();
}

#[tokio::test]
async fn unknown_tenant_header_is_typed() {
    let app = TestApp::spawn().await;
    app.with_tenant("no-such-tenant").gql("{ tenant { slug } }", json!({})).await.expect_code("TENANT_UNKNOWN");
}

#[tokio::test]
async fn the_cli_creates_and_purges_tenants() {
    let app = TestApp::spawn().await;
    let keep = app.tenant("massage").await;
    let kept_staff = app.staff(&keep, "TENANT_ADMIN", &[]).await;
    let slug = unique("cli");
    let out =
        app.cli(&["tenant", "create", "--slug", &slug, "--name", "命令行", "--template", "water", "--load-test"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let key = text.split_whitespace().find(|w| w.starts_with("ck_")).expect("the key is printed").to_owned();
    let me = app.bearer(&key).gql("{ tenant { slug isLoadTest } }", json!({})).await.data();
    assert_eq!(me["tenant"]["isLoadTest"], true);
    let t = crate::helpers::TestTenant {
        id: app.platform().gql("{ tenants(first: 100) { edges { node { id slug } } } }", json!({})).await.data()["tenants"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["slug"] == slug.as_str())
            .unwrap()["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        slug: slug.clone(),
        api_key: key.clone(),
    };
    let s = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let consumer = app.consumer(&t, "o-purged").await;
    // An ID photo: files must go with the tenant.
    let part = reqwest::multipart::Part::bytes(tiny_png()).file_name("id.png");
    let form = reqwest::multipart::Form::new().part("file", part).text("purpose", "id_document");
    let up = app.client.post(app.url("/media")).bearer_auth(&consumer).multipart(form).send().await.unwrap();
    assert_eq!(up.status().as_u16(), 201);
    let tenant_dir = app.state.config.data_dir.join("media").join(&t.id);
    assert!(tenant_dir.exists());

    let out = app.cli(&["tenant", "purge", "--slug", &slug]).await;
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_dir(&tenant_dir).map_or(true, |mut d| d.next().is_none()), "the tenant's files are gone");
    app.bearer(&key).gql("{ me { kind } }", json!({})).await.expect_code("UNAUTHENTICATED");
    app.login(&slug, &s.username, &s.password).await.expect_code("UNAUTHENTICATED");
    // Every row of the purged tenant is gone; the other tenant's remain.
    use sea_orm::ConnectionTrait;
    let admin = app.admin_url();
    let conn = sea_orm::Database::connect(admin).await.unwrap();
    for table in migration::TENANT_TABLES {
        for (tenant, expect_rows) in [(&t.id, false), (&keep.id, true)] {
            let txn = sea_orm::TransactionTrait::begin(&conn).await.unwrap();
            let backend = conn.get_database_backend();
            let tenant_lit = if crate::helpers::is_postgres() {
                txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{tenant}', true)")).await.unwrap();
                "current_setting('app.tenant_id')::uuid".to_owned()
            } else {
                // SQLite stores uuids as 16-byte blobs.
                format!("x'{}'", tenant.replace('-', ""))
            };
            let n: i64 = txn
                .query_one_raw(sea_orm::Statement::from_string(
                    backend,
                    format!("SELECT count(*) FROM {table} WHERE tenant_id = {tenant_lit}"),
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index(0)
                .unwrap();
            txn.commit().await.unwrap();
            if *table == "staff" || *table == "audit_log" {
                assert_eq!(n > 0, expect_rows, "{table} of {tenant}");
            } else if !expect_rows {
                assert_eq!(n, 0, "{table} of the purged tenant");
            }
        }
    }
    app.login(&keep.slug, &kept_staff.username, &kept_staff.password).await.data();
}

fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([10, 200, 10]));
    let mut out = std::io::Cursor::new(vec![]);
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The load-test mark (which lets the simulated payment provider serve a tenant in production) is set when the
/// tenant is created and never changed after: the registry row refuses any update of it, whichever code writes.
#[tokio::test]
async fn the_load_test_mark_is_fixed_when_the_tenant_is_created() {
    use civic::db::{tenant_row, unscoped};
    use sea_orm::ActiveValue::Set;

    let app = &TestApp::spawn().await;
    let mark = |id: String| async move {
        let r = app.platform().gql("{ tenants(first: 100) { edges { node { id isLoadTest } } } }", json!({})).await;
        let edges = r.data()["tenants"]["edges"].as_array().unwrap().clone();
        edges.iter().find(|e| e["node"]["id"] == id.as_str()).unwrap()["node"]["isLoadTest"].as_bool().unwrap()
    };
    for created_as in [false, true] {
        let slug = unique("lt");
        let r = app
            .platform()
            .gql(
                CREATE,
                json!({ "i": { "slug": slug, "name": "压测", "template": "massage", "isLoadTest": created_as } }),
            )
            .await
            .data();
        let id = r["createTenant"]["tenant"]["id"].as_str().unwrap().to_owned();
        assert_eq!(mark(id.clone()).await, created_as);
        let row = unscoped::tenant_by_id(&app.state.db, id.parse().unwrap()).await.unwrap().unwrap();

        // Through the tenancy service: refused as VALIDATION, with what to do instead.
        let mut flip: tenant_row::ActiveModel = row.clone().into();
        flip.is_load_test = Set(!created_as);
        let err = civic::tenancy::service::update(&app.state, flip).await.unwrap_err();
        assert_eq!(err.code(), "VALIDATION", "{err}");
        assert!(err.to_string().contains("load-test mark"), "{err}");
        // Straight at the registry, beside another change: refused, and the other change is not made either.
        let mut flip: tenant_row::ActiveModel = row.clone().into();
        flip.is_load_test = Set(!created_as);
        flip.name = Set("renamed".into());
        assert!(unscoped::update_tenant(&app.state.db, flip).await.is_err());

        assert_eq!(mark(id.clone()).await, created_as, "the mark is unchanged");
        let stored = unscoped::tenant_by_id(&app.state.db, id.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!((stored.is_load_test, stored.name.as_str()), (created_as, "压测"));
        // Other changes of the tenant still work.
        app.platform()
            .gql("mutation($id: ID!) { suspendTenant(id: $id) { status isLoadTest } }", json!({ "id": id }))
            .await
            .data();
        assert_eq!(mark(id).await, created_as);
    }
}

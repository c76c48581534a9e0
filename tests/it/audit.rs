//! Every mutation by staff, an API key or the platform leaves an audit row.

use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn log(app: &TestApp, admin: &str) -> Vec<Value> {
    let r = app
        .bearer(admin)
        .gql(
            "{ auditLog(first: 100) { edges { node { actorKind actorId action target outcome requestId at } } } }",
            json!({}),
        )
        .await
        .data();
    r["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

#[tokio::test]
async fn mutations_are_audited_with_actor_target_outcome_and_request_id() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let created = app
        .bearer(&t.api_key)
        .post_raw(
            json!({ "query": "mutation { createStaff(input: { username: \"audit.me\", password: \"tea kettle harbor 71\", displayName: \"审计\", role: TENANT_ADMIN }) { id } }" })
                .to_string(),
        )
        .await;
    let created = crate::helpers::Gql::from(created).await;
    let request_id = created.request_id.clone().unwrap();
    let staff_id = created.data()["createStaff"]["id"].as_str().unwrap().to_owned();
    let token = app.login(&t.slug, "audit.me", "tea kettle harbor 71").await.data()["staffLogin"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.bearer(&token)
        .gql("mutation { createStaff(input: { username: \"x\", password: \"short\", displayName: \"x\", role: CS_AGENT }) { id } }", json!({}))
        .await
        .expect_code("VALIDATION");
    app.login(&t.slug, "audit.me", "wrong password").await.expect_code("UNAUTHENTICATED");

    let entries = log(&app, &token).await;
    let find = |action: &str, outcome: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["outcome"] == outcome)
            .unwrap_or_else(|| panic!("no {action}/{outcome} in {entries:?}"))
            .clone()
    };
    let first = find("createStaff", "OK");
    assert_eq!(first["actorKind"], "API_KEY");
    assert_eq!(first["target"], staff_id.as_str());
    assert_eq!(first["requestId"], request_id.as_str());
    let failed = find("createStaff", "VALIDATION");
    assert_eq!(failed["actorKind"], "STAFF");
    assert_eq!(failed["actorId"], staff_id.as_str());
    find("staffLogin", "OK");
    find("staffLogin", "UNAUTHENTICATED");
    // Newest first.
    assert!(entries.windows(2).all(|w| w[0]["at"].as_str() >= w[1]["at"].as_str()));

    // Platform actions on a tenant appear in that tenant's log.
    app.platform()
        .gql("mutation($id: ID!) { rotateApiKey(tenantId: $id) { apiKey } }", json!({ "id": t.id }))
        .await
        .data();
    let entries = log(&app, &token).await;
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "rotateApiKey" && e["actorKind"] == "PLATFORM" && e["target"] == t.id.as_str())
    );
}

#[tokio::test]
async fn consumers_mutations_are_not_staff_actions() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let consumer = app.consumer(&t, "o-audit").await;
    app.bearer(&consumer)
        .gql("mutation { changePassword(currentPassword: \"a\", newPassword: \"b\") }", json!({}))
        .await
        .expect_code("FORBIDDEN");
    let entries = log(&app, &admin.token).await;
    assert!(entries.iter().all(|e| e["actorKind"] != "CONSUMER"), "{entries:?}");
    // Paging through the log.
    let page = app
        .bearer(&admin.token)
        .gql("{ auditLog(first: 1) { edges { cursor } pageInfo { hasNextPage } } }", json!({}))
        .await
        .data();
    assert_eq!(page["auditLog"]["pageInfo"]["hasNextPage"], true);
    let cursor = page["auditLog"]["edges"][0]["cursor"].as_str().unwrap();
    let next = app
        .bearer(&admin.token)
        .gql("query($c: String) { auditLog(first: 100, after: $c) { edges { cursor } } }", json!({ "c": cursor }))
        .await
        .data();
    let rest = next["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(rest.len() + 1, entries.len());
    assert!(rest.iter().all(|e| e["cursor"] != cursor));
}

#[tokio::test]
async fn sign_in_attempts_are_audited_in_the_tenant_they_name_whoever_calls() {
    let app = TestApp::spawn().await;
    let a = app.tenant("massage").await;
    let b = app.tenant("massage").await;
    let admin = app.staff(&a, "TENANT_ADMIN", &[]).await;
    let b_consumer = app.consumer(&b, "o-guesser").await;
    for credential in [b_consumer.as_str(), b.api_key.as_str()] {
        let r = app
            .bearer(credential)
            .gql(
                "mutation($t: String!, $u: String!) { staffLogin(tenant: $t, username: $u, password: \"guess guess\") { token } }",
                json!({ "t": a.slug, "u": admin.username }),
            )
            .await;
        r.expect_code("UNAUTHENTICATED");
    }
    let entries = log(&app, &admin.token).await;
    let failed = entries.iter().filter(|e| e["action"] == "staffLogin" && e["outcome"] == "UNAUTHENTICATED").count();
    assert_eq!(failed, 2, "{entries:?}");
    let b_log = log(&app, &b.api_key).await;
    assert!(b_log.iter().all(|e| e["action"] != "staffLogin"), "not in the caller's tenant: {b_log:?}");
}

/// Makes every insert into the audit log fail (a trigger), or lets them through again.
async fn refuse_audit_rows(app: &TestApp, refuse: bool) {
    use sea_orm::ConnectionTrait;
    let conn = sea_orm::Database::connect(app.admin_url()).await.unwrap();
    let sql = match (crate::helpers::is_postgres(), refuse) {
        (true, true) => {
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
             CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();"
        }
        (true, false) => "DROP TRIGGER refuse_audit ON audit_log; DROP FUNCTION refuse_audit();",
        (false, true) => {
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'refused'); END;"
        }
        (false, false) => "DROP TRIGGER refuse_audit;",
    };
    conn.execute_unprepared(sql).await.unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_change_whose_audit_row_cannot_be_written_is_not_made() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let shop = crate::storefront::shop(&admin, "审计店", 39.94, 116.43, false).await;
    let shops = || async {
        let r = app.bearer(&t.api_key).gql("{ shops(first: 50) { edges { node { id name } } } }", json!({})).await;
        let r = r.data();
        let mut names: Vec<String> = r["shops"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let rename = "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { name } }";
    let input = |name: &str| {
        json!({ "name": name, "address": "北京市东城区东直门内大街 1 号", "phone": "010-6401 2345",
                "location": { "lat": 39.94, "lng": 116.43, "datum": "GCJ02" }, "intro": "盲人按摩", "district": "东城区" })
    };

    refuse_audit_rows(&app, true).await;
    let create = "mutation($i: ShopInput!) { createShop(input: $i) { id } }";
    admin.gql(create, json!({ "i": input("无审计之店") })).await.expect_code("INTERNAL");
    admin.gql(rename, json!({ "id": shop, "i": input("改名未审计") })).await.expect_code("INTERNAL");
    refuse_audit_rows(&app, false).await;

    assert_eq!(shops().await, ["审计店"], "neither the new shop nor the new name was kept");
    let created = admin.gql(create, json!({ "i": input("有审计之店") })).await.data();
    let id = created["createShop"]["id"].as_str().unwrap().to_owned();
    assert_eq!(shops().await, ["审计店", "有审计之店"]);
    let entries = log(&app, &t.api_key).await;
    let ok: Vec<&Value> = entries.iter().filter(|e| e["action"] == "createShop" && e["outcome"] == "OK").collect();
    assert_eq!(ok.len(), 2, "one row per change made: {entries:?}");
    assert_eq!(ok[0]["target"], id.as_str(), "the row written with the change names what it created");
}

/// A client's `X-Request-Id` is kept only when it is 1–64 characters of `[A-Za-z0-9._-]`; any other is replaced
/// by a fresh id, in the response and in the audit row alike.
#[tokio::test]
async fn a_client_request_id_is_kept_only_when_short_and_plain() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let create = |n: usize| {
        json!({ "query": format!("mutation {{ createStaff(input: {{ username: \"rid.{n}\", password: \"tea kettle harbor 71\", displayName: \"号\", role: CS_AGENT }}) {{ id }} }}") })
            .to_string()
    };
    let audited_id = |entries: &[Value], staff: &str| {
        let e = entries.iter().find(|e| e["action"] == "createStaff" && e["target"] == staff).expect("audited");
        e["requestId"].as_str().unwrap().to_owned()
    };
    let send = |n: usize, id: reqwest::header::HeaderValue| {
        let req = app.client.post(app.url("/graphql")).header("content-type", "application/json");
        req.header("authorization", format!("Bearer {}", t.api_key)).header("x-request-id", id).body(create(n)).send()
    };

    let plain = "trace-42_A.b";
    let r = crate::helpers::Gql::from(send(0, plain.parse().unwrap()).await.unwrap()).await;
    assert_eq!(r.request_id.as_deref(), Some(plain), "a plain id is kept");
    let staff = r.data()["createStaff"]["id"].as_str().unwrap().to_owned();
    assert_eq!(audited_id(&log(&app, &admin.token).await, &staff), plain);
    let longest = "a".repeat(64);
    let r = crate::helpers::Gql::from(send(1, longest.parse().unwrap()).await.unwrap()).await;
    assert_eq!(r.request_id.as_deref(), Some(longest.as_str()), "64 characters are kept");

    let hostile = [
        "b".repeat(65),
        "x".repeat(200),
        "two words".to_owned(),
        "\"quoted\";<script>".to_owned(),
        "tab\there".to_owned(),
        String::new(),
    ];
    for (n, bad) in hostile.iter().enumerate() {
        let r = crate::helpers::Gql::from(send(n + 2, bad.parse().unwrap()).await.unwrap()).await;
        let given = r.request_id.clone().expect("a request id");
        assert_ne!(given, *bad);
        assert!(uuid::Uuid::parse_str(&given).is_ok(), "{bad:?} is replaced by a fresh id, not {given:?}");
        let staff = r.data()["createStaff"]["id"].as_str().unwrap().to_owned();
        assert_eq!(audited_id(&log(&app, &admin.token).await, &staff), given, "the audit row has the fresh id");
    }
    // Bytes outside ASCII (allowed in a header value, not in an id).
    let r = send(99, reqwest::header::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap()).await.unwrap();
    let given = r.headers()["x-request-id"].to_str().expect("a visible ASCII id").to_owned();
    assert!(uuid::Uuid::parse_str(&given).is_ok(), "{given:?}");
}

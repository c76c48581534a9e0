//! What `POST /graphql` accepts before anything runs: JSON bodies only (a hostile page can send the simple CORS
//! types cross-site), of a bounded size, and no NUL character anywhere in a request's strings. Every refusal is
//! JSON with a code, like every other error.

use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp};

#[track_caller]
fn nul_refused(r: &Gql, field: &str) {
    assert_eq!(r.status, 400, "{}", r.body);
    r.expect_code("VALIDATION");
    let ext = &r.body["errors"][0]["extensions"];
    assert_eq!((ext["field"].as_str(), ext["reason"].as_str()), (Some(field), Some("CONTROL_CHARACTER")), "{}", r.body);
}

#[tokio::test]
async fn a_nul_in_a_sign_in_is_refused_and_audited() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let r = app.login(&t.slug, &format!("{}\0", admin.username), "guess guess").await;
    nul_refused(&r, "username");
    let inline = format!(
        "mutation {{ staffLogin(tenant: \"{}\", username: \"a\\u0000b\", password: \"guess guess\") {{ token }} }}",
        t.slug
    );
    nul_refused(&app.anon().gql(&inline, json!({})).await, "username");
    let log = app
        .bearer(&admin.token)
        .gql("{ auditLog(first: 100) { edges { node { action outcome } } } }", json!({}))
        .await
        .data();
    let refused = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "staffLogin" && e["node"]["outcome"] == "VALIDATION")
        .count();
    assert_eq!(refused, 2, "{log}");
    // The account is untouched and signs in.
    app.login(&t.slug, &admin.username, &admin.password).await.data();
}

#[tokio::test]
async fn a_nul_anywhere_in_a_request_is_refused_before_it_runs() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let vars = json!({ "i": { "name": "盲人\u{0}推拿", "address": "北京市朝阳区", "phone": "010-65001234",
                              "location": { "lat": 39.91, "lng": 116.46 }, "tags": ["a", "b\u{0}"] } });
    let r = admin.gql("mutation($i: ShopInput!) { createShop(input: $i) { id } }", vars).await;
    nul_refused(&r, "i.name");
    let r = admin.gql("query($q: String!) { searchShops(query: $q) { id } }", json!({ "q": "推拿\u{0}" })).await;
    nul_refused(&r, "q");
    let r = app.with_tenant(&t.slug).gql("{ searchShops(query: \"推拿\\u0000\") { id } }", json!({})).await;
    nul_refused(&r, "query");
    let list = admin.gql("{ shops(first: 10) { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(list["shops"]["edges"], json!([]));
    // A NUL in a tenant's slug is an unknown tenant, not a database error.
    let r = app
        .anon()
        .gql("mutation { staffLogin(tenant: \"t\\u0000\", username: \"a\", password: \"b\") { token } }", json!({}))
        .await;
    nul_refused(&r, "tenant");
    let n = civic::payments::Notification {
        payment_id: uuid::Uuid::now_v7(),
        transaction_id: "SIM-nul".into(),
        amount_fen: 100,
        status: "SUCCESS".into(),
    };
    let (body, sig) = crate::booking::simulated(&app).signed(&n);
    let url = app.url(&format!("/webhooks/pay/simulated/{}%00", t.slug));
    let r = app.client.post(url).header("x-civic-signature", sig).body(body).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

async fn post(app: &TestApp, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> (u16, String, Value) {
    let mut req = app.client.post(app.url("/graphql"));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let r = req.body(body).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let text = r.text().await.unwrap();
    (status, ct, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn only_json_bodies_are_answered() {
    let app = TestApp::spawn().await;
    let query = json!({ "query": "{ __typename }" }).to_string();
    for ct in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let (status, content_type, body) = post(&app, ct, query.clone()).await;
        assert_eq!(status, 415, "{ct:?}: {body}");
        assert!(content_type.starts_with("application/json"), "{ct:?}: {content_type}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE", "{ct:?}");
    }
    for ct in ["application/json", "application/json; charset=utf-8", "Application/JSON"] {
        let (status, _, body) = post(&app, Some(ct), query.clone()).await;
        assert_eq!((status, &body["data"]["__typename"]), (200, &json!("Query")), "{ct}: {body}");
    }
    // GraphiQL is still there outside production.
    assert_eq!(app.client.get(app.url("/graphql")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn an_oversize_body_is_a_json_error_with_a_code() {
    let app = TestApp::spawn().await;
    let big = json!({ "query": "{ __typename }", "variables": { "x": "a".repeat(300 * 1024) } }).to_string();
    let (status, content_type, body) = post(&app, Some("application/json"), big).await;
    assert_eq!(status, 413);
    assert!(content_type.starts_with("application/json"), "{content_type}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BODY_TOO_LARGE", "{body}");
}

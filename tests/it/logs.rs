//! Secrets and personal data (phone, openid, passwords, keys, tokens) never reach the log, even at debug level.

use std::{process::Stdio, time::Duration};

use serde_json::{Value, json};

use crate::helpers::{TestApp, random_secret};

async fn gql(client: &reqwest::Client, base: &str, auth: Option<&str>, query: &str, vars: Value) -> Value {
    let mut req = client.post(format!("{base}/graphql")).json(&json!({ "query": query, "variables": vars }));
    if let Some(a) = auth {
        req = req.header("authorization", format!("Bearer {a}"));
    }
    req.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn personal_data_and_secrets_never_reach_the_log() {
    // The test app provides the database and the fake WeChat; the binary under test serves on its own port.
    let app = TestApp::spawn().await;
    let admin_url = app.admin_url();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let platform_token = format!("cpt_{}", random_secret());
    let log_path = dir.path().join("civic.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_civic"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("DATABASE_ADMIN_URL", &admin_url)
        .env("CIVIC_DATA_DIR", dir.path())
        .env("CIVIC_BIND", format!("127.0.0.1:{port}"))
        .env("CIVIC_PLATFORM_TOKEN", &platform_token)
        .env("CIVIC_SECRET_KEY", random_secret())
        .env("CIVIC_WECHAT_API_BASE", &app.wechat.base)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the binary serves: {}", std::fs::read_to_string(&log_path).unwrap_or_default());

    let (phone, password, openid, secret) =
        ("13912345678", "a secret password 9", "oLogTestOpenid_9f8e7d", "logsecret0123456789abcdef");
    let slug = crate::helpers::unique("logs");
    let r = gql(
        &client,
        &base,
        Some(&platform_token),
        "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id } apiKey } }",
        json!({ "i": { "slug": slug, "name": "日志", "template": "massage" } }),
    )
    .await;
    let api_key = r["data"]["createTenant"]["apiKey"].as_str().unwrap().to_owned();
    let r = gql(&client, &base, Some(&api_key),
        "mutation($i: CreateStaffInput!) { createStaff(input: $i) { phone } }",
        json!({ "i": { "username": "logger", "password": password, "displayName": "日志员", "role": "CS_AGENT", "phone": phone } })).await;
    assert_eq!(r["data"]["createStaff"]["phone"], "139****5678");
    let login = "mutation($t: String!, $u: String!, $p: String!) { staffLogin(tenant: $t, username: $u, password: $p) { token } }";
    gql(&client, &base, None, login, json!({ "t": slug, "u": "logger", "p": "wrong password here" })).await;
    let r = gql(&client, &base, None, login, json!({ "t": slug, "u": "logger", "p": password })).await;
    let staff_token = r["data"]["staffLogin"]["token"].as_str().unwrap().to_owned();
    gql(&client, &base, Some(&staff_token), "{ me { staff { phone } } }", json!({})).await;
    gql(&client, &base, Some("ck_forged-key-xxxxxxxxxxxxxxxx"), "{ me { kind } }", json!({})).await;

    let app_id = "wxlogtest12345678";
    app.wechat.register_app(app_id, secret);
    gql(
        &client,
        &base,
        Some(&api_key),
        "mutation($i: ConfigureWechatInput!) { configureWechat(input: $i) { id } }",
        json!({ "i": { "appId": app_id, "appSecret": secret, "h5Origin": "https://h5.cn" } }),
    )
    .await;
    let new_state = || async {
        let r = gql(
            &client,
            &base,
            None,
            "query($t: String!) { wechatAuthorizeUrl(tenant: $t, redirectUri: \"https://h5.cn/cb\") }",
            json!({ "t": slug }),
        )
        .await;
        let url = reqwest::Url::parse(r["data"]["wechatAuthorizeUrl"].as_str().unwrap()).unwrap();
        url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
    };
    let state = new_state().await;
    let code = app.wechat.issue_code(app_id, openid);
    let wlogin =
        "mutation($t: String!, $c: String!, $s: String!) { wechatLogin(tenant: $t, code: $c, state: $s) { token } }";
    let r = gql(&client, &base, None, wlogin, json!({ "t": slug, "c": code, "s": state })).await;
    let consumer_token = r["data"]["wechatLogin"]["token"].as_str().unwrap().to_owned();
    let state = new_state().await;
    let r = gql(&client, &base, None, wlogin, json!({ "t": slug, "c": code, "s": state })).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "a reused code is refused (and logged)");

    let _ = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(text.contains("civic is listening") && text.contains("request"), "the log was written: {text}");
    assert!(text.contains("WeChat refused an OAuth code"), "the refusal is logged, without the code's owner");
    for (what, value) in [
        ("phone", phone),
        ("phone digits", "12345678"),
        ("password", password),
        ("openid", openid),
        ("WeChat secret", secret),
        ("API key", api_key.as_str()),
        ("platform token", platform_token.as_str()),
        ("staff session", staff_token.as_str()),
        ("consumer session", consumer_token.as_str()),
    ] {
        assert!(!text.contains(value), "the log holds the {what}");
    }
}

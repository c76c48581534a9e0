//! WeChat sign-in's `state`: single use, 10 minutes, and only for a return address on the tenant's H5 origin or
//! the service's public URL.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{H5_ORIGIN, TestApp, TestTenant, unique};

const LOGIN: &str =
    "mutation($t: String!, $c: String!, $s: String!) { wechatLogin(tenant: $t, code: $c, state: $s) { token } }";
const AUTHORIZE: &str = "query($t: String!, $r: String!) { wechatAuthorizeUrl(tenant: $t, redirectUri: $r) }";

fn app_id(t: &TestTenant) -> String {
    format!("wx{}", &t.id.replace('-', "")[..16])
}

#[tokio::test]
async fn a_state_signs_in_once() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    app.consumer(&t, "o-first").await;
    let state = app.oauth_state(&t.slug).await;
    let first = app.wechat.issue_code(&app_id(&t), "o-one");
    app.anon().gql(LOGIN, json!({ "t": t.slug, "c": first, "s": state })).await.data();
    let calls = app.wechat.calls();
    let second = app.wechat.issue_code(&app_id(&t), "o-two");
    let r = app.anon().gql(LOGIN, json!({ "t": t.slug, "c": second, "s": state })).await;
    r.expect_code("UNAUTHENTICATED");
    assert_eq!(app.wechat.calls(), calls, "a used state never reaches WeChat");
}

#[tokio::test]
async fn a_state_expires_after_ten_minutes() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    app.consumer(&t, "o-first").await;
    let state = app.oauth_state(&t.slug).await;
    app.state.clock.advance(Duration::minutes(10) + Duration::seconds(1));
    let code = app.wechat.issue_code(&app_id(&t), "o-late");
    app.anon().gql(LOGIN, json!({ "t": t.slug, "c": code, "s": state })).await.expect_code("UNAUTHENTICATED");
    let fresh = app.oauth_state(&t.slug).await;
    app.anon().gql(LOGIN, json!({ "t": t.slug, "c": code, "s": fresh })).await.data();
}

#[tokio::test]
async fn a_state_of_another_tenant_is_refused() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.tenant("massage").await, app.tenant("massage").await);
    app.consumer(&a, "o-a").await;
    app.consumer(&b, "o-b").await;
    let a_state = app.oauth_state(&a.slug).await;
    let code = app.wechat.issue_code(&app_id(&b), &unique("o"));
    app.anon().gql(LOGIN, json!({ "t": b.slug, "c": code, "s": a_state })).await.expect_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn a_return_address_off_the_h5_origin_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    app.consumer(&t, "o-first").await;
    for bad in [
        "https://evil.example.com/h5/",
        "https://h5.example.cn.evil.com/cb",
        "https://h5.example.cn@evil.com/cb",
        "http://h5.example.cn/cb",
        "https://h5.example.cn:8443/cb",
        "javascript:alert(1)",
    ] {
        let r = app.anon().gql(AUTHORIZE, json!({ "t": t.slug, "r": bad })).await;
        r.expect_code("VALIDATION");
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "redirectUri", "{bad}: {}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["reason"], "REDIRECT_NOT_ALLOWED", "{bad}: {}", r.body);
    }
    app.anon().gql(AUTHORIZE, json!({ "t": t.slug, "r": format!("{H5_ORIGIN}/h5/x/?a=1") })).await.data();
    // A bad origin is refused when configured.
    let r = app
        .bearer(&t.api_key)
        .gql(
            "mutation($i: ConfigureWechatInput!) { configureWechat(input: $i) { id } }",
            json!({ "i": { "appId": app_id(&t), "appSecret": format!("s{}", &t.id.replace('-', "")[..20]),
                           "h5Origin": "https://h5.example.cn/some/path" } }),
        )
        .await;
    r.expect_code("VALIDATION");
}

#[tokio::test]
async fn the_service_public_url_is_a_return_address_too() {
    let app = TestApp::spawn_with(|c| c.public_origin = Some("https://civic.example.cn".into())).await;
    let t = app.tenant("massage").await;
    app.consumer(&t, "o-first").await;
    app.anon().gql(AUTHORIZE, json!({ "t": t.slug, "r": "https://civic.example.cn/h5/x/" })).await.data();
    app.anon()
        .gql(AUTHORIZE, json!({ "t": t.slug, "r": "https://other.example.cn/h5/x/" }))
        .await
        .expect_code("VALIDATION");
}

//! Staff accounts and their shops, sessions, WeChat consumers, personal data (sign-in throttles: `sign_in`).

use serde_json::json;

use crate::helpers::{TestApp, unique};

const ME: &str = "{ me { kind tenant { slug } staff { id username role phone } consumer { id } } }";

#[tokio::test]
async fn staff_sign_in_and_see_themselves() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let s = app.staff(&t, "CS_AGENT", &[]).await;
    let me = app.bearer(&s.token).gql(ME, json!({})).await.data();
    assert_eq!(me["me"]["kind"], "STAFF");
    assert_eq!(me["me"]["tenant"]["slug"], t.slug.as_str());
    assert_eq!(me["me"]["staff"]["username"], s.username.as_str());
    assert_eq!(me["me"]["staff"]["role"], "CS_AGENT");
    let r = app.login(&t.slug, &s.username, "wrong password!").await;
    r.expect_code("UNAUTHENTICATED");
    let nobody = app.login(&t.slug, "nobody-here", "wrong password!").await;
    assert_eq!(nobody.message(), r.message(), "an unknown user is answered like a wrong password");
    app.login("no-such-tenant", &s.username, &s.password).await.expect_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn staff_input_is_validated() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let q = "mutation($i: CreateStaffInput!) { createStaff(input: $i) { id } }";
    let base = json!({ "username": "wang.li", "password": "tea kettle harbor 71", "displayName": "王丽", "role": "TENANT_ADMIN" });
    let with = |k: &str, v: serde_json::Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "i": i })
    };
    for vars in [
        with("password", json!("short")),
        with("username", json!("no spaces allowed")),
        with("displayName", json!("  ")),
        with("phone", json!("12345")),
        with("role", json!("SHOP_STAFF")),
        with("shopIds", json!(["0190f0f0-0000-7000-8000-000000000000"])),
    ] {
        app.bearer(&t.api_key).gql(q, vars.clone()).await.expect_code("VALIDATION");
    }
    app.bearer(&t.api_key).gql(q, json!({ "i": base })).await.data();
    app.bearer(&t.api_key).gql(q, json!({ "i": base })).await.expect_code("CONFLICT");
    let list = app.bearer(&t.api_key).gql("{ staffMembers { edges { node { username } } } }", json!({})).await.data();
    assert_eq!(list["staffMembers"]["edges"].as_array().unwrap().len(), 1, "failed attempts left no rows");
}

#[tokio::test]
async fn a_password_change_ends_earlier_sessions() {
    let app = TestApp::spawn().await;
    let t = app.tenant("water").await;
    let s = app.staff(&t, "CS_AGENT", &[]).await;
    let second =
        app.login(&t.slug, &s.username, &s.password).await.data()["staffLogin"]["token"].as_str().unwrap().to_owned();
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    app.bearer(&second)
        .gql(change, json!({ "c": "wrong current pw", "n": "another violet teapot 9" }))
        .await
        .expect_code("UNAUTHENTICATED");
    app.bearer(&second).gql(change, json!({ "c": s.password, "n": "another violet teapot 9" })).await.data();
    for token in [&s.token, &second] {
        app.bearer(token).gql(ME, json!({})).await.expect_code("UNAUTHENTICATED");
    }
    app.login(&t.slug, &s.username, &s.password).await.expect_code("UNAUTHENTICATED");
    let fresh = app.login(&t.slug, &s.username, "another violet teapot 9").await.data()["staffLogin"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.bearer(&fresh).gql(ME, json!({})).await.data()["me"]["staff"]["id"], s.id.as_str());
}

#[tokio::test]
async fn deactivating_staff_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let s = app.staff(&t, "CS_AGENT", &[]).await;
    app.bearer(&t.api_key)
        .gql("mutation($id: ID!) { updateStaff(id: $id, input: { active: false }) { active } }", json!({ "id": s.id }))
        .await
        .data();
    app.bearer(&s.token).gql(ME, json!({})).await.expect_code("UNAUTHENTICATED");
    app.login(&t.slug, &s.username, &s.password).await.expect_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn tampered_and_foreign_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let s = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let mut tampered = s.token.clone();
    tampered.pop();
    for bad in [tampered.as_str(), "ck_not-a-key", "garbage", "cpt_wrong-platform-token-xxxxxxxx"] {
        let r = app.bearer(bad).gql(ME, json!({})).await;
        assert_eq!(r.status, 401, "{bad}");
        r.expect_code("UNAUTHENTICATED");
    }
    // A token from another deployment (another secret key) is worthless here.
    let other = TestApp::spawn().await;
    let t2 = other.tenant("massage").await;
    let s2 = other.staff(&t2, "TENANT_ADMIN", &[]).await;
    app.bearer(&s2.token).gql(ME, json!({})).await.expect_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn a_wechat_code_works_once() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let token = app.consumer(&t, "openid-one").await;
    let me = app.bearer(&token).gql(ME, json!({})).await.data();
    assert_eq!(me["me"]["kind"], "CONSUMER");
    let consumer_id = me["me"]["consumer"]["id"].as_str().unwrap().to_owned();

    let app_id = format!("wx{}", &t.id.replace('-', "")[..16]);
    let code = app.wechat.issue_code(&app_id, "openid-one");
    let login =
        "mutation($t: String!, $c: String!, $s: String!) { wechatLogin(tenant: $t, code: $c, state: $s) { token } }";
    let state = app.oauth_state(&t.slug).await;
    let again = app.anon().gql(login, json!({ "t": t.slug, "c": code, "s": state })).await.data();
    let token2 = again["wechatLogin"]["token"].as_str().unwrap();
    assert_eq!(
        app.bearer(token2).gql(ME, json!({})).await.data()["me"]["consumer"]["id"],
        consumer_id.as_str(),
        "the same openid is the same consumer"
    );
    let fresh = app.oauth_state(&t.slug).await;
    let reuse = app.anon().gql(login, json!({ "t": t.slug, "c": code, "s": fresh })).await;
    reuse.expect_code("UNAUTHENTICATED");
    assert!(!reuse.body.to_string().contains("openid-one"), "the openid never appears in an error");
    let fresh = app.oauth_state(&t.slug).await;
    app.anon().gql(login, json!({ "t": t.slug, "c": "made-up", "s": fresh })).await.expect_code("UNAUTHENTICATED");

    // A state this service did not sign never reaches WeChat.
    let calls = app.wechat.calls();
    let code = app.wechat.issue_code(&app_id, "openid-two");
    app.anon().gql(login, json!({ "t": t.slug, "c": code, "s": "forged" })).await.expect_code("UNAUTHENTICATED");
    assert_eq!(app.wechat.calls(), calls);
}

#[tokio::test]
async fn consumers_and_anonymous_callers_never_reach_staff_data() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let s = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let consumer = app.consumer(&t, unique("openid").as_str()).await;
    let reads = [
        ("{ staffMembers { edges { node { id } } } }", json!({})),
        ("query($id: ID!) { staff(id: $id) { id } }", json!({ "id": s.id })),
        ("{ auditLog { edges { node { id } } } }", json!({})),
    ];
    for (q, vars) in &reads {
        app.bearer(&consumer).gql(q, vars.clone()).await.expect_code("FORBIDDEN");
        app.with_tenant(&t.slug).gql(q, vars.clone()).await.expect_code("UNAUTHENTICATED");
        app.anon().gql(q, vars.clone()).await.expect_code("UNAUTHENTICATED");
    }
}

async fn raw_strings(app: &TestApp, tenant_id: &str, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let conn = app.service_conn().await;
    let txn = conn.begin().await.unwrap();
    if crate::helpers::is_postgres() {
        txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{tenant_id}', true)")).await.unwrap();
    }
    let rows = txn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<Option<String>>(0).unwrap().unwrap_or_default()).collect()
}

#[tokio::test]
async fn personal_data_is_encrypted_at_rest_and_masked() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let r = app
        .bearer(&t.api_key)
        .gql(
            "mutation { createStaff(input: { username: \"zhao\", password: \"tea kettle harbor 71\", displayName: \"赵\",
               role: CS_AGENT, phone: \"+86 138 1234 5678\" }) { id phone } }",
            json!({}),
        )
        .await
        .data();
    assert_eq!(r["createStaff"]["phone"], "138****5678");
    let stored = raw_strings(&app, &t.id, "SELECT phone_enc FROM staff").await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].starts_with("v1.") && !stored[0].contains("5678"), "{stored:?}");
    let hash = raw_strings(&app, &t.id, "SELECT phone_hash FROM staff").await;
    assert!(!hash[0].contains("13812345678"));

    let openid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M";
    app.consumer(&t, openid).await;
    for col in ["openid_enc", "openid_hash"] {
        let v = raw_strings(&app, &t.id, &format!("SELECT {col} FROM consumers")).await;
        assert!(!v[0].contains(openid), "{col} holds the openid in clear");
    }
    let secret = raw_strings(&app, &t.id, "SELECT wechat_secret_enc FROM tenants").await;
    assert!(
        secret.iter().all(|s| !s.contains(&format!("s{}", &t.id.replace('-', "")[..20]))),
        "the WeChat secret is encrypted"
    );
}

#[tokio::test]
async fn consumer_and_anonymous_mutations_are_rate_limited() {
    let app = TestApp::spawn_with(|c| {
        c.rate_ip_per_minute = 30;
        c.rate_credential_per_minute = 5;
    })
    .await;
    let t = app.tenant("massage").await;
    let consumer = app.consumer(&t, "o-rate").await;
    let spam = "mutation { changePassword(currentPassword: \"aaaaaaaaaa\", newPassword: \"bbbbbbbbbb\") }";
    let mut codes = vec![];
    for _ in 0..7 {
        codes.push(app.bearer(&consumer).gql(spam, json!({})).await.code().unwrap().to_owned());
    }
    assert_eq!(&codes[..5], ["FORBIDDEN"; 5]);
    assert_eq!(&codes[5..], ["RATE_LIMITED"; 2], "per consumer");
    // Per address: anonymous sign-in attempts from one address run out too, whatever the account.
    let mut limited = false;
    for i in 0..40 {
        let r = app.login(&t.slug, &format!("user{i}"), "whatever password").await;
        if r.code() == Some("RATE_LIMITED") {
            limited = true;
            break;
        }
    }
    assert!(limited, "per address");
    // Staff and API keys are not limited this way.
    for _ in 0..10 {
        let r = app
            .bearer(&t.api_key)
            .gql("mutation { configureWechat(input: { appId: \"bad\", appSecret: \"bad\" }) { id } }", json!({}))
            .await;
        r.expect_code("VALIDATION");
    }
}

const CREATE: &str = "mutation($i: CreateStaffInput!) { createStaff(input: $i) { id shopIds } }";
const UPDATE: &str = "mutation($id: ID!, $i: UpdateStaffInput!) { updateStaff(id: $id, input: $i) { role shopIds } }";

fn manager(username: &str, shops: &[&str]) -> serde_json::Value {
    json!({ "i": { "username": username, "password": "tea kettle harbor 71", "displayName": "店长",
                   "role": "SHOP_MANAGER", "shopIds": shops } })
}

#[tokio::test]
async fn staff_name_only_shops_of_their_tenant() {
    let app = TestApp::spawn().await;
    let a = app.tenant("massage").await;
    let b = app.tenant("massage").await;
    let a_shop = crate::storefront::shop(&app.bearer(&a.api_key), "甲店", 39.93, 116.43, false).await;
    let b_shop = crate::storefront::shop(&app.bearer(&b.api_key), "乙店", 39.94, 116.44, false).await;
    let random = uuid::Uuid::now_v7().to_string();
    let admin = app.bearer(&a.api_key);

    let foreign = admin.gql(CREATE, manager("li.foreign", &[&a_shop, &b_shop])).await;
    let made_up = admin.gql(CREATE, manager("li.random", &[&a_shop, &random])).await;
    for r in [&foreign, &made_up] {
        r.expect_code("VALIDATION");
        assert_eq!(r.body["errors"][0]["extensions"]["reason"], "UNKNOWN_SHOP", "{}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "input.shopIds", "{}", r.body);
    }
    assert_eq!(foreign.body["errors"], made_up.body["errors"], "another tenant's shop is answered like no shop");
    let list = admin.gql("{ staffMembers { edges { node { username } } } }", json!({})).await.data();
    assert_eq!(list["staffMembers"]["edges"], json!([]), "a refused account is not stored");

    let id =
        admin.gql(CREATE, manager("li.own", &[&a_shop])).await.data()["createStaff"]["id"].as_str().unwrap().to_owned();
    for shops in [vec![b_shop.clone()], vec![random.clone()]] {
        let r = admin.gql(UPDATE, json!({ "id": id, "i": { "shopIds": shops } })).await;
        r.expect_code("VALIDATION");
        assert_eq!(r.body["errors"][0]["extensions"]["reason"], "UNKNOWN_SHOP");
    }
    let r = admin.gql("query($id: ID!) { staff(id: $id) { shopIds } }", json!({ "id": id })).await.data();
    assert_eq!(r["staff"]["shopIds"], json!([a_shop]), "a refused update changes nothing");
}

#[tokio::test]
async fn a_role_change_keeps_the_shops_left_out() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let shop = crate::storefront::shop(&admin, "东直门店", 39.93, 116.43, false).await;
    let id =
        admin.gql(CREATE, manager("wang.mgr", &[&shop])).await.data()["createStaff"]["id"].as_str().unwrap().to_owned();
    let r = admin.gql(UPDATE, json!({ "id": id, "i": { "role": "SHOP_STAFF" } })).await.data();
    assert_eq!(r["updateStaff"], json!({ "role": "SHOP_STAFF", "shopIds": [shop] }));
    let r = admin.gql(UPDATE, json!({ "id": id, "i": { "role": "CS_AGENT" } })).await.data();
    assert_eq!(r["updateStaff"], json!({ "role": "CS_AGENT", "shopIds": [] }), "a role without shops carries none");
}

//! Staff sign-in: throttled per name and client address and per name across addresses, the same answer for
//! names with and without an account, and the password policy. Time moves by the test clock.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp, TestStaff, TestTenant};

/// The answer as a client sees it: code, reason, message and whether a session came back.
fn seen(r: &Gql) -> (Option<String>, Value, String, bool) {
    let e = &r.body["errors"][0];
    (r.code().map(str::to_owned), e["extensions"]["reason"].clone(), r.message().to_owned(), r.body["data"].is_object())
}

async fn admin(app: &TestApp) -> (TestTenant, TestStaff) {
    let t = app.tenant("massage").await;
    let s = app.staff(&t, "TENANT_ADMIN", &[]).await;
    (t, s)
}

/// Five wrong passwords for `name` from each of `addresses`.
async fn flood(app: &TestApp, t: &TestTenant, name: &str, addresses: &[&str]) {
    for ip in addresses {
        for _ in 0..5 {
            let r = app.login_from(ip, &t.slug, name, "not the password at all").await;
            r.expect_code("UNAUTHENTICATED");
        }
    }
}

const FOUR: &[&str] = &["127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4"];

#[tokio::test]
async fn unknown_and_real_names_are_answered_alike_in_every_state() {
    let app = TestApp::spawn().await;
    let (t, s) = admin(&app).await;
    let gone = app.staff(&t, "CS_AGENT", &[]).await;
    app.bearer(&t.api_key)
        .gql("mutation($id: ID!) { updateStaff(id: $id, input: { active: false }) { id } }", json!({ "id": gone.id }))
        .await
        .data();
    let mut real = vec![];
    let mut unknown = vec![];
    for _ in 0..7 {
        real.push(seen(&app.login_from("127.0.0.2", &t.slug, &s.username, "not the password at all").await));
        unknown.push(seen(&app.login_from("127.0.0.2", &t.slug, "nobody.here", "not the password at all").await));
    }
    assert_eq!(real, unknown, "a name without an account is answered like one with an account");
    assert!(real[..5].iter().all(|a| a.0.as_deref() == Some("UNAUTHENTICATED")), "{real:?}");
    for a in &real[5..] {
        assert_eq!((a.0.as_deref(), a.1.as_str()), (Some("RATE_LIMITED"), Some("TOO_MANY_SIGN_INS")), "{a:?}");
    }
    // Paused, the right password is answered like any other.
    let right = seen(&app.login_from("127.0.0.2", &t.slug, &s.username, &s.password).await);
    assert_eq!(right, real[6], "no session, and no hint that the password was right");
    // A deactivated account with its right password is answered like a name without an account.
    let inactive = seen(&app.login_from("127.0.0.3", &t.slug, &gone.username, &gone.password).await);
    let nobody = seen(&app.login_from("127.0.0.3", &t.slug, "nobody.else", &gone.password).await);
    assert_eq!(inactive, nobody);
    assert_eq!(inactive, real[0]);
    // The pause ends with its 15 minutes.
    app.state.clock.advance(Duration::minutes(15));
    app.login_from("127.0.0.2", &t.slug, &s.username, &s.password).await.data();
}

#[tokio::test]
async fn a_flood_from_one_address_does_not_lock_out_another() {
    let app = TestApp::spawn().await;
    let (t, s) = admin(&app).await;
    for _ in 0..30 {
        app.login_from("127.0.0.2", &t.slug, &s.username, "guessing again and again").await;
    }
    app.login_from("127.0.0.2", &t.slug, &s.username, &s.password).await.expect_code("RATE_LIMITED");
    // The administrator, at a desk that never signed in before, is not locked out.
    app.login_from("127.0.0.3", &t.slug, &s.username, &s.password).await.data();
}

#[tokio::test]
async fn many_addresses_pause_a_name_except_where_it_signed_in() {
    let app = TestApp::spawn().await;
    let (t, s) = admin(&app).await;
    app.login_from("127.0.0.10", &t.slug, &s.username, &s.password).await.data();
    flood(&app, &t, &s.username, FOUR).await;
    flood(&app, &t, "nobody.here", FOUR).await;
    let real = app.login_from("127.0.2.1", &t.slug, &s.username, &s.password).await;
    let unknown = app.login_from("127.0.2.1", &t.slug, "nobody.here", "not the password at all").await;
    assert_eq!(seen(&real).1, "TOO_MANY_SIGN_INS", "{}", real.body);
    assert_eq!(seen(&real), seen(&unknown), "the cross-address pause tells nothing about the name");
    // Where the administrator signed in lately, the flood changes nothing.
    app.login_from("127.0.0.10", &t.slug, &s.username, &s.password).await.data();
    app.state.clock.advance(Duration::minutes(15));
    app.login_from("127.0.2.1", &t.slug, &s.username, &s.password).await.data();
}

#[tokio::test]
async fn an_address_is_known_for_thirty_days_after_a_sign_in() {
    let app = TestApp::spawn().await;
    let (t, s) = admin(&app).await;
    app.login_from("127.0.0.10", &t.slug, &s.username, &s.password).await.data();
    app.state.clock.advance(Duration::days(29));
    flood(&app, &t, &s.username, FOUR).await;
    app.login_from("127.0.2.1", &t.slug, &s.username, &s.password).await.expect_code("RATE_LIMITED");
    let known = app.login_from("127.0.0.10", &t.slug, &s.username, "a wrong one, once").await;
    known.expect_code("UNAUTHENTICATED");
    // 31 days after that sign-in, the address is a stranger again.
    app.state.clock.advance(Duration::days(2));
    flood(&app, &t, &s.username, FOUR).await;
    let r = app.login_from("127.0.0.10", &t.slug, &s.username, &s.password).await;
    assert_eq!(seen(&r).1, "TOO_MANY_SIGN_INS", "{}", r.body);
}

#[tokio::test]
async fn an_unknown_name_costs_a_password_check() {
    let app = TestApp::spawn().await;
    let (t, s) = admin(&app).await;
    let timed = |name: String, ip: &'static str| {
        let app = &app;
        let slug = t.slug.clone();
        async move {
            let start = Instant::now();
            app.login_from(ip, &slug, &name, "not the password at all").await.expect_code("UNAUTHENTICATED");
            start.elapsed()
        }
    };
    let (mut real, mut unknown) = (vec![], vec![]);
    for i in 0..4 {
        real.push(timed(s.username.clone(), "127.0.0.4").await);
        unknown.push(timed(format!("nobody.{i}"), "127.0.0.5").await);
    }
    real.sort();
    unknown.sort();
    let median = |v: &[StdDuration]| v[v.len() / 2];
    assert!(
        median(&unknown) * 3 >= median(&real),
        "an unknown name is answered faster than a known one: {unknown:?} vs {real:?}"
    );
}

#[tokio::test]
async fn trivial_passwords_are_refused() {
    let app = TestApp::spawn().await;
    let (t, s) = admin(&app).await;
    let create =
        "mutation($p: String!) { createStaff(input: { username: \"zhao.liu\", password: $p, displayName: \"赵六\",
                    role: CS_AGENT }) { id } }";
    let reset = "mutation($id: ID!, $p: String!) { resetStaffPassword(id: $id, password: $p) }";
    let change = "mutation($c: String!, $p: String!) { changePassword(currentPassword: $c, newPassword: $p) }";
    for (weak, reason) in [
        ("short", Value::Null),
        (&"x".repeat(129) as &str, Value::Null),
        ("aaaaaaaaaaaa", json!("WEAK_PASSWORD")),
        ("            ", json!("WEAK_PASSWORD")),
        ("password123", json!("WEAK_PASSWORD")),
        ("1234567890", json!("WEAK_PASSWORD")),
        ("qwertyuiop", json!("WEAK_PASSWORD")),
    ] {
        let r = app.bearer(&t.api_key).gql(create, json!({ "p": weak })).await;
        r.expect_code("VALIDATION");
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "input.password", "{weak}: {}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["reason"], reason, "{weak}: {}", r.body);
        let r = app.bearer(&t.api_key).gql(reset, json!({ "id": s.id, "p": weak })).await;
        r.expect_code("VALIDATION");
        let r = app.bearer(&s.token).gql(change, json!({ "c": s.password, "p": weak })).await;
        r.expect_code("VALIDATION");
    }
    // The account's own name is easy to guess.
    let r = app.bearer(&t.api_key).gql(create, json!({ "p": "zhao.liu2024" })).await;
    assert_eq!(r.body["errors"][0]["extensions"]["reason"], "WEAK_PASSWORD", "{}", r.body);
    let list = app.bearer(&t.api_key).gql("{ staffMembers { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(list["staffMembers"]["edges"].as_array().unwrap().len(), 1, "no account was made");
    app.login(&t.slug, &s.username, &s.password).await.data();
    app.bearer(&t.api_key).gql(create, json!({ "p": "雨后青苔上的小蜗牛慢慢爬" })).await.data();
}

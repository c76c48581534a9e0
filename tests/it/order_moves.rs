//! The order's moves that a client could be misled by: paying an order that is no longer payable, completing an
//! order days before its start; and dates far outside any booking's or promotion's life.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::{
    booking::{ORDER, book, local, open_shop},
    helpers::{Gql, TestApp, unique},
};

const PAY: &str = "mutation($id: ID!) { payOrder(id: $id) { id status order { status } } }";
const COMPLETE: &str = "mutation($id: ID!) { completeOrder(id: $id) { status } }";
const CONFIRM: &str = "mutation($id: ID!) { confirmOrder(id: $id) { status } }";

fn reason(r: &Gql) -> &str {
    r.body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

#[track_caller]
fn expect_not_payable(r: &Gql) {
    r.expect_code("CONFLICT");
    assert_eq!(reason(r), "ORDER_NOT_PAYABLE", "{}", r.body);
}

/// Pays (with `key`, or none) and answers the payment's id.
async fn pay(app: &TestApp, consumer: &str, id: &str, key: Option<&str>) -> Gql {
    let mut caller = app.bearer(consumer);
    if let Some(key) = key {
        caller = caller.header("idempotency-key", key);
    }
    caller.gql(PAY, json!({ "id": id })).await
}

async fn booked(app: &TestApp, consumer: &str, s: &crate::booking::Shop, start: &str) -> String {
    book(app, consumer, s, Some(&s.therapist), start).await.data()["createBooking"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_paid_order_answers_its_payment_again_only_while_it_stays_paid() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-replay").await;

    // Paid without a key: the same call again answers the same payment, while the order is paid.
    let id = booked(&app, &c, &s, &local(2, 10, 0)).await;
    let first = pay(&app, &c, &id, None).await.data();
    assert_eq!(first["payOrder"]["status"], "SUCCEEDED");
    let again = pay(&app, &c, &id, None).await.data();
    assert_eq!(again["payOrder"]["id"], first["payOrder"]["id"]);
    // Another key on a paid order pays nothing and says so.
    expect_not_payable(&pay(&app, &c, &id, Some(&unique("k"))).await);

    // Paid with a key: its replay answers the payment while the order is confirmed.
    let key = unique("k");
    let keyed = booked(&app, &c, &s, &local(2, 12, 0)).await;
    let paid = pay(&app, &c, &keyed, Some(&key)).await.data();
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    app.bearer(&staff.token).gql(CONFIRM, json!({ "id": keyed })).await.data();
    assert_eq!(pay(&app, &c, &keyed, Some(&key)).await.data()["payOrder"]["id"], paid["payOrder"]["id"]);
    expect_not_payable(&pay(&app, &c, &keyed, None).await);

    // Once cancelled, nothing answers SUCCEEDED any more: neither the replay nor another key nor none.
    for order in [&id, &keyed] {
        app.bearer(&c).gql("mutation($id: ID!) { cancelOrder(id: $id) { id } }", json!({ "id": order })).await.data();
    }
    expect_not_payable(&pay(&app, &c, &id, None).await);
    expect_not_payable(&pay(&app, &c, &id, Some(&unique("k"))).await);
    expect_not_payable(&pay(&app, &c, &keyed, Some(&key)).await);
    expect_not_payable(&pay(&app, &c, &keyed, None).await);
    let o = app.bearer(&c).gql(ORDER, json!({ "id": keyed })).await.data();
    assert_eq!(o["order"]["status"], "CANCELLED");
    assert_eq!(o["order"]["payments"].as_array().unwrap().len(), 1, "nothing was charged again: {o}");
}

#[tokio::test]
async fn an_expired_order_is_not_payable_whatever_the_key() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-late").await;
    let id = booked(&app, &c, &s, &local(1, 20, 0)).await;
    app.state.clock.advance(Duration::minutes(16));
    expect_not_payable(&pay(&app, &c, &id, None).await);
    expect_not_payable(&pay(&app, &c, &id, Some(&unique("k"))).await);
}

#[tokio::test]
async fn an_order_is_completed_from_an_hour_before_its_start_only() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-early").await;
    let start = local(3, 10, 0);
    let id = booked(&app, &c, &s, &start).await;
    pay(&app, &c, &id, Some(&unique("k"))).await.data();
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let st = app.bearer(&staff.token);
    st.gql(CONFIRM, json!({ "id": id })).await.data();
    let r = st.gql(COMPLETE, json!({ "id": id })).await;
    r.expect_code("CONFLICT");
    assert_eq!(reason(&r), "NOT_STARTED", "{}", r.body);
    // The clock moves to 61 minutes before the start: still too early; then to 59 minutes before: done. (Days
    // pass: the staff signs in again.)
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339(&start).unwrap().into();
    app.state.clock.advance(start - app.state.now() - Duration::minutes(61));
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let st = app.bearer(&staff.token);
    let r = st.gql(COMPLETE, json!({ "id": id })).await;
    assert_eq!(reason(&r), "NOT_STARTED", "{}", r.body);
    app.state.clock.advance(Duration::minutes(2));
    assert_eq!(st.gql(COMPLETE, json!({ "id": id })).await.data()["completeOrder"]["status"], "COMPLETED");
}

#[track_caller]
fn expect_field(r: &Gql, field: &str) {
    r.expect_code("VALIDATION");
    assert_eq!(r.body["errors"][0]["extensions"]["field"], field, "{}", r.body);
}

#[tokio::test]
async fn dates_outside_2000_to_2100_are_refused_and_answers_are_rfc_3339() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let admin = app.bearer(&s.tenant.api_key);
    let create = "mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { id startsAt endsAt } }";
    let promo = |starts: &str, ends: &str| json!({ "i": { "shopId": s.shop, "title": "周年庆", "body": "全场八折", "startsAt": starts, "endsAt": ends } });
    let now = Utc::now().to_rfc3339();
    expect_field(&admin.gql(create, promo(&now, "9999-12-31T23:59:59Z")).await, "input.endsAt");
    expect_field(&admin.gql(create, promo("1999-12-31T23:59:59Z", &now)).await, "input.startsAt");
    // The last moment allowed is answered in the tenant's offset, still RFC 3339.
    let r = admin.gql(create, promo(&now, "2100-12-31T23:59:59Z")).await.data();
    let ends = r["createPromotion"]["endsAt"].as_str().unwrap();
    assert_eq!(ends, "2101-01-01T07:59:59+08:00");
    assert!(DateTime::parse_from_rfc3339(ends).is_ok());

    let slots =
        "query($s: ID!, $v: ID!, $d: Date!) { availableSlots(shopId: $s, serviceItemId: $v, date: $d) { start } }";
    let anon = app.with_tenant(&s.tenant.slug);
    for d in ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"] {
        expect_field(&anon.gql(slots, json!({ "s": s.shop, "v": s.service, "d": d })).await, "date");
    }
    let r = anon.gql(slots, json!({ "s": s.shop, "v": s.service, "d": "2100-12-31" })).await.data();
    for slot in r["availableSlots"].as_array().unwrap() {
        assert!(DateTime::parse_from_rfc3339(slot["start"].as_str().unwrap()).is_ok(), "{slot}");
    }

    // A booking's start and a shop's order window are bounded alike.
    let c = app.consumer(&s.tenant, "o-far").await;
    expect_field(&book(&app, &c, &s, Some(&s.therapist), "9999-12-31T10:00:00Z").await, "input.start");
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let orders = "query($s: ID!, $f: DateTime, $t: DateTime) { shopOrders(shopId: $s, from: $f, to: $t) { edges { node { id } } } }";
    let st = app.bearer(&staff.token);
    expect_field(&st.gql(orders, json!({ "s": s.shop, "t": "9999-12-31T00:00:00Z" })).await, "to");
    expect_field(&st.gql(orders, json!({ "s": s.shop, "f": "0001-01-01T00:00:00Z" })).await, "from");
    let ok: Value = st.gql(orders, json!({ "s": s.shop, "f": "2000-01-01T00:00:00Z" })).await.data();
    assert!(ok["shopOrders"]["edges"].is_array());
}

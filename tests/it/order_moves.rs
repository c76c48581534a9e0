//! The order's moves that a client could be misled by: paying an order that is no longer payable, completing an
//! order days before its start; and dates far outside any booking's or promotion's life.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

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

//! Bookings staff take for a customer on the phone or at the counter: confirmed at once with nothing paid, by the
//! same slot rules and claims as a consumer's booking; the order's moves, and everything that expects a
//! consumer, behave; another tenant or another shop's staff book nothing.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::{
    booking::{ORDER, Shop, book, local, open_shop},
    helpers::{Caller, Gql, TestApp, unique},
};

pub const COUNTER: &str = "mutation($i: CounterBookingInput!) { createCounterBooking(input: $i) {
    id status channel customerName customerPhoneMasked amountFen paidFen refundedFen start therapistId shop { id } } }";
const SLOTS: &str = "query($s: ID!, $v: ID!, $t: ID, $d: Date!) { availableSlots(shopId: $s, serviceItemId: $v, therapistId: $t, date: $d) { start } }";
const STAFF_ORDER: &str = "query($id: ID!) { order(id: $id) { id status channel customerName customerPhoneMasked paidFen refundedFen payments { id } } }";

fn input(s: &Shop, therapist: Option<&str>, start: &str, name: &str, phone: &str) -> Value {
    json!({ "i": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": therapist, "start": start,
                   "customerName": name, "customerPhone": phone, "channel": "PHONE" } })
}

fn reason(r: &Gql) -> &str {
    r.body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("")
}

fn field(r: &Gql) -> &str {
    r.body["errors"][0]["extensions"]["field"].as_str().unwrap_or("")
}

async fn counter(caller: &Caller<'_>, s: &Shop, start: &str) -> String {
    let r = caller.gql(COUNTER, input(s, Some(&s.therapist), start, "王女士", "13800138000")).await.data();
    r["createCounterBooking"]["id"].as_str().unwrap().to_owned()
}

async fn free_starts(app: &TestApp, s: &Shop, therapist: &str, start: &str) -> Vec<DateTime<Utc>> {
    let day = DateTime::parse_from_rfc3339(start).unwrap().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let r = app
        .with_tenant(&s.tenant.slug)
        .gql(SLOTS, json!({ "s": s.shop, "v": s.service, "t": therapist, "d": day.to_string() }))
        .await
        .data();
    r["availableSlots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| DateTime::parse_from_rfc3339(x["start"].as_str().unwrap()).unwrap().with_timezone(&Utc))
        .collect()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn shop_order_count(app: &TestApp, s: &Shop) -> usize {
    let r = app
        .bearer(&s.tenant.api_key)
        .gql("query($s: ID!) { shopOrders(shopId: $s, first: 100) { edges { node { id } } } }", json!({ "s": s.shop }))
        .await
        .data();
    r["shopOrders"]["edges"].as_array().unwrap().len()
}

#[tokio::test]
async fn staff_book_a_caller_confirmed_with_nothing_paid_and_the_slot_taken() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let start = local(1, 10, 0);
    // Anyone free: the first free therapist serves.
    let r = app.bearer(&staff.token).gql(COUNTER, input(&s, None, &start, "  王女士 ", "138 0013 8000")).await.data();
    let o = &r["createCounterBooking"];
    assert_eq!(o["status"], "CONFIRMED");
    assert_eq!(o["channel"], "PHONE");
    assert_eq!(o["customerName"], "王女士");
    assert_eq!(o["customerPhoneMasked"], "138****8000");
    assert_eq!((o["amountFen"].as_i64(), o["paidFen"].as_i64()), (Some(12800), Some(0)));
    assert_eq!(at(o["start"].as_str().unwrap()), at(&start));
    let id = o["id"].as_str().unwrap().to_owned();
    let therapist = o["therapistId"].as_str().unwrap().to_owned();

    // The slot is taken: not offered, and neither a consumer nor staff book it again.
    assert!(!free_starts(&app, &s, &therapist, &start).await.contains(&at(&start)));
    let consumer = app.consumer(&s.tenant, &unique("o")).await;
    let again = book(&app, &consumer, &s, Some(&therapist), &start).await;
    again.expect_code("CONFLICT");
    let again =
        app.bearer(&staff.token).gql(COUNTER, input(&s, Some(&therapist), &start, "李先生", "13900139000")).await;
    again.expect_code("CONFLICT");
    assert_eq!(reason(&again), "SLOT_TAKEN", "{}", again.body);

    // Staff of the shop see whom it is for; the shop's day lists it.
    let seen = app.bearer(&staff.token).gql(STAFF_ORDER, json!({ "id": id })).await.data();
    assert_eq!(seen["order"]["customerName"], "王女士");
    assert_eq!(seen["order"]["customerPhoneMasked"], "138****8000");
    let day = app
        .bearer(&staff.token)
        .gql(
            "query($s: ID!) { shopOrders(shopId: $s) { edges { node { id channel customerName } } } }",
            json!({ "s": s.shop }),
        )
        .await
        .data();
    assert_eq!(day["shopOrders"]["edges"][0]["node"]["customerName"], "王女士");

    // The phone is stored encrypted, with its look-up hash; the audit log names the booking.
    let tenant = civic::kernel::TenantId(s.tenant.id.parse().unwrap());
    let tx = app.state.db.read(tenant).await.unwrap();
    let row = tx.get::<civic::booking::entity::order::Entity>(id.parse().unwrap()).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert!(row.consumer_id.is_none());
    assert!(!row.customer_phone_enc.as_deref().unwrap().contains("13800138000"));
    assert_eq!(row.customer_phone_hash.as_deref().map(str::len), Some(64));
    let log = app
        .bearer(&s.tenant.api_key)
        .gql("{ auditLog(first: 100) { edges { node { action target actorId } } } }", json!({}))
        .await
        .data();
    let entry = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["action"] == "createCounterBooking" && n["target"] == id.as_str())
        .cloned()
        .expect("an audit row naming the booking");
    assert_eq!(entry["actorId"], staff.id.as_str());

    // The payment window of consumers' orders does not apply: a counter booking never expires.
    app.state.clock.advance(Duration::minutes(30));
    civic::booking::service::expire_due(&app.state, tenant).await.unwrap();
    let o = app.bearer(&s.tenant.api_key).gql(STAFF_ORDER, json!({ "id": id })).await.data();
    assert_eq!(o["order"]["status"], "CONFIRMED");
}

#[tokio::test]
async fn a_counter_booking_keeps_the_slot_rules_and_a_refusal_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let staff = app.staff(&s.tenant, "SHOP_MANAGER", &[&s.shop]).await;
    let caller = app.bearer(&staff.token);
    let cases = [
        (input(&s, None, &local(1, 10, 7), "王女士", "13800138000"), "input.start"),
        (input(&s, None, &local(-1, 10, 0), "王女士", "13800138000"), "input.start"),
        (input(&s, None, &local(400, 10, 0), "王女士", "13800138000"), "input.start"),
        (input(&s, None, &local(1, 10, 0), "王女士", "12345"), "input.customerPhone"),
        (input(&s, None, &local(1, 10, 0), "   ", "13800138000"), "input.customerName"),
        (input(&s, None, &local(1, 10, 0), "王\u{202e}女士", "13800138000"), "input.customerName"),
        (input(&s, None, &local(1, 10, 0), &"名".repeat(51), "13800138000"), "input.customerName"),
    ];
    for (vars, path) in cases {
        let r = caller.gql(COUNTER, vars.clone()).await;
        r.expect_code("VALIDATION");
        assert_eq!(field(&r), path, "{vars}: {}", r.body);
    }
    assert_eq!(shop_order_count(&app, &s).await, 0, "refusals wrote no order");
    // A therapist who does not perform the service is not found.
    let mut vars = input(&s, Some(&s.service), &local(1, 10, 0), "王女士", "13800138000");
    vars["i"]["channel"] = json!("WALK_IN");
    caller.gql(COUNTER, vars).await.expect_code("NOT_FOUND");
    // Taken at the counter while a consumer's unpaid booking holds the therapist: SLOT_TAKEN.
    let consumer = app.consumer(&s.tenant, &unique("o")).await;
    book(&app, &consumer, &s, Some(&s.therapist), &local(1, 11, 0)).await.data();
    let r = caller.gql(COUNTER, input(&s, Some(&s.therapist), &local(1, 11, 0), "王女士", "13800138000")).await;
    r.expect_code("CONFLICT");
    assert_eq!(reason(&r), "SLOT_TAKEN");
    assert_eq!(shop_order_count(&app, &s).await, 1);
}

#[tokio::test]
async fn a_counter_booking_completes_cancels_without_refund_and_reaches_no_consumer() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let key = app.bearer(&s.tenant.api_key);
    let done = counter(&app.bearer(&staff.token), &s, &local(1, 10, 0)).await;
    let cancelled = counter(&app.bearer(&staff.token), &s, &local(1, 12, 0)).await;
    let missed = counter(&app.bearer(&staff.token), &s, &local(1, 14, 0)).await;

    // Cancelled by the shop: nothing was paid, nothing is refunded, the slot is free again.
    let r = app
        .bearer(&staff.token)
        .gql(
            "mutation($id: ID!) { cancelOrder(id: $id, reason: \"顾客改期\") { status paidFen refundedFen } }",
            json!({ "id": cancelled }),
        )
        .await
        .data();
    assert_eq!(r["cancelOrder"], json!({ "status": "CANCELLED", "paidFen": 0, "refundedFen": 0 }));
    let o = key.gql(STAFF_ORDER, json!({ "id": cancelled })).await.data();
    assert_eq!(o["order"]["payments"], json!([]));
    assert!(free_starts(&app, &s, &s.therapist, &local(1, 12, 0)).await.contains(&at(&local(1, 12, 0))));

    // Completed from an hour before its start; a no-show after it. The clock moves; sessions are signed in again.
    let complete = "mutation($id: ID!) { completeOrder(id: $id) { status } }";
    let r = app.bearer(&staff.token).gql(complete, json!({ "id": done })).await;
    r.expect_code("CONFLICT");
    let start = at(&local(1, 10, 0));
    app.state.clock.advance(start - Utc::now() - Duration::minutes(30));
    let key = app.bearer(&s.tenant.api_key);
    assert_eq!(key.gql(complete, json!({ "id": done })).await.data()["completeOrder"]["status"], "COMPLETED");
    app.state.clock.advance(Duration::hours(5));
    let r = key.gql("mutation($id: ID!) { markNoShow(id: $id) { status } }", json!({ "id": missed })).await.data();
    assert_eq!(r["markNoShow"]["status"], "NO_SHOW");

    // No consumer sees, pays or reviews these orders, nor gets a notice about them.
    let consumer = app.consumer(&s.tenant, &unique("o")).await;
    let me = app.bearer(&consumer);
    let mine = me.gql("{ myOrders(first: 100) { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(mine["myOrders"]["edges"], json!([]));
    me.gql(ORDER, json!({ "id": done })).await.expect_code("NOT_FOUND");
    me.gql("mutation($id: ID!) { reviewOrder(id: $id, rating: 5, text: \"好\") { id } }", json!({ "id": done }))
        .await
        .expect_code("NOT_FOUND");
    me.header("idempotency-key", &unique("k"))
        .gql("mutation($id: ID!) { payOrder(id: $id) { id } }", json!({ "id": missed }))
        .await
        .expect_code("NOT_FOUND");
    let tenant = civic::kernel::TenantId(s.tenant.id.parse().unwrap());
    let tx = app.state.db.read(tenant).await.unwrap();
    let notices = tx.all(tx.select::<civic::notify::entity::notice::Entity>()).await.unwrap();
    tx.commit().await.unwrap();
    assert!(notices.iter().all(|n| n.recipient_kind.as_deref() != Some("CONSUMER")), "{notices:?}");
    assert!(notices.iter().any(|n| n.event == "ORDER_CANCELLED"), "the shop still hears of the cancellation");
}

#[tokio::test]
async fn tenant_b_and_other_shops_staff_book_nothing_of_a() {
    let app = TestApp::spawn().await;
    let a = open_shop(&app).await;
    let b = app.tenant("massage").await;
    let b_admin = app.staff(&b, "TENANT_ADMIN", &[]).await;
    let start = local(1, 10, 0);
    let theirs = input(&a, Some(&a.therapist), &start, "王女士", "13800138000");
    for caller in [app.bearer(&b.api_key), app.bearer(&b_admin.token)] {
        let r = caller.gql(COUNTER, theirs.clone()).await;
        r.expect_code("NOT_FOUND");
        let mut missing = theirs.clone();
        missing["i"]["shopId"] = json!(uuid::Uuid::now_v7().to_string());
        let nobody = caller.gql(COUNTER, missing).await;
        nobody.expect_code("NOT_FOUND");
        assert_eq!(r.message(), nobody.message(), "A's shop is answered like a shop that does not exist");
    }
    // Staff and managers of another shop of A's tenant are refused alike.
    let elsewhere = app
        .bearer(&a.tenant.api_key)
        .gql(
            "mutation($i: ShopInput!) { createShop(input: $i) { id } }",
            json!({ "i": { "name": "第二家店", "address": "北京市", "phone": "010-65000000", "location": { "lat": 39.9, "lng": 116.4 } } }),
        )
        .await
        .data()["createShop"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for role in ["SHOP_STAFF", "SHOP_MANAGER"] {
        let other = app.staff(&a.tenant, role, &[&elsewhere]).await;
        app.bearer(&other.token).gql(COUNTER, theirs.clone()).await.expect_code("NOT_FOUND");
    }
    assert_eq!(shop_order_count(&app, &a).await, 0, "nothing was booked");
    assert!(free_starts(&app, &a, &a.therapist, &start).await.contains(&at(&start)));
}

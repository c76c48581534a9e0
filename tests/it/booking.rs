//! Bookings as orders: no double booking, payment, cancel and refund, expiry, notices, reviews, who sees what.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::{Value, json};

use crate::helpers::{
    Gql, TestApp, TestTenant, answer_text, refusal, registered_and_executed, unique, written_directly,
};

const BOOK: &str = "mutation($i: CreateBookingInput!) { createBooking(input: $i) { id status amountFen paidFen refundedFen start end shop { id } therapistId } }";
const PAY: &str = "mutation($id: ID!) { payOrder(id: $id) { id status amountFen order { status paidFen } } }";
pub const ORDER: &str =
    "query($id: ID!) { order(id: $id) { id status amountFen paidFen refundedFen payments { id status } } }";
const SLOTS: &str = "query($s: ID!, $v: ID!, $t: ID, $d: Date!) { availableSlots(shopId: $s, serviceItemId: $v, therapistId: $t, date: $d) { start end therapist { id name } } }";

pub struct Shop {
    pub tenant: TestTenant,
    pub shop: String,
    pub therapist: String,
    pub other_therapist: String,
    pub service: String,
}

/// A published shop open around the clock, two therapists performing a 60-minute ¥128 service.
pub async fn open_shop(app: &TestApp) -> Shop {
    let tenant = app.tenant("massage").await;
    let admin = app.bearer(&tenant.api_key);
    let hours: Vec<Value> = (1..=7).map(|d| json!({ "weekday": d, "opens": "00:00", "closes": "24:00" })).collect();
    let shop = admin
        .gql(
            "mutation($i: ShopInput!) { createShop(input: $i) { id } }",
            json!({ "i": { "name": "通宵推拿", "address": "北京市朝阳区", "phone": "010-65001234", "location": { "lat": 39.91, "lng": 116.46 }, "openingHours": hours } }),
        )
        .await
        .data()["createShop"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin.gql("mutation($id: ID!) { publishShop(id: $id) { id } }", json!({ "id": shop })).await.data();
    let mut therapists = vec![];
    for name in ["张师傅", "李师傅"] {
        let r = admin
            .gql(
                "mutation($i: CreateTherapistInput!) { createTherapist(input: $i) { id } }",
                json!({ "i": { "shopId": shop, "name": name } }),
            )
            .await
            .data();
        therapists.push(r["createTherapist"]["id"].as_str().unwrap().to_owned());
    }
    let service = admin
        .gql(
            "mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { id } }",
            json!({ "i": { "shopId": shop, "name": "中医推拿 60 分钟", "category": "推拿", "durationMinutes": 60, "priceFen": 12800, "therapistIds": therapists } }),
        )
        .await
        .data()["createServiceItem"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Shop { tenant, shop, therapist: therapists[0].clone(), other_therapist: therapists[1].clone(), service }
}

/// `days` from today in the tenant's calendar, at `hh:mm` local, as RFC 3339 (UTC).
pub fn local(days: i64, hh: u32, mm: u32) -> String {
    let date = Utc::now().with_timezone(&Shanghai).date_naive() + Duration::days(days);
    Shanghai.from_local_datetime(&date.and_hms_opt(hh, mm, 0).unwrap()).unwrap().with_timezone(&Utc).to_rfc3339()
}

fn date(days: i64) -> NaiveDate {
    Utc::now().with_timezone(&Shanghai).date_naive() + Duration::days(days)
}

#[tokio::test]
async fn free_slots_written_directly_are_the_executed_answer_byte_for_byte() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let consumer = app.consumer(&s.tenant, &unique("openid")).await;
    // A booking tomorrow at 15:00 takes its cells from both answers alike.
    let start = Shanghai.from_local_datetime(&date(1).and_hms_opt(15, 0, 0).unwrap()).unwrap().with_timezone(&Utc);
    let start = start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    app.bearer(&consumer).gql(BOOK, book_vars(&s, Some(&s.therapist), &start)).await.data();
    let (registered, executed) =
        registered_and_executed(include_str!("../../graphql/operations/booking.graphql"), "AvailableSlots");
    let day = |days: i64, therapist: Option<&str>| json!({ "shopId": s.shop, "serviceItemId": s.service, "therapistId": therapist, "date": date(days).to_string() });
    let cases = [day(1, None), day(2, Some(&s.therapist)), day(400, None)];
    for caller in [app.with_tenant(&s.tenant.slug), app.bearer(&consumer)] {
        for vars in &cases {
            let want = answer_text(&caller, &executed, vars).await;
            assert!(want.starts_with("{\"data\":{\"availableSlots\":[") && !want.contains("errors"), "{want}");
            let before = written_directly(&app);
            assert_eq!(answer_text(&caller, &registered, vars).await, want, "{vars}");
            assert_eq!(written_directly(&app), before + 1, "answered without the executor: {vars}");
        }
    }
    let tomorrow = answer_text(&app.with_tenant(&s.tenant.slug), &executed, &cases[0]).await;
    assert!(tomorrow.contains("张师傅") && tomorrow.contains("李师傅"), "{tomorrow}");
    assert!(answer_text(&app.with_tenant(&s.tenant.slug), &executed, &cases[2]).await.contains("[]"));
    // What the executor refuses is refused alike: another tenant's shop, a service given as the shop, an id that
    // is not one, a date out of range.
    let other = app.tenant("massage").await;
    for (slug, vars) in [
        (&other.slug, day(1, None)),
        (&s.tenant.slug, json!({ "shopId": s.service, "serviceItemId": s.service, "date": date(1).to_string() })),
        (&s.tenant.slug, json!({ "shopId": "not-an-id", "serviceItemId": s.service, "date": date(1).to_string() })),
        (&s.tenant.slug, json!({ "shopId": s.shop, "serviceItemId": s.service, "date": "1900-01-01" })),
    ] {
        let anon = app.with_tenant(slug);
        let want = refusal(&answer_text(&anon, &executed, &vars).await);
        assert_eq!(refusal(&answer_text(&anon, &registered, &vars).await), want, "{vars}");
        assert!(want.0.is_string(), "{want:?}");
    }
}

fn book_vars(s: &Shop, therapist: Option<&str>, start: &str) -> Value {
    json!({ "i": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": therapist, "start": start } })
}

async fn slot_starts(app: &TestApp, s: &Shop, therapist: Option<&str>, days: i64) -> Vec<chrono::DateTime<Utc>> {
    let r = app
        .with_tenant(&s.tenant.slug)
        .gql(SLOTS, json!({ "s": s.shop, "v": s.service, "t": therapist, "d": date(days).to_string() }))
        .await
        .data();
    r["availableSlots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| chrono::DateTime::parse_from_rfc3339(x["start"].as_str().unwrap()).unwrap().with_timezone(&Utc))
        .collect()
}

fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub async fn book(app: &TestApp, consumer: &str, s: &Shop, therapist: Option<&str>, start: &str) -> Gql {
    app.bearer(consumer).gql(BOOK, book_vars(s, therapist, start)).await
}

async fn paid_order(app: &TestApp, s: &Shop, consumer: &str, start: &str) -> String {
    let id = book(app, consumer, s, Some(&s.therapist), start).await.data()["createBooking"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.bearer(consumer).header("idempotency-key", &unique("k")).gql(PAY, json!({ "id": id })).await.data();
    id
}

#[tokio::test]
async fn one_of_thirty_simultaneous_bookings_of_a_slot_succeeds() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let mut consumers = vec![];
    for i in 0..30 {
        consumers.push(app.consumer(&s.tenant, &format!("o-race-{i}")).await);
    }
    let start = local(1, 14, 0);
    let attempts = consumers.iter().map(|c| book(&app, c, &s, Some(&s.therapist), &start));
    let results = futures_util::future::join_all(attempts).await;
    let ok = results.iter().filter(|r| r.code().is_none()).count();
    let conflicts = results.iter().filter(|r| r.code() == Some("CONFLICT")).count();
    assert_eq!((ok, conflicts), (1, 29), "{:?}", results.iter().map(|r| r.code()).collect::<Vec<_>>());
    // Overlapping times conflict too; after the service and the 10-minute rest, the therapist is free.
    book(&app, &consumers[1], &s, Some(&s.therapist), &local(1, 14, 30)).await.expect_code("CONFLICT");
    book(&app, &consumers[1], &s, Some(&s.therapist), &local(1, 13, 15)).await.expect_code("CONFLICT");
    book(&app, &consumers[1], &s, Some(&s.therapist), &local(1, 15, 15)).await.data();
    // "Any therapist" is given the other one at the taken time.
    let any = book(&app, &consumers[2], &s, None, &start).await.data();
    assert_eq!(any["createBooking"]["therapistId"], s.other_therapist.as_str());
    book(&app, &consumers[3], &s, None, &start).await.expect_code("CONFLICT");
    // Times off the grid, in the past or beyond the horizon are not bookable at all.
    for bad in [local(1, 14, 7), local(-1, 14, 0), local(15, 14, 0)] {
        book(&app, &consumers[4], &s, Some(&s.therapist), &bad).await.expect_code("VALIDATION");
    }
}

#[tokio::test]
async fn paying_twice_with_one_key_makes_one_payment_and_takes_the_slot() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-pay").await;
    let start = local(1, 16, 0);
    assert!(slot_starts(&app, &s, Some(&s.therapist), 1).await.contains(&at(&start)));
    let o = book(&app, &c, &s, Some(&s.therapist), &start).await.data()["createBooking"].clone();
    assert_eq!(o["status"], "PENDING_PAYMENT");
    assert_eq!(o["amountFen"], 12800);
    let id = o["id"].as_str().unwrap();
    let key = unique("pay");
    let first = app.bearer(&c).header("idempotency-key", &key).gql(PAY, json!({ "id": id })).await.data();
    let second = app.bearer(&c).header("idempotency-key", &key).gql(PAY, json!({ "id": id })).await.data();
    assert_eq!(first["payOrder"]["id"], second["payOrder"]["id"], "the same key answers the same payment");
    assert_eq!(first["payOrder"]["status"], "SUCCEEDED");
    assert_eq!(first["payOrder"]["order"]["status"], "PAID", "the payment answers its order as paid");
    assert_eq!(first["payOrder"]["order"]["paidFen"], 12800);
    assert_eq!(second["payOrder"]["order"], first["payOrder"]["order"], "and so does the request sent again");
    let order = app.bearer(&c).gql(ORDER, json!({ "id": id })).await.data();
    assert_eq!(order["order"]["status"], "PAID");
    assert_eq!(order["order"]["paidFen"], 12800);
    assert_eq!(order["order"]["payments"].as_array().unwrap().len(), 1, "one payment");
    assert!(!slot_starts(&app, &s, Some(&s.therapist), 1).await.contains(&at(&start)), "a paid slot is not offered");
    // Another key pays nothing twice; the same key for another order is refused.
    app.bearer(&c)
        .header("idempotency-key", &unique("pay"))
        .gql(PAY, json!({ "id": id }))
        .await
        .expect_code("CONFLICT");
    let other = book(&app, &c, &s, Some(&s.therapist), &local(1, 18, 0)).await.data()["createBooking"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.bearer(&c).header("idempotency-key", &key).gql(PAY, json!({ "id": other })).await.expect_code("CONFLICT");
}

#[tokio::test]
async fn cancelling_two_days_ahead_refunds_everything_and_frees_the_slot() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-cancel").await;
    let start = local(2, 10, 0);
    let id = paid_order(&app, &s, &c, &start).await;
    app.bearer(&c)
        .gql("mutation($id: ID!) { reviewOrder(id: $id, rating: 5, text: \"好\") { id } }", json!({ "id": id }))
        .await
        .expect_code("CONFLICT");
    let r = app
        .bearer(&c)
        .gql(
            "mutation($id: ID!) { cancelOrder(id: $id, reason: \"有事\") { status paidFen refundedFen } }",
            json!({ "id": id }),
        )
        .await
        .data();
    assert_eq!(r["cancelOrder"]["status"], "CANCELLED");
    assert_eq!(r["cancelOrder"]["refundedFen"], r["cancelOrder"]["paidFen"]);
    assert_eq!(r["cancelOrder"]["paidFen"], 12800);
    assert!(slot_starts(&app, &s, Some(&s.therapist), 2).await.contains(&at(&start)), "offered again");
    app.bearer(&c).header("idempotency-key", &unique("k")).gql(PAY, json!({ "id": id })).await.expect_code("CONFLICT");
    app.bearer(&c)
        .gql("mutation($id: ID!) { cancelOrder(id: $id) { status } }", json!({ "id": id }))
        .await
        .expect_code("CONFLICT");
}

#[tokio::test]
async fn a_late_cancellation_refunds_by_the_policy_and_the_shop_refunds_in_full() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-late").await;
    // An appointment an hour and a half ahead: inside the 2-hour cut-off. (Booked for another day and moved,
    // so that the test does not depend on the time of day it runs at.)
    let id = paid_order(&app, &s, &c, &local(3, 10, 0)).await;
    move_start(&app, &s.tenant, &id, Duration::minutes(90)).await;
    let r = app
        .bearer(&c)
        .gql("mutation($id: ID!) { cancelOrder(id: $id) { refundedFen paidFen } }", json!({ "id": id }))
        .await
        .data();
    assert_eq!(r["cancelOrder"]["refundedFen"], 6400, "50% after the cut-off");
    // Once the appointment has begun, only the shop cancels.
    let begun = paid_order(&app, &s, &c, &local(4, 9, 0)).await;
    move_start(&app, &s.tenant, &begun, Duration::hours(-1)).await;
    app.bearer(&c)
        .gql("mutation($id: ID!) { cancelOrder(id: $id) { id } }", json!({ "id": begun }))
        .await
        .expect_code("CONFLICT");
    // The shop cancelling refunds everything, whenever.
    let id = paid_order(&app, &s, &c, &local(3, 11, 0)).await;
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let r = app
        .bearer(&staff.token)
        .gql("mutation($id: ID!) { cancelOrder(id: $id, reason: \"师傅病假\") { refundedFen } }", json!({ "id": id }))
        .await
        .data();
    assert_eq!(r["cancelOrder"]["refundedFen"], 12800);
}

#[tokio::test]
async fn an_unpaid_order_expires_and_frees_its_slot() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (a, b) = (app.consumer(&s.tenant, "o-slow").await, app.consumer(&s.tenant, "o-fast").await);
    let start = local(1, 20, 0);
    let id =
        book(&app, &a, &s, Some(&s.therapist), &start).await.data()["createBooking"]["id"].as_str().unwrap().to_owned();
    book(&app, &b, &s, Some(&s.therapist), &start).await.expect_code("CONFLICT");
    // Sixteen minutes pass without payment (the tenant's window is fifteen): the clock moves, nothing sleeps.
    app.state.clock.advance(Duration::minutes(16));
    let o = app.bearer(&a).gql(ORDER, json!({ "id": id })).await.data();
    assert_eq!(o["order"]["status"], "EXPIRED");
    assert!(slot_starts(&app, &s, Some(&s.therapist), 1).await.contains(&at(&start)));
    app.bearer(&a).header("idempotency-key", &unique("k")).gql(PAY, json!({ "id": id })).await.expect_code("CONFLICT");
    book(&app, &b, &s, Some(&s.therapist), &start).await.data();
}

/// Moves an order's start to `from_now` from now: into the past, as if the appointment had begun, or close
/// ahead, whatever the time of day.
async fn move_start(app: &TestApp, tenant: &TestTenant, order: &str, from_now: Duration) {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let conn = sea_orm::Database::connect(app.admin_url()).await.unwrap();
    let txn = conn.begin().await.unwrap();
    let when = Utc::now() + from_now;
    let (id, when) = if crate::helpers::is_postgres() {
        txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{}', true)", tenant.id)).await.unwrap();
        (format!("'{order}'"), format!("'{}'::timestamptz", when.to_rfc3339()))
    } else {
        (format!("x'{}'", order.replace('-', "")), format!("'{}'", when.format("%Y-%m-%d %H:%M:%S%.f+00:00")))
    };
    let sql = format!("UPDATE orders SET start_at = {when} WHERE id = {id}");
    assert_eq!(
        txn.execute_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql))
            .await
            .unwrap()
            .rows_affected(),
        1
    );
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn an_order_is_seen_by_its_consumer_and_its_shop_only() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let mine = app.consumer(&s.tenant, "o-mine").await;
    let id = paid_order(&app, &s, &mine, &local(1, 9, 0)).await;
    let other_consumer = app.consumer(&s.tenant, "o-other").await;
    let other_shop = crate::storefront::shop(&app.bearer(&s.tenant.api_key), "别家店", 39.95, 116.40, false).await;
    let other_shop_staff = app.staff(&s.tenant, "SHOP_STAFF", &[&other_shop]).await;
    let own_staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let b = open_shop(&app).await;
    let b_consumer = app.consumer(&b.tenant, "o-mine").await;
    for who in
        [other_consumer.as_str(), other_shop_staff.token.as_str(), b.tenant.api_key.as_str(), b_consumer.as_str()]
    {
        app.bearer(who).gql(ORDER, json!({ "id": id })).await.expect_code("NOT_FOUND");
        for m in [
            "cancelOrder(id: $id) { id }",
            "confirmOrder(id: $id) { id }",
            "completeOrder(id: $id) { id }",
            "markNoShow(id: $id) { id }",
        ] {
            let r = app.bearer(who).gql(&format!("mutation($id: ID!) {{ {m} }}"), json!({ "id": id })).await;
            assert!(matches!(r.code(), Some("NOT_FOUND") | Some("FORBIDDEN")), "{m}: {}", r.body);
        }
    }
    for who in [mine.as_str(), own_staff.token.as_str(), s.tenant.api_key.as_str()] {
        assert_eq!(app.bearer(who).gql(ORDER, json!({ "id": id })).await.data()["order"]["status"], "PAID");
    }
    let q = "query($s: ID!) { shopOrders(shopId: $s) { edges { node { id } } } }";
    assert_eq!(
        app.bearer(&own_staff.token).gql(q, json!({ "s": s.shop })).await.data()["shopOrders"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.bearer(&other_shop_staff.token).gql(q, json!({ "s": s.shop })).await.expect_code("NOT_FOUND");
    let theirs = app.bearer(&other_consumer).gql("{ myOrders { edges { node { id } } } }", json!({})).await.data();
    assert!(theirs["myOrders"]["edges"].as_array().unwrap().is_empty());
    let my = app.bearer(&mine).gql("{ myOrders(status: PAID) { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(my["myOrders"]["edges"][0]["node"]["id"], id.as_str());
    // The order still reads as paid, unchanged.
    assert_eq!(app.bearer(&mine).gql(ORDER, json!({ "id": id })).await.data()["order"]["status"], "PAID");
}

pub fn simulated(app: &TestApp) -> civic::payments::SimulatedProvider {
    use secrecy::ExposeSecret;
    let secret =
        civic::config::decode_secret_key(app.state.config.secret_key.as_ref().unwrap().expose_secret()).unwrap();
    civic::payments::SimulatedProvider::new(civic::infra::crypto::Keys::from_secret(&secret).payment_notify_key())
}

async fn notify(app: &TestApp, tenant: &str, body: Vec<u8>, signature: &str) -> u16 {
    app.client
        .post(app.url(&format!("/webhooks/pay/simulated/{tenant}")))
        .header("x-civic-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn duplicate_and_forged_payment_notifications_change_nothing() {
    use civic::payments::Notification;
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-notify").await;
    let id = paid_order(&app, &s, &c, &local(1, 12, 0)).await;
    let o = app.bearer(&c).gql(ORDER, json!({ "id": id })).await.data();
    let payment: uuid::Uuid = o["order"]["payments"][0]["id"].as_str().unwrap().parse().unwrap();
    let provider = simulated(&app);
    let n = Notification {
        payment_id: payment,
        transaction_id: format!("SIM{}", payment.simple()),
        amount_fen: 12800,
        status: "SUCCESS".into(),
    };
    let (body, sig) = provider.signed(&n);
    // The same notification five times at once: one state change (already applied), all acknowledged.
    let sends = (0..5).map(|_| notify(&app, &s.tenant.slug, body.clone(), &sig));
    assert!(futures_util::future::join_all(sends).await.iter().all(|s| *s == 200));
    // Forged: a bad signature; an amount that does not match.
    assert_eq!(notify(&app, &s.tenant.slug, body.clone(), "00ff").await, 401);
    let mut tampered = body.clone();
    let pos = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[pos] = b'9';
    assert_eq!(notify(&app, &s.tenant.slug, tampered, &sig).await, 401);
    let wrong = Notification { amount_fen: 1, transaction_id: "SIM-other".into(), ..n.clone() };
    let (body, sig) = provider.signed(&wrong);
    assert_eq!(notify(&app, &s.tenant.slug, body, &sig).await, 400, "a mismatch is refused");
    let after = app.bearer(&c).gql(ORDER, json!({ "id": id })).await.data();
    assert_eq!(after["order"]["status"], "PAID");
    assert_eq!(after["order"]["paidFen"], 12800, "paid once");
    // Another deployment's signature means nothing here.
    let other = TestApp::spawn().await;
    let (body, sig) = simulated(&other).signed(&n);
    assert_eq!(notify(&app, &s.tenant.slug, body, &sig).await, 401);
}

#[tokio::test]
async fn a_payment_confirmed_after_the_order_closed_is_refunded_at_once() {
    use civic::payments::{
        Notification,
        entity::{allocation, payment},
    };
    use sea_orm::ActiveValue::Set;
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-late").await;
    let id = book(&app, &c, &s, Some(&s.therapist), &local(1, 14, 0)).await.data()["createBooking"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let order: uuid::Uuid = id.parse().unwrap();
    // A payment started with the provider, not yet confirmed (a real provider confirms later, by webhook).
    let tenant = civic::kernel::TenantId(s.tenant.id.parse().unwrap());
    let pending = uuid::Uuid::now_v7();
    let tx = app.state.db.begin(tenant).await.unwrap();
    tx.insert(payment::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(pending),
        idempotency_key: Set(unique("k")),
        request_hash: Set("h".into()),
        amount_fen: Set(12800),
        status: Set("PENDING".into()),
        provider: Set("simulated".into()),
        provider_txn_id: Set(None),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    })
    .await
    .unwrap();
    tx.insert(allocation::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(uuid::Uuid::now_v7()),
        payment_id: Set(pending),
        payable_kind: Set("order".into()),
        payable_id: Set(order),
        amount_fen: Set(12800),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Meanwhile the consumer cancels; then the provider confirms the payment, twice.
    let cancel = "mutation($id: ID!) { cancelOrder(id: $id, reason: \"有事\") { status paidFen } }";
    let r = app.bearer(&c).gql(cancel, json!({ "id": id })).await.data();
    assert_eq!(
        (r["cancelOrder"]["status"].as_str(), r["cancelOrder"]["paidFen"].as_i64()),
        (Some("CANCELLED"), Some(0))
    );
    let n = Notification {
        payment_id: pending,
        transaction_id: "SIM-late".into(),
        amount_fen: 12800,
        status: "SUCCESS".into(),
    };
    let (body, sig) = simulated(&app).signed(&n);
    assert_eq!(notify(&app, &s.tenant.slug, body.clone(), &sig).await, 200);
    assert_eq!(notify(&app, &s.tenant.slug, body, &sig).await, 200);
    let o = app.bearer(&c).gql(ORDER, json!({ "id": id })).await.data()["order"].clone();
    assert_eq!(o["status"], "CANCELLED", "a closed order stays closed");
    assert_eq!((o["paidFen"].as_i64(), o["refundedFen"].as_i64()), (Some(12800), Some(12800)), "refunded once");
    assert_eq!(o["payments"][0]["status"], "SUCCEEDED");
    // The slot stays free for others.
    assert!(slot_starts(&app, &s, Some(&s.therapist), 1).await.contains(&at(&local(1, 14, 0))));
}

async fn undelivered(app: &TestApp, tenant: &TestTenant) -> i64 {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let conn = app.service_conn().await;
    let txn = conn.begin().await.unwrap();
    if crate::helpers::is_postgres() {
        txn.execute_unprepared(&format!("SELECT set_config('app.tenant_id', '{}', true)", tenant.id)).await.unwrap();
    }
    let row = txn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT count(*) FROM notices WHERE delivered_at IS NULL",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn a_crash_between_commit_and_notice_still_delivers() {
    // This process commits payments but dies before delivering (its dispatcher never runs).
    let app = TestApp::spawn_with(|c| c.dispatch_notices = false).await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-crash").await;
    let id = paid_order(&app, &s, &c, &local(1, 8, 0)).await;
    let staff = app.staff(&s.tenant, "SHOP_MANAGER", &[&s.shop]).await;
    app.bearer(&staff.token)
        .gql("mutation($id: ID!) { confirmOrder(id: $id) { status } }", json!({ "id": id }))
        .await
        .data();
    assert_eq!(undelivered(&app, &s.tenant).await, 3, "SMS and voice call to the shop, WeChat message to the consumer");
    // A failed booking writes none.
    book(&app, &c, &s, Some(&s.therapist), &local(1, 8, 0)).await.expect_code("CONFLICT");
    assert_eq!(undelivered(&app, &s.tenant).await, 3);
    // After the restart, the dispatcher delivers them.
    let restarted = app.spawn_beside_with(|c| c.dispatch_notices = true).await;
    for _ in 0..100 {
        if undelivered(&restarted, &s.tenant).await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("notices were not delivered after the restart");
}

#[tokio::test]
async fn only_the_consumer_of_a_completed_order_reviews_it_once() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-review").await;
    let other = app.consumer(&s.tenant, "o-nosy").await;
    let id = paid_order(&app, &s, &c, &local(1, 7, 0)).await;
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let st = app.bearer(&staff.token);
    move_start(&app, &s.tenant, &id, Duration::hours(-1)).await;
    st.gql("mutation($id: ID!) { completeOrder(id: $id) { status } }", json!({ "id": id }))
        .await
        .expect_code("CONFLICT");
    st.gql("mutation($id: ID!) { confirmOrder(id: $id) { status } }", json!({ "id": id })).await.data();
    st.gql("mutation($id: ID!) { completeOrder(id: $id) { status } }", json!({ "id": id })).await.data();
    let review = "mutation($id: ID!, $r: Int!) { reviewOrder(id: $id, rating: $r, text: \"手法很好\") { id rating } }";
    app.bearer(&other).gql(review, json!({ "id": id, "r": 5 })).await.expect_code("NOT_FOUND");
    app.bearer(&c).gql(review, json!({ "id": id, "r": 6 })).await.expect_code("VALIDATION");
    let r = app.bearer(&c).gql(review, json!({ "id": id, "r": 4 })).await.data();
    app.bearer(&c).gql(review, json!({ "id": id, "r": 5 })).await.expect_code("CONFLICT");
    let rid = r["reviewOrder"]["id"].as_str().unwrap();
    let reply = "mutation($id: ID!) { replyToReview(id: $id, text: \"谢谢您\") { reply } }";
    assert_eq!(st.gql(reply, json!({ "id": rid })).await.data()["replyToReview"]["reply"], "谢谢您");
    st.gql(reply, json!({ "id": rid })).await.expect_code("CONFLICT");
    let shop = app
        .with_tenant(&s.tenant.slug)
        .gql("query($id: ID!) { shop(id: $id) { rating { average count } } }", json!({ "id": s.shop }))
        .await
        .data();
    assert_eq!(shop["shop"]["rating"], json!({ "average": 4.0, "count": 1 }));
}

#[tokio::test]
async fn tenant_b_reaches_no_booking_of_a() {
    let app = TestApp::spawn().await;
    let a = open_shop(&app).await;
    let b = open_shop(&app).await;
    let ca = app.consumer(&a.tenant, "o-a").await;
    let id = paid_order(&app, &a, &ca, &local(1, 10, 0)).await;
    move_start(&app, &a.tenant, &id, Duration::hours(-1)).await;
    let staff = app.staff(&a.tenant, "SHOP_STAFF", &[&a.shop]).await;
    app.bearer(&staff.token)
        .gql("mutation($id: ID!) { confirmOrder(id: $id) { id } }", json!({ "id": id }))
        .await
        .data();
    app.bearer(&staff.token)
        .gql("mutation($id: ID!) { completeOrder(id: $id) { id } }", json!({ "id": id }))
        .await
        .data();
    let review = app
        .bearer(&ca)
        .gql("mutation($id: ID!) { reviewOrder(id: $id, rating: 5, text: \"好\") { id } }", json!({ "id": id }))
        .await
        .data();
    let review_id = review["reviewOrder"]["id"].as_str().unwrap().to_owned();

    let cb = app.consumer(&b.tenant, "o-a").await;
    let b_staff = app.staff(&b.tenant, "TENANT_ADMIN", &[]).await;
    let anon_b = app.with_tenant(&b.tenant.slug);
    anon_b.gql(SLOTS, json!({ "s": a.shop, "v": a.service, "d": date(1).to_string() })).await.expect_code("NOT_FOUND");
    book(&app, &cb, &a, None, &local(1, 11, 0)).await.expect_code("NOT_FOUND");
    app.bearer(&cb)
        .header("idempotency-key", &unique("k"))
        .gql(PAY, json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    app.bearer(&cb)
        .gql("mutation($id: ID!) { reviewOrder(id: $id, rating: 1, text: \"差\") { id } }", json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    app.bearer(&b_staff.token)
        .gql("mutation($id: ID!) { replyToReview(id: $id, text: \"x\") { id } }", json!({ "id": review_id }))
        .await
        .expect_code("NOT_FOUND");
    for who in [b.tenant.api_key.as_str(), b_staff.token.as_str()] {
        app.bearer(who)
            .gql("query($s: ID!) { shopOrders(shopId: $s) { edges { node { id } } } }", json!({ "s": a.shop }))
            .await
            .expect_code("NOT_FOUND");
    }
    let mine = app.bearer(&cb).gql("{ myOrders { edges { node { id } } } }", json!({})).await.data();
    assert!(mine["myOrders"]["edges"].as_array().unwrap().is_empty());
    // A is untouched: still completed and reviewed, without a reply.
    let o = app
        .bearer(&ca)
        .gql("query($id: ID!) { order(id: $id) { status review { rating reply } } }", json!({ "id": id }))
        .await
        .data();
    assert_eq!(o["order"]["status"], "COMPLETED");
    assert_eq!(o["order"]["review"], json!({ "rating": 5, "reply": null }));
}

#[tokio::test]
async fn cancel_racing_complete_ends_in_exactly_one() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let st = app.bearer(&staff.token);
    for round in 0..5 {
        let c = app.consumer(&s.tenant, &format!("o-race-{round}")).await;
        let id = paid_order(&app, &s, &c, &local(2, 8 + 2 * round, 0)).await;
        st.gql("mutation($id: ID!) { confirmOrder(id: $id) { id } }", json!({ "id": id })).await.data();
        // Half an hour ahead: the shop may complete it, the consumer may still cancel (late: half refunded).
        move_start(&app, &s.tenant, &id, Duration::minutes(30)).await;
        let consumer = app.bearer(&c);
        let (cancel, complete) = tokio::join!(
            consumer.gql("mutation($id: ID!) { cancelOrder(id: $id) { status } }", json!({ "id": id })),
            st.gql("mutation($id: ID!) { completeOrder(id: $id) { status } }", json!({ "id": id })),
        );
        let won: Vec<bool> = [&cancel, &complete].iter().map(|r| r.code().is_none()).collect();
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "exactly one wins: {} / {}", cancel.body, complete.body);
        let lost = if won[0] { &complete } else { &cancel };
        lost.expect_code("CONFLICT");
        let o = app.bearer(&c).gql(ORDER, json!({ "id": id })).await.data();
        let status = o["order"]["status"].as_str().unwrap();
        assert_eq!(status, if won[0] { "CANCELLED" } else { "COMPLETED" });
        assert_eq!(o["order"]["refundedFen"], if won[0] { 6400 } else { 0 });
    }
    // A no-show only after the start.
    let c = app.consumer(&s.tenant, "o-noshow").await;
    let id = paid_order(&app, &s, &c, &local(2, 20, 0)).await;
    st.gql("mutation($id: ID!) { markNoShow(id: $id) { id } }", json!({ "id": id })).await.expect_code("CONFLICT");
}

#[tokio::test]
async fn production_takes_no_simulated_payment_except_for_load_tests() {
    let app = TestApp::spawn_with(|c| c.env = civic::config::Env::Production).await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-prod").await;
    let book_op = "mutation CreateBooking($input: CreateBookingInput!) {
      createBooking(input: $input) { id status serviceName start end amountFen paidFen refundedFen payBefore shop { id name } therapistId } }";
    let pay_op = "mutation PayOrder($id: ID!) { payOrder(id: $id) { id status amountFen provider order { id status paidFen } } }";
    let vars = json!({ "input": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": s.therapist, "start": local(1, 9, 0) } });
    let id = app.bearer(&c).gql(book_op, vars).await.data()["createBooking"]["id"].as_str().unwrap().to_owned();
    app.bearer(&c).gql(pay_op, json!({ "id": id })).await.expect_code("PAYMENT_FAILED");
    let o = app.bearer(&s.tenant.api_key).gql(ORDER, json!({ "id": id })).await.data();
    assert_eq!(o["order"]["status"], "PENDING_PAYMENT");
    assert!(o["order"]["payments"].as_array().unwrap().is_empty(), "no payment row");
}

/// The order keeps what was booked as typed JSON of a fixed shape (the service's name, list price and duration;
/// the refund policy). A snapshot or policy that cannot be read is an internal error, never a default name or
/// policy.
#[tokio::test]
async fn an_unreadable_price_snapshot_or_refund_policy_is_an_internal_error() {
    use civic::booking::entity::order;
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};

    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-snapshot").await;
    let tenant = civic::kernel::TenantId(s.tenant.id.parse().unwrap());
    let mut ids = vec![];
    for hh in [10, 12] {
        let r = book(&app, &c, &s, Some(&s.therapist), &local(3, hh, 0)).await.data();
        ids.push(r["createBooking"]["id"].as_str().unwrap().to_owned());
    }
    let named = "query($id: ID!) { order(id: $id) { serviceName } }";
    let r = app.bearer(&c).gql(named, json!({ "id": ids[0] })).await.data();
    assert_eq!(r["order"]["serviceName"], "中医推拿 60 分钟");

    // The stored JSON keeps its shape (no migration).
    let tx = app.state.db.read(tenant).await.unwrap();
    let id: uuid::Uuid = ids[0].parse().unwrap();
    let q = tx.select::<order::Entity>().map(|q| q.filter(order::Column::Id.eq(id)));
    let columns = [order::Column::PriceSnapshot, order::Column::RefundPolicy];
    let stored: Vec<(Value, Value)> = tx.tuples(q, columns).await.unwrap();
    drop(tx);
    let expected =
        json!({ "serviceName": "中医推拿 60 分钟", "listPriceFen": 12800, "durationMinutes": 60, "discounts": [] });
    assert_eq!(stored[0].0, expected);
    let policy = stored[0].1.as_object().unwrap();
    assert!(policy["cancel_cutoff_hours"].is_i64() && policy["late_refund_percent"].is_i64(), "{policy:?}");
    assert_eq!(policy.len(), 2);

    let corrupt = |column: order::Column, value: Value, id: String| {
        let app = &app;
        async move {
            let tx = app.state.db.begin(tenant).await.unwrap();
            let id: uuid::Uuid = id.parse().unwrap();
            let q = tx
                .update_many::<order::Entity>()
                .map(|q| q.col_expr(column, Expr::value(value.clone())).filter(order::Column::Id.eq(id)));
            assert_eq!(tx.exec_update(q).await.unwrap(), 1);
            tx.commit().await.unwrap();
        }
    };
    corrupt(order::Column::PriceSnapshot, json!({ "listPriceFen": 12800 }), ids[0].clone()).await;
    let r = app.bearer(&c).gql(named, json!({ "id": ids[0] })).await;
    r.expect_code("INTERNAL");
    corrupt(order::Column::RefundPolicy, json!({ "cancelCutoff": "2h" }), ids[1].clone()).await;
    let cancel = "mutation($id: ID!) { cancelOrder(id: $id) { status refundedFen } }";
    app.bearer(&c).gql(cancel, json!({ "id": ids[1] })).await.expect_code("INTERNAL");
}

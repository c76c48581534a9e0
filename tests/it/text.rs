//! Human text that reaches screens, SMS, voice calls and screen readers: every mutation that takes it stores it
//! trimmed and in NFC, refuses control characters, line breaks in one-line fields, bidirectional controls and
//! invisible characters with a `reason` at the field, and writes nothing when it refuses.

use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp};

const CREATE_SHOP: &str = "mutation($i: ShopInput!) { createShop(input: $i) { id name intro address } }";

fn shop(name: &str, intro: &str) -> Value {
    json!({ "i": { "name": name, "intro": intro, "address": "北京市朝阳区", "phone": "010-65001234",
                   "location": { "lat": 39.91, "lng": 116.46 } } })
}

#[track_caller]
fn refused(r: &Gql, field: &str, reason: &str) {
    r.expect_code("VALIDATION");
    let ext = &r.body["errors"][0]["extensions"];
    assert_eq!((ext["field"].as_str(), ext["reason"].as_str()), (Some(field), Some(reason)), "{}", r.body);
}

#[tokio::test]
async fn hostile_text_is_refused_with_its_reason_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    for (name, intro, field, reason) in [
        ("   ", "", "input.name", "EMPTY"),
        (&"推".repeat(101) as &str, "", "input.name", "TOO_LONG"),
        ("盲人\n推拿", "", "input.name", "LINE_BREAK"),
        ("盲人\r推拿", "", "input.name", "LINE_BREAK"),
        ("盲人推拿\u{7}", "", "input.name", "CONTROL_CHARACTER"),
        ("\u{1b}[31m盲人推拿", "", "input.name", "CONTROL_CHARACTER"),
        ("盲人推拿", "欢迎\u{7}光临", "input.intro", "CONTROL_CHARACTER"),
        ("\u{202E}拿推人盲", "", "input.name", "BIDI_OVERRIDE"),
        ("盲人\u{200B}推拿", "", "input.name", "INVISIBLE_CHARACTER"),
    ] {
        refused(&admin.gql(CREATE_SHOP, shop(name, intro)).await, field, reason);
    }
    let list = admin.gql("{ shops(first: 10) { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(list["shops"]["edges"], json!([]), "a refused write leaves nothing");

    // Other mutations that take human text refuse it alike, at their own fields.
    let staff = json!({ "i": { "username": "li.ming", "password": "long enough 1", "displayName": "李\u{202E}明",
                               "role": "TENANT_ADMIN" } });
    let r = admin.gql("mutation($i: CreateStaffInput!) { createStaff(input: $i) { id } }", staff).await;
    refused(&r, "input.displayName", "BIDI_OVERRIDE");
    let tenant =
        json!({ "i": { "slug": crate::helpers::unique("t"), "name": "推拿\u{1b}中心", "template": "massage" } });
    let r = app.platform().gql("mutation($i: CreateTenantInput!) { createTenant(input: $i) { apiKey } }", tenant).await;
    refused(&r, "input.name", "CONTROL_CHARACTER");
    let id = admin.gql(CREATE_SHOP, shop("盲人推拿", "")).await.data()["createShop"]["id"].clone();
    let tags = json!({ "id": id, "i": { "name": "盲人推拿", "address": "北京市朝阳区", "phone": "010-65001234",
                       "location": { "lat": 39.91, "lng": 116.46 }, "tags": ["安静", "安\u{2060}静"] } });
    let r = admin.gql("mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { id } }", tags).await;
    refused(&r, "input.tags.1", "INVISIBLE_CHARACTER");
    let therapist = json!({ "i": { "shopId": id, "name": "张师傅\u{7}" } });
    let r = admin.gql("mutation($i: CreateTherapistInput!) { createTherapist(input: $i) { id } }", therapist).await;
    refused(&r, "input.name", "CONTROL_CHARACTER");
    let item = json!({ "i": { "shopId": id, "name": "推拿\n60 分钟", "category": "推拿", "durationMinutes": 60,
                              "priceFen": 100 } });
    let r = admin.gql("mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { id } }", item).await;
    refused(&r, "input.name", "LINE_BREAK");
    let promo = json!({ "i": { "shopId": id, "title": "\u{202D}优惠", "body": "",
                               "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z" } });
    let r = admin.gql("mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { id } }", promo).await;
    refused(&r, "input.title", "BIDI_OVERRIDE");
}

#[tokio::test]
async fn text_is_stored_trimmed_and_normalised_and_paragraphs_keep_their_lines() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    // "Cafe" + COMBINING ACUTE ACCENT is stored as the one character "é" (NFC).
    let r = admin.gql(CREATE_SHOP, shop("\u{3000} Cafe\u{301} 推拿 \t", "第一行\r\n第二行\n")).await.data();
    assert_eq!(r["createShop"]["name"], "Café 推拿");
    assert_eq!(r["createShop"]["intro"], "第一行\n第二行");
}

#[tokio::test]
async fn a_cancel_reason_is_one_bounded_line() {
    let app = TestApp::spawn().await;
    let s = crate::booking::open_shop(&app).await;
    let consumer = app.consumer(&s.tenant, "o-text").await;
    let start = crate::booking::local(1, 14, 0);
    let book = "mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }";
    let vars =
        json!({ "i": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": s.therapist, "start": start } });
    let id = app.bearer(&consumer).gql(book, vars).await.data()["createBooking"]["id"].clone();
    let cancel = "mutation($id: ID!, $r: String) { cancelOrder(id: $id, reason: $r) { status } }";
    let r = app.bearer(&consumer).gql(cancel, json!({ "id": id, "r": "有事\u{7}" })).await;
    refused(&r, "reason", "CONTROL_CHARACTER");
    let r = app.bearer(&consumer).gql(cancel, json!({ "id": id, "r": "有".repeat(201) })).await;
    refused(&r, "reason", "TOO_LONG");
    let r = app.bearer(&consumer).gql(cancel, json!({ "id": id, "r": " 有事 " })).await.data();
    assert_eq!(r["cancelOrder"]["status"], "CANCELLED");
}

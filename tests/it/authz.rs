//! The role × operation table: every root field of the schema, and who may call it. A field missing from the
//! table fails the test; a caller outside a field's roles must be refused (FORBIDDEN, or UNAUTHENTICATED for
//! anonymous callers) before anything happens.

use serde_json::json;

use crate::helpers::{TestApp, unique};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Caller {
    Anonymous,
    Platform,
    ApiKey,
    TenantAdmin,
    ShopManager,
    ShopStaff,
    CsAgent,
    Consumer,
}

use Caller::*;

const ALL: &[Caller] = &[Anonymous, Platform, ApiKey, TenantAdmin, ShopManager, ShopStaff, CsAgent, Consumer];
const PUBLIC: &[Caller] = ALL;
const ADMINS: &[Caller] = &[ApiKey, TenantAdmin];
const STAFF: &[Caller] = &[TenantAdmin, ShopManager, ShopStaff, CsAgent];
const SHOP_WRITERS: &[Caller] = &[ApiKey, TenantAdmin, ShopManager];
const SHOP_STAFF: &[Caller] = &[ApiKey, TenantAdmin, ShopManager, ShopStaff];
const ORDER_READERS: &[Caller] = &[Consumer, ApiKey, TenantAdmin, ShopManager, ShopStaff];

/// (root field, operation, who may call it). Ids in the operations are fresh: an allowed caller gets some
/// other answer (NOT_FOUND, VALIDATION), never FORBIDDEN.
fn table() -> Vec<(&'static str, String, &'static [Caller])> {
    let id = uuid::Uuid::now_v7();
    vec![
        ("tenant", "{ tenant { id } }".into(), PUBLIC),
        ("me", "{ me { kind } }".into(), PUBLIC),
        ("wechatAuthorizeUrl", "{ wechatAuthorizeUrl(tenant: \"x-none\", redirectUri: \"https://a.cn\") }".into(), PUBLIC),
        ("wechatJsConfig", "{ wechatJsConfig(url: \"https://a.cn/\") { signature } }".into(), PUBLIC),
        ("tenants", "{ tenants { edges { node { id } } } }".into(), &[Platform]),
        ("staff", format!("{{ staff(id: \"{id}\") {{ id }} }}"), ADMINS),
        ("staffMembers", "{ staffMembers { edges { node { id } } } }".into(), ADMINS),
        ("auditLog", "{ auditLog { edges { node { id } } } }".into(), ADMINS),
        (
            "createTenant",
            format!("mutation {{ createTenant(input: {{ slug: \"{}\", name: \"n\", template: \"massage\" }}) {{ apiKey }} }}", unique("z")),
            &[Platform],
        ),
        ("rotateApiKey", format!("mutation {{ rotateApiKey(tenantId: \"{id}\") {{ apiKey }} }}"), &[Platform, ApiKey, TenantAdmin]),
        ("suspendTenant", format!("mutation {{ suspendTenant(id: \"{id}\") {{ id }} }}"), &[Platform]),
        ("activateTenant", format!("mutation {{ activateTenant(id: \"{id}\") {{ id }} }}"), &[Platform]),
        ("configureWechat", "mutation { configureWechat(input: { appId: \"bad\", appSecret: \"bad\" }) { id } }".into(), ADMINS),
        (
            "createStaff",
            "mutation { createStaff(input: { username: \"x\", password: \"short\", displayName: \"\", role: CS_AGENT }) { id } }".into(),
            ADMINS,
        ),
        ("updateStaff", format!("mutation {{ updateStaff(id: \"{id}\", input: {{}}) {{ id }} }}"), ADMINS),
        ("resetStaffPassword", format!("mutation {{ resetStaffPassword(id: \"{id}\", password: \"xxxxxxxxxxxx\") }}"), ADMINS),
        ("changePassword", "mutation { changePassword(currentPassword: \"wrong pass 1\", newPassword: \"short\") }".into(), STAFF),
        ("staffLogin", "mutation { staffLogin(tenant: \"x-none\", username: \"u\", password: \"p\") { token } }".into(), PUBLIC),
        ("wechatLogin", "mutation { wechatLogin(tenant: \"x-none\", code: \"c\", state: \"s\") { token } }".into(), PUBLIC),
        ("shop", format!("{{ shop(id: \"{id}\") {{ id }} }}"), PUBLIC),
        ("shops", "{ shops { edges { node { id } } } }".into(), PUBLIC),
        ("nearestShops", "{ nearestShops(near: { lat: 39.9, lng: 116.4 }, radiusMeters: 1000) { distanceMeters } }".into(), PUBLIC),
        ("searchShops", "{ searchShops(query: \"推拿\") { id } }".into(), PUBLIC),
        ("therapist", format!("{{ therapist(id: \"{id}\") {{ id }} }}"), PUBLIC),
        ("serviceItem", format!("{{ serviceItem(id: \"{id}\") {{ id }} }}"), PUBLIC),
        ("promotions", "{ promotions { edges { node { id } } } }".into(), PUBLIC),
        (
            "createShop",
            "mutation { createShop(input: { name: \"\", address: \"a\", phone: \"1\", location: { lat: 1, lng: 1 } }) { id } }".into(),
            ADMINS,
        ),
        (
            "updateShop",
            format!("mutation {{ updateShop(id: \"{id}\", input: {{ name: \"n\", address: \"a\", phone: \"01064012345\", location: {{ lat: 1, lng: 1 }} }}) {{ id }} }}"),
            SHOP_WRITERS,
        ),
        ("publishShop", format!("mutation {{ publishShop(id: \"{id}\") {{ id }} }}"), SHOP_WRITERS),
        ("unpublishShop", format!("mutation {{ unpublishShop(id: \"{id}\") {{ id }} }}"), SHOP_WRITERS),
        ("createTherapist", format!("mutation {{ createTherapist(input: {{ shopId: \"{id}\", name: \"n\" }}) {{ id }} }}"), SHOP_WRITERS),
        ("updateTherapist", format!("mutation {{ updateTherapist(id: \"{id}\", input: {{}}) {{ id }} }}"), SHOP_WRITERS),
        (
            "createServiceItem",
            format!("mutation {{ createServiceItem(input: {{ shopId: \"{id}\", name: \"n\", category: \"c\", durationMinutes: 60, priceFen: 1 }}) {{ id }} }}"),
            SHOP_WRITERS,
        ),
        ("updateServiceItem", format!("mutation {{ updateServiceItem(id: \"{id}\", input: {{}}) {{ id }} }}"), SHOP_WRITERS),
        (
            "createPromotion",
            format!("mutation {{ createPromotion(input: {{ shopId: \"{id}\", title: \"t\", body: \"b\", startsAt: \"2026-01-01T00:00:00Z\", endsAt: \"2027-01-01T00:00:00Z\" }}) {{ id }} }}"),
            SHOP_WRITERS,
        ),
        ("publishPromotion", format!("mutation {{ publishPromotion(id: \"{id}\") {{ id }} }}"), SHOP_WRITERS),
        ("unpublishPromotion", format!("mutation {{ unpublishPromotion(id: \"{id}\") {{ id }} }}"), SHOP_WRITERS),
        ("endPromotion", format!("mutation {{ endPromotion(id: \"{id}\") {{ id }} }}"), SHOP_WRITERS),
        (
            "availableSlots",
            format!("{{ availableSlots(shopId: \"{id}\", serviceItemId: \"{id}\", date: \"2030-01-01\") {{ start }} }}"),
            PUBLIC,
        ),
        ("order", format!("{{ order(id: \"{id}\") {{ id }} }}"), ORDER_READERS),
        ("myOrders", "{ myOrders { edges { node { id } } } }".into(), &[Consumer]),
        ("shopOrders", format!("{{ shopOrders(shopId: \"{id}\") {{ edges {{ node {{ id }} }} }} }}"), SHOP_STAFF),
        (
            "createBooking",
            format!("mutation {{ createBooking(input: {{ shopId: \"{id}\", serviceItemId: \"{id}\", start: \"2030-01-01T06:00:00Z\" }}) {{ id }} }}"),
            &[Consumer],
        ),
        (
            "createCounterBooking",
            format!("mutation {{ createCounterBooking(input: {{ shopId: \"{id}\", serviceItemId: \"{id}\", start: \"2030-01-01T06:00:00Z\", customerName: \"王女士\", customerPhone: \"13800138000\", channel: PHONE }}) {{ id }} }}"),
            SHOP_STAFF,
        ),
        ("payOrder", format!("mutation {{ payOrder(id: \"{id}\") {{ id }} }}"), &[Consumer]),
        ("cancelOrder", format!("mutation {{ cancelOrder(id: \"{id}\") {{ id }} }}"), ORDER_READERS),
        ("confirmOrder", format!("mutation {{ confirmOrder(id: \"{id}\") {{ id }} }}"), SHOP_STAFF),
        ("completeOrder", format!("mutation {{ completeOrder(id: \"{id}\") {{ id }} }}"), SHOP_STAFF),
        ("markNoShow", format!("mutation {{ markNoShow(id: \"{id}\") {{ id }} }}"), SHOP_STAFF),
        ("reviewOrder", format!("mutation {{ reviewOrder(id: \"{id}\", rating: 5, text: \"t\") {{ id }} }}"), &[Consumer]),
        ("replyToReview", format!("mutation {{ replyToReview(id: \"{id}\", text: \"t\") {{ id }} }}"), SHOP_STAFF),
    ]
}

#[tokio::test]
async fn every_root_field_is_guarded_by_role() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let shop = crate::storefront::shop(&app.bearer(&t.api_key), "守卫店", 39.93, 116.43, false).await;
    let shop = shop.as_str();
    let (app, t) = (&app, &t);
    let credential = |c: Caller| async move {
        match c {
            Anonymous => None,
            Platform => Some(app.platform_token.clone()),
            ApiKey => Some(t.api_key.clone()),
            TenantAdmin => Some(app.staff(t, "TENANT_ADMIN", &[]).await.token),
            ShopManager => Some(app.staff(t, "SHOP_MANAGER", &[shop]).await.token),
            ShopStaff => Some(app.staff(t, "SHOP_STAFF", &[shop]).await.token),
            CsAgent => Some(app.staff(t, "CS_AGENT", &[]).await.token),
            Consumer => Some(app.consumer(t, &unique("o")).await),
        }
    };
    let mut creds = vec![];
    for c in ALL {
        creds.push((*c, credential(*c).await));
    }

    // The table names every root field of the schema.
    let schema = app
        .anon()
        .gql("{ __schema { queryType { fields { name } } mutationType { fields { name } } } }", json!({}))
        .await
        .data();
    let table = table();
    for root in ["queryType", "mutationType"] {
        for f in schema["__schema"][root]["fields"].as_array().unwrap() {
            let name = f["name"].as_str().unwrap();
            assert!(table.iter().any(|(n, _, _)| *n == name), "{name} is not in the role table: add it with its roles");
        }
    }

    for (name, op, allowed) in &table {
        for (caller, cred) in &creds {
            let c = match cred {
                Some(token) => app.bearer(token),
                None => app.anon(),
            };
            let r = c.gql(op, json!({})).await;
            if allowed.contains(caller) {
                assert_ne!(r.code(), Some("FORBIDDEN"), "{name} as {caller:?} is allowed: {}", r.body);
            } else {
                let expected = if *caller == Anonymous { "UNAUTHENTICATED" } else { "FORBIDDEN" };
                assert_eq!(r.code(), Some(expected), "{name} as {caller:?} must be refused: {}", r.body);
                assert!(r.body["data"].is_null() || r.body["data"][name].is_null());
            }
        }
    }
    // Refused calls changed nothing: the platform-only createTenant made no tenant for anyone but the platform.
    let tenants = app.platform().gql("{ tenants(first: 100) { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(tenants["tenants"]["edges"].as_array().unwrap().len(), 2, "the test tenant and the platform's own");
}

//! Tenant B can never read or change tenant A's data, through any query or mutation that takes an id, any
//! list, sign-in or the audit log.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

/// Every root field that takes an id, and where it is covered. A new one must be added here (and tested).
const ID_TAKING: &[(&str, &str)] = &[
    ("staff", "b_reads_and_changes_nothing_of_a"),
    ("updateStaff", "b_reads_and_changes_nothing_of_a"),
    ("resetStaffPassword", "b_reads_and_changes_nothing_of_a"),
    ("rotateApiKey", "b_reads_and_changes_nothing_of_a"),
    ("suspendTenant", "authz: PLATFORM only"),
    ("activateTenant", "authz: PLATFORM only"),
    ("shop", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("therapist", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("serviceItem", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("promotions", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("updateShop", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("publishShop", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("unpublishShop", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("createTherapist", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("updateTherapist", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("createServiceItem", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("updateServiceItem", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("createPromotion", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("publishPromotion", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("unpublishPromotion", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("endPromotion", "storefront::tenant_b_never_sees_or_changes_a_storefront"),
    ("createShop", "storefront::bad_input_is_refused_and_writes_nothing (photoIds of no upload of this tenant)"),
    ("createStaff", "identity::staff_name_only_shops_of_their_tenant"),
    ("availableSlots", "booking::tenant_b_reaches_no_booking_of_a"),
    ("order", "booking::an_order_is_seen_by_its_consumer_and_its_shop_only"),
    ("shopOrders", "booking::tenant_b_reaches_no_booking_of_a"),
    ("createBooking", "booking::tenant_b_reaches_no_booking_of_a"),
    ("payOrder", "booking::tenant_b_reaches_no_booking_of_a"),
    ("createCounterBooking", "counter::tenant_b_and_other_shops_staff_book_nothing_of_a"),
    ("cancelOrder", "booking::an_order_is_seen_by_its_consumer_and_its_shop_only"),
    ("confirmOrder", "booking::an_order_is_seen_by_its_consumer_and_its_shop_only"),
    ("completeOrder", "booking::an_order_is_seen_by_its_consumer_and_its_shop_only"),
    ("markNoShow", "booking::an_order_is_seen_by_its_consumer_and_its_shop_only"),
    ("reviewOrder", "booking::tenant_b_reaches_no_booking_of_a"),
    ("replyToReview", "booking::tenant_b_reaches_no_booking_of_a"),
];

#[tokio::test]
async fn every_id_taking_operation_is_covered() {
    let app = TestApp::spawn().await;
    let r = app
        .anon()
        .gql(
            "{ __schema { queryType { fields { name args { name type { name ofType { name } } } } }
                          mutationType { fields { name args { name type { name ofType { name } } } } } } }",
            json!({}),
        )
        .await
        .data();
    let mut found = vec![];
    for root in ["queryType", "mutationType"] {
        for f in r["__schema"][root]["fields"].as_array().unwrap() {
            let takes_id = f["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["type"]["name"] == "ID" || a["type"]["ofType"]["name"] == "ID");
            if takes_id {
                found.push(f["name"].as_str().unwrap().to_owned());
            }
        }
    }
    for name in &found {
        assert!(ID_TAKING.iter().any(|(n, _)| n == name), "{name} takes an id: add it to ID_TAKING with a test");
    }
}

async fn not_found_like_missing(caller: &Caller<'_>, query: &str, a_id: &str) -> Value {
    let missing = uuid::Uuid::now_v7().to_string();
    let theirs = caller.gql(query, json!({ "id": a_id })).await;
    let nobody = caller.gql(query, json!({ "id": missing })).await;
    theirs.expect_code("NOT_FOUND");
    nobody.expect_code("NOT_FOUND");
    assert_eq!(theirs.message(), nobody.message(), "A's id is answered exactly like an id that does not exist");
    theirs.body
}

#[tokio::test]
async fn b_reads_and_changes_nothing_of_a() {
    let app = TestApp::spawn().await;
    let a = app.tenant("massage").await;
    let b = app.tenant("massage").await;
    let alice = app.staff(&a, "TENANT_ADMIN", &[]).await;
    let a_shop = crate::storefront::shop(&app.bearer(&a.api_key), "甲店", 39.93, 116.43, false).await;
    let a_shop_staff = app.staff(&a, "SHOP_STAFF", &[&a_shop]).await;
    let b_admin = app.staff(&b, "TENANT_ADMIN", &[]).await;
    // Some history in A's audit log.
    app.bearer(&alice.token)
        .gql(
            "mutation($id: ID!) { updateStaff(id: $id, input: { displayName: \"甲\" }) { id } }",
            json!({ "id": a_shop_staff.id }),
        )
        .await
        .data();
    let a_log = app
        .bearer(&alice.token)
        .gql("{ auditLog(first: 100) { edges { node { requestId } } } }", json!({}))
        .await
        .data();
    let a_request_ids: Vec<String> = a_log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["requestId"].as_str().unwrap().to_owned())
        .collect();
    assert!(a_request_ids.len() >= 3);

    for caller in [app.bearer(&b.api_key), app.bearer(&b_admin.token)] {
        not_found_like_missing(&caller, "query($id: ID!) { staff(id: $id) { id username } }", &alice.id).await;
        not_found_like_missing(
            &caller,
            "mutation($id: ID!) { updateStaff(id: $id, input: { displayName: \"hacked\", active: false }) { id } }",
            &alice.id,
        )
        .await;
        not_found_like_missing(
            &caller,
            "mutation($id: ID!) { resetStaffPassword(id: $id, password: \"hacked password\") }",
            &alice.id,
        )
        .await;
        let r =
            caller.gql("mutation($id: ID!) { rotateApiKey(tenantId: $id) { apiKey } }", json!({ "id": a.id })).await;
        r.expect_code("NOT_FOUND");

        let list = caller.gql("{ staffMembers(first: 100) { edges { node { id } } } }", json!({})).await.data();
        let ids: Vec<&str> = list["staffMembers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap())
            .collect();
        assert!(
            !ids.contains(&alice.id.as_str()) && !ids.contains(&a_shop_staff.id.as_str()),
            "B's list shows none of A"
        );

        // B's log holds B's own attempts (which may name the ids B sent) and nothing that A did.
        let log = caller
            .gql("{ auditLog(first: 100) { edges { node { actorId target requestId } } } }", json!({}))
            .await
            .data();
        let entries = log["auditLog"]["edges"].as_array().unwrap();
        assert!(!entries.is_empty(), "B sees its own entries");
        for e in entries {
            let e = &e["node"];
            assert!(!a_request_ids.contains(&e["requestId"].as_str().unwrap().to_owned()), "B sees A's entry {e}");
            assert_ne!(e["actorId"], alice.id.as_str());
            assert_ne!(e["target"], a_shop_staff.id.as_str(), "only A acted on this staff member");
        }

        let tenant = caller.gql("{ tenant { slug } }", json!({})).await.data();
        assert_eq!(tenant["tenant"]["slug"], b.slug.as_str());
    }

    // A is untouched.
    let me = app.bearer(&alice.token).gql("{ me { staff { displayName active } } }", json!({})).await.data();
    assert_eq!(me["me"]["staff"]["displayName"], "测试员工");
    assert_eq!(me["me"]["staff"]["active"], true);
    app.login(&a.slug, &alice.username, &alice.password).await.data();
    app.bearer(&a.api_key).gql("{ me { kind } }", json!({})).await.data();

    // A's credentials mean nothing at B, and a credential fixes its tenant whatever X-Tenant says.
    app.login(&b.slug, &alice.username, &alice.password).await.expect_code("UNAUTHENTICATED");
    let r = app.bearer(&alice.token).header("x-tenant", &b.slug).gql("{ tenant { slug } }", json!({})).await.data();
    assert_eq!(r["tenant"]["slug"], a.slug.as_str());

    // The same WeChat user is a different consumer in each tenant.
    let ca = app.consumer(&a, "same-person").await;
    let cb = app.consumer(&b, "same-person").await;
    let id_of = |v: Value| v["me"]["consumer"]["id"].as_str().unwrap().to_owned();
    let q = "{ me { consumer { id } tenant { slug } } }";
    assert_ne!(
        id_of(app.bearer(&ca).gql(q, json!({})).await.data()),
        id_of(app.bearer(&cb).gql(q, json!({})).await.data())
    );
}

/// A query refined with `Scoped::map` stays within the transaction's tenant whatever the closure returns: a
/// closure that builds a fresh query reads, changes and deletes none of another tenant's rows (on SQLite, where
/// no row-level security stands behind the application).
#[tokio::test]
async fn a_mapped_query_cannot_drop_the_tenant_condition() {
    use civic::{
        kernel::TenantId,
        notify::{self, Channel, Notice, Recipient, RecipientKind, entity::notice},
    };
    use sea_orm::{EntityTrait, sea_query::Expr};

    let app = TestApp::spawn_with(|c| c.dispatch_notices = false).await;
    let (a, b) = (app.tenant("massage").await, app.tenant("massage").await);
    let (a, b) = (TenantId(a.id.parse().unwrap()), TenantId(b.id.parse().unwrap()));
    let note = |key: &str| Notice {
        channel: Channel::Sms,
        event: "TEST",
        recipient: Recipient { kind: RecipientKind::Shop, id: uuid::Uuid::now_v7() },
        dedupe_key: key.into(),
        text: "甲的通知".into(),
        about: json!({}),
    };
    let tx = app.state.db.begin(a).await.unwrap();
    notify::enqueue(&tx, app.state.now(), vec![note("a1"), note("a2")]).await.unwrap();
    tx.commit().await.unwrap();

    let tx = app.state.db.begin(b).await.unwrap();
    let read = tx.all(tx.select::<notice::Entity>().map(|_| notice::Entity::find())).await.unwrap();
    assert!(read.is_empty(), "B read A's notices: {read:?}");
    let one = tx.one(tx.select::<notice::Entity>().map(|_| notice::Entity::find())).await.unwrap();
    assert!(one.is_none(), "B read one of A's notices");
    assert_eq!(tx.count(tx.select::<notice::Entity>().map(|_| notice::Entity::find())).await.unwrap(), 0);
    let fresh_update =
        || notice::Entity::update_many().col_expr(notice::Column::Text, Expr::value("B was here".to_owned()));
    assert_eq!(tx.exec_update(tx.update_many::<notice::Entity>().map(|_| fresh_update())).await.unwrap(), 0);
    let returned = tx.update_returning(tx.update_many::<notice::Entity>().map(|_| fresh_update())).await.unwrap();
    assert!(returned.is_empty(), "B changed A's notices");
    let deleted =
        tx.exec_delete(tx.delete_many::<notice::Entity>().map(|_| notice::Entity::delete_many())).await.unwrap();
    assert_eq!(deleted, 0, "B deleted A's notices");
    tx.commit().await.unwrap();

    let tx = app.state.db.read(a).await.unwrap();
    let mine = tx.all(tx.select::<notice::Entity>()).await.unwrap();
    assert_eq!(mine.len(), 2, "A's notices are all there");
    assert!(mine.iter().all(|n| n.text.as_deref() == Some("甲的通知")), "A's notices are unchanged");
}

//! Payments as a capability: one payment pays several payables through allocations that sum to it, each payee
//! takes its part, and a refund comes from the payment that paid the payable it is for.

use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::json;

use crate::{
    booking::{ORDER, book, local, open_shop},
    helpers::{TestApp, unique},
};
use civic::payments::{
    self, NewPayment, Payable,
    entity::{allocation, payment, refund},
};

#[tokio::test]
async fn one_payment_pays_two_orders_and_a_refund_comes_from_the_part_that_paid_its_order() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let c = app.consumer(&s.tenant, "o-two").await;
    let mut orders = vec![];
    for hour in [9, 11] {
        let r = book(&app, &c, &s, Some(&s.therapist), &local(1, hour, 0)).await.data();
        orders.push(r["createBooking"]["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap());
    }
    let tenant = civic::tenancy::service::by_slug(&app.state, &s.tenant.slug).await.unwrap().unwrap();
    let payables: Vec<Payable> =
        orders.iter().map(|id| Payable { kind: "order", id: *id, amount_fen: 12800 }).collect();
    let tx = app.state.db.begin(tenant.id).await.unwrap();
    let key = unique("both");
    let new = NewPayment { idempotency_key: &key, request_hash: "h", payables: &payables };
    let opened = payments::open(&app.state, &tx, &tenant, new).await.unwrap();
    tx.commit().await.unwrap();
    let mut answer = payments::settle(&app.state, &tenant, opened).await.unwrap();
    let took: Vec<_> = orders
        .iter()
        .map(|id| answer.taken::<civic::booking::entity::order::Model>(*id).map(|o| (o.status, o.paid_fen)))
        .collect();
    assert_eq!(took, vec![Some(("PAID".to_owned(), 12800)); 2], "each order as its payee took the money");
    let settled = answer.payment;
    assert_eq!((settled.status.as_str(), settled.amount_fen), ("SUCCEEDED", 25600));

    let tx = app.state.db.read(tenant.id).await.unwrap();
    let parts = tx
        .all(tx.select::<allocation::Entity>().map(|q| q.filter(allocation::Column::PaymentId.eq(settled.id))))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(parts.iter().map(|a| a.amount_fen).sum::<i64>(), settled.amount_fen, "allocations sum to the payment");
    for id in &orders {
        let o = app.bearer(&c).gql(ORDER, json!({ "id": id })).await.data()["order"].clone();
        assert_eq!((o["status"].as_str(), o["paidFen"].as_i64()), (Some("PAID"), Some(12800)), "each order its part");
        assert_eq!(o["payments"][0]["id"], settled.id.to_string(), "both orders show the one payment");
    }

    // The shop cancels the second: its part goes back, from that payment, for that order only.
    let staff = app.staff(&s.tenant, "SHOP_MANAGER", &[&s.shop]).await;
    let r = app
        .bearer(&staff.token)
        .gql("mutation($id: ID!) { cancelOrder(id: $id) { status refundedFen } }", json!({ "id": orders[1] }))
        .await
        .data();
    assert_eq!(r["cancelOrder"]["refundedFen"], 12800);
    let first = app.bearer(&c).gql(ORDER, json!({ "id": orders[0] })).await.data()["order"].clone();
    assert_eq!((first["status"].as_str(), first["refundedFen"].as_i64()), (Some("PAID"), Some(0)));
    let tx = app.state.db.read(tenant.id).await.unwrap();
    let refunds = tx.all(tx.select::<refund::Entity>()).await.unwrap();
    let paid = tx.get::<payment::Entity>(settled.id).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        (refunds[0].payment_id, refunds[0].payable_kind.as_str(), refunds[0].payable_id, refunds[0].amount_fen),
        (settled.id, "order", orders[1], 12800)
    );
    assert_eq!(paid.status, "SUCCEEDED", "a partial refund leaves the payment succeeded");
}

#[tokio::test]
async fn a_payment_opened_for_payables_is_tenant_scoped() {
    // Tenant B cannot open a payment for A's order: the order is not B's, so B's payee finds nothing to mark
    // paid and the whole settlement rolls back.
    let app = TestApp::spawn().await;
    let a = open_shop(&app).await;
    let b = open_shop(&app).await;
    let c = app.consumer(&a.tenant, "o-a").await;
    let r = book(&app, &c, &a, Some(&a.therapist), &local(1, 9, 0)).await.data();
    let order: uuid::Uuid = r["createBooking"]["id"].as_str().unwrap().parse().unwrap();
    let tenant_b = civic::tenancy::service::by_slug(&app.state, &b.tenant.slug).await.unwrap().unwrap();
    let tx = app.state.db.begin(tenant_b.id).await.unwrap();
    let key = unique("cross");
    let payables = [Payable { kind: "order", id: order, amount_fen: 12800 }];
    let opened = payments::open(
        &app.state,
        &tx,
        &tenant_b,
        NewPayment { idempotency_key: &key, request_hash: "h", payables: &payables },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(payments::settle(&app.state, &tenant_b, opened).await.is_err(), "no order of B's to pay");
    let o = app.bearer(&c).gql(ORDER, json!({ "id": order })).await.data()["order"].clone();
    assert_eq!((o["status"].as_str(), o["paidFen"].as_i64()), (Some("PENDING_PAYMENT"), Some(0)));
    assert_eq!(o["payments"], json!([]), "A's order shows no payment of B's");
}

/// A database migrated up to just before payments had payables, with an order's payment and refund as they were
/// stored then, migrated the rest of the way: the payment pays the order through one allocation and the refund
/// names that payment.
#[tokio::test]
async fn payments_stored_before_payables_are_carried_over() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database};
    let dir = tempfile::tempdir().unwrap();
    let url = match crate::helpers::pg_urls() {
        Some((_, admin)) => {
            let name = format!("civic_t_{}", uuid::Uuid::new_v4().simple());
            let maintenance = crate::helpers::with_db(&admin, "postgres");
            crate::helpers::admin_exec(&maintenance, &format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            crate::helpers::with_db(&admin, &name)
        }
        None => format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display()),
    };
    let pg = url.starts_with("postgres");
    // One connection, so that switching foreign keys off holds for every statement.
    let conn = Database::connect(sea_orm::ConnectOptions::new(url).max_connections(1).sqlx_logging(false).to_owned())
        .await
        .unwrap();
    // Every migration before the payables one.
    let steps = Migrator::migrations().iter().position(|m| m.name().contains("payables")).unwrap() as u32;
    Migrator::up(&conn, Some(steps)).await.unwrap();
    // The rows alone, with their tenant but without shop and order: foreign keys off (and, on PostgreSQL, as the owner).
    conn.execute_unprepared(if pg { "SET session_replication_role = replica" } else { "PRAGMA foreign_keys = OFF" })
        .await
        .unwrap();
    let (tenant, order, pay, failed) =
        (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let now = if pg { "now()" } else { "'2026-12-01T08:00:00Z'" };
    // A uuid as each backend stores it (SQLite: 16 bytes).
    let u = |id: uuid::Uuid| if pg { format!("'{id}'") } else { format!("X'{}'", id.simple()) };
    let (t, o, p, f) = (u(tenant), u(order), u(pay), u(failed));
    conn.execute_unprepared(&format!(
        "INSERT INTO tenants (id, slug, name, template, kind, time_zone, status, created_at, updated_at)
           VALUES ({t}, 'old', '旧租户', 'massage', 'massage', 'Asia/Shanghai', 'ACTIVE', {now}, {now});
         INSERT INTO payments (tenant_id, id, order_id, idempotency_key, request_hash, amount_fen, status, provider,
           provider_txn_id, created_at, updated_at) VALUES
           ({t}, {f}, {o}, 'k1', 'h', 12800, 'FAILED', 'simulated', NULL, {now}, {now}),
           ({t}, {p}, {o}, 'k2', 'h', 12800, 'SUCCEEDED', 'simulated', 'SIM1', {now}, {now});
         INSERT INTO refunds (tenant_id, id, order_id, refund_no, amount_fen, status, reason, created_at, updated_at)
           VALUES ({t}, {}, {o}, 'RF1', 6400, 'SUCCEEDED', NULL, {now}, {now});",
        u(uuid::Uuid::now_v7())
    ))
    .await
    .unwrap();
    Migrator::up(&conn, None).await.unwrap();
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT a.payment_id, a.payable_kind, a.payable_id, a.amount_fen FROM payment_allocations a ORDER BY a.amount_fen, a.payment_id",
        ))
        .await
        .unwrap();
    let allocations: Vec<(uuid::Uuid, String, uuid::Uuid, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
            )
        })
        .collect();
    let mut expected = vec![(failed, "order".to_owned(), order, 12800), (pay, "order".to_owned(), order, 12800)];
    expected.sort_by_key(|a| a.0);
    assert_eq!(allocations, expected, "one allocation per payment, for its order");
    let r = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT payment_id, payable_kind, payable_id, amount_fen FROM refunds",
        ))
        .await
        .unwrap()
        .unwrap();
    let refund: (uuid::Uuid, String, uuid::Uuid, i64) = (
        r.try_get_by_index(0).unwrap(),
        r.try_get_by_index(1).unwrap(),
        r.try_get_by_index(2).unwrap(),
        r.try_get_by_index(3).unwrap(),
    );
    assert_eq!(refund, (pay, "order".to_owned(), order, 6400), "the refund comes from the payment that succeeded");
    // The rebuilt tables keep their foreign keys: a refund of an unknown payment is refused.
    conn.execute_unprepared(if pg { "SET session_replication_role = DEFAULT" } else { "PRAGMA foreign_keys = ON" })
        .await
        .unwrap();
    let orphan = conn
        .execute_unprepared(&format!(
            "INSERT INTO refunds (tenant_id, id, payment_id, payable_kind, payable_id, refund_no, amount_fen, status,
               created_at, updated_at) VALUES ({t}, {}, {}, 'order', {o}, 'RF2', 1, 'SUCCEEDED', {now}, {now})",
            u(uuid::Uuid::now_v7()),
            u(uuid::Uuid::now_v7())
        ))
        .await;
    assert!(orphan.is_err(), "refunds reference payments");
    conn.execute_unprepared(&format!(
        "INSERT INTO refunds (tenant_id, id, payment_id, payable_kind, payable_id, refund_no, amount_fen, status,
           created_at, updated_at) VALUES ({t}, {}, {p}, 'order', {o}, 'RF3', 1, 'SUCCEEDED', {now}, {now})",
        u(uuid::Uuid::now_v7())
    ))
    .await
    .expect("a refund of a known payment is kept");
    conn.close().await.unwrap();
}

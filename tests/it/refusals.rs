//! What a page can rely on in a refusal besides its code: `extensions.field`, the path of the value it sent that
//! was refused, and `extensions.reason`, what happened, to branch on without reading the message.

use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    booking::open_shop,
    helpers::{Gql, TestApp},
};

#[track_caller]
fn expect(r: &Gql, code: &str, key: &str, value: &str) {
    r.expect_code(code);
    assert_eq!(r.body["errors"][0]["extensions"][key], value, "{}", r.body);
}

#[tokio::test]
async fn a_validation_error_names_the_field_as_the_client_sent_it() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let shop = |i: Value| json!({ "i": i });
    let base = json!({ "name": "盲人推拿", "address": "北京市朝阳区", "phone": "010-65001234",
                       "location": { "lat": 39.91, "lng": 116.46 } });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        shop(i)
    };
    let create = "mutation($i: ShopInput!) { createShop(input: $i) { id } }";
    for (vars, field, reason) in [
        (with("name", json!("  ")), "input.name", Some("EMPTY")),
        (with("phone", json!("12")), "input.phone", None),
        (
            with("tags", json!(["安静", "一个非常非常非常非常非常长的标签超过二十个字符了"])),
            "input.tags.1",
            Some("TOO_LONG"),
        ),
        (with("location", json!({ "lat": 91.0, "lng": 116.46 })), "input.location", None),
        (with("closedDates", json!(["2026-13-01"])), "input.closedDates", None),
        (with("photoIds", json!(["0190f0f0-0000-7000-8000-000000000000"])), "input.photoIds", None),
    ] {
        let r = admin.gql(create, vars).await;
        expect(&r, "VALIDATION", "field", field);
        // Human text says why it was refused (`kernel::text`); other values by their message only.
        assert_eq!(r.body["errors"][0]["extensions"]["reason"].as_str(), reason, "{}", r.body);
    }
    // The message is unchanged: it still names the field in words.
    let r = admin.gql(create, with("name", json!(""))).await;
    assert_eq!(r.message(), "name must be 1-100 characters");

    let id = admin.gql(create, shop(base.clone())).await.data()["createShop"]["id"].as_str().unwrap().to_owned();
    let item =
        json!({ "i": { "shopId": id, "name": "推拿", "category": "推拿", "durationMinutes": 60, "priceFen": -1 } });
    let r = admin.gql("mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { id } }", item).await;
    expect(&r, "VALIDATION", "field", "input.priceFen");

    let staff =
        json!({ "i": { "username": "li.ming", "password": "short", "displayName": "李明", "role": "TENANT_ADMIN" } });
    let r = admin.gql("mutation($i: CreateStaffInput!) { createStaff(input: $i) { id } }", staff).await;
    expect(&r, "VALIDATION", "field", "input.password");

    // An argument at the root is named by itself.
    let r = admin.gql("{ shops(first: 0) { edges { node { id } } } }", json!({})).await;
    expect(&r, "VALIDATION", "field", "first");
}

#[tokio::test]
async fn a_taken_username_and_a_taken_slug_say_so() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let q = "mutation($i: CreateStaffInput!) { createStaff(input: $i) { id } }";
    let vars = json!({ "i": { "username": "wang.li", "password": "tea kettle harbor 71", "displayName": "王丽",
                              "role": "TENANT_ADMIN" } });
    app.bearer(&t.api_key).gql(q, vars.clone()).await.data();
    let r = app.bearer(&t.api_key).gql(q, vars).await;
    expect(&r, "CONFLICT", "reason", "USERNAME_TAKEN");
    assert_eq!(r.message(), "this username is taken");

    let create = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id } } }";
    let r =
        app.platform().gql(create, json!({ "i": { "slug": t.slug, "name": "again", "template": "massage" } })).await;
    expect(&r, "CONFLICT", "reason", "SLUG_TAKEN");
}

#[tokio::test]
async fn a_slot_booked_meanwhile_is_slot_taken() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (a, b) = (app.consumer(&s.tenant, "o-ref-a").await, app.consumer(&s.tenant, "o-ref-b").await);
    let date = Utc::now().with_timezone(&Shanghai).date_naive() + Duration::days(1);
    let start =
        Shanghai.from_local_datetime(&date.and_hms_opt(14, 0, 0).unwrap()).unwrap().with_timezone(&Utc).to_rfc3339();
    let book = "mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }";
    let vars =
        json!({ "i": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": s.therapist, "start": start } });
    app.bearer(&a).gql(book, vars.clone()).await.data();
    let r = app.bearer(&b).gql(book, vars).await;
    expect(&r, "CONFLICT", "reason", "SLOT_TAKEN");
    assert_eq!(r.message(), "this time has just been booked");
    // A time that was never offered is the client's mistake, at its field.
    let off_grid = start.replace(":00:00", ":07:00");
    let vars =
        json!({ "i": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": s.therapist, "start": off_grid } });
    expect(&app.bearer(&b).gql(book, vars).await, "VALIDATION", "field", "input.start");
}

/// `error::violated_unique` tells keys apart by the list in the migration crate: every unique index of the
/// migrated schema (besides primary keys) must be in it, under its name and columns.
#[tokio::test]
async fn every_unique_index_of_the_schema_is_listed() {
    let app = TestApp::spawn().await;
    let conn = app.service_conn().await;
    let strings = |sql: &'static str| {
        let conn = &conn;
        async move {
            let rows = conn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await;
            rows.unwrap().iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect::<Vec<_>>()
        }
    };
    let mut found = if crate::helpers::is_postgres() {
        strings(
            "SELECT c.relname::text || ' ' || t.relname::text || ' ' ||
                    string_agg(a.attname::text, ',' ORDER BY k.ord)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             WHERE n.nspname = current_schema() AND i.indisunique AND NOT i.indisprimary
               AND t.relname NOT LIKE 'seaql%'
             GROUP BY c.relname, t.relname",
        )
        .await
    } else {
        strings(
            "SELECT l.name || ' ' || m.name || ' ' ||
                    (SELECT group_concat(c.name, ',') FROM
                       (SELECT ii.name FROM pragma_index_info(l.name) ii ORDER BY ii.seqno) c)
             FROM sqlite_master m JOIN pragma_index_list(m.name) l
             WHERE m.type = 'table' AND l.\"unique\" = 1 AND l.origin != 'pk' AND m.name NOT LIKE 'seaql%'",
        )
        .await
    };
    found.sort();
    let sqlite = !crate::helpers::is_postgres();
    let mut listed: Vec<String> = migration::UNIQUE_KEYS
        .iter()
        .map(|k| {
            // SQLite names a column's own UNIQUE constraint `sqlite_autoindex_{table}_{n}`.
            let name = match sqlite && k.name.ends_with("_key") {
                true => "auto".to_owned(),
                false => k.name.to_owned(),
            };
            format!("{name} {} {}", k.table, k.columns.join(","))
        })
        .collect();
    listed.sort();
    let found: Vec<String> = found
        .into_iter()
        .map(|f| if f.starts_with("sqlite_autoindex_") { format!("auto {}", f.split_once(' ').unwrap().1) } else { f })
        .collect();
    let mut found = found;
    found.sort();
    assert_eq!(found, listed, "migration::UNIQUE_KEYS and the schema's unique indexes disagree");
}

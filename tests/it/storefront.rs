//! The storefront: what consumers see, who may change what, nearest-shop and text search, tenant walls.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{
    Caller, TestApp, TestTenant, answer_text, refusal, registered_and_executed, unique, written_directly,
};

const CREATE_SHOP: &str = "mutation($i: ShopInput!) { createShop(input: $i) { id status callUrl } }";
const PUBLISH: &str = "mutation($id: ID!) { publishShop(id: $id) { status } }";

fn shop_input(name: &str, lat: f64, lng: f64) -> Value {
    json!({ "name": name, "address": "北京市东城区东直门内大街 1 号", "phone": "010-6401 2345",
            "location": { "lat": lat, "lng": lng, "datum": "GCJ02" }, "intro": "盲人按摩，手法专业", "district": "东城区" })
}

pub async fn shop(admin: &Caller<'_>, name: &str, lat: f64, lng: f64, publish: bool) -> String {
    let r = admin.gql(CREATE_SHOP, json!({ "i": shop_input(name, lat, lng) })).await.data();
    let id = r["createShop"]["id"].as_str().unwrap().to_owned();
    if publish {
        admin.gql(PUBLISH, json!({ "id": id })).await.data();
    }
    id
}

async fn therapist(admin: &Caller<'_>, shop: &str, name: &str) -> String {
    let r = admin
        .gql(
            "mutation($i: CreateTherapistInput!) { createTherapist(input: $i) { id } }",
            json!({ "i": { "shopId": shop, "name": name, "specialties": ["颈椎调理"], "gender": "MALE", "title": "高级按摩师", "yearsOfPractice": 12 } }),
        )
        .await
        .data();
    r["createTherapist"]["id"].as_str().unwrap().to_owned()
}

async fn service(admin: &Caller<'_>, shop: &str, name: &str, therapists: &[&str]) -> String {
    let r = admin
        .gql(
            "mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { id } }",
            json!({ "i": { "shopId": shop, "name": name, "category": "推拿", "durationMinutes": 60, "priceFen": 12800, "therapistIds": therapists } }),
        )
        .await
        .data();
    r["createServiceItem"]["id"].as_str().unwrap().to_owned()
}

async fn promotion(admin: &Caller<'_>, shop: &str, title: &str, from_days: i64, to_days: i64, publish: bool) -> String {
    let now = Utc::now();
    let r = admin
        .gql(
            "mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { id callUrl } }",
            json!({ "i": { "shopId": shop, "title": title, "body": "到店即享", "kind": "PERCENT_OFF", "percentOff": 20,
                           "startsAt": (now + Duration::days(from_days)).to_rfc3339(), "endsAt": (now + Duration::days(to_days)).to_rfc3339(),
                           "publish": publish } }),
        )
        .await
        .data();
    assert!(r["createPromotion"]["callUrl"].as_str().unwrap().starts_with("tel:"));
    r["createPromotion"]["id"].as_str().unwrap().to_owned()
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().or(e["id"].as_str()).unwrap().to_owned()).collect()
}

pub struct Storefront {
    pub published: String,
    draft: String,
    suspended: String,
    pub therapist: String,
    idle_therapist: String,
    service: String,
    running: String,
    others: Vec<String>,
}

pub async fn storefront(app: &TestApp, t: &TestTenant) -> Storefront {
    let admin = app.bearer(&t.api_key);
    let published = shop(&admin, "康乐盲人推拿", 39.9413, 116.4345, true).await;
    let draft = shop(&admin, "草稿店", 39.9420, 116.4350, false).await;
    let suspended = shop(&admin, "停业店", 39.9430, 116.4360, true).await;
    admin.gql("mutation($id: ID!) { unpublishShop(id: $id) { status } }", json!({ "id": suspended })).await.data();
    let therapist = therapist(&admin, &published, "张建国").await;
    let idle_therapist = self::therapist(&admin, &published, "休假师傅").await;
    admin
        .gql(
            "mutation($id: ID!) { updateTherapist(id: $id, input: { active: false }) { active } }",
            json!({ "id": idle_therapist }),
        )
        .await
        .data();
    let service = service(&admin, &published, "中医推拿 60 分钟", &[&therapist]).await;
    let running = promotion(&admin, &published, "新客八折", -1, 30, true).await;
    let others = vec![
        promotion(&admin, &published, "已过期", -30, -1, true).await,
        promotion(&admin, &published, "未开始", 5, 30, true).await,
        promotion(&admin, &published, "草稿活动", -1, 30, false).await,
        promotion(&admin, &draft, "草稿店活动", -1, 30, true).await,
    ];
    Storefront { published, draft, suspended, therapist, idle_therapist, service, running, others }
}

#[tokio::test]
async fn consumers_see_published_shops_and_running_promotions_only() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let s = storefront(&app, &t).await;
    let consumer_token = app.consumer(&t, "o-storefront").await;
    for who in [app.with_tenant(&t.slug), app.bearer(&consumer_token)] {
        let list = who.gql("{ shops { edges { node { id } } } }", json!({})).await.data();
        assert_eq!(ids(&list["shops"]["edges"]), [s.published.as_str()]);
        for hidden in [&s.draft, &s.suspended] {
            who.gql("query($id: ID!) { shop(id: $id) { id } }", json!({ "id": hidden })).await.expect_code("NOT_FOUND");
        }
        let one = who
            .gql(
                "query($id: ID!) { shop(id: $id) { name callUrl openingHours { weekday opens closes } location { lat lng }
                    therapists { id name } services { id name priceFen durationMinutes therapists { id } }
                    promotions { id title callUrl } rating { average count } } }",
                json!({ "id": s.published }),
            )
            .await
            .data();
        let shop = &one["shop"];
        assert_eq!(shop["callUrl"], "tel:01064012345");
        assert_eq!(shop["openingHours"].as_array().unwrap().len(), 7, "no hours means 10:00–22:00 daily");
        assert_eq!(shop["openingHours"][0], json!({ "weekday": 1, "opens": "10:00", "closes": "22:00" }));
        assert_eq!(ids(&shop["therapists"]), [s.therapist.as_str()], "inactive therapists are hidden");
        assert_eq!(ids(&shop["services"]), [s.service.as_str()]);
        assert_eq!(ids(&shop["services"][0]["therapists"]), [s.therapist.as_str()]);
        assert_eq!(ids(&shop["promotions"]), [s.running.as_str()]);
        assert_eq!(shop["promotions"][0]["callUrl"], "tel:01064012345");
        assert_eq!(shop["rating"], json!({ "average": null, "count": 0 }));
        let promos = who.gql("{ promotions { edges { node { id startsAt } } } }", json!({})).await.data();
        assert_eq!(ids(&promos["promotions"]["edges"]), [s.running.as_str()]);
        assert!(
            promos["promotions"]["edges"][0]["node"]["startsAt"].as_str().unwrap().ends_with("+08:00"),
            "shown in the tenant's time zone"
        );
        who.gql("query($id: ID!) { therapist(id: $id) { id } }", json!({ "id": s.idle_therapist }))
            .await
            .expect_code("NOT_FOUND");
        who.gql("query($id: ID!) { promotions(shopId: $id) { edges { node { id } } } }", json!({ "id": s.draft }))
            .await
            .expect_code("NOT_FOUND");
    }
    // The tenant's administrator sees everything.
    let all = app
        .bearer(&t.api_key)
        .gql("{ shops { edges { node { id status } } } promotions { edges { node { id } } } }", json!({}))
        .await
        .data();
    assert_eq!(ids(&all["shops"]["edges"]).len(), 3);
    assert_eq!(ids(&all["promotions"]["edges"]).len(), 1 + s.others.len());
}

#[tokio::test]
async fn shop_managers_change_their_own_shops_and_shop_staff_only_read() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let mine = shop(&admin, "我的店", 39.90, 116.40, false).await;
    let other = shop(&admin, "别人的店", 39.91, 116.41, true).await;
    let manager = app.staff(&t, "SHOP_MANAGER", &[&mine]).await;
    let staff = app.staff(&t, "SHOP_STAFF", &[&mine]).await;
    let m = app.bearer(&manager.token);
    let update = "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { name } }";
    let r = m.gql(update, json!({ "id": mine, "i": shop_input("改名了", 39.90, 116.40) })).await.data();
    assert_eq!(r["updateShop"]["name"], "改名了");
    m.gql(update, json!({ "id": other, "i": shop_input("抢店", 39.90, 116.40) })).await.expect_code("NOT_FOUND");
    m.gql(CREATE_SHOP, json!({ "i": shop_input("新店", 39.9, 116.4) })).await.expect_code("FORBIDDEN");
    therapist(&m, &mine, "王师傅").await;
    m.gql(
        "mutation($i: CreateTherapistInput!) { createTherapist(input: $i) { id } }",
        json!({ "i": { "shopId": other, "name": "x" } }),
    )
    .await
    .expect_code("NOT_FOUND");
    // Shop staff read their own shop, drafts included, and change nothing.
    let st = app.bearer(&staff.token);
    let list = st.gql("{ shops { edges { node { id status } } } }", json!({})).await.data();
    assert_eq!(ids(&list["shops"]["edges"]), [mine.as_str()]);
    st.gql(update, json!({ "id": mine, "i": shop_input("x", 39.9, 116.4) })).await.expect_code("FORBIDDEN");
    let after = admin.gql("query($id: ID!) { shop(id: $id) { name } }", json!({ "id": other })).await.data();
    assert_eq!(after["shop"]["name"], "别人的店");
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let mut bad = vec![];
    for (k, v) in [
        ("phone", json!("call me")),
        ("name", json!("")),
        ("location", json!({ "lat": 91.0, "lng": 116.4 })),
        ("location", json!({ "lat": 39.9, "lng": -181.0 })),
        (
            "openingHours",
            json!([{ "weekday": 1, "opens": "10:00", "closes": "12:00" }, { "weekday": 1, "opens": "11:00", "closes": "13:00" }]),
        ),
        ("openingHours", json!([{ "weekday": 8, "opens": "10:00", "closes": "12:00" }])),
        ("closedDates", json!(["2027-02-30"])),
        ("photoIds", json!(["0190f0f0-0000-7000-8000-000000000000"])),
    ] {
        let mut i = shop_input("店", 39.9, 116.4);
        i[k] = v;
        bad.push(i);
    }
    for i in bad {
        admin.gql(CREATE_SHOP, json!({ "i": i })).await.expect_code("VALIDATION");
    }
    let s = shop(&admin, "好店", 39.9, 116.4, true).await;
    let now = Utc::now();
    let promo = "mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { id } }";
    for i in [
        json!({ "shopId": s, "title": "t", "body": "b", "startsAt": now.to_rfc3339(), "endsAt": (now - Duration::days(1)).to_rfc3339() }),
        json!({ "shopId": s, "title": "t", "body": "b", "startsAt": now.to_rfc3339(), "endsAt": (now + Duration::days(1)).to_rfc3339(), "kind": "PERCENT_OFF" }),
        json!({ "shopId": s, "title": "t", "body": "b", "startsAt": now.to_rfc3339(), "endsAt": (now + Duration::days(1)).to_rfc3339(), "kind": "AMOUNT_OFF", "percentOff": 10 }),
    ] {
        admin.gql(promo, json!({ "i": i })).await.expect_code("VALIDATION");
    }
    let svc = "mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { id } }";
    for (k, v) in [
        ("durationMinutes", json!(7)),
        ("priceFen", json!(-1)),
        ("therapistIds", json!(["0190f0f0-0000-7000-8000-000000000000"])),
    ] {
        let mut i = json!({ "shopId": s, "name": "推拿", "category": "推拿", "durationMinutes": 60, "priceFen": 100 });
        i[k] = v;
        admin.gql(svc, json!({ "i": i })).await.expect_code("VALIDATION");
    }
    let all = admin
        .gql("{ shops { edges { node { id services { id } } } } promotions { edges { node { id } } } }", json!({}))
        .await
        .data();
    assert_eq!(ids(&all["shops"]["edges"]).len(), 1, "refused shops left no rows");
    assert!(all["shops"]["edges"][0]["node"]["services"].as_array().unwrap().is_empty());
    assert!(all["promotions"]["edges"].as_array().unwrap().is_empty());
    admin.gql("mutation($id: ID!) { publishShop(id: $id) { status } }", json!({ "id": s })).await.data();
    let r = admin.gql("mutation($id: ID!) { unpublishShop(id: $id) { status } }", json!({ "id": s })).await.data();
    assert_eq!(r["unpublishShop"]["status"], "SUSPENDED");
}

/// The reference: great-circle distance on a sphere of the mean Earth radius, written out independently.
fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

const NEAREST: &str = "query($p: GeoPointInput!, $r: Float!, $n: Int) { nearestShops(near: $p, radiusMeters: $r, first: $n) { distanceMeters shop { id } } }";

async fn nearest(c: &Caller<'_>, lat: f64, lng: f64, datum: &str, r: f64, n: i32) -> Vec<(String, f64)> {
    let v = c.gql(NEAREST, json!({ "p": { "lat": lat, "lng": lng, "datum": datum }, "r": r, "n": n })).await.data();
    v["nearestShops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["shop"]["id"].as_str().unwrap().to_owned(), h["distanceMeters"].as_f64().unwrap()))
        .collect()
}

#[tokio::test]
async fn nearest_shops_equal_the_haversine_reference() {
    use rand::{Rng, SeedableRng};
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut shops = vec![];
    for i in 0..60 {
        let (lat, lng) = (rng.random_range(39.85..40.0), rng.random_range(116.30..116.50));
        let id = shop(&admin, &format!("店{i}"), lat, lng, i % 6 != 0).await;
        if i % 6 != 0 {
            shops.push((id, lat, lng));
        }
    }
    let anon = app.with_tenant(&t.slug);
    for _ in 0..20 {
        let (lat, lng) = (rng.random_range(39.85..40.0), rng.random_range(116.30..116.50));
        let (radius, first) = (rng.random_range(500.0..12_000.0), rng.random_range(1..40));
        let mut expected: Vec<(String, f64)> = shops
            .iter()
            .map(|(id, a, b)| (id.clone(), haversine((lat, lng), (*a, *b))))
            .filter(|(_, d)| *d <= radius)
            .collect();
        expected.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        expected.truncate(first as usize);
        let got = nearest(&anon, lat, lng, "GCJ02", radius, first).await;
        assert_eq!(
            got.iter().map(|g| &g.0).collect::<Vec<_>>(),
            expected.iter().map(|e| &e.0).collect::<Vec<_>>(),
            "same shops, same order"
        );
        for (g, e) in got.iter().zip(&expected) {
            assert!((g.1 - e.1).abs() < 3.0, "distance {} vs {}", g.1, e.1);
            assert!(g.1 <= radius);
        }
        // A phone's WGS-84 fix is converted before the search.
        let (glat, glng) = civic::infra::geo::wgs84_to_gcj02(lat, lng);
        let (wlat, wlng) = (lat - (glat - lat), lng - (glng - lng));
        let (clat, clng) = civic::infra::geo::wgs84_to_gcj02(wlat, wlng);
        let (w, c) = (
            nearest(&anon, wlat, wlng, "WGS84", radius, first).await,
            nearest(&anon, clat, clng, "GCJ02", radius, first).await,
        );
        assert_eq!(w.iter().map(|x| &x.0).collect::<Vec<_>>(), c.iter().map(|x| &x.0).collect::<Vec<_>>());
        assert!(w.iter().zip(&c).all(|(a, b)| (a.1 - b.1).abs() < 0.01));
    }
    app.with_tenant(&t.slug)
        .gql(NEAREST, json!({ "p": { "lat": 39.9, "lng": 116.4 }, "r": 0.0 }))
        .await
        .expect_code("VALIDATION");
    app.with_tenant(&t.slug)
        .gql(NEAREST, json!({ "p": { "lat": 39.9, "lng": 116.4 }, "r": 1000.0, "n": 101 }))
        .await
        .expect_code("VALIDATION");
}

#[tokio::test]
async fn every_process_sees_moves_and_unpublishing_at_once() {
    let app = TestApp::spawn().await;
    let other = app.spawn_beside().await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let near_dongzhimen = (39.9413, 116.4345);
    let a = shop(&admin, "东直门店", near_dongzhimen.0, near_dongzhimen.1, true).await;
    let reader = other.with_tenant(&t.slug);
    assert_eq!(nearest(&reader, near_dongzhimen.0, near_dongzhimen.1, "GCJ02", 2_000.0, 10).await.len(), 1);
    // Moved 10 km away: it leaves the old neighbourhood in the other process too.
    let mut moved = shop_input("东直门店", 39.9413 + 0.09, 116.4345);
    moved["location"]["lat"] = json!(39.9413 + 0.09);
    admin
        .gql(
            "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { id } }",
            json!({ "id": a, "i": moved }),
        )
        .await
        .data();
    assert!(nearest(&reader, near_dongzhimen.0, near_dongzhimen.1, "GCJ02", 2_000.0, 10).await.is_empty());
    assert_eq!(nearest(&reader, 39.9413 + 0.09, 116.4345, "GCJ02", 500.0, 10).await.len(), 1);
    let b = shop(&admin, "新开店", near_dongzhimen.0, near_dongzhimen.1, true).await;
    assert_eq!(nearest(&reader, near_dongzhimen.0, near_dongzhimen.1, "GCJ02", 2_000.0, 10).await[0].0, b);
    admin.gql("mutation($id: ID!) { unpublishShop(id: $id) { id } }", json!({ "id": b })).await.data();
    assert!(nearest(&reader, near_dongzhimen.0, near_dongzhimen.1, "GCJ02", 2_000.0, 10).await.is_empty());
    let s = reader.gql("query($q: String!) { searchShops(query: $q) { id } }", json!({ "q": "新开店" })).await.data();
    assert!(s["searchShops"].as_array().unwrap().is_empty(), "unpublished shops leave the search too");
}

#[tokio::test]
async fn search_finds_shops_by_name_therapist_and_service_in_chinese() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let s = storefront(&app, &t).await;
    let anon = app.with_tenant(&t.slug);
    let q = "query($q: String!) { searchShops(query: $q) { id name } }";
    for term in ["康乐", "张建国", "推拿", "中医推拿", "颈椎", "东直门"] {
        let r = anon.gql(q, json!({ "q": term })).await.data();
        assert_eq!(ids(&r["searchShops"]), [s.published.as_str()], "{term}");
    }
    for term in ["草稿店", "停业店", "休假师傅", "不存在的词"] {
        let r = anon.gql(q, json!({ "q": term })).await.data();
        assert!(r["searchShops"].as_array().unwrap().is_empty(), "{term} finds nothing");
    }
}

#[tokio::test]
async fn tenant_b_never_sees_or_changes_a_storefront() {
    let app = TestApp::spawn().await;
    let a = app.tenant("massage").await;
    let b = app.tenant("massage").await;
    let s = storefront(&app, &a).await;
    let b_admin = app.staff(&b, "TENANT_ADMIN", &[]).await;
    let b_shop = shop(&app.bearer(&b.api_key), "B 的店", 39.9413, 116.4345, true).await;
    let b_consumer = app.consumer(&b, "o-b").await;
    let readers =
        [app.with_tenant(&b.slug), app.bearer(&b.api_key), app.bearer(&b_admin.token), app.bearer(&b_consumer)];
    for r in &readers {
        for (q, id) in [
            ("query($id: ID!) { shop(id: $id) { id } }", &s.published),
            ("query($id: ID!) { therapist(id: $id) { id } }", &s.therapist),
            ("query($id: ID!) { serviceItem(id: $id) { id } }", &s.service),
            ("query($id: ID!) { promotions(shopId: $id) { edges { node { id } } } }", &s.published),
        ] {
            r.gql(q, json!({ "id": id })).await.expect_code("NOT_FOUND");
        }
        let list =
            r.gql("{ shops { edges { node { id } } } promotions { edges { node { id } } } }", json!({})).await.data();
        assert_eq!(ids(&list["shops"]["edges"]), [b_shop.as_str()]);
        assert!(list["promotions"]["edges"].as_array().unwrap().is_empty());
        let near = nearest(r, 39.9413, 116.4345, "GCJ02", 5_000.0, 50).await;
        assert_eq!(near.iter().map(|n| n.0.clone()).collect::<Vec<_>>(), [b_shop.as_str()]);
        let found = r.gql("query($q: String!) { searchShops(query: $q) { id } }", json!({ "q": "推拿" })).await.data();
        assert!(found["searchShops"].as_array().unwrap().is_empty());
    }
    let now = Utc::now();
    for w in [app.bearer(&b.api_key), app.bearer(&b_admin.token)] {
        for (q, vars) in [
            (
                "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { id } }",
                json!({ "id": s.published, "i": shop_input("x", 39.9, 116.4) }),
            ),
            ("mutation($id: ID!) { publishShop(id: $id) { id } }", json!({ "id": s.draft })),
            ("mutation($id: ID!) { unpublishShop(id: $id) { id } }", json!({ "id": s.published })),
            (
                "mutation($id: ID!) { updateTherapist(id: $id, input: { name: \"x\" }) { id } }",
                json!({ "id": s.therapist }),
            ),
            (
                "mutation($id: ID!) { updateServiceItem(id: $id, input: { priceFen: 1 }) { id } }",
                json!({ "id": s.service }),
            ),
            ("mutation($id: ID!) { publishPromotion(id: $id) { id } }", json!({ "id": s.others[2] })),
            ("mutation($id: ID!) { unpublishPromotion(id: $id) { id } }", json!({ "id": s.running })),
            ("mutation($id: ID!) { endPromotion(id: $id) { id } }", json!({ "id": s.running })),
            (
                "mutation($id: ID!) { createTherapist(input: { shopId: $id, name: \"x\" }) { id } }",
                json!({ "id": s.published }),
            ),
            (
                "mutation($id: ID!) { createServiceItem(input: { shopId: $id, name: \"x\", category: \"推拿\", durationMinutes: 60, priceFen: 1 }) { id } }",
                json!({ "id": s.published }),
            ),
            (
                "mutation($id: ID!, $a: DateTime!, $b: DateTime!) { createPromotion(input: { shopId: $id, title: \"x\", body: \"x\", startsAt: $a, endsAt: $b }) { id } }",
                json!({ "id": s.published, "a": now.to_rfc3339(), "b": (now + Duration::days(1)).to_rfc3339() }),
            ),
        ] {
            w.gql(q, vars).await.expect_code("NOT_FOUND");
        }
        // A's therapists cannot be attached to B's services.
        w.gql(
            "mutation($s: ID!, $t: ID!) { createServiceItem(input: { shopId: $s, name: \"x\", category: \"推拿\", durationMinutes: 60, priceFen: 1, therapistIds: [$t] }) { id } }",
            json!({ "s": b_shop, "t": s.therapist }),
        )
        .await
        .expect_code("VALIDATION");
    }
    // A is unchanged.
    let a_view = app
        .with_tenant(&a.slug)
        .gql("query($id: ID!) { shop(id: $id) { name status services { priceFen } therapists { name } promotions { id } } }", json!({ "id": s.published }))
        .await
        .data();
    assert_eq!(a_view["shop"]["name"], "康乐盲人推拿");
    assert_eq!(a_view["shop"]["services"][0]["priceFen"], 12800);
    assert_eq!(a_view["shop"]["therapists"][0]["name"], "张建国");
    assert_eq!(ids(&a_view["shop"]["promotions"]), [s.running.as_str()]);
}

#[tokio::test]
async fn the_demo_seed_makes_a_beijing_storefront() {
    let app = TestApp::spawn().await;
    let out = app.cli(&["seed", "demo"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("bj-massage") && text.contains("API key"), "{text}");
    let anon = app.with_tenant("bj-massage");
    let shops = anon
        .gql(
            "{ shops(first: 100) { edges { node { id name therapists { id } services { id priceFen } } } } }",
            json!({}),
        )
        .await
        .data();
    let shops = shops["shops"]["edges"].as_array().unwrap();
    assert!(shops.len() >= 30, "{} shops", shops.len());
    assert!(shops.iter().all(|s| !s["node"]["therapists"].as_array().unwrap().is_empty()
        && !s["node"]["services"].as_array().unwrap().is_empty()));
    let near = nearest(&anon, 39.9413, 116.4345, "GCJ02", 3_000.0, 10).await;
    assert!(!near.is_empty(), "shops near 东直门");
    assert!(near.windows(2).all(|w| w[0].1 <= w[1].1));
    let found = anon
        .gql("query($q: String!) { searchShops(query: $q, first: 100) { id } }", json!({ "q": "推拿" }))
        .await
        .data();
    assert!(found["searchShops"].as_array().unwrap().len() >= 10);
    let promos = anon.gql("{ promotions(first: 100) { edges { node { title endsAt } } } }", json!({})).await.data();
    for p in promos["promotions"]["edges"].as_array().unwrap() {
        let ends = chrono::DateTime::parse_from_rfc3339(p["node"]["endsAt"].as_str().unwrap()).unwrap();
        assert!(ends > Utc::now(), "only running promotions");
    }
    // Running it again changes nothing.
    let again = app.cli(&["seed", "demo"]).await;
    assert!(again.status.success());
    let count = anon.gql("{ shops(first: 100) { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(count["shops"]["edges"].as_array().unwrap().len(), shops.len());
}

/// The lines `slug<TAB>token` of a tokens file.
fn token_lines(path: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| l.split_once('\t').map(|(s, t)| (s.to_owned(), t.to_owned())).expect("slug<TAB>token"))
        .collect()
}

#[tokio::test]
async fn the_volume_seed_makes_load_test_tenants_that_purge_removes() {
    let app = TestApp::spawn().await;
    // A real tenant under a load-test slug: the seed leaves it alone and signs none of its consumers in.
    let real =
        app.cli(&["tenant", "create", "--slug", "load-0004", "--name", "真实租户", "--template", "massage"]).await;
    assert!(real.status.success(), "{}", String::from_utf8_lossy(&real.stderr));
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.tsv");
    let seed = async |app: &TestApp| {
        let args = [
            "seed",
            "volume",
            "--tenants",
            "4",
            "--shops-per-tenant",
            "20",
            "--consumer-tokens",
            tokens.to_str().unwrap(),
        ];
        let out = app.cli_same_key(&args).await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap()
    };
    let printed = seed(&app).await;
    let anon = app.with_tenant("load-0002");
    let t = anon
        .gql(
            "{ tenant { isLoadTest } shops(first: 100) { edges { node { id services { id } therapists { id } } } } }",
            json!({}),
        )
        .await
        .data();
    assert_eq!(t["tenant"]["isLoadTest"], true);
    let shops = t["shops"]["edges"].as_array().unwrap();
    assert_eq!(shops.len(), 20);
    assert!(shops.iter().all(|s| s["node"]["services"].as_array().unwrap().len() == 4
        && s["node"]["therapists"].as_array().unwrap().len() == 3));
    assert!(!nearest(&anon, 39.92, 116.42, "GCJ02", 50_000.0, 100).await.is_empty());
    let promos = anon.gql("{ promotions { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(promos["promotions"]["edges"].as_array().unwrap().len(), 20);

    // Five consumers of each load-test tenant, none of the real one; the file is the owner's alone and the
    // tokens are never printed.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&tokens).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let lines = token_lines(&tokens);
    assert_eq!(lines.len(), 15);
    for slug in ["load-0001", "load-0002", "load-0003"] {
        assert_eq!(lines.iter().filter(|(s, _)| s == slug).count(), 5, "{slug}");
    }
    assert!(lines.iter().all(|(s, t)| s != "load-0004" && !printed.contains(t.as_str())));
    let consumer_id = |token: String| {
        let app = &app;
        async move {
            let me = app.bearer(&token).gql("{ me { kind consumer { id } } }", json!({})).await.data();
            assert_eq!(me["me"]["kind"], "CONSUMER");
            me["me"]["consumer"]["id"].as_str().unwrap().to_owned()
        }
    };
    let mut ids = vec![];
    for (_, token) in lines.iter().filter(|(s, _)| s == "load-0001") {
        ids.push(consumer_id(token.clone()).await);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "five consumers");

    // A token books and pays a slot through the API, as the load test does.
    let token = &lines.iter().find(|(s, _)| s == "load-0001").unwrap().1;
    let shop = app
        .with_tenant("load-0001")
        .gql("{ shops(first: 1) { edges { node { id services { id } } } } }", json!({}))
        .await
        .data();
    let shop = &shop["shops"]["edges"][0]["node"];
    let date = (Utc::now() + Duration::hours(8) + Duration::days(3)).date_naive().to_string();
    let slots = app
        .bearer(token)
        .gql(
            "query AvailableSlots($shopId: ID!, $serviceItemId: ID!, $therapistId: ID, $date: Date!) {
               availableSlots(shopId: $shopId, serviceItemId: $serviceItemId, therapistId: $therapistId, date: $date) {
                 start end therapist { id name } } }",
            json!({ "shopId": shop["id"], "serviceItemId": shop["services"][0]["id"], "date": date }),
        )
        .await
        .data();
    let slot = &slots["availableSlots"][0];
    let order = app
        .bearer(token)
        .gql(
            "mutation($i: CreateBookingInput!) { createBooking(input: $i) { id status } }",
            json!({ "i": { "shopId": shop["id"], "serviceItemId": shop["services"][0]["id"],
                           "therapistId": slot["therapist"]["id"], "start": slot["start"] } }),
        )
        .await
        .data();
    assert_eq!(order["createBooking"]["status"], "PENDING_PAYMENT");
    let paid = app
        .bearer(token)
        .header("idempotency-key", &crate::helpers::unique("pay"))
        .gql(
            "mutation($id: ID!) { payOrder(id: $id) { status provider order { status } } }",
            json!({ "id": order["createBooking"]["id"] }),
        )
        .await
        .data();
    assert_eq!(paid["payOrder"]["status"], "SUCCEEDED");
    assert_eq!(paid["payOrder"]["provider"], "simulated");
    assert_eq!(paid["payOrder"]["order"]["status"], "PAID");

    // Again: nothing doubles, and the same consumers get fresh tokens.
    seed(&app).await;
    let again = anon.gql("{ shops(first: 100) { edges { node { id } } } }", json!({})).await.data();
    assert_eq!(again["shops"]["edges"].as_array().unwrap().len(), 20);
    let relines = token_lines(&tokens);
    assert_eq!(relines.len(), 15);
    let first_again = relines.iter().find(|(s, _)| s == "load-0001").unwrap().1.clone();
    assert!(ids.contains(&consumer_id(first_again).await), "the consumers are reused");
    // A CLI with another secret key makes tokens this deployment refuses.
    let foreign = dir.path().join("foreign.tsv");
    let out = app.cli(&["seed", "volume", "--tenants", "1", "--consumer-tokens", foreign.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let foreign_token = &token_lines(&foreign)[0].1;
    app.bearer(foreign_token).gql("{ me { kind } }", json!({})).await.expect_code("UNAUTHENTICATED");

    // Purge removes a load-test tenant entirely (its consumers and orders too).
    let purged = app.cli(&["tenant", "purge", "--slug", "load-0001"]).await;
    assert!(
        purged.status.success(),
        "{}{}",
        String::from_utf8_lossy(&purged.stdout),
        String::from_utf8_lossy(&purged.stderr)
    );
    app.with_tenant("load-0001")
        .gql("{ shops { edges { node { id } } } }", json!({}))
        .await
        .expect_code("TENANT_UNKNOWN");
    app.with_tenant("load-0003").gql("{ shops { edges { node { id } } } }", json!({})).await.data();
}

const STOREFRONT_OPS: &str = include_str!("../../graphql/operations/storefront.graphql");

#[tokio::test]
async fn a_shop_written_directly_is_the_executed_answer_byte_for_byte() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("massage").await;
    let admin = app.bearer(&tenant.api_key);
    let photo = |purpose: &'static str| {
        let (app, key) = (&app, tenant.api_key.clone());
        async move {
            let (status, body) =
                crate::media::upload(app, Some(&key), purpose, "p.jpg", crate::media::exif_jpeg()).await;
            assert_eq!(status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        }
    };
    let id = shop(&admin, "东直门店", 39.94, 116.43, true).await;
    let mut input = shop_input("东直门店", 39.94, 116.43);
    input["tags"] = json!(["无障碍", "医保"]);
    input["closedDates"] = json!(["2027-02-10"]);
    input["accessibility"] =
        json!({ "stepFree": true, "guideDogs": true, "braillePriceList": false, "audioPriceList": true });
    input["photoIds"] = json!([photo("shop_photo").await, photo("shop_photo").await]);
    input["openingHours"] = json!([{ "weekday": 1, "opens": "09:30", "closes": "24:00" }]);
    let update = "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { id } }";
    admin.gql(update, json!({ "id": id, "i": input })).await.data();
    // One therapist on the shop's hours, one on their own, with a photo; one left out (inactive).
    let zhang = therapist(&admin, &id, "张师傅").await;
    let li = therapist(&admin, &id, "李师傅").await;
    let own = json!({ "photoId": photo("therapist_photo").await, "schedule": [{ "weekday": 6, "opens": "12:00", "closes": "20:00" }] });
    let update_therapist =
        "mutation($id: ID!, $i: UpdateTherapistInput!) { updateTherapist(id: $id, input: $i) { id } }";
    admin.gql(update_therapist, json!({ "id": li, "i": own })).await.data();
    let gone = therapist(&admin, &id, "王师傅").await;
    admin.gql(update_therapist, json!({ "id": gone, "i": { "active": false } })).await.data();
    service(&admin, &id, "中医推拿", &[&zhang, &li]).await;
    service(&admin, &id, "足疗", &[]).await;
    promotion(&admin, &id, "开业八折", -1, 5, true).await;
    promotion(&admin, &id, "下月活动", 20, 30, true).await;
    let consumer = app.consumer(&tenant, &unique("openid")).await;
    let (registered, executed) = registered_and_executed(STOREFRONT_OPS, "Shop");
    for caller in [app.with_tenant(&tenant.slug), app.bearer(&consumer)] {
        let want = answer_text(&caller, &executed, &json!({ "id": id })).await;
        for part in ["张师傅", "李师傅", "中医推拿", "足疗", "开业八折", "无障碍", "2027-02-10", "/media/", "\"12:00\""]
        {
            assert!(want.contains(part), "{part} in {want}");
        }
        assert!(!want.contains("王师傅") && !want.contains("下月活动") && !want.contains("errors"), "{want}");
        let before = written_directly(&app);
        assert_eq!(answer_text(&caller, &registered, &json!({ "id": id })).await, want);
        assert_eq!(written_directly(&app), before + 1, "answered without the executor");
    }
    // What the executor refuses is refused alike: a draft, another tenant's shop, an id that is not one.
    let draft = shop(&admin, "草稿店", 39.9, 116.4, false).await;
    let other = app.tenant("massage").await;
    for (slug, id) in [(&tenant.slug, draft.as_str()), (&other.slug, id.as_str()), (&tenant.slug, "not-an-id")] {
        let caller = app.with_tenant(slug);
        let want = refusal(&answer_text(&caller, &executed, &json!({ "id": id })).await);
        assert_eq!(refusal(&answer_text(&caller, &registered, &json!({ "id": id })).await), want);
        assert!(want.0.is_string(), "{want:?}");
    }
}

#[tokio::test]
async fn promotions_written_directly_are_the_executed_answer_byte_for_byte() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("massage").await;
    let admin = app.bearer(&tenant.api_key);
    let (east, west) = (shop(&admin, "东店", 39.94, 116.43, true).await, shop(&admin, "西店", 39.9, 116.3, true).await);
    let draft = shop(&admin, "草稿店", 39.9, 116.4, false).await;
    for (shop, title) in [(&east, "开业八折"), (&east, "周末满减"), (&west, "西店特惠")] {
        promotion(&admin, shop, title, -1, 5, true).await;
    }
    promotion(&admin, &east, "下月活动", 20, 30, true).await;
    promotion(&admin, &east, "草稿", -1, 5, false).await;
    let consumer = app.consumer(&tenant, &unique("openid")).await;
    let (registered, executed) = registered_and_executed(STOREFRONT_OPS, "Promotions");
    let anon = app.with_tenant(&tenant.slug);
    let first = answer_text(&anon, &executed, &json!({ "first": 2 })).await;
    let after: Value = serde_json::from_str(&first).unwrap();
    let after = after["data"]["promotions"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    let cases = [
        json!({ "shopId": east, "first": 10 }),
        json!({ "shopId": west }),
        json!({ "first": 2 }),
        json!({ "first": 2, "after": after }),
        json!({}),
    ];
    for caller in [app.with_tenant(&tenant.slug), app.bearer(&consumer)] {
        for vars in &cases {
            let want = answer_text(&caller, &executed, vars).await;
            assert!(!want.contains("下月活动") && !want.contains("草稿") && !want.contains("errors"), "{want}");
            let before = written_directly(&app);
            assert_eq!(answer_text(&caller, &registered, vars).await, want, "{vars}");
            assert_eq!(written_directly(&app), before + 1, "answered without the executor: {vars}");
        }
    }
    assert!(first.contains("\"hasNextPage\":true") && first.contains("西店特惠"), "{first}");
    // What the executor refuses is refused alike.
    for vars in [
        json!({ "shopId": draft }),
        json!({ "shopId": "not-an-id" }),
        json!({ "first": 0 }),
        json!({ "after": "not-a-cursor" }),
    ] {
        let want = refusal(&answer_text(&anon, &executed, &vars).await);
        assert_eq!(refusal(&answer_text(&anon, &registered, &vars).await), want, "{vars}");
        assert!(want.0.is_string(), "{want:?}");
    }
}

#[tokio::test]
async fn nearest_shops_written_directly_are_the_executed_answer_byte_for_byte() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("massage").await;
    let admin = app.bearer(&tenant.api_key);
    let (status, body) =
        crate::media::upload(&app, Some(&tenant.api_key), "shop_photo", "p.jpg", crate::media::exif_jpeg()).await;
    assert_eq!(status, 201, "{body}");
    let east = shop(&admin, "东直门店", 39.9413, 116.4345, true).await;
    let mut input = shop_input("东直门店", 39.9413, 116.4345);
    input["photoIds"] = json!([body["id"]]);
    let update = "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { id } }";
    admin.gql(update, json!({ "id": east, "i": input })).await.data();
    shop(&admin, "朝阳门店", 39.9240, 116.4350, true).await;
    shop(&admin, "草稿店", 39.9300, 116.4300, false).await;
    let consumer = app.consumer(&tenant, &unique("openid")).await;
    let (registered, executed) = registered_and_executed(STOREFRONT_OPS, "NearestShops");
    let near = |lat: f64, lng: f64, datum: &str, r: f64, first: Option<i32>| json!({ "near": { "lat": lat, "lng": lng, "datum": datum }, "radiusMeters": r, "first": first });
    let cases = [
        near(39.93, 116.43, "GCJ02", 3_000.0, Some(10)),
        near(39.93, 116.43, "WGS84", 3_000.0, Some(1)),
        near(39.93, 116.43, "GCJ02", 3_000.0, None),
        near(31.23, 121.47, "GCJ02", 3_000.0, Some(10)),
    ];
    for caller in [app.with_tenant(&tenant.slug), app.bearer(&consumer)] {
        for vars in &cases {
            let want = answer_text(&caller, &executed, vars).await;
            assert!(!want.contains("草稿店") && !want.contains("errors"), "{want}");
            let before = written_directly(&app);
            assert_eq!(answer_text(&caller, &registered, vars).await, want, "{vars}");
            assert_eq!(written_directly(&app), before + 1, "answered without the executor: {vars}");
        }
    }
    let both = answer_text(&app.with_tenant(&tenant.slug), &executed, &cases[0]).await;
    assert!(both.find("东直门店").unwrap() > both.find("朝阳门店").unwrap() && both.contains("/media/"), "{both}");
    // Each shop's card is written once and kept with its published profile: a change to the shop is seen at once.
    input["name"] = json!("东直门新店");
    admin.gql(update, json!({ "id": east, "i": input })).await.data();
    for caller in [app.with_tenant(&tenant.slug), app.bearer(&consumer)] {
        let want = answer_text(&caller, &executed, &cases[0]).await;
        assert!(want.contains("东直门新店"), "{want}");
        assert_eq!(answer_text(&caller, &registered, &cases[0]).await, want);
    }
    // What the executor refuses is refused alike.
    let anon = app.with_tenant(&tenant.slug);
    for vars in [
        near(39.93, 116.43, "GCJ02", 0.0, Some(10)),
        near(39.93, 116.43, "GCJ02", 3_000.0, Some(0)),
        near(95.0, 116.43, "GCJ02", 3_000.0, Some(10)),
    ] {
        let want = refusal(&answer_text(&anon, &executed, &vars).await);
        assert_eq!(refusal(&answer_text(&anon, &registered, &vars).await), want, "{vars}");
        assert!(want.0.is_string(), "{want:?}");
    }
}

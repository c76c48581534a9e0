//! The hot-query cache: a write changes the next read in every process, tenants never share answers, and a Redis
//! outage costs speed of misses only, never an answer.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::watch};

use crate::{
    booking::open_shop,
    helpers::{Caller, TestApp, unique},
    storefront::shop,
};

const SHOP: &str = "query Shop($id: ID!) { shop(id: $id) { id name location { lat lng } promotions { title } } }";
const NEAREST: &str = "query($p: GeoPointInput!, $r: Float!) { nearestShops(near: $p, radiusMeters: $r) { distanceMeters shop { id name } } }";
const PROMOTIONS: &str = "query($s: ID) { promotions(shopId: $s) { edges { node { title } } } }";
const SLOTS: &str = "query($s: ID!, $v: ID!, $t: ID, $d: Date!) { availableSlots(shopId: $s, serviceItemId: $v, therapistId: $t, date: $d) { start therapist { id } } }";
const UPDATE: &str = "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { id } }";

/// The data of a read and where its answer came from (`X-Cache`).
async fn read(c: &Caller<'_>, query: &str, variables: Value) -> (Value, String) {
    let r = c.post_raw(json!({ "query": query, "variables": variables }).to_string()).await;
    let source = r.headers().get("x-cache").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let body: Value = r.json().await.unwrap();
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    (body["data"].clone(), source)
}

fn point(lat: f64, lng: f64) -> Value {
    json!({ "p": { "lat": lat, "lng": lng, "datum": "GCJ02" }, "r": 2000.0 })
}

fn names(nearest: &Value) -> Vec<&str> {
    nearest["nearestShops"].as_array().unwrap().iter().map(|n| n["shop"]["name"].as_str().unwrap()).collect()
}

fn shop_input(name: &str, lat: f64, lng: f64) -> Value {
    json!({ "name": name, "address": "北京市朝阳区", "phone": "010-65001234", "location": { "lat": lat, "lng": lng } })
}

#[tokio::test]
async fn a_write_changes_the_next_cached_read_in_every_process() {
    let app = TestApp::spawn().await;
    let other = app.spawn_beside().await;
    let s = open_shop(&app).await; // 通宵推拿 at (39.91, 116.46), open around the clock
    let admin = app.bearer(&s.tenant.api_key);
    let reader = other.with_tenant(&s.tenant.slug);
    let redis = app.state.cache.kind() == "redis";

    // Cached: the second read in a process answers from memory, a read in another process from Redis.
    let id = json!({ "id": s.shop });
    let (first, source) = read(&reader, SHOP, id.clone()).await;
    assert_eq!((first["shop"]["name"].as_str(), source.as_str()), (Some("通宵推拿"), "MISS"));
    assert_eq!(read(&reader, SHOP, id.clone()).await, (first.clone(), "HIT-LOCAL".into()));
    // Stores reach Redis behind the answers that made them.
    other.state.cache.flush().await;
    let elsewhere = read(&app.with_tenant(&s.tenant.slug), SHOP, id.clone()).await;
    assert_eq!(elsewhere, (first, if redis { "HIT-REDIS" } else { "MISS" }.into()));
    // A point is cached from its second ask on: the first ask of a position is rarely repeated.
    let (near, source) = read(&reader, NEAREST, point(39.91, 116.46)).await;
    assert_eq!((names(&near), source.as_str()), (vec!["通宵推拿"], "MISS"));
    assert_eq!(read(&reader, NEAREST, point(39.91, 116.46)).await, (near.clone(), "MISS".into()));
    assert_eq!(read(&reader, NEAREST, point(39.91, 116.46)).await, (near, "HIT-LOCAL".into()));

    // Renamed and moved 10 km north in one process: the very next read in the other shows it.
    admin.gql(UPDATE, json!({ "id": s.shop, "i": shop_input("通宵推拿（新址）", 40.0, 116.46) })).await.data();
    let (after, source) = read(&reader, SHOP, id.clone()).await;
    assert_eq!(after["shop"]["name"], "通宵推拿（新址）");
    assert_eq!(after["shop"]["location"]["lat"], 40.0);
    assert_eq!(source, "MISS");
    assert!(names(&read(&reader, NEAREST, point(39.91, 116.46)).await.0).is_empty(), "it left the old neighbourhood");
    assert_eq!(names(&read(&reader, NEAREST, point(40.0, 116.46)).await.0), ["通宵推拿（新址）"]);

    // A promotion published in one process is listed by the next read in the other.
    let promos = json!({ "s": s.shop });
    read(&reader, PROMOTIONS, promos.clone()).await;
    assert_eq!(read(&reader, PROMOTIONS, promos.clone()).await.1, "HIT-LOCAL");
    let now = Utc::now();
    admin
        .gql(
            "mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { id } }",
            json!({ "i": { "shopId": s.shop, "title": "夜场八折", "body": "22 点后", "kind": "PERCENT_OFF", "percentOff": 20,
                           "startsAt": (now - chrono::Duration::hours(1)).to_rfc3339(),
                           "endsAt": (now + chrono::Duration::days(3)).to_rfc3339(), "publish": true } }),
        )
        .await
        .data();
    let (listed, _) = read(&reader, PROMOTIONS, promos).await;
    assert_eq!(listed["promotions"]["edges"][0]["node"]["title"], "夜场八折");
    assert_eq!(read(&reader, SHOP, id).await.0["shop"]["promotions"][0]["title"], "夜场八折");

    // A booking takes its slot from the next availability read in the other process; cancelling gives it back.
    let tomorrow = (Utc::now().with_timezone(&Shanghai).date_naive() + chrono::Duration::days(1)).to_string();
    let slots = json!({ "s": s.shop, "v": s.service, "t": s.therapist, "d": tomorrow });
    // Free slots are stored from their second ask: most days of most shops are asked once per generation.
    let (free, _) = read(&reader, SLOTS, slots.clone()).await;
    assert_eq!(read(&reader, SLOTS, slots.clone()).await, (free.clone(), "MISS".into()));
    assert_eq!(read(&reader, SLOTS, slots.clone()).await, (free.clone(), "HIT-LOCAL".into()));
    let day = tomorrow.parse::<chrono::NaiveDate>().unwrap();
    let start = Shanghai.from_local_datetime(&day.and_hms_opt(15, 0, 0).unwrap()).unwrap().with_timezone(&Utc);
    let start = start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let starts = |v: &Value| -> Vec<chrono::DateTime<Utc>> {
        v["availableSlots"].as_array().unwrap().iter().map(|x| x["start"].as_str().unwrap().parse().unwrap()).collect()
    };
    let at: chrono::DateTime<Utc> = start.parse().unwrap();
    assert!(starts(&free).contains(&at));
    let consumer = app.consumer(&s.tenant, &unique("openid")).await;
    let order = app
        .bearer(&consumer)
        .gql(
            "mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }",
            json!({ "i": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": s.therapist, "start": start } }),
        )
        .await
        .data()["createBooking"]["id"]
        .clone();
    assert!(!starts(&read(&reader, SLOTS, slots.clone()).await.0).contains(&at), "the booked slot is gone");
    app.bearer(&consumer)
        .gql("mutation($id: ID!) { cancelOrder(id: $id, reason: \"有事\") { status } }", json!({ "id": order }))
        .await
        .data();
    assert!(starts(&read(&reader, SLOTS, slots).await.0).contains(&at), "and back after the cancellation");

    let metrics = reqwest::get(other.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("civic_cache_hits_total{layer=\"local\"}"), "{metrics}");
    assert!(metrics.contains("civic_cache_misses_total"));
}

/// The registered `NearestShops` (graphql/operations/storefront.graphql): its shop cards are kept and reused.
const NEAREST_REGISTERED: &str = "query NearestShops($near: GeoPointInput!, $radiusMeters: Float!, $first: Int) {
  nearestShops(near: $near, radiusMeters: $radiusMeters, first: $first) {
    distanceMeters
    shop { id name address phone callUrl location { lat lng } rating { average count } photos { thumbUrl } }
  }
}";
/// The same selection in a document that is not registered: its cards are resolved afresh every time.
const NEAREST_AD_HOC: &str = "query($near: GeoPointInput!, $radiusMeters: Float!) {
  nearestShops(near: $near, radiusMeters: $radiusMeters) {
    shop { id name address phone callUrl location { lat lng } rating { average count } photos { thumbUrl } }
  }
}";

#[tokio::test]
async fn a_shop_card_reused_from_another_position_is_the_card_resolved_afresh_and_a_rename_shows_at_once() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await; // 通宵推拿 at (39.91, 116.46)
    let admin = app.bearer(&s.tenant.api_key);
    let consumer = app.consumer(&s.tenant, &unique("openid")).await;
    let near = |lat: f64| json!({ "near": { "lat": lat, "lng": 116.46, "datum": "GCJ02" }, "radiusMeters": 3000.0 });
    let card = |v: &Value| v["nearestShops"][0]["shop"].clone();
    for (i, caller) in [app.with_tenant(&s.tenant.slug), app.bearer(&consumer)].iter().enumerate() {
        let fresh = card(&read(caller, NEAREST_AD_HOC, near(39.91)).await.0);
        assert_eq!(fresh["name"], "通宵推拿");
        // Every position is a first ask, answered without the response cache; from the second on, the card is
        // the one kept from the first.
        for step in 0..3 {
            let lat = 39.911 + 0.001 * (i * 3 + step) as f64;
            let (answer, source) = read(caller, NEAREST_REGISTERED, near(lat)).await;
            assert_eq!(source, "MISS");
            assert_eq!(card(&answer), fresh, "the same card as resolved afresh");
            assert!(answer["nearestShops"][0]["distanceMeters"].as_f64().unwrap() > 0.0);
        }
    }
    // Renamed: the next answer, at a position never asked, shows the new name.
    admin.gql(UPDATE, json!({ "id": s.shop, "i": shop_input("通宵推拿（新名）", 39.91, 116.46) })).await.data();
    let renamed = card(&read(&app.with_tenant(&s.tenant.slug), NEAREST_REGISTERED, near(39.93)).await.0);
    assert_eq!(renamed["name"], "通宵推拿（新名）");
    assert_eq!(renamed, card(&read(&app.with_tenant(&s.tenant.slug), NEAREST_AD_HOC, near(39.93)).await.0));
}

#[tokio::test]
async fn a_promotion_shows_in_cached_answers_from_its_start_to_its_end_with_nothing_written() {
    let app = TestApp::spawn().await;
    let other = app.spawn_beside().await;
    let s = open_shop(&app).await;
    // Five seconds for the reads before the start, on a loaded machine too.
    let start = Utc::now() + chrono::Duration::seconds(5);
    let end = start + chrono::Duration::seconds(3);
    let input = json!({ "shopId": s.shop, "title": "开业三秒", "body": "限时", "kind": "PERCENT_OFF", "percentOff": 10,
                        "startsAt": start.to_rfc3339(), "endsAt": end.to_rfc3339(), "publish": true });
    let create = "mutation($i: CreatePromotionInput!) { createPromotion(input: $i) { id } }";
    app.bearer(&s.tenant.api_key).gql(create, json!({ "i": input })).await.data();
    let (here, there) = (app.with_tenant(&s.tenant.slug), other.with_tenant(&s.tenant.slug));
    let (shop, promos) = (json!({ "id": s.shop }), json!({ "s": s.shop }));
    // What each read lists: the shop's running promotions, and the tenant's.
    let listed = |data: &Value| {
        let on_shop: Option<Vec<Value>> =
            data["shop"]["promotions"].as_array().map(|p| p.iter().map(|p| p["title"].clone()).collect());
        let listed =
            data["promotions"]["edges"].as_array().map(|e| e.iter().map(|e| e["node"]["title"].clone()).collect());
        on_shop.or(listed).unwrap_or_default()
    };
    let until = |at: chrono::DateTime<Utc>| {
        tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(50))
    };

    // Before it starts: not listed, and the answers are cached in both processes.
    for (query, vars) in [(SHOP, &shop), (PROMOTIONS, &promos)] {
        let (first, _) = read(&here, query, vars.clone()).await;
        assert_eq!(listed(&first), Vec::<Value>::new());
        assert_eq!(read(&here, query, vars.clone()).await, (first.clone(), "HIT-LOCAL".into()));
        app.state.cache.flush().await;
        let redis = app.state.cache.kind() == "redis";
        assert_eq!(read(&there, query, vars.clone()).await, (first, if redis { "HIT-REDIS" } else { "MISS" }.into()));
    }
    // From its start, the next read in either process lists it, then caches that.
    assert!(Utc::now() < start, "the reads took too long for this test");
    until(start).await;
    for caller in [&here, &there] {
        for (query, vars) in [(SHOP, &shop), (PROMOTIONS, &promos)] {
            let (now, _) = read(caller, query, vars.clone()).await;
            assert_eq!(listed(&now), [json!("开业三秒")], "{now}");
            assert_eq!(read(caller, query, vars.clone()).await, (now, "HIT-LOCAL".into()));
        }
    }
    // From its end, no longer.
    until(end).await;
    for caller in [&here, &there] {
        for (query, vars) in [(SHOP, &shop), (PROMOTIONS, &promos)] {
            assert_eq!(listed(&read(caller, query, vars.clone()).await.0), Vec::<Value>::new());
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ask {
    /// The registered `NearestShops`.
    Registered,
    /// The same request naming its operation: another cache key, so a first ask again.
    Named,
    /// The same document under another name: not registered, so executed.
    Executed,
}

/// `NearestShops` at one position, as a first ask: the body as sent back.
async fn ask_nearest(caller: &Caller<'_>, ask: Ask) -> String {
    let variables =
        json!({ "near": { "lat": 39.9101, "lng": 116.4601, "datum": "GCJ02" }, "radiusMeters": 3000.0, "first": 10 });
    let query = match ask {
        Ask::Executed => NEAREST_REGISTERED.replacen("query NearestShops(", "query Executed(", 1),
        _ => NEAREST_REGISTERED.to_owned(),
    };
    let mut body = json!({ "query": query, "variables": variables });
    if ask == Ask::Named {
        body["operationName"] = json!("NearestShops");
    }
    let r = caller.post_raw(body.to_string()).await;
    assert_eq!(r.headers().get("x-cache").unwrap(), "MISS");
    r.text().await.unwrap()
}

#[tokio::test]
async fn nearest_shops_registered_with_kept_cards_is_the_executed_answer_byte_for_byte_and_the_callers_tenants_own() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await; // 通宵推拿 at (39.91, 116.46)
    let admin = app.bearer(&s.tenant.api_key);
    shop(&admin, "东店", 39.912, 116.463, true).await;
    shop(&admin, "北店", 39.916, 116.46, true).await;
    let other = app.tenant("massage").await;
    shop(&app.bearer(&other.api_key), "乙店", 39.9105, 116.4605, true).await;
    let consumer = app.consumer(&s.tenant, &unique("openid")).await;
    let callers = [
        (app.with_tenant(&s.tenant.slug), vec!["通宵推拿", "东店", "北店"]),
        (app.bearer(&consumer), vec!["通宵推拿", "东店", "北店"]),
        (app.with_tenant(&other.slug), vec!["乙店"]),
    ];
    for (caller, shops) in callers {
        let executed = ask_nearest(&caller, Ask::Executed).await;
        let listed: Value = serde_json::from_str(&executed).unwrap();
        assert_eq!(names(&listed["data"]), shops, "{executed}");
        // The first ask resolves and keeps the cards (none kept yet for this document and kind of caller), the
        // next reuses them: both byte for byte the executed answer.
        for ask in [Ask::Registered, Ask::Named] {
            assert_eq!(ask_nearest(&caller, ask).await, executed);
        }
    }
}

#[tokio::test]
async fn tenant_b_never_receives_an_answer_cached_for_a() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.tenant("massage").await, app.tenant("massage").await);
    let a_shop = shop(&app.bearer(&a.api_key), "甲店", 39.9413, 116.4345, true).await;
    shop(&app.bearer(&b.api_key), "乙店", 39.9413, 116.4345, true).await;
    let (in_a, in_b) = (app.with_tenant(&a.slug), app.with_tenant(&b.slug));
    let here = point(39.9413, 116.4345);
    assert_eq!(names(&read(&in_a, NEAREST, here.clone()).await.0), ["甲店"]);
    assert_eq!(names(&read(&in_a, NEAREST, here.clone()).await.0), ["甲店"]);
    assert_eq!(read(&in_a, NEAREST, here.clone()).await.1, "HIT-LOCAL");
    // The same document and variables in B: B's own answer.
    let (theirs, source) = read(&in_b, NEAREST, here.clone()).await;
    assert_eq!((names(&theirs), source.as_str()), (vec!["乙店"], "MISS"));
    assert_eq!(names(&read(&in_b, NEAREST, here.clone()).await.0), ["乙店"]);
    assert_eq!(read(&in_b, NEAREST, here.clone()).await, (theirs, "HIT-LOCAL".into()), "B's own, cached for B");
    // A's shop, cached for A's callers, is not B's to read, anonymously or as B's consumer.
    let id = json!({ "id": a_shop });
    assert_eq!(read(&in_a, SHOP, id.clone()).await.0["shop"]["name"], "甲店");
    assert_eq!(read(&in_a, SHOP, id.clone()).await.1, "HIT-LOCAL");
    for _ in 0..2 {
        in_b.gql(SHOP, id.clone()).await.expect_code("NOT_FOUND");
    }
    let b_consumer = app.consumer(&b, &unique("openid")).await;
    app.bearer(&b_consumer).gql(SHOP, id.clone()).await.expect_code("NOT_FOUND");
    // A's consumer gets A's answer (cached apart from anonymous callers').
    let a_consumer = app.consumer(&a, &unique("openid")).await;
    let (mine, _) = read(&app.bearer(&a_consumer), SHOP, id).await;
    assert_eq!(mine["shop"]["name"], "甲店");
}

/// What the fake Redis link does to its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Up,
    /// Killed: connections are closed and new ones closed at once.
    Down,
    /// Slow: connections stay open and nothing answers.
    Hang,
}

/// A TCP relay to the real Redis that the test can cut.
struct Relay {
    addr: SocketAddr,
    link: watch::Sender<Link>,
}

impl Relay {
    async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (link, _) = watch::channel(Link::Up);
        let states = link.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                let mut rx = states.subscribe();
                tokio::spawn(async move {
                    let now = *rx.borrow();
                    match now {
                        Link::Down => return,
                        Link::Hang => {
                            let _ = rx.wait_for(|l| *l != Link::Hang).await;
                            return;
                        }
                        Link::Up => {}
                    }
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else { return };
                    let hang = tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
                        l = rx.wait_for(|l| *l != Link::Up) => l.is_ok_and(|l| *l == Link::Hang),
                    };
                    if hang {
                        let _ = rx.wait_for(|l| *l != Link::Hang).await;
                    }
                });
            }
        });
        Relay { addr, link }
    }

    fn set(&self, link: Link) {
        self.link.send_replace(link);
    }
}

/// Reads from both processes, for `how_long`, each checked for its answer and its time.
async fn read_through(apps: [&TestApp; 2], slug: &str, shops: &[(String, String)], how_long: Duration) -> usize {
    let deadline = Instant::now() + how_long;
    let mut reads = 0;
    let mut round = 0u32;
    while Instant::now() < deadline {
        round += 1;
        let mut tasks = vec![];
        for (i, (id, name)) in shops.iter().enumerate() {
            let app = apps[i % 2];
            let c = app.with_tenant(slug);
            // New variables each round: misses that the database must answer, next to hits.
            let radius = 1000.0 + f64::from(round);
            tasks.push(async move {
                let started = Instant::now();
                let (profile, _) = read(&c, SHOP, json!({ "id": id })).await;
                let first = started.elapsed();
                let (near, _) = read(&c, NEAREST, json!({ "p": { "lat": 39.93, "lng": 116.43 }, "r": radius })).await;
                let second = started.elapsed() - first;
                assert_eq!(profile["shop"]["name"].as_str(), Some(name.as_str()));
                assert_eq!(near["nearestShops"].as_array().unwrap().len(), shops.len());
                first.max(second)
            });
        }
        for slowest in futures_util::future::join_all(tasks).await {
            assert!(slowest < Duration::from_millis(500), "a read took {slowest:?}");
            reads += 2;
        }
    }
    reads
}

#[tokio::test]
async fn with_redis_down_reads_answer_from_the_database_and_caching_resumes() {
    let url = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty());
    let Some(url) = url else {
        eprintln!("skipped: REDIS_URL is not set");
        return;
    };
    let target: SocketAddr = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| "127.0.0.1:6379".parse().unwrap());
    let relay = Arc::new(Relay::start(target).await);
    let via_relay = format!("redis://{}", relay.addr);
    let app = TestApp::spawn_with(|c| c.redis_url = Some(via_relay.clone().into())).await;
    let other = app.spawn_beside_with(|c| c.redis_url = Some(via_relay.clone().into())).await;
    let t = app.tenant("massage").await;
    let admin = app.bearer(&t.api_key);
    let mut shops = vec![];
    for (i, name) in ["一号店", "二号店", "三号店", "四号店"].iter().enumerate() {
        let id = shop(&admin, name, 39.93 + 0.001 * i as f64, 116.43, true).await;
        shops.push((id, name.to_string()));
    }
    let id = json!({ "id": shops[0].0 });
    assert_eq!(read(&app.with_tenant(&t.slug), SHOP, id.clone()).await.1, "MISS");
    app.state.cache.flush().await;
    assert_eq!(read(&other.with_tenant(&t.slug), SHOP, id.clone()).await.1, "HIT-REDIS");

    // Redis killed: every read still answers, correctly and in time; a write in between is seen at once.
    relay.set(Link::Down);
    let reads = read_through([&app, &other], &t.slug, &shops, Duration::from_secs(2)).await;
    admin.gql(UPDATE, json!({ "id": shops[1].0, "i": shop_input("二号店（装修后）", 39.931, 116.43) })).await.data();
    shops[1].1 = "二号店（装修后）".into();
    let reads = reads + read_through([&app, &other], &t.slug, &shops, Duration::from_secs(2)).await;
    // Redis hanging (no answer at all): the same.
    relay.set(Link::Hang);
    let reads = reads + read_through([&app, &other], &t.slug, &shops, Duration::from_secs(3)).await;
    assert!(reads > 40, "{reads} reads");
    // Still ready: the load balancer keeps sending traffic that the process can answer.
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "degraded");

    // Redis back: an answer stored by one process is again read by the other from Redis.
    relay.set(Link::Up);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let fresh = json!({ "p": { "lat": 39.93, "lng": 116.43 }, "r": 500.0 + rand_radius() });
        // A point is cached from its second ask on, in each process: asked twice here, so that it is stored;
        // then twice there, the second time through the cache.
        read(&app.with_tenant(&t.slug), NEAREST, fresh.clone()).await;
        read(&app.with_tenant(&t.slug), NEAREST, fresh.clone()).await;
        app.state.cache.flush().await;
        read(&other.with_tenant(&t.slug), NEAREST, fresh.clone()).await;
        if read(&other.with_tenant(&t.slug), NEAREST, fresh).await.1 == "HIT-REDIS" {
            break;
        }
        assert!(Instant::now() < deadline, "caching did not resume after Redis returned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn rand_radius() -> f64 {
    use std::time::SystemTime;
    f64::from(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().subsec_micros() % 100_000) / 100.0
}

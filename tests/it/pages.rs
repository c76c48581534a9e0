//! The admin console's pages, as a browser without JavaScript uses them: forms posted with their CSRF token,
//! answered by redirects; every page checked for the markup a screen reader relies on.

use std::collections::{HashMap, HashSet};

use reqwest::{StatusCode, redirect::Policy};
use scraper::{Html, Selector};
use serde_json::json;

use crate::{
    booking::{Shop, book, open_shop},
    helpers::{TestApp, unique},
};

/// A browser: keeps cookies, follows no redirect by itself.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub client: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    pub fn texts(&self, selector: &str) -> Vec<String> {
        let s = Selector::parse(selector).unwrap();
        self.html().select(&s).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }

    pub fn title(&self) -> String {
        self.texts("title").concat()
    }
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Browser { app, client, cookies: HashMap::new() }
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let r = req.header("cookie", cookie.join("; ")).send().await.unwrap();
        for set in r.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        Page { status: r.status(), location, body: r.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(self.app.url(path));
        self.send(req).await
    }

    /// Posts a form as the page's own form would: with this browser's CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.cookies.get("civic_csrf").cloned().unwrap_or_default();
        form.push(("csrf", &csrf));
        let req = self.client.post(self.app.url(path)).form(&form);
        self.send(req).await
    }

    pub async fn sign_in(&mut self, tenant: &str, username: &str, password: &str) -> Page {
        self.get("/admin/login").await;
        self.post("/admin/login", &[("tenant", tenant), ("username", username), ("password", password)]).await
    }
}

/// The markup every page needs for a screen reader and a keyboard: GOV.UK's basics and WCAG's.
pub fn lint(path: &str, page: &Page) {
    let html = page.html();
    let sel = |s: &str| Selector::parse(s).unwrap();
    let count = |s: &str| html.select(&sel(s)).count();
    let at = |what: &str| format!("{path}: {what}\n{}", page.body);
    assert!(page.body.starts_with("<!doctype html>"), "{}", at("doctype"));
    assert_eq!(count("html[lang=zh-CN]"), 1, "{}", at("lang"));
    assert_eq!(count("h1"), 1, "{}", at("one h1"));
    assert_eq!(count("main#main"), 1, "{}", at("main"));
    assert!(!page.title().is_empty(), "{}", at("title"));
    let first_link = html.select(&sel("body a, body button, body input")).next().unwrap();
    assert_eq!(first_link.value().attr("href"), Some("#main"), "{}", at("skip link first"));
    assert_eq!(first_link.text().collect::<String>(), "跳到主要内容");
    let viewport = html.select(&sel("meta[name=viewport]")).next().unwrap().value().attr("content").unwrap();
    assert!(!viewport.contains("user-scalable=no") && !viewport.contains("maximum-scale"), "{}", at("zoom"));
    let mut ids = HashSet::new();
    for e in html.select(&sel("[id]")) {
        assert!(ids.insert(e.value().attr("id").unwrap()), "{}", at("unique ids"));
    }
    for e in html.select(&sel("input:not([type=hidden]), select, textarea")) {
        let id = e.value().attr("id").unwrap_or_else(|| panic!("{}", at("control without id")));
        let labelled = count(&format!("label[for=\"{id}\"]")) == 1 || e.value().attr("aria-label").is_some();
        assert!(labelled, "{}", at(&format!("label for {id}")));
        if let Some(described) = e.value().attr("aria-describedby") {
            for d in described.split_whitespace() {
                assert!(ids.contains(d), "{}", at(&format!("aria-describedby {d}")));
            }
        }
    }
    for e in html.select(&sel("button, a")) {
        assert!(!e.text().collect::<String>().trim().is_empty(), "{}", at("control with a name"));
    }
    assert_eq!(count("img:not([alt])"), 0, "{}", at("alt"));
    for e in html.select(&sel("[tabindex]")) {
        assert!(e.value().attr("tabindex").unwrap().parse::<i32>().unwrap() <= 0, "{}", at("positive tabindex"));
    }
    assert_eq!(count("table"), count("table > caption"), "{}", at("table caption"));
    assert_eq!(count("th:not([scope])"), 0, "{}", at("th scope"));
    for form in html.select(&sel("form[method=post]")) {
        assert_eq!(form.select(&sel("input[type=hidden][name=csrf]")).count(), 1, "{}", at("csrf field"));
    }
}

async fn paid_booking(app: &TestApp, s: &Shop, days: i64, hh: u32) -> String {
    let consumer = app.consumer(&s.tenant, &unique("openid")).await;
    let start = crate::booking::local(days, hh, 0);
    let id = book(app, &consumer, s, Some(&s.therapist), &start).await.data()["createBooking"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.bearer(&consumer)
        .header("idempotency-key", &unique("k"))
        .gql("mutation($id: ID!) { payOrder(id: $id) { id } }", json!({ "id": id }))
        .await
        .data();
    id
}

pub fn tomorrow() -> String {
    (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive() + chrono::Duration::days(1)).to_string()
}

#[tokio::test]
async fn a_shop_manager_signs_in_sees_the_day_and_confirms_a_booking() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let manager = app.staff(&s.tenant, "SHOP_MANAGER", &[&s.shop]).await;
    let order = paid_booking(&app, &s, 1, 15).await;
    let mut b = Browser::new(&app);

    let first = b.get("/admin/").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location.as_deref(), Some("/admin/login"));
    let login = b.get("/admin/login").await;
    lint("/admin/login", &login);
    assert_eq!(login.title(), "登录 - Civic 管理后台");

    let signed_in = b.sign_in(&s.tenant.slug, &manager.username, &manager.password).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    assert_eq!(signed_in.location.as_deref(), Some("/admin/"));
    let today = b.get("/admin/").await;
    assert_eq!(today.status, StatusCode::OK);
    lint("/admin/", &today);
    assert!(today.texts("h1")[0].starts_with("今日预约"));

    let day_path = format!("/admin/?date={}", tomorrow());
    let day = b.get(&day_path).await;
    lint(&day_path, &day);
    assert_eq!(day.texts("table caption")[0].split('：').next(), Some("通宵推拿"));
    let row = day.texts("tbody tr").concat();
    for expected in ["15:00–16:00", "中医推拿 60 分钟", "张师傅", "已支付", "¥128.00"] {
        assert!(row.contains(expected), "{expected} in {row}");
    }

    let order_path = format!("/admin/orders/{order}");
    let page = b.get(&order_path).await;
    lint(&order_path, &page);
    assert!(page.texts("button").contains(&"确认预约".to_owned()));
    // Tomorrow's booking cannot be completed or marked a no-show yet, so neither is offered.
    for early in ["完成服务", "标记未到店"] {
        assert!(!page.texts("button").contains(&early.to_owned()), "{early} offered a day early");
    }
    assert!(page.texts("button").contains(&"取消预约并退款 ¥128.00".to_owned()));
    let done = b.post(&format!("{order_path}/confirm"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = b.get(done.location.as_deref().unwrap()).await;
    lint(&order_path, &after);
    assert_eq!(after.texts("[role=status]"), ["已确认预约"]);
    assert!(after.texts("dd").contains(&"已确认".to_owned()));
    let status = app
        .bearer(&manager.token)
        .gql("query($id: ID!) { order(id: $id) { status } }", json!({ "id": order }))
        .await
        .data();
    assert_eq!(status["order"]["status"], "CONFIRMED");

    // Two days on, the booking has started: both are offered.
    app.state.clock.advance(chrono::Duration::days(2));
    assert_eq!(b.get(&order_path).await.status, StatusCode::SEE_OTHER, "the 8-hour session has ended");
    b.sign_in(&s.tenant.slug, &manager.username, &manager.password).await;
    let later = b.get(&order_path).await;
    for due in ["完成服务", "标记未到店"] {
        assert!(later.texts("button").contains(&due.to_owned()), "{due} not offered after the start");
    }
    let password = b.get("/admin/password").await;
    lint("/admin/password", &password);
    let fields = [("current", manager.password.as_str()), ("new", "aaaaaaaaaaaa"), ("again", "aaaaaaaaaaaa")];
    let weak = b.post("/admin/password", &fields).await;
    lint("/admin/password (error)", &weak);
    assert_eq!(weak.title(), "错误：修改密码 - Civic 管理后台");
    assert!(weak.texts(".error-summary a[href='#new']")[0].starts_with("密码太简单"), "{}", weak.body);
    let out = b.post("/admin/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/admin/login"));
    assert_eq!(b.get("/admin/").await.status, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn a_wrong_password_shows_the_error_summary_and_the_field_error() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let staff = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let mut b = Browser::new(&app);
    let page = b.sign_in(&t.slug, &staff.username, "not the password").await;
    assert_eq!(page.status, StatusCode::OK);
    lint("/admin/login (error)", &page);
    assert_eq!(page.title(), "错误：登录 - Civic 管理后台");
    assert_eq!(page.texts(".error-summary [role=alert] h2"), ["出现问题"]);
    assert_eq!(page.texts(".error-summary a[href='#password']"), ["用户名或密码不正确"]);
    let html = page.html();
    let input = html.select(&Selector::parse("#password").unwrap()).next().unwrap();
    assert_eq!(input.value().attr("aria-invalid"), Some("true"));
    assert_eq!(input.value().attr("aria-describedby").map(str::trim), Some("password-error"));
    // What was typed is kept, except the password.
    let username = html.select(&Selector::parse("#username").unwrap()).next().unwrap();
    assert_eq!(username.value().attr("value"), Some(staff.username.as_str()));
    assert_eq!(input.value().attr("value"), Some(""));
    // A NUL typed into a form is refused like any client's, and the page says what to fix.
    let nul = b.post("/admin/login", &[("tenant", &t.slug), ("username", "ad\0min"), ("password", "x")]).await;
    assert_eq!(nul.status, StatusCode::OK, "{}", nul.body);
    assert_eq!(nul.texts(".error-summary li").len(), 1);
    // Empty fields are named one by one.
    let empty = b.post("/admin/login", &[("tenant", ""), ("username", ""), ("password", "")]).await;
    assert_eq!(empty.texts(".error-summary li").len(), 3);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let manager = app.staff(&s.tenant, "SHOP_MANAGER", &[&s.shop]).await;
    let order = paid_booking(&app, &s, 1, 10).await;
    let mut b = Browser::new(&app);
    b.sign_in(&s.tenant.slug, &manager.username, &manager.password).await;
    let token = b.cookies.remove("civic_csrf").unwrap();
    // A hostile page posts with the session cookie but cannot read the token.
    b.cookies.insert("civic_csrf".into(), token.clone());
    let req = b.client.post(app.url(&format!("/admin/orders/{order}/confirm"))).form(&[("csrf", "guess")]);
    let refused = b.send(req).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    lint("403", &refused);
    let req = b.client.post(app.url(&format!("/admin/orders/{order}/confirm")));
    assert_eq!(b.send(req).await.status, StatusCode::FORBIDDEN);
    let status = app
        .bearer(&manager.token)
        .gql("query($id: ID!) { order(id: $id) { status } }", json!({ "id": order }))
        .await
        .data();
    assert_eq!(status["order"]["status"], "PAID", "nothing changed");
}

#[tokio::test]
async fn an_expired_session_signs_in_again_and_comes_back() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let manager = app.staff(&s.tenant, "SHOP_MANAGER", &[&s.shop]).await;
    let order = paid_booking(&app, &s, 1, 11).await;
    let mut b = Browser::new(&app);
    b.cookies.insert("civic_staff".into(), "expired.or.forged".into());
    let path = format!("/admin/orders/{order}");
    let away = b.get(&path).await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    let login = away.location.unwrap();
    assert_eq!(login, format!("/admin/login?next=%2Fadmin%2Forders%2F{order}"));
    assert!(!b.cookies.contains_key("civic_staff"), "the dead session is cleared");
    let form = b.get(&login).await;
    let next = form
        .html()
        .select(&Selector::parse("input[name=next]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    let csrf = b.cookies["civic_csrf"].clone();
    let fields = [
        ("tenant", s.tenant.slug.as_str()),
        ("username", manager.username.as_str()),
        ("password", manager.password.as_str()),
        ("next", next.as_str()),
        ("csrf", csrf.as_str()),
    ];
    let req = b.client.post(app.url("/admin/login")).form(&fields);
    let back = b.send(req).await;
    assert_eq!(back.location.as_deref(), Some(path.as_str()));
    // Only this console's own pages are places to come back to.
    let req = b.client.post(app.url("/admin/login")).form(&[
        ("tenant", s.tenant.slug.as_str()),
        ("username", manager.username.as_str()),
        ("password", manager.password.as_str()),
        ("next", "https://evil.example/admin/"),
        ("csrf", csrf.as_str()),
    ]);
    assert_eq!(b.send(req).await.location.as_deref(), Some("/admin/"));
}

#[tokio::test]
async fn staff_never_see_another_tenants_or_another_shops_bookings() {
    let app = TestApp::spawn().await;
    let a = open_shop(&app).await;
    let order = paid_booking(&app, &a, 1, 16).await;
    let b_shop = open_shop(&app).await;
    let other_tenant = app.staff(&b_shop.tenant, "TENANT_ADMIN", &[]).await;
    let admin = app.bearer(&a.tenant.api_key);
    let second = admin
        .gql(
            "mutation($i: ShopInput!) { createShop(input: $i) { id } }",
            json!({ "i": { "name": "第二家店", "address": "北京市", "phone": "010-65000000", "location": { "lat": 39.9, "lng": 116.4 } } }),
        )
        .await
        .data()["createShop"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_shop = app.staff(&a.tenant, "SHOP_STAFF", &[&second]).await;
    for (tenant, who) in [(&b_shop.tenant.slug, &other_tenant), (&a.tenant.slug, &other_shop)] {
        let mut b = Browser::new(&app);
        b.sign_in(tenant, &who.username, &who.password).await;
        let path = format!("/admin/orders/{order}");
        let page = b.get(&path).await;
        assert!(matches!(page.status.as_u16(), 403 | 404), "{path}: {}", page.status);
        assert!(!page.body.contains("中医推拿"), "{}", page.body);
        let day = b.get(&format!("/admin/?date={}", tomorrow())).await;
        assert_eq!(day.status, StatusCode::OK);
        assert!(!day.body.contains(&order) && !day.body.contains("中医推拿"), "{}", day.body);
        let confirm = b.post(&format!("{path}/confirm"), &[]).await;
        assert!(matches!(confirm.status.as_u16(), 403 | 404), "{}", confirm.status);
    }
    let status = app
        .bearer(&a.tenant.api_key)
        .gql("query($id: ID!) { order(id: $id) { status } }", json!({ "id": order }))
        .await
        .data();
    assert_eq!(status["order"]["status"], "PAID");
}

#[tokio::test]
async fn unknown_pages_and_static_files() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    let missing = b.get("/admin/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    lint("404", &missing);
    assert!(missing.body.contains("请求编号"));
    // The stylesheet a page names is served, immutable; an old hash is not.
    let login = b.get("/admin/login").await;
    let href = login
        .html()
        .select(&Selector::parse("link[rel=stylesheet]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let css = app.client.get(app.url(&href)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let stale = href.replacen("/static/", "/static/0", 1);
    assert_eq!(app.client.get(app.url(&stale)).send().await.unwrap().status(), 404);
}

/// Every operation a page runs is registered: pages send nothing the API would refuse from a client.
#[test]
fn pages_run_registered_operations_only() {
    let registry = civic::graphql::operations::Registry::load().unwrap();
    let mut names = vec![];
    let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/web"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            if entry.is_dir() {
                dirs.push(entry);
            } else if entry.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&entry).unwrap();
                // An operation is named by a literal in PascalCase as a call's or a tuple's first value.
                for (i, _) in text.match_indices("(\"") {
                    let rest = &text[i + 2..];
                    let name = &rest[..rest.find('"').unwrap()];
                    let pascal = name.starts_with(|c: char| c.is_ascii_uppercase())
                        && name.chars().all(|c| c.is_ascii_alphanumeric())
                        && name.chars().any(|c| c.is_ascii_lowercase());
                    if pascal {
                        names.push(name.to_owned());
                    }
                }
            }
        }
    }
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        assert!(registry.text(name).is_some(), "{name} is not a registered operation");
    }
}

/// GraphiQL loads nothing from another host: its scripts and styles are served by the service itself.
#[tokio::test]
async fn graphiql_is_served_whole_from_the_binary() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    let page = b.get("/graphql").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    let mut assets = vec![];
    for (selector, attr) in [("script", "src"), ("link", "href")] {
        for e in html.select(&Selector::parse(selector).unwrap()) {
            assets.push(e.value().attr(attr).unwrap().to_owned());
        }
    }
    assert_eq!(assets.len(), 5, "{assets:?}");
    for asset in assets {
        assert!(asset.starts_with("/static/"), "{asset} is not the service's own");
        let r = app.client.get(app.url(&asset)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        assert!(r.bytes().await.unwrap().len() > 100, "{asset}");
    }
}

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
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Page {
    fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    fn texts(&self, selector: &str) -> Vec<String> {
        let s = Selector::parse(selector).unwrap();
        self.html().select(&s).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }

    fn title(&self) -> String {
        self.texts("title").concat()
    }
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Browser { app, client, cookies: HashMap::new() }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
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

    async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(self.app.url(path));
        self.send(req).await
    }

    /// Posts a form as the page's own form would: with this browser's CSRF token.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.cookies.get("civic_csrf").cloned().unwrap_or_default();
        form.push(("csrf", &csrf));
        let req = self.client.post(self.app.url(path)).form(&form);
        self.send(req).await
    }

    async fn sign_in(&mut self, tenant: &str, username: &str, password: &str) -> Page {
        self.get("/admin/login").await;
        self.post("/admin/login", &[("tenant", tenant), ("username", username), ("password", password)]).await
    }
}

/// The markup every page needs for a screen reader and a keyboard: GOV.UK's basics and WCAG's.
fn lint(path: &str, page: &Page) {
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

fn tomorrow() -> String {
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

    let password = b.get("/admin/password").await;
    lint("/admin/password", &password);
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

/// The hidden fields of the page's form that posts to `action` (without the CSRF token, which `post` adds).
fn hidden_fields(page: &Page, action: &str) -> Vec<(String, String)> {
    let html = page.html();
    let form = html
        .select(&Selector::parse(&format!("form[action=\"{action}\"]")).unwrap())
        .next_back()
        .unwrap_or_else(|| panic!("no form to {action}: {}", page.body));
    form.select(&Selector::parse("input[type=hidden]").unwrap())
        .filter(|e| e.value().attr("name") != Some("csrf"))
        .map(|e| (e.value().attr("name").unwrap().to_owned(), e.value().attr("value").unwrap_or("").to_owned()))
        .collect()
}

/// The radios of a step: (value, label).
fn radios(page: &Page, name: &str) -> Vec<(String, String)> {
    let html = page.html();
    html.select(&Selector::parse(&format!("input[type=radio][name={name}]")).unwrap())
        .map(|e| {
            let id = e.value().attr("id").unwrap();
            let label = html.select(&Selector::parse(&format!("label[for=\"{id}\"]")).unwrap()).next().unwrap();
            (e.value().attr("value").unwrap().to_owned(), label.text().collect::<String>().trim().to_owned())
        })
        .collect()
}

fn query(fields: &[(String, String)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

/// Answers a step of the booking pages as its form does (a GET with the earlier answers).
async fn answer(b: &mut Browser<'_>, page: &Page, step: &str, value: &str) -> Page {
    let mut fields = hidden_fields(page, "/admin/bookings/new");
    fields.push((step.to_owned(), value.to_owned()));
    b.get(&format!("/admin/bookings/new?{}", query(&fields))).await
}

#[tokio::test]
async fn a_receptionist_books_a_caller_step_by_step_without_javascript() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let mut b = Browser::new(&app);
    b.sign_in(&s.tenant.slug, &staff.username, &staff.password).await;
    let today = b.get("/admin/").await;
    assert!(today.texts("nav a").contains(&"电话/到店预约".to_owned()), "{}", today.body);
    assert!(today.texts("main a[href='/admin/bookings/new']").len() == 1, "{}", today.body);

    // One shop: the first question is the service.
    let path = "/admin/bookings/new";
    let service = b.get(path).await;
    assert_eq!(service.status, StatusCode::OK, "{}", service.body);
    lint(path, &service);
    assert_eq!(service.texts("legend h1"), ["选择服务项目"]);
    assert_eq!(radios(&service, "service")[0].0, s.service);
    // Going on without a choice names what to choose.
    let unanswered = b.get(&format!("{path}?step=service")).await;
    lint("service (error)", &unanswered);
    assert!(unanswered.title().starts_with("错误："));
    assert_eq!(unanswered.texts(".error-summary a[href='#service-1']"), ["请选择服务项目"]);

    let date = answer(&mut b, &service, "service", &s.service).await;
    lint("date", &date);
    let days = radios(&date, "date");
    assert_eq!(days.len(), 7, "the next seven days");
    assert!(days[0].1.contains("今天"), "{days:?}");
    let time = answer(&mut b, &date, "date", &tomorrow()).await;
    lint("time", &time);
    let ten = radios(&time, "time").into_iter().find(|(_, label)| label.starts_with("10:00")).expect("10:00 is free");
    let therapist = answer(&mut b, &time, "time", &ten.0).await;
    lint("therapist", &therapist);
    let who = radios(&therapist, "therapist");
    assert_eq!(who[0], ("any".to_owned(), "不指定".to_owned()));
    assert!(who.iter().any(|(v, l)| v == &s.therapist && l == "张师傅"), "{who:?}");
    let customer = answer(&mut b, &therapist, "therapist", &s.therapist).await;
    lint("customer", &customer);
    assert_eq!(customer.texts("h1"), ["顾客信息"]);

    // Wrong details are named beside their fields.
    let check = "/admin/bookings/new/check";
    let mut fields = hidden_fields(&customer, check);
    let with = |fields: &[(String, String)], extra: &[(&str, &str)]| {
        let mut all: Vec<(String, String)> = fields.to_vec();
        all.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    };
    let wrong = with(&fields, &[("name", " "), ("phone", "12345"), ("channel", "PHONE")]);
    let wrong_refs: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = b.post(check, &wrong_refs).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    lint("customer (error)", &refused);
    assert_eq!(refused.texts(".error-summary li").len(), 2, "{}", refused.body);
    assert_eq!(refused.texts(".error-summary a[href='#phone']"), ["请输入 11 位手机号码"]);
    let html = refused.html();
    let phone = html.select(&Selector::parse("#phone").unwrap()).next().unwrap();
    assert_eq!(phone.value().attr("aria-invalid"), Some("true"));
    assert_eq!(phone.value().attr("value"), Some("12345"), "what was typed is kept");

    // Check your answers, then book.
    fields = with(&fields, &[("name", "王女士"), ("phone", "138 0013 8000"), ("channel", "PHONE")]);
    let good: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let answers = b.post(check, &good).await;
    lint("check", &answers);
    assert_eq!(answers.texts("h1"), ["确认预约信息"]);
    let dd = answers.texts(".summary-list dd").concat();
    for expected in ["中医推拿 60 分钟", "10:00–11:00", "张师傅", "王女士", "13800138000", "电话预约"]
    {
        assert!(dd.contains(expected), "{expected} in {dd}");
    }
    assert!(answers.texts(".summary-list a").iter().filter(|t| t.starts_with("修改")).count() >= 4);
    let book_fields = hidden_fields(&answers, path);
    let book_refs: Vec<(&str, &str)> = book_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // Without its CSRF token the booking is refused and nothing is booked.
    let forged = b.client.post(app.url(path)).form(&book_refs);
    assert_eq!(b.send(forged).await.status, StatusCode::FORBIDDEN);

    let booked = b.post(path, &book_refs).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let order_path = booked.location.clone().unwrap();
    assert!(order_path.starts_with("/admin/orders/") && order_path.ends_with("?done=booked"), "{order_path}");
    let order = b.get(&order_path).await;
    lint(&order_path, &order);
    assert_eq!(order.texts("[role=status]"), ["预约成功，已确认。顾客到店后付款。"]);
    let dd = order.texts("dd").concat();
    for expected in ["王女士", "138****8000", "电话预约", "已确认"] {
        assert!(dd.contains(expected), "{expected} in {dd}");
    }
    let day = b.get(&format!("/admin/?date={}", tomorrow())).await;
    assert!(day.texts("th[scope=col]").contains(&"顾客".to_owned()));
    assert!(day.texts("tbody tr").concat().contains("王女士"), "{}", day.body);

    // The same therapist at the same time again: the therapist is asked again, with the reason.
    let again = b.post(path, &book_refs).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    lint("therapist (taken)", &again);
    assert_eq!(again.texts(".error-summary li"), ["所选技师在这个时间已有预约，请重新选择"]);
    assert!(!radios(&again, "therapist").iter().any(|(v, _)| v == &s.therapist), "张师傅 is no longer offered");
    let n = app
        .bearer(&s.tenant.api_key)
        .gql("query($s: ID!) { shopOrders(shopId: $s) { edges { node { id } } } }", json!({ "s": s.shop }))
        .await
        .data();
    assert_eq!(n["shopOrders"]["edges"].as_array().unwrap().len(), 1);
}

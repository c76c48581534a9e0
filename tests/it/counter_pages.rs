//! The counter booking pages (电话/到店预约) as a browser without JavaScript uses them: one question a page, the
//! customer's details, check your answers, the booking; each page linted, the booking refused without its CSRF
//! token.

use reqwest::StatusCode;
use scraper::Selector;
use serde_json::json;

use crate::{
    booking::open_shop,
    helpers::TestApp,
    pages::{Browser, Page, lint, tomorrow},
};

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

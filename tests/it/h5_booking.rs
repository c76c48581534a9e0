//! The consumer's booking pages and "my bookings" on the H5 pages, as a phone's browser without JavaScript uses
//! them: one question a page, sign-in before checking the answers, booking, paying, cancelling with the refund
//! shown first, reviewing; each page linted; another consumer's or tenant's bookings never shown.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use scraper::Selector;
use serde_json::json;

use crate::{
    booking::{Shop, book, local, open_shop},
    helpers::{TestApp, unique},
    pages::{Browser, Page, lint, tomorrow},
};

/// The hidden fields of the page's last form that goes to `action` (without the CSRF token).
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

/// The radios of a question: (value, label).
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

fn path(s: &Shop, rest: &str) -> String {
    format!("/h5/{}/{rest}", s.tenant.slug)
}

/// Answers a question as its form does: a GET with the earlier answers.
async fn answer(b: &mut Browser<'_>, s: &Shop, page: &Page, step: &str, value: &str) -> Page {
    let action = path(s, &format!("book/{}", s.shop));
    let mut fields = hidden_fields(page, &action);
    fields.retain(|(k, _)| k != "step");
    fields.push((step.to_owned(), value.to_owned()));
    b.get(&format!("{action}?{}", serde_urlencoded::to_string(&fields).unwrap())).await
}

/// Follows a redirect to sign in (the stand-in signs the browser in at once) and back.
async fn follow_sign_in(b: &mut Browser<'_>, page: Page) -> Page {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = page.location.unwrap();
    assert!(to.contains("/signin?next="), "{to}");
    let back = b.get(&to).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    b.get(&back.location.unwrap()).await
}

/// The time question of tomorrow, for the service of the shop's page link.
async fn times_tomorrow(b: &mut Browser<'_>, s: &Shop) -> Page {
    let date = b.get(&path(s, &format!("book/{}?service={}", s.shop, s.service))).await;
    answer(b, s, &date, "date", &tomorrow()).await
}

/// Books `hh:00` tomorrow with `therapist` through the pages, signing in when asked: the booking's id.
async fn book_by_pages(b: &mut Browser<'_>, s: &Shop, hh: &str, therapist: &str) -> String {
    let time = times_tomorrow(b, s).await;
    let (start, _) = radios(&time, "time").into_iter().find(|(_, l)| l.starts_with(hh)).expect("the time is free");
    let who = answer(b, s, &time, "time", &start).await;
    let mut check = answer(b, s, &who, "therapist", therapist).await;
    if check.status == StatusCode::SEE_OTHER {
        check = follow_sign_in(b, check).await;
    }
    let action = path(s, &format!("book/{}", s.shop));
    let fields = hidden_fields(&check, &action);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let booked = b.post(&action, &refs).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let to = booked.location.unwrap();
    to.trim_start_matches(&path(s, "orders/")).trim_end_matches("/pay").to_owned()
}

async fn api_order(app: &TestApp, s: &Shop, id: &str) -> serde_json::Value {
    app.bearer(&s.tenant.api_key)
        .gql("query($id: ID!) { order(id: $id) { status paidFen refundedFen } }", json!({ "id": id }))
        .await
        .data()["order"]
        .clone()
}

#[tokio::test]
async fn a_consumer_books_step_by_step_checks_and_pays() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let mut b = Browser::new(&app);
    let book_path = path(&s, &format!("book/{}", s.shop));

    // Without a service the first question is the service; going on without a choice names what to choose.
    let service = b.get(&book_path).await;
    assert_eq!(service.status, StatusCode::OK, "{}", service.body);
    lint("service", &service);
    assert_eq!(service.texts("legend h1"), ["选择服务项目"]);
    assert_eq!(radios(&service, "service"), [(s.service.clone(), "中医推拿 60 分钟".to_owned())]);
    let unanswered = b.get(&format!("{book_path}?step=service")).await;
    lint("service (error)", &unanswered);
    assert!(unanswered.title().starts_with("错误："), "{}", unanswered.title());
    assert_eq!(unanswered.texts(".error-summary a[href='#service-1']"), ["请选择服务项目"]);

    // From the shop page's link the service is given: the first question is the day.
    let date = b.get(&format!("{book_path}?service={}", s.service)).await;
    lint("date", &date);
    assert_eq!(date.texts("legend h1"), ["选择日期"]);
    let days = radios(&date, "date");
    assert_eq!(days.len(), 15, "today and the 14 days of the tenant's horizon");
    assert_eq!((days[0].1.as_str(), days[1].1.as_str()), ("今天", "明天"));
    assert!(days[2].1.contains('月') && days[2].1.contains('周'), "{days:?}");
    let no_day = b.get(&format!("{book_path}?service={}&step=date", s.service)).await;
    lint("date (error)", &no_day);
    assert_eq!(no_day.texts(".error-summary a[href='#date-1']"), ["请选择日期"]);
    let html = no_day.html();
    let fieldset = html.select(&Selector::parse("fieldset").unwrap()).next().unwrap();
    assert_eq!(fieldset.value().attr("aria-describedby"), Some("date-error"));

    // Free times in parts of the day; the therapists free at the chosen time, "any" first.
    let time = answer(&mut b, &s, &date, "date", &tomorrow()).await;
    lint("time", &time);
    assert_eq!(time.texts("legend h1"), ["选择时间"]);
    assert_eq!(time.texts("legend.legend-label"), ["上午", "下午", "晚上"]);
    let ten = radios(&time, "time").into_iter().find(|(_, l)| l == "10:00–11:00").expect("10:00 is free");
    let who = answer(&mut b, &s, &time, "time", &ten.0).await;
    lint("therapist", &who);
    let names = radios(&who, "therapist");
    assert_eq!(names[0], ("any".to_owned(), "任意技师".to_owned()));
    assert!(names.iter().any(|(v, l)| v == &s.therapist && l == "张师傅"), "{names:?}");
    let no_one = b
        .get(&format!(
            "{book_path}?{}&step=therapist",
            serde_urlencoded::to_string(
                hidden_fields(&who, &book_path).iter().filter(|(k, _)| k != "step").collect::<Vec<_>>()
            )
            .unwrap()
        ))
        .await;
    lint("therapist (error)", &no_one);
    assert_eq!(no_one.texts(".error-summary li"), ["请选择技师"]);

    // Checking the answers needs a signed-in consumer: signed in, the browser comes back to them.
    let to_sign_in = answer(&mut b, &s, &who, "therapist", &s.therapist).await;
    let check = follow_sign_in(&mut b, to_sign_in).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    lint("check", &check);
    assert_eq!(check.texts("h1"), ["确认预约信息"]);
    let dd = check.texts(".summary-list dd").concat();
    for expected in ["通宵推拿", "中医推拿 60 分钟", "明天", "10:00–11:00", "张师傅", "¥128.00"] {
        assert!(dd.contains(expected), "{expected} in {dd}");
    }
    assert_eq!(check.texts(".summary-list a").iter().filter(|t| t.starts_with("修改")).count(), 4);
    let fields = hidden_fields(&check, &book_path);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // Without its CSRF token the booking is refused and nothing is booked.
    let forged = b.client.post(app.url(&book_path)).form(&refs);
    assert_eq!(b.send(forged).await.status, StatusCode::FORBIDDEN);

    let booked = b.post(&book_path, &refs).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let pay_path = booked.location.unwrap();
    assert!(pay_path.starts_with(&path(&s, "orders/")) && pay_path.ends_with("/pay"), "{pay_path}");
    let pay = b.get(&pay_path).await;
    lint("pay", &pay);
    assert!(pay.texts("button").contains(&"支付 ¥128.00".to_owned()), "{}", pay.body);
    let paid = b.post(&pay_path, &[]).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let result = b.get(&paid.location.unwrap()).await;
    lint("result", &result);
    assert_eq!(result.texts("[role=status]"), ["支付成功，已支付 ¥128.00。预约已提交，门店确认后即可到店。"]);
    let dd = result.texts("dd").concat();
    for expected in ["已支付，等待门店确认", "10:00–11:00", "张师傅", "¥128.00"] {
        assert!(dd.contains(expected), "{expected} in {dd}");
    }
    assert!(result.texts("a").contains(&"返回我的预约".to_owned()));
    let id = pay_path.trim_start_matches(&path(&s, "orders/")).trim_end_matches("/pay");
    assert_eq!(api_order(&app, &s, id).await["paidFen"], 12800);
    // Paid, the payment page shows the booking instead.
    assert_eq!(b.get(&pay_path).await.status, StatusCode::SEE_OTHER);

    // My bookings: the one ahead, in Chinese, with its amount.
    let mine = b.get(&path(&s, "orders")).await;
    lint("my bookings", &mine);
    assert_eq!(mine.texts("h2")[0], "即将到来（1）");
    let card = mine.texts(".card").concat();
    for expected in ["中医推拿 60 分钟", "通宵推拿", "已支付，等待门店确认", "¥128.00", "10:00–11:00"]
    {
        assert!(card.contains(expected), "{expected} in {card}");
    }
}

#[tokio::test]
async fn a_taken_time_sends_the_consumer_back_to_pick_a_time_and_a_closed_day_has_no_times() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let mut b = Browser::new(&app);
    let book_path = path(&s, &format!("book/{}", s.shop));
    let time = times_tomorrow(&mut b, &s).await;
    let (start, _) = radios(&time, "time").into_iter().find(|(_, l)| l.starts_with("15:00")).unwrap();
    let who = answer(&mut b, &s, &time, "time", &start).await;
    let to_sign_in = answer(&mut b, &s, &who, "therapist", "any").await;
    let check = follow_sign_in(&mut b, to_sign_in).await;
    let fields = hidden_fields(&check, &book_path);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Meanwhile two others take both therapists at that time.
    for therapist in [&s.therapist, &s.other_therapist] {
        let other = app.consumer(&s.tenant, &unique("o")).await;
        book(&app, &other, &s, Some(therapist), &start).await.data();
    }
    let again = b.post(&book_path, &refs).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    lint("time (taken)", &again);
    assert!(again.title().starts_with("错误："));
    assert_eq!(again.texts("legend h1"), ["选择时间"]);
    assert_eq!(again.texts(".error-summary a[href='#time-1']"), ["这个时间刚刚被别人预约了，请选择其他时间"]);
    assert!(!radios(&again, "time").iter().any(|(v, _)| v == &start), "15:00 is no longer offered");

    // A day the shop is closed: no free time, and a way back to another day.
    let hours: Vec<_> = (1..=7).map(|d| json!({ "weekday": d, "opens": "00:00", "closes": "24:00" })).collect();
    let input = json!({ "name": "通宵推拿", "address": "北京市朝阳区", "phone": "010-65001234",
        "location": { "lat": 39.91, "lng": 116.46 }, "openingHours": hours, "closedDates": [tomorrow()] });
    app.bearer(&s.tenant.api_key)
        .gql(
            "mutation($id: ID!, $i: ShopInput!) { updateShop(id: $id, input: $i) { id } }",
            json!({ "id": s.shop, "i": input }),
        )
        .await
        .data();
    let closed = times_tomorrow(&mut b, &s).await;
    lint("time (none free)", &closed);
    assert_eq!(closed.texts("#time-none"), ["这一天没有空闲的时间。"]);
    let back = closed.texts("main a");
    assert!(back.contains(&"选择其他日期".to_owned()), "{back:?}");
    assert!(closed.texts("button").is_empty(), "nothing to go on with");
}

#[tokio::test]
async fn a_cancellation_refunds_what_the_page_said() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let mut b = Browser::new(&app);
    let early = book_by_pages(&mut b, &s, "10:00", "any").await;
    b.post(&path(&s, &format!("orders/{early}/pay")), &[]).await;
    let page = b.get(&path(&s, &format!("orders/{early}/cancel"))).await;
    lint("cancel", &page);
    assert!(page.texts("strong").contains(&"¥128.00".to_owned()), "{}", page.body);
    // A reason too long is named beside its field, and nothing is cancelled.
    let long = "很".repeat(201);
    let refused = b.post(&path(&s, &format!("orders/{early}/cancel")), &[("reason", &long)]).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    lint("cancel (error)", &refused);
    assert_eq!(refused.texts(".error-summary a[href='#reason']").len(), 1, "{}", refused.body);
    assert_eq!(api_order(&app, &s, &early).await["status"], "PAID");
    let done = b.post(&path(&s, &format!("orders/{early}/cancel")), &[("reason", "有事")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = b.get(&done.location.unwrap()).await;
    lint("cancelled", &after);
    assert_eq!(after.texts("[role=status]"), ["预约已取消，¥128.00 将原路退回。"]);
    assert_eq!(api_order(&app, &s, &early).await["refundedFen"], 12800);

    // Inside the cut-off before the start, the page says the policy's share, and that is what is refunded.
    let late = book_by_pages(&mut b, &s, "11:00", "any").await;
    b.post(&path(&s, &format!("orders/{late}/pay")), &[]).await;
    let start = chrono::DateTime::parse_from_rfc3339(&local(1, 11, 0)).unwrap().with_timezone(&Utc);
    app.state.clock.advance(start - Utc::now() - Duration::minutes(90));
    b.get(&path(&s, "signin")).await; // the two-hour session has ended: the same browser signs in again
    let consumer = b.cookies["civic_consumer"].clone();
    let q = "query($id: ID!) { order(id: $id) { refundIfCancelledFen } }";
    let said = app.bearer(&consumer).gql(q, json!({ "id": late })).await.data();
    assert_eq!(said["order"]["refundIfCancelledFen"], 6400, "50% after the cut-off");
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    let by_shop = app.bearer(&staff.token).gql(q, json!({ "id": late })).await.data();
    assert_eq!(by_shop["order"]["refundIfCancelledFen"], 12800, "the shop refunds in full");
    let page = b.get(&path(&s, &format!("orders/{late}/cancel"))).await;
    lint("cancel (late)", &page);
    assert!(page.texts("button").contains(&"确认取消并退款 ¥64.00".to_owned()), "{}", page.body);
    assert!(page.body.contains("只退还部分金额"));
    b.post(&path(&s, &format!("orders/{late}/cancel")), &[]).await;
    assert_eq!(api_order(&app, &s, &late).await["refundedFen"], 6400);
    // Cancelled, it can be cancelled no more: nothing to refund is offered.
    let again = app.bearer(&consumer).gql(q, json!({ "id": late })).await.data();
    assert!(again["order"]["refundIfCancelledFen"].is_null());
    let page = b.get(&path(&s, &format!("orders/{late}"))).await;
    assert!(!page.texts("a").contains(&"取消预约".to_owned()));
    let mine = b.get(&path(&s, "orders")).await;
    assert!(mine.texts("h2").iter().any(|h| h.starts_with("过去的预约")), "{}", mine.body);
}

#[tokio::test]
async fn an_unpaid_booking_expires_and_a_completed_one_is_reviewed() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let mut b = Browser::new(&app);
    let paid = book_by_pages(&mut b, &s, "10:00", &s.therapist).await;
    let unpaid = book_by_pages(&mut b, &s, "14:00", "any").await;
    b.post(&path(&s, &format!("orders/{paid}/pay")), &[]).await;
    let mine = b.get(&path(&s, "orders")).await;
    assert!(mine.texts("a").iter().any(|a| a.starts_with("去支付")), "pay while pending: {}", mine.body);

    app.state.clock.advance(Duration::minutes(16));
    let refused = b.post(&path(&s, &format!("orders/{unpaid}/pay")), &[]).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    lint("pay (expired)", &refused);
    assert!(refused.title().starts_with("错误："));
    assert_eq!(refused.texts(".error-summary a[href='#pay']"), ["这笔预约已超过支付时限，已自动取消。请重新预约。"]);

    // The shop confirms and, at the time, completes it: the consumer reviews it once.
    let start = chrono::DateTime::parse_from_rfc3339(&local(1, 10, 0)).unwrap().with_timezone(&Utc);
    app.state.clock.advance(start - Utc::now() - Duration::minutes(16));
    let staff = app.staff(&s.tenant, "SHOP_STAFF", &[&s.shop]).await;
    for op in ["confirmOrder", "completeOrder"] {
        let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ id }} }}");
        app.bearer(&staff.token).gql(&q, json!({ "id": paid })).await.data();
    }
    b.get(&path(&s, "signin")).await;
    let order_path = path(&s, &format!("orders/{paid}"));
    let page = b.get(&order_path).await;
    lint("completed", &page);
    assert_eq!(radios(&page, "rating").len(), 5);
    let review = format!("{order_path}/review");
    let no_rating = b.post(&review, &[("rating", ""), ("text", "手法很好")]).await;
    assert_eq!(no_rating.status, StatusCode::OK);
    lint("review (error)", &no_rating);
    assert_eq!(no_rating.texts(".error-summary a[href='#rating-5']"), ["请选择评分"]);
    assert_eq!(no_rating.texts("textarea"), ["手法很好"], "what was typed is kept");
    let done = b.post(&review, &[("rating", "5"), ("text", "手法很好")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = b.get(&done.location.unwrap()).await;
    lint("reviewed", &after);
    assert_eq!(after.texts("[role=status]"), ["感谢您的评价。"]);
    assert!(after.body.contains("5 分：手法很好"));
    assert!(radios(&after, "rating").is_empty(), "reviewed once");
}

#[tokio::test]
async fn a_consumer_never_sees_another_consumers_or_another_tenants_bookings() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let other = open_shop(&app).await;
    let mut a = Browser::new(&app);
    let order = book_by_pages(&mut a, &s, "10:00", "any").await;
    let mut b = Browser::new(&app);

    // My bookings asks to sign in first.
    let first = b.get(&path(&s, "orders")).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let list = follow_sign_in(&mut b, first).await;
    lint("my bookings (none)", &list);
    assert!(!list.body.contains("中医推拿"), "{}", list.body);
    assert!(list.body.contains("您还没有预约"));
    for rest in [format!("orders/{order}"), format!("orders/{order}/pay"), format!("orders/{order}/cancel")] {
        let page = b.get(&path(&s, &rest)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{rest}");
        assert!(!page.body.contains("中医推拿"), "{rest}");
    }
    for rest in [format!("orders/{order}/cancel"), format!("orders/{order}/pay"), format!("orders/{order}/review")] {
        let r = b.post(&path(&s, &rest), &[("rating", "1")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{rest}");
    }
    assert_eq!(api_order(&app, &s, &order).await["status"], "PENDING_PAYMENT", "untouched");

    // Signed in on this tenant, the browser is not signed in on another's pages, which show none of this.
    let there = a.get(&path(&other, "orders")).await;
    assert_eq!(there.status, StatusCode::SEE_OTHER, "not signed in on tenant B");
    let list = follow_sign_in(&mut a, there).await;
    assert!(!list.body.contains("中医推拿 60 分钟") && list.body.contains("您还没有预约"), "{}", list.body);
    let cross = a.get(&path(&other, &format!("orders/{order}"))).await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);
    let shop_there = a.get(&format!("/h5/{}/book/{}?service={}", other.tenant.slug, s.shop, s.service)).await;
    assert_eq!(shop_there.status, StatusCode::NOT_FOUND, "tenant A's shop is not bookable on B's pages");
    // A's own list still has it. (This test browser keeps one cookie a name, not one a path: signing in on B
    // replaced the session of A's pages, so the browser signs in there again, as the same consumer.)
    let again = a.get(&path(&s, "orders")).await;
    let mine = follow_sign_in(&mut a, again).await;
    assert!(mine.texts(".card-title a").contains(&"中医推拿 60 分钟".to_owned()), "{}", mine.body);
}

//! The shop manager's pages as a browser without JavaScript uses them: a shop's profile and photos, its
//! therapists, service items, promotions and bookings by date range with the CSV export; each page linted,
//! each form's errors named beside their fields, and nobody reaching a shop that is not theirs.

use reqwest::StatusCode;
use scraper::Selector;
use serde_json::json;

use crate::{
    booking::{Shop, local, open_shop},
    counter::COUNTER,
    helpers::{TestApp, TestStaff},
    pages::{Browser, Page, lint},
};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// A manager of `s`'s shop, signed in on a browser.
async fn manager_browser<'a>(app: &'a TestApp, s: &Shop) -> (Browser<'a>, TestStaff) {
    let manager = app.staff(&s.tenant, "SHOP_MANAGER", &[&s.shop]).await;
    let mut b = Browser::new(app);
    b.sign_in(&s.tenant.slug, &manager.username, &manager.password).await;
    (b, manager)
}

fn attr(page: &Page, selector: &str, name: &str) -> Option<String> {
    let html = page.html();
    html.select(&Selector::parse(selector).unwrap()).next().and_then(|e| e.value().attr(name).map(str::to_owned))
}

/// Follows a redirect after a POST, as a browser does.
async fn follow(b: &mut Browser<'_>, page: Page) -> Page {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    b.get(page.location.as_deref().unwrap()).await
}

async fn shop_now(app: &TestApp, s: &Shop) -> serde_json::Value {
    app.bearer(&s.tenant.api_key)
        .gql(
            "query($id: ID!) { shop(id: $id) { name phone location { lat lng } openingHours { weekday opens closes } photos { id }
               therapists { name title active } services { name priceFen durationMinutes therapists { id } }
               promotions { id title status endsAt } } }",
            json!({ "id": s.shop }),
        )
        .await
        .data()["shop"]
        .clone()
}

#[tokio::test]
async fn a_manager_reaches_every_page_of_their_shop() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (mut b, _) = manager_browser(&app, &s).await;
    let today_page = b.get("/admin/").await;
    assert!(today_page.texts("nav a").contains(&"门店管理".to_owned()), "{}", today_page.body);
    // One shop: the entry goes straight to it.
    let entry = b.get("/admin/shop/").await;
    assert_eq!(entry.location.as_deref(), Some(format!("/admin/shops/{}", s.shop).as_str()));
    let base = format!("/admin/shops/{}", s.shop);
    for (path, h1) in [
        (base.clone(), "门店资料：通宵推拿"),
        (format!("{base}/therapists"), "技师：通宵推拿"),
        (format!("{base}/therapists/{}", s.therapist), "修改技师：张师傅"),
        (format!("{base}/services"), "服务项目：通宵推拿"),
        (format!("{base}/services/{}", s.service), "修改服务项目：中医推拿 60 分钟"),
        (format!("{base}/promotions"), "优惠活动：通宵推拿"),
        (format!("{base}/orders"), "预约记录：通宵推拿"),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        lint(&path, &page);
        assert_eq!(page.texts("h1"), [h1], "{path}");
        assert_eq!(page.texts(".shop-tabs a[aria-current=page]").len(), 1, "{path}");
    }
    let services = b.get(&format!("{base}/services")).await;
    let row = services.texts("tbody tr").concat();
    assert!(row.contains("¥128.00") && row.contains("60 分钟") && row.contains("张师傅、李师傅"), "{row}");
}

#[tokio::test]
async fn the_profile_form_names_wrong_fields_then_saves() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (mut b, _) = manager_browser(&app, &s).await;
    let path = format!("/admin/shops/{}", s.shop);
    let mut fields = vec![("name", ""), ("address", "北京市朝阳区"), ("phone", "010-65001234"), ("lat", "north")];
    fields.extend([("lng", "116.46"), ("datum", "GCJ02"), ("opens-1", "25:00"), ("closes-1", "22:00")]);
    for d in 2..=7 {
        fields.push((["closed-2", "closed-3", "closed-4", "closed-5", "closed-6", "closed-7"][d - 2], "1"));
    }
    let refused = b.post(&path, &fields).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    lint("profile (error)", &refused);
    assert!(refused.title().starts_with("错误："), "{}", refused.title());
    for id in ["name", "lat", "opens-1"] {
        assert_eq!(refused.texts(&format!(".error-summary a[href='#{id}']")).len(), 1, "{id}: {}", refused.body);
        assert_eq!(attr(&refused, &format!("#{id}"), "aria-invalid").as_deref(), Some("true"), "{id}");
    }
    assert_eq!(attr(&refused, "#opens-1", "value").as_deref(), Some("25:00"), "what was typed is kept");
    assert_eq!(shop_now(&app, &s).await["name"], "通宵推拿", "nothing changed");

    // Monday 9:30–21:00, the rest closed, the position typed from a GPS (WGS-84).
    let good = [
        ("name", "通宵推拿（朝阳店）"),
        ("address", "北京市朝阳区"),
        ("phone", "010-65001234"),
        ("lat", "39.9"),
        ("lng", "116.4"),
        ("datum", "WGS84"),
        ("opens-1", "9:30"),
        ("closes-1", "21:00"),
        ("closed-2", "1"),
        ("closed-3", "1"),
        ("closed-4", "1"),
        ("closed-5", "1"),
        ("closed-6", "1"),
        ("closed-7", "1"),
    ];
    let posted = b.post(&path, &good).await;
    let saved = follow(&mut b, posted).await;
    lint("profile (saved)", &saved);
    assert_eq!(saved.texts("[role=status]"), ["已保存门店资料"]);
    let shop = shop_now(&app, &s).await;
    assert_eq!(shop["name"], "通宵推拿（朝阳店）");
    assert_eq!(shop["openingHours"], json!([{ "weekday": 1, "opens": "09:30", "closes": "21:00" }]));
    let (lat, lng) = (shop["location"]["lat"].as_f64().unwrap(), shop["location"]["lng"].as_f64().unwrap());
    assert!(lat > 39.9 && lng > 116.4 && lng < 116.41, "converted to GCJ-02: {lat}, {lng}");
    assert!(saved.texts(".summary dd").concat().contains("星期一 09:30–21:00；星期二 休息"), "{}", saved.body);
}

fn small_jpeg() -> Vec<u8> {
    use image::{ImageEncoder, Rgb, RgbImage};
    let img = RgbImage::from_fn(40, 20, |x, _| if x < 20 { Rgb([220, 20, 20]) } else { Rgb([20, 20, 220]) });
    let mut jpeg = vec![];
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .write_image(img.as_raw(), 40, 20, image::ExtendedColorType::Rgb8)
        .unwrap();
    jpeg
}

async fn upload(b: &mut Browser<'_>, app: &TestApp, shop: &str, bytes: Vec<u8>, csrf: bool) -> Page {
    let token = b.cookies.get("civic_csrf").cloned().unwrap_or_default();
    let mut form = reqwest::multipart::Form::new();
    if csrf {
        form = form.text("csrf", token);
    }
    let part = reqwest::multipart::Part::bytes(bytes).file_name("shop.jpg").mime_str("image/jpeg").unwrap();
    let req = b.client.post(app.url(&format!("/admin/shops/{shop}/photos"))).multipart(form.part("photo", part));
    b.send(req).await
}

#[tokio::test]
async fn photos_are_uploaded_by_a_plain_form_and_removed() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (mut b, _) = manager_browser(&app, &s).await;
    b.get(&format!("/admin/shops/{}", s.shop)).await;
    assert_eq!(upload(&mut b, &app, &s.shop, small_jpeg(), false).await.status, StatusCode::FORBIDDEN);
    let refused = upload(&mut b, &app, &s.shop, b"not an image".to_vec(), true).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    lint("photo (error)", &refused);
    assert_eq!(refused.texts(".error-summary a[href='#photo']"), ["只能上传 JPEG、PNG 或 WebP 格式的照片"]);
    let posted = upload(&mut b, &app, &s.shop, small_jpeg(), true).await;
    let added = follow(&mut b, posted).await;
    lint("photo (added)", &added);
    assert_eq!(added.texts("[role=status]"), ["已上传照片"]);
    let photos = shop_now(&app, &s).await["photos"].clone();
    assert_eq!(photos.as_array().unwrap().len(), 1);
    assert_eq!(attr(&added, ".photo-list img", "alt").as_deref(), Some("通宵推拿的门店照片，第 1 张，共 1 张"));
    let src = attr(&added, ".photo-list img", "src").unwrap();
    assert_eq!(b.get(&src).await.status, StatusCode::OK);
    let id = photos[0]["id"].as_str().unwrap().to_owned();
    let posted = b.post(&format!("/admin/shops/{}/photos/remove", s.shop), &[("photo", &id)]).await;
    let removed = follow(&mut b, posted).await;
    assert_eq!(removed.texts("[role=status]"), ["已删除照片"]);
    assert!(shop_now(&app, &s).await["photos"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn therapists_and_services_are_added_and_changed() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (mut b, _) = manager_browser(&app, &s).await;
    let therapists = format!("/admin/shops/{}/therapists", s.shop);
    let refused = b.post(&therapists, &[("name", " "), ("years", "七十一")]).await;
    lint("therapists (error)", &refused);
    assert!(refused.title().starts_with("错误："));
    assert_eq!(refused.texts(".error-summary li").len(), 2, "{}", refused.body);
    let fields = [
        ("name", "王师傅"),
        ("title", "高级按摩师"),
        ("years", "12"),
        ("specialties", "颈肩推拿、足疗"),
        ("gender", "MALE"),
    ];
    let posted = b.post(&therapists, &fields).await;
    let added = follow(&mut b, posted).await;
    assert_eq!(added.texts("[role=status]"), ["已添加技师"]);
    assert!(
        added.texts("tbody tr").iter().any(|r| r.contains("王师傅") && r.contains("颈肩推拿、足疗")),
        "{}",
        added.body
    );
    // Taken off duty.
    let edit = format!("{therapists}/{}", s.other_therapist);
    let off = [("name", "李师傅"), ("years", "3"), ("gender", "FEMALE"), ("active", "no")];
    let posted = b.post(&edit, &off).await;
    let saved = follow(&mut b, posted).await;
    assert_eq!(saved.texts("[role=status]"), ["已保存技师资料"]);
    let shop = shop_now(&app, &s).await;
    let li = shop["therapists"].as_array().unwrap().iter().find(|t| t["name"] == "李师傅").unwrap().clone();
    assert_eq!(li["active"], false);

    let services = format!("/admin/shops/{}/services", s.shop);
    let refused =
        b.post(&services, &[("name", "足疗"), ("category", "足疗"), ("duration", "0"), ("price", "1.234")]).await;
    lint("services (error)", &refused);
    assert_eq!(refused.texts(".error-summary a[href='#duration'], .error-summary a[href='#price']").len(), 2);
    assert_eq!(attr(&refused, "#price", "aria-invalid").as_deref(), Some("true"));
    let fields = [
        ("name", "足疗 45 分钟"),
        ("category", "足疗"),
        ("duration", "45"),
        ("price", "¥98.5"),
        ("therapist", &s.therapist),
    ];
    let posted = b.post(&services, &fields).await;
    let added = follow(&mut b, posted).await;
    assert_eq!(added.texts("[role=status]"), ["已添加服务项目"]);
    assert!(
        added.texts("tbody tr").iter().any(|r| r.contains("足疗 45 分钟") && r.contains("¥98.50")),
        "{}",
        added.body
    );
    let shop = shop_now(&app, &s).await;
    let foot = shop["services"].as_array().unwrap().iter().find(|v| v["name"] == "足疗 45 分钟").unwrap().clone();
    assert_eq!((foot["priceFen"].as_i64(), foot["durationMinutes"].as_i64()), (Some(9850), Some(45)));
    assert_eq!(foot["therapists"], json!([{ "id": s.therapist }]));
}

#[tokio::test]
async fn a_promotion_is_drafted_published_and_ended() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (mut b, _) = manager_browser(&app, &s).await;
    let path = format!("/admin/shops/{}/promotions", s.shop);
    let refused = b.post(&path, &[("title", ""), ("starts", "明天"), ("ends", ""), ("kind", "PERCENT_OFF")]).await;
    lint("promotions (error)", &refused);
    assert!(refused.title().starts_with("错误："));
    for id in ["title", "starts", "ends", "percent"] {
        assert_eq!(refused.texts(&format!(".error-summary a[href='#{id}']")).len(), 1, "{id}: {}", refused.body);
    }
    let (from, to) = (today().to_string(), (today() + chrono::Duration::days(30)).to_string());
    let fields = [
        ("title", "冬季八折"),
        ("body", "推拿八折"),
        ("starts", &from),
        ("ends", &to),
        ("kind", "PERCENT_OFF"),
        ("percent", "20"),
    ];
    let posted = b.post(&path, &fields).await;
    let drafted = follow(&mut b, posted).await;
    lint("promotions (drafted)", &drafted);
    assert_eq!(drafted.texts("[role=status]"), ["已保存草稿“冬季八折”。发布后顾客才能看到。"]);
    let row = drafted.texts("tbody tr").concat();
    assert!(row.contains("草稿") && row.contains("优惠 20%"), "{row}");
    let id = shop_now(&app, &s).await["promotions"][0]["id"].as_str().unwrap().to_owned();
    // A draft cannot be ended (the API refuses; the page offers only publishing).
    app.bearer(&s.tenant.api_key)
        .gql("mutation($id: ID!) { endPromotion(id: $id) { id } }", json!({ "id": id }))
        .await
        .expect_code("CONFLICT");
    assert_eq!(drafted.texts(&format!("#act-{id}")), ["发布：冬季八折"]);
    let posted = b.post(&format!("{path}/{id}/publish"), &[]).await;
    let published = follow(&mut b, posted).await;
    assert_eq!(published.texts("[role=status]"), ["已发布“冬季八折”，顾客在活动时间内可以看到。"]);
    assert!(published.texts("tbody tr").concat().contains("进行中"));
    let seen = app
        .with_tenant(&s.tenant.slug)
        .gql("query($id: ID!) { shop(id: $id) { promotions { id } } }", json!({ "id": s.shop }))
        .await
        .data();
    assert_eq!(seen["shop"]["promotions"][0]["id"], id.as_str(), "consumers see it");
    let posted = b.post(&format!("{path}/{id}/end"), &[]).await;
    let ended = follow(&mut b, posted).await;
    assert_eq!(ended.texts("[role=status]"), ["已结束“冬季八折”，顾客不再看到这个活动。"]);
    assert!(ended.texts("tbody tr").concat().contains("已结束"));
    assert!(ended.texts(&format!("#act-{id}")).is_empty(), "nothing more to do");
    let seen = app
        .with_tenant(&s.tenant.slug)
        .gql("query($id: ID!) { shop(id: $id) { promotions { id } } }", json!({ "id": s.shop }))
        .await
        .data();
    assert!(seen["shop"]["promotions"].as_array().unwrap().is_empty(), "consumers no longer see it");
    // Ending it again is refused, beside its row.
    let again = b.post(&format!("{path}/{id}/end"), &[]).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.title().starts_with("错误："));
}

#[tokio::test]
async fn bookings_by_date_range_and_their_csv() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let (mut b, manager) = manager_browser(&app, &s).await;
    let input = json!({ "i": { "shopId": s.shop, "serviceItemId": s.service, "therapistId": s.therapist,
        "start": local(1, 10, 0), "customerName": "王女士", "customerPhone": "13800138000", "channel": "PHONE" } });
    app.bearer(&manager.token).gql(COUNTER, input).await.data();
    let path = format!("/admin/shops/{}/orders", s.shop);
    let page = b.get(&path).await;
    let row = page.texts("tbody tr").concat();
    assert!(row.contains("王女士") && row.contains("138****8000") && row.contains("10:00–11:00"), "{}", page.body);
    assert!(row.contains("¥128.00") && row.contains("已确认"), "{row}");
    assert!(!page.body.contains("13800138000"), "the phone is masked");
    // Another range has none; a wrong range is named.
    let later = (today() + chrono::Duration::days(10)).to_string();
    let empty = b.get(&format!("{path}?from={later}&to={later}")).await;
    assert!(empty.texts("tbody").concat().contains("这段时间没有预约"));
    let wrong = b.get(&format!("{path}?from={later}&to={}", today())).await;
    lint("orders (error)", &wrong);
    assert!(wrong.title().starts_with("错误："));
    assert_eq!(wrong.texts(".error-summary a[href='#to']"), ["结束日期不能早于开始日期"]);

    let csv_path = attr(&page, "a[href*='orders.csv']", "href").unwrap();
    let r = b.client.get(app.url(&csv_path)).header("cookie", cookie(&b)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"orders-"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte order mark for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "开始时间,结束时间,服务项目,技师,顾客,手机,预约方式,状态,金额（元）,已付（元）,已退（元）,订单号"
    );
    assert_eq!(lines.len(), 2, "{text}");
    let day = (today() + chrono::Duration::days(1)).to_string();
    assert!(
        lines[1].starts_with(&format!(
            "{day} 10:00,{day} 11:00,中医推拿 60 分钟,张师傅,王女士,138****8000,电话预约,已确认,128.00,0.00,0.00,"
        )),
        "{}",
        lines[1]
    );
    assert!(!text.contains("13800138000"));
}

fn cookie(b: &Browser<'_>) -> String {
    b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn nobody_reaches_a_shop_that_is_not_theirs() {
    let app = TestApp::spawn().await;
    let a = open_shop(&app).await;
    // A second shop of the same tenant, and a shop of another tenant.
    let other = app
        .bearer(&a.tenant.api_key)
        .gql(
            "mutation($i: ShopInput!) { createShop(input: $i) { id } }",
            json!({ "i": { "name": "另一家店", "address": "北京市东城区", "phone": "010-65009999", "location": { "lat": 39.93, "lng": 116.42 } } }),
        )
        .await
        .data()["createShop"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut b, _) = manager_browser(&app, &a).await;
    let base = format!("/admin/shops/{other}");
    for path in [
        base.clone(),
        format!("{base}/therapists"),
        format!("{base}/services"),
        format!("{base}/promotions"),
        format!("{base}/orders"),
        format!("{base}/orders.csv"),
    ] {
        assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Nor another shop's therapist through this shop's address.
    let own = format!("/admin/shops/{}/therapists/{}", a.shop, "00000000-0000-7000-8000-000000000000");
    assert_eq!(b.get(&own).await.status, StatusCode::NOT_FOUND);
    let changes: [(String, Vec<(&str, &str)>); 3] = [
        (
            base.clone(),
            vec![
                ("name", "改名"),
                ("address", "x"),
                ("phone", "010-65009999"),
                ("lat", "39.9"),
                ("lng", "116.4"),
                ("opens-1", "10:00"),
                ("closes-1", "22:00"),
            ],
        ),
        (format!("{base}/therapists"), vec![("name", "混进来的技师")]),
        (
            format!("{base}/promotions"),
            vec![("title", "x"), ("starts", "2030-01-01"), ("ends", "2030-01-02"), ("kind", "NOTICE")],
        ),
    ];
    for (path, fields) in &changes {
        assert_eq!(b.post(path, fields).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let seen = app
        .bearer(&a.tenant.api_key)
        .gql("query($id: ID!) { shop(id: $id) { name therapists { id } promotions { id } } }", json!({ "id": other }))
        .await
        .data();
    assert_eq!(seen["shop"]["name"], "另一家店", "nothing changed");
    assert!(seen["shop"]["therapists"].as_array().unwrap().is_empty());
    assert!(seen["shop"]["promotions"].as_array().unwrap().is_empty());

    // Receptionists do not manage shops.
    let staff = app.staff(&a.tenant, "SHOP_STAFF", &[&a.shop]).await;
    let mut r = Browser::new(&app);
    r.sign_in(&a.tenant.slug, &staff.username, &staff.password).await;
    assert_eq!(r.get(&format!("/admin/shops/{}", a.shop)).await.status, StatusCode::FORBIDDEN);
    assert!(!r.get("/admin/").await.texts("nav a").contains(&"门店管理".to_owned()));

    // Another tenant's administrator finds none of tenant A's shop pages.
    let t = app.tenant("massage").await;
    let admin = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let mut x = Browser::new(&app);
    x.sign_in(&t.slug, &admin.username, &admin.password).await;
    for path in [
        format!("/admin/shops/{}", a.shop),
        format!("/admin/shops/{}/orders.csv", a.shop),
        format!("/admin/shops/{}/promotions", a.shop),
    ] {
        assert_eq!(x.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        x.post(&format!("/admin/shops/{}/therapists", a.shop), &[("name", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    // A's own administrator reaches both shops from the list.
    let a_admin = app.staff(&a.tenant, "TENANT_ADMIN", &[]).await;
    let mut y = Browser::new(&app);
    y.sign_in(&a.tenant.slug, &a_admin.username, &a_admin.password).await;
    let list = y.get("/admin/shop/").await;
    lint("/admin/shop/", &list);
    let names = list.texts("tbody th a");
    assert!(names.contains(&"通宵推拿".to_owned()) && names.contains(&"另一家店".to_owned()), "{names:?}");
    assert_eq!(y.get(&base).await.status, StatusCode::OK);
}

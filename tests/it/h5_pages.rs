//! The H5 pages a consumer browses (home, a shop, a service), the sign-in that takes them to WeChat or, outside
//! it in development, the stand-in, and the JS-SDK signature of a page inside WeChat.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    booking::open_shop,
    helpers::{H5_ORIGIN, TestApp},
    pages::{Browser, lint},
};

const WECHAT_UA: &str = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI";

#[tokio::test]
async fn a_consumer_browses_the_shops_a_shop_and_a_service() {
    let app = TestApp::spawn().await;
    let shop = open_shop(&app).await;
    let slug = &shop.tenant.slug;
    let mut browser = Browser::new(&app);

    let home = browser.get(&format!("/h5/{slug}/")).await;
    lint("home", &home);
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.texts("h2").contains(&"其他".to_owned()) || home.texts("h2").iter().any(|h| h.contains('区')));
    assert!(home.texts(".card-title a").contains(&"通宵推拿".to_owned()), "{}", home.body);
    assert!(home.body.contains("tel:"), "a one-tap call link");

    // Nearest first when the phone shares its position: the distance is said.
    let near = browser.get(&format!("/h5/{slug}/?lat=39.91&lng=116.45")).await;
    lint("nearest", &near);
    assert!(near.texts(".card-meta").iter().any(|t| t.starts_with("距离 ") && t.ends_with('米')), "{}", near.body);

    let page = browser.get(&format!("/h5/{slug}/shops/{}", shop.shop)).await;
    lint("shop", &page);
    assert_eq!(page.texts("h1"), vec!["通宵推拿"]);
    assert!(page.texts("a").contains(&"预约中医推拿 60 分钟".to_owned()), "{}", page.body);
    assert!(page.body.contains(&format!("/h5/{slug}/book/{}?service={}", shop.shop, shop.service)));
    assert!(page.texts(".summary dd").iter().any(|t| t.contains("北京市朝阳区")));
    assert!(page.texts("table th").contains(&"周一".to_owned()));
    assert!(page.body.contains("apis.map.qq.com/uri/v1/marker"), "navigation outside WeChat: Tencent Maps");

    let service = browser.get(&format!("/h5/{slug}/services/{}", shop.service)).await;
    lint("service", &service);
    assert!(service.texts(".summary dd").contains(&"¥128.00".to_owned()), "{}", service.body);

    let missing = browser.get(&format!("/h5/{slug}/shops/01a249d5-2b04-7527-ad40-44a21ee1123f")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/h5/no-such-tenant/").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_tenants_pages_never_show_this_tenants_shops() {
    let app = TestApp::spawn().await;
    let a = open_shop(&app).await;
    let b = app.tenant("massage").await;
    let mut browser = Browser::new(&app);
    let home = browser.get(&format!("/h5/{}/", b.slug)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("通宵推拿"), "{}", home.body);
    let near = browser.get(&format!("/h5/{}/?lat=39.91&lng=116.46", b.slug)).await;
    assert!(!near.body.contains("通宵推拿"));
    for path in [format!("/h5/{}/shops/{}", b.slug, a.shop), format!("/h5/{}/services/{}", b.slug, a.service)] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("通宵推拿") && !page.body.contains("中医推拿"), "{path}");
    }
}

#[tokio::test]
async fn outside_wechat_the_stand_in_signs_a_browser_in_as_its_own_consumer() {
    let app = TestApp::spawn().await;
    let shop = open_shop(&app).await;
    let other = app.tenant("massage").await;
    let slug = &shop.tenant.slug;
    let mut browser = Browser::new(&app);
    let back = format!("/h5/{slug}/shops/{}", shop.shop);
    let signed = browser.get(&format!("/h5/{slug}/signin?next={back}")).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.location.as_deref(), Some(back.as_str()));
    let session = browser.cookies.get("civic_consumer").cloned().expect("a consumer session cookie");
    // The session is a consumer's of this tenant, through the API as well.
    let me = app.bearer(&session).gql("{ me { kind tenant { slug } } }", json!({})).await.data();
    assert_eq!(me["me"]["kind"], "CONSUMER");
    assert_eq!(me["me"]["tenant"]["slug"], slug.as_str());

    // The same browser is the same consumer next time; another browser is another consumer.
    browser.cookies.remove("civic_consumer");
    browser.get(&format!("/h5/{slug}/signin")).await;
    let again = browser.cookies.get("civic_consumer").cloned().unwrap();
    let id = |token: String| {
        let app = &app;
        async move {
            app.bearer(&token).gql("{ me { consumer { id } } }", json!({})).await.data()["me"]["consumer"]["id"].clone()
        }
    };
    assert_eq!(id(session.clone()).await, id(again).await);
    let mut second = Browser::new(&app);
    second.get(&format!("/h5/{slug}/signin")).await;
    assert_ne!(id(session.clone()).await, id(second.cookies["civic_consumer"].clone()).await);

    // Only pages of this tenant are returned to.
    for next in [format!("/h5/{}/", other.slug), "https://evil.example/".to_owned(), "//evil.example/".to_owned()] {
        let r = browser.get(&format!("/h5/{slug}/signin?next={}", urlencode(&next))).await;
        assert_eq!(r.location.as_deref(), Some(format!("/h5/{slug}/").as_str()), "{next}");
    }

    // This tenant's session does not sign the browser in on another tenant's pages.
    let there = browser.get(&format!("/h5/{}/", other.slug)).await;
    assert!(!there.body.contains("退出登录"), "{}", there.body);
    let here = browser.get(&format!("/h5/{slug}/")).await;
    assert!(here.body.contains("退出登录"));
    let out = browser.post(&format!("/h5/{slug}/signout"), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("civic_consumer"));
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap()[1..].to_owned()
}

#[tokio::test]
async fn inside_wechat_sign_in_goes_to_wechat_with_a_signed_state() {
    let app = TestApp::spawn_with(|c| c.public_origin = Some(H5_ORIGIN.to_owned())).await;
    let shop = open_shop(&app).await;
    let slug = &shop.tenant.slug;
    app.consumer(&shop.tenant, "o-setup").await; // configures the tenant's official account
    let mut browser = Browser::new(&app);
    let req = browser
        .client
        .get(app.url(&format!("/h5/{slug}/signin?next=/h5/{slug}/orders")))
        .header("user-agent", WECHAT_UA);
    let r = browser.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.location.unwrap();
    assert!(to.starts_with("https://open.weixin.qq.com/connect/oauth2/authorize?"), "{to}");
    assert!(to.contains("scope=snsapi_base") && to.ends_with("#wechat_redirect"), "{to}");
    let url = reqwest::Url::parse(&to).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let back = reqwest::Url::parse(&q["redirect_uri"]).unwrap();
    assert_eq!(back.path(), format!("/h5/{slug}/signin/wechat"));

    // WeChat sends the user back with a code: the code and the state become a session, and the page asked for.
    let app_id = q["appid"].clone();
    let code = app.wechat.issue_code(&app_id, "o-in-wechat");
    let path = format!("{}?{}&code={code}&state={}", back.path(), back.query().unwrap(), urlencode(&q["state"]));
    let signed = browser.get(&path).await;
    assert_eq!(signed.location.as_deref(), Some(format!("/h5/{slug}/orders").as_str()), "{}", signed.body);
    assert!(browser.cookies.contains_key("civic_consumer"));
    // The state is used up: the same return again is refused.
    browser.cookies.remove("civic_consumer");
    assert_eq!(browser.get(&path).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn in_production_there_is_no_stand_in() {
    let app = TestApp::spawn_with(|c| c.env = civic::config::Env::Production).await;
    let t = app.tenant("massage").await;
    let mut browser = Browser::new(&app);
    let r = browser.get(&format!("/h5/{}/signin", t.slug)).await;
    assert!(!browser.cookies.contains_key("civic_consumer"), "{:?} {}", r.location, r.body);
    assert!(!browser.cookies.contains_key("civic_standin"));
}

#[tokio::test]
async fn a_page_inside_wechat_is_signed_for_the_js_sdk() {
    let app = TestApp::spawn_with(|c| c.public_origin = Some(H5_ORIGIN.to_owned())).await;
    let shop = open_shop(&app).await;
    let slug = &shop.tenant.slug;
    app.consumer(&shop.tenant, "o-setup").await;
    let url = format!("{H5_ORIGIN}/h5/{slug}/shops/{}", shop.shop);
    let q = "query($u: String!) { wechatJsConfig(url: $u) { appId timestamp nonceStr signature } }";
    let first = app.with_tenant(slug).gql(q, json!({ "u": format!("{url}#photos") })).await.data();
    let c = &first["wechatJsConfig"];
    let tickets = app.wechat.tickets();
    assert_eq!(tickets.len(), 1, "one ticket fetched");
    let text = format!(
        "jsapi_ticket={}&noncestr={}&timestamp={}&url={url}",
        tickets[0],
        c["nonceStr"].as_str().unwrap(),
        c["timestamp"]
    );
    assert_eq!(c["signature"].as_str().unwrap(), sha1_smol::Sha1::from(text.as_bytes()).digest().to_string());
    // The ticket is kept for its lifetime: a second page is signed without asking WeChat again.
    app.with_tenant(slug).gql(q, json!({ "u": url })).await.data();
    assert_eq!(app.wechat.tickets().len(), 1);
    // Only pages of the tenant's H5 origin are signed; a tenant without WeChat has nothing to sign with.
    let r = app.with_tenant(slug).gql(q, json!({ "u": "https://evil.example/x" })).await;
    r.expect_code("VALIDATION");
    let bare = app.tenant("massage").await;
    app.with_tenant(&bare.slug)
        .gql(q, json!({ "u": format!("{H5_ORIGIN}/h5/{}/", bare.slug) }))
        .await
        .expect_code("VALIDATION");

    // The shop page inside WeChat carries the configuration for "navigate".
    let mut browser = Browser::new(&app);
    let req = browser.client.get(app.url(&format!("/h5/{slug}/shops/{}", shop.shop))).header("user-agent", WECHAT_UA);
    let page = browser.send(req).await;
    lint("shop in WeChat", &page);
    assert!(page.body.contains("data-wx-signature=\""), "{}", page.body);
}

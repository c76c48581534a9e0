//! The tenant administrator's pages (shops, staff, WeChat, audit log, settings) and the platform operator's
//! (sign-in with the platform token, tenants), as a browser without JavaScript uses them.

use reqwest::StatusCode;

use crate::{
    booking::open_shop,
    helpers::{TestApp, TestStaff, TestTenant},
    pages::{Browser, Page, lint},
};

const ADMIN_PAGES: [&str; 8] = [
    "/admin/shops",
    "/admin/shops/new",
    "/admin/staff",
    "/admin/staff/new",
    "/admin/wechat",
    "/admin/audit",
    "/admin/settings",
    "/admin/password",
];

async fn signed_in<'a>(app: &'a TestApp, tenant: &TestTenant, staff: &TestStaff) -> Browser<'a> {
    let mut b = Browser::new(app);
    let r = b.sign_in(&tenant.slug, &staff.username, &staff.password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b
}

/// Follows a redirect answer and lints the page it leads to.
async fn follow(b: &mut Browser<'_>, page: &Page) -> Page {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = page.location.clone().unwrap();
    let next = b.get(&to).await;
    lint(&to, &next);
    next
}

fn errors_of(page: &Page) -> Vec<String> {
    assert!(page.title().starts_with("错误："), "{}", page.body);
    page.texts(".error-summary a")
}

#[tokio::test]
async fn every_tenant_admin_page_renders_for_the_admin_and_is_refused_to_other_staff() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let admin = app.staff(&s.tenant, "TENANT_ADMIN", &[]).await;
    let mut b = signed_in(&app, &s.tenant, &admin).await;
    for path in ADMIN_PAGES {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        lint(path, &page);
    }
    let nav = b.get("/admin/staff").await.texts("nav a");
    for entry in ["门店", "员工", "微信设置", "操作记录", "机构设置"] {
        assert!(nav.contains(&entry.to_owned()), "{nav:?}");
    }
    for role in ["SHOP_MANAGER", "SHOP_STAFF"] {
        let other = app.staff(&s.tenant, role, &[&s.shop]).await;
        let mut b = signed_in(&app, &s.tenant, &other).await;
        assert!(!b.get("/admin/").await.texts("nav a").contains(&"员工".to_owned()));
        for path in ADMIN_PAGES.iter().filter(|p| **p != "/admin/password") {
            let page = b.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role} {path}");
            lint(path, &page);
        }
        let refused = b.post("/admin/staff/new", &[("username", "x"), ("display_name", "x")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role}");
        let refused = b.post("/admin/shops", &[("id", &s.shop), ("action", "unpublish")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role}");
    }
}

#[tokio::test]
async fn the_admin_creates_a_shop_and_publishes_and_suspends_it() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("massage").await;
    let admin = app.staff(&tenant, "TENANT_ADMIN", &[]).await;
    let mut b = signed_in(&app, &tenant, &admin).await;
    b.get("/admin/shops/new").await;
    let empty = b.post("/admin/shops/new", &[("name", ""), ("lat", "north")]).await;
    assert_eq!(empty.status, StatusCode::OK);
    lint("shop (error)", &empty);
    assert_eq!(
        errors_of(&empty),
        ["请输入门店名称", "请输入地址", "请输入电话", "纬度应是 -90 到 90 之间的数字，例如 116.397", "请输入经度"]
    );
    assert_eq!(empty.texts("#lat-error").concat(), "错误：纬度应是 -90 到 90 之间的数字，例如 116.397");

    let fields = [
        ("name", "望京盲人按摩"),
        ("address", "北京市朝阳区望京街 1 号"),
        ("phone", "010-64701234"),
        ("lat", "39.99"),
        ("lng", "116.47"),
        ("intro", ""),
    ];
    let created = b.post("/admin/shops/new", &fields).await;
    let list = follow(&mut b, &created).await;
    assert_eq!(list.texts(".banner[role=status] p"), ["已新建门店（未上线）。完善资料后点“上线”，用户就能看到它"]);
    assert_eq!(list.texts("tbody th a"), ["望京盲人按摩"]);
    assert_eq!(list.texts("tbody td")[2], "未上线");
    let id = list
        .html()
        .select(&scraper::Selector::parse("tbody input[name=id]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    let published = b.post("/admin/shops", &[("id", &id), ("action", "publish")]).await;
    let list = follow(&mut b, &published).await;
    assert_eq!(list.texts(".banner p"), ["门店已上线，用户现在可以看到并预约"]);
    assert_eq!(list.texts("tbody td")[2], "已上线");
    assert_eq!(list.texts("tbody button"), ["停用望京盲人按摩"]);
    let suspended = b.post("/admin/shops", &[("id", &id), ("action", "unpublish")]).await;
    let list = follow(&mut b, &suspended).await;
    assert_eq!(list.texts("tbody td")[2], "已停用");
}

#[tokio::test]
async fn the_admin_adds_staff_changes_their_shops_and_disables_them() {
    let app = TestApp::spawn().await;
    let s = open_shop(&app).await;
    let admin = app.staff(&s.tenant, "TENANT_ADMIN", &[]).await;
    let mut b = signed_in(&app, &s.tenant, &admin).await;
    let form = b.get("/admin/staff/new").await;
    assert_eq!(form.texts("label[for=shops-1]"), ["通宵推拿"]);
    let missing = b.post("/admin/staff/new", &[("role", "SHOP_STAFF")]).await;
    lint("staff (error)", &missing);
    assert_eq!(errors_of(&missing), ["请输入用户名", "请输入姓名", "请输入初始密码", "店长和店员至少要选择一家门店"]);
    let weak = [
        ("username", "lihua"),
        ("display_name", "李华"),
        ("password", "123"),
        ("role", "SHOP_STAFF"),
        ("shops", &s.shop),
    ];
    let weak = b.post("/admin/staff/new", &weak).await;
    lint("staff (weak)", &weak);
    assert_eq!(weak.texts("#password-error").len(), 1, "{}", weak.body);
    assert!(weak.body.contains("value=\"lihua\""), "kept the answers");

    let password = "hua-li-tui-na-2026";
    let good = [
        ("username", "lihua"),
        ("display_name", "李华"),
        ("password", password),
        ("role", "SHOP_STAFF"),
        ("shops", &s.shop),
    ];
    let created = b.post("/admin/staff/new", &good).await;
    let list = follow(&mut b, &created).await;
    assert!(list.texts(".banner p")[0].starts_with("已添加员工"));
    let row: Vec<String> = list.texts("tbody tr").into_iter().filter(|r| r.contains("李华")).collect();
    assert!(row[0].contains("店员") && row[0].contains("通宵推拿") && row[0].contains("可以登录"), "{row:?}");
    let taken = b.post("/admin/staff/new", &good).await;
    assert_eq!(errors_of(&taken), ["这个用户名已被使用，请换一个"]);

    // The new account signs in; then the admin disables it and its session ends.
    let mut lihua = Browser::new(&app);
    assert_eq!(lihua.sign_in(&s.tenant.slug, "lihua", password).await.status, StatusCode::SEE_OTHER);
    assert_eq!(lihua.get("/admin/").await.status, StatusCode::OK);
    let edit_link = list
        .html()
        .select(&scraper::Selector::parse("tbody a").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .find(|h| h != &format!("/admin/staff/{}", admin.id))
        .unwrap();
    let edit = b.get(&edit_link).await;
    lint("staff edit", &edit);
    assert_eq!(edit.texts("h1"), ["更改员工：李华"]);
    let changed = b
        .post(&edit_link, &[("display_name", "李华"), ("role", "SHOP_MANAGER"), ("shops", &s.shop), ("active", "no")])
        .await;
    let list = follow(&mut b, &changed).await;
    let row: Vec<String> = list.texts("tbody tr").into_iter().filter(|r| r.contains("李华")).collect();
    assert!(row[0].contains("店长") && row[0].contains("已停用"), "{row:?}");
    assert_eq!(lihua.get("/admin/").await.status, StatusCode::SEE_OTHER, "the disabled account's session ended");
    let again = Browser::new(&app).sign_in(&s.tenant.slug, "lihua", password).await;
    assert_eq!(again.status, StatusCode::OK, "a disabled account cannot sign in");
    let unanswered = b.post(&edit_link, &[("display_name", ""), ("role", "SHOP_STAFF")]).await;
    lint("staff edit (error)", &unanswered);
    assert_eq!(errors_of(&unanswered), ["请输入姓名", "店长和店员至少要选择一家门店", "请选择账号是否可以登录"]);
}

#[tokio::test]
async fn wechat_settings_never_show_the_secret_and_the_audit_log_records_the_change() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("massage").await;
    let admin = app.staff(&tenant, "TENANT_ADMIN", &[]).await;
    let mut b = signed_in(&app, &tenant, &admin).await;
    let form = b.get("/admin/wechat").await;
    assert!(form.texts("dd").contains(&"未设置".to_owned()));
    let empty = b.post("/admin/wechat", &[("app_id", ""), ("app_secret", "")]).await;
    lint("wechat (error)", &empty);
    assert_eq!(errors_of(&empty), ["请输入公众号的 AppID", "请输入公众号的 AppSecret"]);
    let secret = "0123456789abcdef0123456789abcdef";
    let saved =
        b.post("/admin/wechat", &[("app_id", "wx1234567890abcdef"), ("app_secret", secret), ("h5_origin", "")]).await;
    let page = follow(&mut b, &saved).await;
    assert_eq!(page.texts(".banner p"), ["微信公众号设置已保存"]);
    assert_eq!(page.texts("dd"), ["wx1234567890abcdef", "已设置"]);
    assert!(!page.body.contains(secret), "the secret is never shown back");

    let audit = b.get("/admin/audit").await;
    lint("audit", &audit);
    let rows = audit.texts("tbody tr");
    assert!(
        rows.iter().any(|r| r.contains("configureWechat") && r.contains("员工：测试员工") && r.contains("成功")),
        "{rows:?}"
    );
    assert!(!audit.body.contains(secret));
    let settings = b.get("/admin/settings").await;
    assert!(settings.texts("dd").contains(&"已设置（wx1234567890abcdef）".to_owned()), "{}", settings.body);
}

#[tokio::test]
async fn tenant_b_admin_never_sees_tenant_a_staff_shops_or_audit_rows() {
    let app = TestApp::spawn().await;
    let a = open_shop(&app).await;
    let a_admin = app.staff(&a.tenant, "TENANT_ADMIN", &[]).await;
    let a_staff = app.staff(&a.tenant, "SHOP_STAFF", &[&a.shop]).await;
    let b_tenant = app.tenant("massage").await;
    let b_admin = app.staff(&b_tenant, "TENANT_ADMIN", &[]).await;
    let mut ba = signed_in(&app, &a.tenant, &a_admin).await;
    ba.post("/admin/wechat", &[("app_id", "wxaaaaaaaaaaaaaaaa"), ("app_secret", "s3cr3t-of-tenant-a-0123456789")])
        .await;
    let mut bb = signed_in(&app, &b_tenant, &b_admin).await;
    for path in ["/admin/staff", "/admin/shops", "/admin/audit", "/admin/staff/new"] {
        let page = bb.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        let secrets = [a_staff.username.as_str(), &a_staff.id, &a.shop, "通宵推拿", &a_admin.id, "wxaaaaaaaaaaaaaaaa"];
        for secret in secrets {
            assert!(!page.body.contains(secret), "{path} shows tenant A's {secret}");
        }
    }
    // Tenant A's staff member by id is a page that does not exist for B; changing it is refused.
    let page = bb.get(&format!("/admin/staff/{}", a_staff.id)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let changed = bb
        .post(
            &format!("/admin/staff/{}", a_staff.id),
            &[("display_name", "x"), ("role", "TENANT_ADMIN"), ("active", "no")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::NOT_FOUND);
    let published = bb.post("/admin/shops", &[("id", &a.shop), ("action", "unpublish")]).await;
    assert_eq!(published.status, StatusCode::NOT_FOUND);
    // B cannot give its staff A's shop.
    let form = [
        ("username", "bee"),
        ("display_name", "蜜蜂"),
        ("password", "bee-keeper-2026-x"),
        ("role", "SHOP_STAFF"),
        ("shops", a.shop.as_str()),
    ];
    let refused = bb.post("/admin/staff/new", &form).await;
    assert_eq!(errors_of(&refused), ["所选门店不存在，请刷新页面后重新选择"]);
    // A's staff can still sign in and A's shop is still published.
    assert_eq!(
        Browser::new(&app).sign_in(&a.tenant.slug, &a_staff.username, &a_staff.password).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(ba.get("/admin/shops").await.texts("tbody td").contains(&"已上线".to_owned()));
}

#[tokio::test]
async fn the_platform_operator_creates_a_tenant_sees_its_key_once_and_suspends_it() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    assert_eq!(b.get("/admin/tenants").await.location.as_deref(), Some("/admin/login/platform"));
    let login = b.get("/admin/login").await;
    assert_eq!(login.texts("a[href='/admin/login/platform']"), ["平台运营方登录"]);
    let form = b.get("/admin/login/platform").await;
    lint("platform login", &form);
    let wrong = b.post("/admin/login/platform", &[("token", "guess")]).await;
    lint("platform login (error)", &wrong);
    assert_eq!(errors_of(&wrong), ["平台令牌不正确"]);
    assert!(!b.cookies.contains_key("civic_platform"));
    let signed = b.post("/admin/login/platform", &[("token", &app.platform_token)]).await;
    assert_eq!(signed.location.as_deref(), Some("/admin/tenants"));
    let cookie = b.cookies.get("civic_platform").unwrap().clone();
    assert!(!cookie.contains(&app.platform_token), "the cookie holds a session, not the token");
    let list = follow(&mut b, &signed).await;
    assert_eq!(list.texts("h1"), ["机构"]);

    let new = b.get("/admin/tenants/new").await;
    lint("new tenant", &new);
    let empty = b.post("/admin/tenants/new", &[("slug", "Bad Slug!"), ("name", "")]).await;
    lint("new tenant (error)", &empty);
    assert_eq!(errors_of(&empty), ["请输入机构名称", "请选择业务类型"]);
    let bad = b.post("/admin/tenants/new", &[("slug", "-x"), ("name", "某机构"), ("template", "water")]).await;
    assert_eq!(errors_of(&bad), ["机构代码只能用 3–63 个小写字母、数字和“-”，且不能以“-”开头或结尾"]);
    let slug = crate::helpers::unique("sy");
    let created =
        b.post("/admin/tenants/new", &[("slug", &slug), ("name", "沈阳盲人按摩中心"), ("template", "massage")]).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    lint("tenant created", &created);
    let key = created
        .html()
        .select(&scraper::Selector::parse("#api-key").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    assert!(key.starts_with("ck_"), "{key}");
    assert!(created.body.contains("只显示这一次"));
    // The key works, and no page shows it again.
    let me = app.bearer(&key).gql("{ tenant { slug } }", serde_json::json!({})).await.data();
    assert_eq!(me["tenant"]["slug"], slug.as_str());
    let list = b.get("/admin/tenants").await;
    assert!(list.body.contains(&slug) && !list.body.contains(&key));
    let taken = b.post("/admin/tenants/new", &[("slug", &slug), ("name", "重名"), ("template", "water")]).await;
    assert_eq!(errors_of(&taken), ["这个机构代码已被使用，请换一个"]);

    // Suspended, its staff cannot sign in; activated, they can.
    let t = TestTenant { id: String::new(), slug: slug.clone(), api_key: key };
    let staff_admin = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let row_id = |page: &Page| {
        let html = page.html();
        let row = html
            .select(&scraper::Selector::parse("tbody tr").unwrap())
            .find(|r| r.text().collect::<String>().contains(&slug))
            .unwrap();
        row.select(&scraper::Selector::parse("input[name=id]").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_owned()
    };
    let id = row_id(&list);
    let suspended = b.post("/admin/tenants", &[("id", &id), ("action", "suspend")]).await;
    let list = follow(&mut b, &suspended).await;
    assert!(list.texts(".banner p")[0].starts_with("已停用该机构"));
    let refused = Browser::new(&app).sign_in(&slug, &staff_admin.username, &staff_admin.password).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(refused.texts("#tenant-error").concat(), "错误：没有这个机构代码，或该机构已停用");
    let activated = b.post("/admin/tenants", &[("id", &id), ("action", "activate")]).await;
    follow(&mut b, &activated).await;
    let back = Browser::new(&app).sign_in(&slug, &staff_admin.username, &staff_admin.password).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);

    // Staff sessions are not platform sessions.
    let mut staff_browser = signed_in(&app, &t, &staff_admin).await;
    assert_eq!(staff_browser.get("/admin/tenants").await.location.as_deref(), Some("/admin/login/platform"));
    // Signing out ends the platform session.
    b.post("/admin/logout", &[]).await;
    assert_eq!(b.get("/admin/tenants").await.location.as_deref(), Some("/admin/login/platform"));
}

#[tokio::test]
async fn a_new_api_key_is_shown_once_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("water").await;
    let admin = app.staff(&tenant, "TENANT_ADMIN", &[]).await;
    let mut b = signed_in(&app, &tenant, &admin).await;
    let rotated = b.post("/admin/settings/api-key", &[]).await;
    assert_eq!(rotated.status, StatusCode::OK);
    lint("new key", &rotated);
    let key = rotated
        .html()
        .select(&scraper::Selector::parse("#api-key").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    assert!(key.starts_with("ck_") && key != tenant.api_key);
    assert_eq!(
        app.bearer(&tenant.api_key).gql("{ tenant { slug } }", serde_json::json!({})).await.code(),
        Some("UNAUTHENTICATED")
    );
    let settings = b.get("/admin/settings").await;
    assert!(!settings.body.contains(&key));
    assert!(settings.texts("dd").iter().any(|d| d.contains("供水")), "{}", settings.body);
}

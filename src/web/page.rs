//! What every page shares: its chrome (title, navigation, the signed-in person, a banner after a change), the
//! error pages, and finding the signed-in staff member.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    assets,
    runner::{Failure, Runner},
    session::{self, Visit},
};
use crate::{
    app::exec::Web,
    error::AppError,
    identity::principal,
    kernel::{Principal, StaffRole},
};

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The parts of a page around its content.
pub struct Chrome {
    pub title: String,
    pub has_errors: bool,
    pub css: &'static str,
    pub js: &'static str,
    pub csrf: String,
    /// The signed-in person's name and organisation, when someone is signed in.
    pub user: Option<(String, String)>,
    pub nav: Vec<NavItem>,
    /// A notification after a change (`role=status`).
    pub banner: Option<String>,
}

impl Chrome {
    pub fn new(title: impl Into<String>, visit: &Visit) -> Chrome {
        Chrome {
            title: title.into(),
            has_errors: false,
            css: assets::url("console.css"),
            js: assets::url("console.js"),
            csrf: visit.csrf.clone(),
            user: None,
            nav: vec![],
            banner: None,
        }
    }

    /// The chrome of a signed-in staff member's page; `current` is the navigation entry it belongs to.
    pub fn staff(title: impl Into<String>, visit: &Visit, staff: &Staff, current: &str) -> Chrome {
        let mut chrome = Chrome::new(title, visit);
        chrome.user = Some((staff.display_name.clone(), staff.tenant_name.clone()));
        let mut nav = vec![("/admin/", "今日预约")];
        if staff.role != StaffRole::CsAgent {
            nav.push(("/admin/bookings/new", "电话/到店预约"));
        }
        if staff.role == StaffRole::TenantAdmin {
            nav.push(("/admin/shops", "门店"));
            nav.extend([("/admin/staff", "员工"), ("/admin/wechat", "微信设置"), ("/admin/audit", "操作记录")]);
            nav.push(("/admin/settings", "机构设置"));
        }
        if matches!(staff.role, StaffRole::ShopManager | StaffRole::TenantAdmin) {
            nav.push(("/admin/shop/", "门店管理"));
        }
        nav.push(("/admin/password", "修改密码"));
        chrome.nav = nav.into_iter().map(|(href, label)| NavItem { href, label, current: href == current }).collect();
        chrome
    }

    pub fn with_errors(mut self, has: bool) -> Chrome {
        self.has_errors = has;
        self
    }

    pub fn with_banner(mut self, banner: Option<String>) -> Chrome {
        self.banner = banner;
        self
    }
}

/// The signed-in staff member of a console page, and the runner that acts as them.
pub struct Staff {
    pub runner: Runner,
    pub display_name: String,
    pub tenant_name: String,
    pub role: StaffRole,
    pub shop_ids: Vec<uuid::Uuid>,
    pub zone: chrono_tz::Tz,
}

/// The staff member signed in on this browser, or the answer that sends them to sign in first (and back here
/// after).
pub async fn staff(web: &Web, visit: &Visit) -> Result<Staff, Response> {
    let to_login = || {
        let next = if visit.path == "/admin/" { String::new() } else { format!("?next={}", encode(&visit.path)) };
        let mut response = Redirect::to(&format!("/admin/login{next}")).into_response();
        response.headers_mut().append(header::SET_COOKIE, session::set_cookie(web, session::STAFF_COOKIE, None));
        response
    };
    let Some(token) = &visit.staff_token else { return Err(to_login()) };
    let who = match principal::resolve(&web.state, Some(&format!("Bearer {token}")), None).await {
        Ok(who) => who,
        Err(AppError::Unauthenticated | AppError::UnauthenticatedBecause(_) | AppError::TenantSuspended) => {
            return Err(to_login());
        }
        Err(err) => return Err(error_status(web, visit, err.http_status())),
    };
    let Principal::Staff { tenant, role, shop_ids, .. } = &who else { return Err(to_login()) };
    let (role, shop_ids, zone, tenant_name) = (*role, shop_ids.clone(), tenant.time_zone, tenant.name.clone());
    let runner = Runner { web: web.clone(), who, request_id: visit.request_id.clone(), ip: visit.ip };
    #[derive(serde::Deserialize)]
    struct Me {
        me: MeInner,
    }
    #[derive(serde::Deserialize)]
    struct MeInner {
        staff: Option<MeStaff>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct MeStaff {
        display_name: String,
    }
    let me: Me = runner.run("Me", serde_json::json!({})).await.map_err(|f| failure_page(web, visit, &f))?;
    let display_name = me.me.staff.map(|s| s.display_name).unwrap_or_default();
    Ok(Staff { runner, display_name, tenant_name, role, shop_ids, zone })
}

/// Percent-encodes a path for a query parameter.
pub fn encode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).map(|s| s[1..].to_owned()).unwrap_or_default()
}

/// The request id this request is answered under (set by the HTTP layer).
pub fn request_id(headers: &HeaderMap) -> String {
    headers.get(crate::app::exec::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    text: &'static str,
    request_id: String,
}

/// The page for an HTTP error status.
pub fn error_status(_web: &Web, visit: &Visit, status: u16) -> Response {
    let (heading, text) = match status {
        403 => ("您没有权限访问此页面", "请确认您登录的账号，或联系机构管理员。"),
        404 => ("找不到此页面", "请检查网址是否正确，或从导航重新进入。"),
        413 => ("提交的内容太大", "请减少内容后重试。"),
        _ => ("出现错误", "请稍后再试。如果问题持续，请把下面的请求编号告诉技术支持。"),
    };
    let page = ErrorPage { chrome: Chrome::new(heading, visit), heading, text, request_id: visit.request_id.clone() };
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, page).into_response()
}

/// The error page for a request that never reached a handler (from its parts).
pub fn error_page(web: &Web, parts: &Parts, status: u16) -> Response {
    let visit = Visit {
        csrf: String::new(),
        request_id: request_id(&parts.headers),
        ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        path: parts.uri.path().to_owned(),
        staff_token: None,
        consumer_token: None,
        user_agent: String::new(),
        standin: None,
    };
    error_status(web, &visit, status)
}

/// The page for an operation that failed in a way no form can help with.
pub fn failure_page(web: &Web, visit: &Visit, failure: &Failure) -> Response {
    let status = match failure.code.as_str() {
        "FORBIDDEN" => 403,
        "NOT_FOUND" => 404,
        _ => {
            tracing::error!(code = %failure.code, message = %failure.message, "page operation failed");
            500
        }
    };
    error_status(web, visit, status)
}

//! The platform operator signs in with the platform token. The page mints a short session of its own and keeps
//! that (never the token) in an HttpOnly cookie.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    app::exec::Web,
    identity::{principal, service as identity},
    kernel::Principal,
    web::{
        forms::Errors,
        page::{Chrome, NavItem},
        runner::Runner,
        session::{self, Visit},
    },
};

/// The platform operator's session cookie.
pub const PLATFORM_COOKIE: &str = "civic_platform";
const LOGIN: &str = "/admin/login/platform";

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/platform_login.html")]
struct LoginPage {
    chrome: Chrome,
    errors: Errors,
}

pub async fn form(visit: Visit) -> Response {
    LoginPage { chrome: Chrome::new("平台运营方登录", &visit), errors: Errors::default() }.into_response()
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
}

pub async fn submit(State(web): State<Web>, visit: Visit, Form(f): Form<TokenForm>) -> Response {
    let mut errors = Errors::default();
    if f.token.trim().is_empty() {
        errors.add("token", "请输入平台令牌");
    } else {
        match identity::platform_session(&web.state, &f.token) {
            Ok(session) => {
                let mut response = Redirect::to("/admin/tenants").into_response();
                let age = Some(identity::PLATFORM_SESSION.num_seconds());
                let cookie = session::set_cookie_at(&web, PLATFORM_COOKIE, "/", Some(&session.token), age);
                response.headers_mut().append(header::SET_COOKIE, cookie);
                return response;
            }
            Err(_) => {
                tracing::warn!(ip = %visit.ip, "platform sign-in refused");
                errors.add("token", "平台令牌不正确");
            }
        }
    }
    LoginPage { chrome: Chrome::new("平台运营方登录", &visit).with_errors(true), errors }.into_response()
}

/// The platform operator signed in on this browser, as a runner; or the answer that sends them to sign in.
pub async fn operator(web: &Web, visit: &Visit, headers: &HeaderMap) -> Result<Runner, Response> {
    let to_login = || {
        let mut response = Redirect::to(LOGIN).into_response();
        response.headers_mut().append(header::SET_COOKIE, session::set_cookie(web, PLATFORM_COOKIE, None));
        response
    };
    let Some(token) = session::cookie(headers, PLATFORM_COOKIE) else { return Err(to_login()) };
    match principal::resolve(&web.state, Some(&format!("Bearer {token}")), None).await {
        Ok(who @ Principal::Platform) => {
            Ok(Runner { web: web.clone(), who, request_id: visit.request_id.clone(), ip: visit.ip })
        }
        _ => Err(to_login()),
    }
}

/// The chrome of the platform operator's pages.
pub fn chrome(title: impl Into<String>, visit: &Visit, current: &str) -> Chrome {
    let mut chrome = Chrome::new(title, visit);
    chrome.user = Some(("平台运营方".to_owned(), "Civic 平台".to_owned()));
    chrome.nav = [("/admin/tenants", "机构"), ("/admin/tenants/new", "开通机构")]
        .into_iter()
        .map(|(href, label)| NavItem { href, label, current: href == current })
        .collect();
    chrome
}

//! Signing in and out of the console.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::exec::Web,
    kernel::Principal,
    web::{
        forms::Errors,
        page::Chrome,
        runner::Runner,
        session::{self, Visit},
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "admin/login.html")]
struct LoginPage {
    chrome: Chrome,
    errors: Errors,
    tenant: String,
    username: String,
    next: String,
}

#[derive(Deserialize, Default)]
pub struct Next {
    #[serde(default)]
    next: String,
}

/// Only a path of this console is a place to come back to (never another site).
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin/") && !next.starts_with("//") && !next.contains('\\') { next } else { "/admin/" }
}

pub async fn form(visit: Visit, Query(q): Query<Next>) -> Response {
    LoginPage {
        chrome: Chrome::new("登录", &visit),
        errors: Errors::default(),
        tenant: String::new(),
        username: String::new(),
        next: safe_next(&q.next).to_owned(),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct Login {
    #[serde(rename = "staffLogin")]
    staff_login: Token,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

pub async fn submit(State(web): State<Web>, visit: Visit, Form(f): Form<LoginForm>) -> Response {
    let mut errors = Errors::default();
    let (tenant, username) = (f.tenant.trim().to_owned(), f.username.trim().to_owned());
    if tenant.is_empty() {
        errors.add("tenant", "请输入机构代码");
    }
    if username.is_empty() {
        errors.add("username", "请输入用户名");
    }
    if f.password.is_empty() {
        errors.add("password", "请输入密码");
    }
    if errors.is_empty() {
        let runner = Runner {
            web: web.clone(),
            who: Principal::Anonymous { tenant: None },
            request_id: visit.request_id.clone(),
            ip: visit.ip,
        };
        let vars = json!({ "tenant": tenant, "username": username, "password": f.password });
        match runner.run::<Login>("StaffLogin", vars).await {
            Ok(login) => {
                let mut response = Redirect::to(safe_next(&f.next)).into_response();
                let cookie = session::set_cookie(&web, session::STAFF_COOKIE, Some(&login.staff_login.token));
                response.headers_mut().append(header::SET_COOKIE, cookie);
                return response;
            }
            Err(failure) => match failure.code.as_str() {
                "TENANT_UNKNOWN" | "TENANT_SUSPENDED" => errors.add("tenant", "没有这个机构代码，或该机构已停用"),
                "RATE_LIMITED" => errors.add("password", "登录尝试次数过多，请稍后再试"),
                "UNAUTHENTICATED" | "VALIDATION" => errors.add("password", "用户名或密码不正确"),
                _ => errors.add("password", "暂时无法登录，请稍后再试"),
            },
        }
    }
    LoginPage {
        chrome: Chrome::new("登录", &visit).with_errors(true),
        errors,
        tenant,
        username,
        next: safe_next(&f.next).to_owned(),
    }
    .into_response()
}

pub async fn logout(State(web): State<Web>) -> Response {
    let mut response = Redirect::to("/admin/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, session::set_cookie(&web, session::STAFF_COOKIE, None));
    let platform = session::set_cookie(&web, super::tenant::PLATFORM_COOKIE, None);
    response.headers_mut().append(header::SET_COOKIE, platform);
    response
}

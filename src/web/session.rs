//! Sessions and CSRF for the pages.
//!
//! The session token of `staffLogin` lives in an HttpOnly cookie (Secure in production, SameSite=Lax). Every
//! browser gets a random CSRF token in a cookie of its own; every form carries it in a hidden field, and a POST
//! whose field does not equal the cookie is refused before any handler runs (`csrf_guard`).

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Body,
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, Method, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;

use super::page;
use crate::{app::exec::Web, infra::crypto};

pub const CSRF_COOKIE: &str = "civic_csrf";
pub const CSRF_FIELD: &str = "csrf";
pub const STAFF_COOKIE: &str = "civic_staff";
/// Outside WeChat and never in production: the id of this browser's stand-in WeChat identity.
pub const STANDIN_COOKIE: &str = "civic_standin";
/// A consumer's session on the H5 pages, scoped to the tenant's path (`/h5/{tenant}/`).
pub const CONSUMER_COOKIE: &str = "civic_consumer";
/// Largest form body: forms hold a few short fields.
const MAX_FORM: usize = 64 * 1024;
/// Largest multipart form body: an image upload and a few short fields.
pub const MAX_UPLOAD_FORM: usize = crate::infra::media::MAX_UPLOAD_BYTES + MAX_FORM;

/// The value of a cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, for the whole site; Secure in production. `None` clears it.
pub fn set_cookie(web: &Web, name: &str, value: Option<&str>) -> HeaderValue {
    set_cookie_at(web, name, "/", value, None)
}

/// A `Set-Cookie` value for the pages under `path`, kept for `max_age` seconds when given (else for the
/// browser's session).
pub fn set_cookie_at(web: &Web, name: &str, path: &str, value: Option<&str>, max_age: Option<i64>) -> HeaderValue {
    let secure = if web.state.config.is_production() { "; Secure" } else { "" };
    let text = match (value, max_age) {
        (Some(v), Some(age)) => format!("{name}={v}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={age}{secure}"),
        (Some(v), None) => format!("{name}={v}; Path={path}; HttpOnly; SameSite=Lax{secure}"),
        (None, _) => format!("{name}=; Path={path}; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// The CSRF token of this browser, found in its cookie or made for this request.
#[derive(Clone)]
pub struct Csrf(pub String);

/// Gives every browser a CSRF token and refuses a POST whose form does not carry it.
pub async fn csrf_guard(State(web): State<Web>, req: Request, next: Next) -> Response {
    let found = cookie(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 16).map(str::to_owned);
    let token = found.clone().unwrap_or_else(|| crypto::random_token(24).replace(['+', '/', '='], ""));
    let (mut parts, body) = req.into_parts();
    let body = if parts.method == Method::POST {
        let multipart = is_multipart(&parts.headers);
        let limit = if multipart { MAX_UPLOAD_FORM } else { MAX_FORM };
        let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
            return page::error_page(&web, &parts, 413).into_response();
        };
        let sent = if multipart {
            multipart_field(&parts.headers, bytes.clone(), CSRF_FIELD).await
        } else {
            form_field(&bytes, CSRF_FIELD)
        };
        let valid = match (&found, sent) {
            (Some(cookie), Some(sent)) => bool::from(cookie.as_bytes().ct_eq(sent.as_bytes())),
            _ => false,
        };
        if !valid {
            return page::error_page(&web, &parts, 403).into_response();
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(Csrf(token.clone()));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if found.is_none() {
        response.headers_mut().append(header::SET_COOKIE, set_cookie(&web, CSRF_COOKIE, Some(&token)));
    }
    response
}

/// One field of a URL-encoded form.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Whether the body is `multipart/form-data` (a form that uploads a file).
fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// One short text field of a multipart body.
async fn multipart_field(headers: &HeaderMap, body: bytes::Bytes, name: &str) -> Option<String> {
    use axum::extract::FromRequest;
    let mut req = Request::new(Body::from(body));
    *req.headers_mut() = headers.clone();
    let mut form = axum::extract::Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// What every page handler knows of its request.
pub struct Visit {
    pub csrf: String,
    pub request_id: String,
    pub ip: IpAddr,
    /// The path and query, to come back to after signing in.
    pub path: String,
    pub staff_token: Option<String>,
    /// The consumer session of the H5 pages this request is under (its cookie is scoped to the tenant's path).
    pub consumer_token: Option<String>,
    /// The `User-Agent`, to tell WeChat's browser from others.
    pub user_agent: String,
    /// Cookies the H5 sign-in reads (the stand-in's browser id).
    pub standin: Option<String>,
}

/// What WeChat's in-app browser puts in its `User-Agent`.
const WECHAT_AGENT: &str = "MicroMessenger";

impl Visit {
    /// Whether the page is open in WeChat's browser.
    pub fn in_wechat(&self) -> bool {
        self.user_agent.contains(WECHAT_AGENT)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Visit, Self::Rejection> {
        Ok(Visit {
            csrf: parts.extensions.get::<Csrf>().map(|c| c.0.clone()).unwrap_or_default(),
            request_id: page::request_id(&parts.headers),
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), |c| c.0.ip()),
            path: parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
            staff_token: cookie(&parts.headers, STAFF_COOKIE).map(str::to_owned),
            consumer_token: cookie(&parts.headers, CONSUMER_COOKIE).map(str::to_owned),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .chars()
                .take(512)
                .collect(),
            standin: cookie(&parts.headers, STANDIN_COOKIE).map(str::to_owned),
        })
    }
}

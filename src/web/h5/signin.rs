//! Consumers sign in by WeChat's web-page authorisation (`snsapi_base`): to WeChat with a signed `state`, back
//! with a code that `wechatLogin` turns into a session. Outside WeChat, in development and the demo, a
//! stand-in signs the browser in at once as its own consumer, so the pages run offline.

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::shopper::{self, clear_session};
use crate::{
    app::exec::Web,
    identity::service as identity,
    infra::crypto,
    web::{
        page,
        session::{self, Visit},
    },
};

/// How long the consumer cookie is kept: as long as the session it holds.
const SESSION_SECONDS: i64 = identity::CONSUMER_SESSION.num_seconds();
/// How long a browser keeps its stand-in identity.
const STANDIN_SECONDS: i64 = 365 * 24 * 3600;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// `next` when it is a page of this tenant, else the tenant's home.
fn safe_next(slug: &str, next: Option<&str>) -> String {
    let base = super::base(slug);
    match next {
        Some(n) if n.starts_with(&base) && !n.contains("//") && !n.contains('\\') && n.len() <= 512 => n.to_owned(),
        _ => base,
    }
}

fn signed_in(web: &Web, slug: &str, token: &str, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    let cookie =
        session::set_cookie_at(web, session::CONSUMER_COOKIE, &super::base(slug), Some(token), Some(SESSION_SECONDS));
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// Starts signing in: to WeChat inside WeChat (or always, in production); the stand-in elsewhere.
pub async fn start(State(web): State<Web>, Path(slug): Path<String>, Query(q): Query<Next>, visit: Visit) -> Response {
    let shopper = match shopper::shopper(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let next = safe_next(&slug, q.next.as_deref());
    let in_wechat = visit.in_wechat();
    if !web.state.config.is_production() && !in_wechat {
        return standin(&web, &visit, &slug, &next).await;
    }
    let Some(origin) = web.state.config.public_origin.clone() else {
        tracing::error!("CIVIC_PUBLIC_URL is not set: WeChat sign-in cannot name its return address");
        return page::error_status(&web, &visit, 500);
    };
    let redirect_uri = format!("{origin}{}?next={}", shopper.link("signin/wechat"), page::encode(&next));
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        wechat_authorize_url: String,
    }
    let vars = serde_json::json!({ "tenant": slug, "redirectUri": redirect_uri });
    match shopper.runner.run::<Answer>("WechatAuthorizeUrl", vars).await {
        Ok(a) => Redirect::to(&a.wechat_authorize_url).into_response(),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

/// The stand-in: this browser's own consumer, signed in at once.
async fn standin(web: &Web, visit: &Visit, slug: &str, next: &str) -> Response {
    let browser = visit
        .standin
        .clone()
        .filter(|b| b.len() >= 16 && b.len() <= 64 && b.bytes().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| crypto::random_token(24).replace(|c: char| !c.is_ascii_alphanumeric(), ""));
    match identity::standin_login(&web.state, slug, &browser).await {
        Ok(session) => {
            let mut response = signed_in(web, slug, &session.token, next);
            let keep =
                session::set_cookie_at(web, session::STANDIN_COOKIE, "/h5/", Some(&browser), Some(STANDIN_SECONDS));
            response.headers_mut().append(header::SET_COOKIE, keep);
            response
        }
        Err(err) => page::error_status(web, visit, err.http_status()),
    }
}

#[derive(Deserialize)]
pub struct WechatReturn {
    code: Option<String>,
    state: Option<String>,
    next: Option<String>,
}

/// Back from WeChat: the code and `state` become a session.
pub async fn wechat_return(
    State(web): State<Web>,
    Path(slug): Path<String>,
    Query(q): Query<WechatReturn>,
    visit: Visit,
) -> Response {
    let shopper = match shopper::shopper(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (Some(code), Some(state)) = (q.code, q.state) else {
        // The user declined, or WeChat sent them back without a code.
        return page::error_status(&web, &visit, 403);
    };
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        wechat_login: Token,
    }
    #[derive(Deserialize)]
    struct Token {
        token: String,
    }
    let vars = serde_json::json!({ "tenant": slug, "code": code, "state": state });
    match shopper.runner.run::<Answer>("WechatLogin", vars).await {
        Ok(a) => signed_in(&web, &slug, &a.wechat_login.token, &safe_next(&slug, q.next.as_deref())),
        Err(f) if f.code == "VALIDATION" || f.code == "UNAUTHENTICATED" => page::error_status(&web, &visit, 403),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

/// Signs the consumer out of this tenant's pages.
pub async fn signout(State(web): State<Web>, Path(slug): Path<String>) -> Response {
    let mut response = Redirect::to(&super::base(&slug)).into_response();
    response.headers_mut().append(header::SET_COOKIE, clear_session(&web, &slug));
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_pages_of_the_tenant_are_returned_to() {
        assert_eq!(safe_next("bj", Some("/h5/bj/orders")), "/h5/bj/orders");
        assert_eq!(safe_next("bj", Some("/h5/sh/orders")), "/h5/bj/");
        assert_eq!(safe_next("bj", Some("https://evil.example/h5/bj/")), "/h5/bj/");
        assert_eq!(safe_next("bj", Some("/h5/bj//evil.example")), "/h5/bj/");
        assert_eq!(safe_next("bj", None), "/h5/bj/");
    }
}

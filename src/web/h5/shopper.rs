//! Who is looking at an H5 page: the tenant of its address, and the consumer when one is signed in.

use std::sync::Arc;

use axum::{
    http::header,
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    app::exec::Web,
    error::AppError,
    identity::principal,
    kernel::{Principal, TenantInfo},
    tenancy::service as tenancy,
    web::{
        page::{self, Chrome, encode},
        runner::Runner,
        session::{self, Visit},
    },
};

/// The visitor of a tenant's H5 pages and the runner that acts as them.
pub struct Shopper {
    pub runner: Runner,
    pub tenant: Arc<TenantInfo>,
    pub signed_in: bool,
}

impl Shopper {
    /// The address of a page of this tenant: `path` relative to `/h5/{tenant}/`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", super::base(&self.tenant.slug))
    }

    /// The chrome of an H5 page: the tenant's name (and slug) where the console shows the signed-in person.
    pub fn chrome(&self, title: impl Into<String>, visit: &Visit) -> Chrome {
        let mut chrome = Chrome::new(title, visit);
        chrome.user = Some((self.tenant.name.clone(), self.tenant.slug.clone()));
        chrome
    }

    /// Sends a visitor who is not signed in to sign in, and back to this page after.
    #[allow(clippy::result_large_err)] // the redirect, built once per visit
    pub fn require_consumer(&self, web: &Web, visit: &Visit) -> Result<(), Response> {
        if self.signed_in {
            return Ok(());
        }
        let mut response =
            Redirect::to(&format!("{}?next={}", self.link("signin"), encode(&visit.path))).into_response();
        if visit.consumer_token.is_some() {
            response.headers_mut().append(header::SET_COOKIE, clear_session(web, &self.tenant.slug));
        }
        Err(response)
    }
}

/// The `Set-Cookie` that ends the consumer session of a tenant's pages.
pub fn clear_session(web: &Web, slug: &str) -> header::HeaderValue {
    session::set_cookie_at(web, session::CONSUMER_COOKIE, &super::base(slug), None, None)
}

/// The visitor of the tenant `slug`'s pages: signed in when their session is this tenant's and still good; a
/// tenant that does not exist or is suspended answers the 404 page.
pub async fn shopper(web: &Web, visit: &Visit, slug: &str) -> Result<Shopper, Response> {
    let tenant = match tenancy::active_by_slug(&web.state, slug).await {
        Ok(t) => t,
        Err(AppError::TenantUnknown | AppError::TenantSuspended) => {
            return Err(page::error_status(web, visit, 404));
        }
        Err(err) => return Err(page::error_status(web, visit, err.http_status())),
    };
    let consumer = match &visit.consumer_token {
        Some(token) => match principal::resolve(&web.state, Some(&format!("Bearer {token}")), None).await {
            Ok(who @ Principal::Consumer { .. }) if who.tenant().map(|t| t.id) == Some(tenant.id) => Some(who),
            _ => None,
        },
        None => None,
    };
    let signed_in = consumer.is_some();
    let who = consumer.unwrap_or(Principal::Anonymous { tenant: Some(tenant.clone()) });
    let runner = Runner { web: web.clone(), who, request_id: visit.request_id.clone(), ip: visit.ip };
    Ok(Shopper { runner, tenant, signed_in })
}

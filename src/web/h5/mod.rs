//! The WeChat H5 pages of a tenant, under `/h5/{tenant}/`: the storefront and bookings for massage tenants.
//!
//! Phone-first pages on the same mechanism as the console: server-rendered, plain forms, registered operations
//! run as the visitor (anonymous with the tenant, or the signed-in consumer). A consumer signs in by WeChat's
//! web-page authorisation (`signin`); outside WeChat, in development and the demo, a stand-in signs them in at
//! once so the whole flow runs offline.

mod book;
mod home;
mod orders;
mod shop;
mod shopper;
mod signin;

use axum::{
    Router,
    routing::{get, post},
};

use crate::app::exec::Web;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/h5/{tenant}/", get(home::page))
        .route("/h5/{tenant}", get(home::to_slash))
        .route("/h5/{tenant}/shops/{id}", get(shop::shop))
        .route("/h5/{tenant}/services/{id}", get(shop::service))
        .route("/h5/{tenant}/signin", get(signin::start))
        .route("/h5/{tenant}/signin/wechat", get(signin::wechat_return))
        .route("/h5/{tenant}/signout", post(signin::signout))
        .merge(book::routes())
        .merge(orders::routes())
}

/// Where the pages of a tenant live.
pub fn base(slug: &str) -> String {
    format!("/h5/{slug}/")
}

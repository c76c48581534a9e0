//! A shop's pages for its manager (and for a tenant administrator, any shop of the tenant): the profile with
//! its photos, therapists, service items, promotions, and bookings by date range with a CSV export. Every page
//! runs the operations of `graphql/operations/manager.graphql` as the signed-in staff member, so which shops
//! they reach is the API's answer: another shop's page is "not found".

mod fields;
mod hours;
mod index;
mod orders;
mod orders_csv;
mod photos;
mod profile;
mod promotions;
mod services;
mod therapists;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;

use crate::{
    app::exec::Web,
    kernel::StaffRole,
    web::{
        page::{self, Staff},
        runner::Failure,
        session::Visit,
    },
};

pub use fields::Fields;

/// The console's entry to these pages.
pub const HOME: &str = "/admin/shop/";

pub fn routes() -> Router<Web> {
    Router::new()
        .route(HOME, get(index::list))
        .route("/admin/shops/{id}", get(profile::show).post(profile::save))
        .route(
            "/admin/shops/{id}/photos",
            post(photos::upload).layer(DefaultBodyLimit::max(crate::web::session::MAX_UPLOAD_FORM)),
        )
        .route("/admin/shops/{id}/photos/remove", post(photos::remove))
        .route("/admin/shops/{id}/therapists", get(therapists::list).post(therapists::add))
        .route("/admin/shops/{id}/therapists/{tid}", get(therapists::edit).post(therapists::save))
        .route("/admin/shops/{id}/services", get(services::list).post(services::add))
        .route("/admin/shops/{id}/services/{sid}", get(services::edit).post(services::save))
        .route("/admin/shops/{id}/promotions", get(promotions::list).post(promotions::create))
        .route("/admin/shops/{id}/promotions/{pid}/{action}", post(promotions::act))
        .route("/admin/shops/{id}/orders", get(orders::list))
        .route("/admin/shops/{id}/orders.csv", get(orders_csv::export))
}

/// The signed-in manager or tenant administrator; anyone else is shown "no permission".
pub async fn manager(web: &Web, visit: &Visit) -> Result<Staff, Response> {
    let staff = page::staff(web, visit).await?;
    match staff.role {
        StaffRole::ShopManager | StaffRole::TenantAdmin => Ok(staff),
        _ => Err(page::error_status(web, visit, 403)),
    }
}

/// The shop a page is about: its id and name, for the heading and the section links.
#[derive(Deserialize, Clone)]
pub struct Head {
    pub id: String,
    pub name: String,
}

/// A section of a shop's pages.
pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The links between a shop's sections; `current` is the one shown.
pub fn tabs(shop_id: &str, current: &str) -> Vec<Tab> {
    [
        ("", "门店资料"),
        ("/therapists", "技师"),
        ("/services", "服务项目"),
        ("/promotions", "优惠活动"),
        ("/orders", "预约记录"),
    ]
    .into_iter()
    .map(|(tail, label)| Tab { href: format!("/admin/shops/{shop_id}{tail}"), label, current: tail == current })
    .collect()
}

/// The page for an operation's refusal that no form can help with (a shop of someone else: not found).
pub fn refused(web: &Web, visit: &Visit, failure: &Failure) -> Response {
    page::failure_page(web, visit, failure)
}

/// The answer when the shop is not one the caller sees.
pub fn not_found(web: &Web, visit: &Visit) -> Response {
    page::error_status(web, visit, 404)
}

/// The banner after a change, by the `done` of the address the change redirected to.
pub fn banner(done: Option<&str>, texts: &[(&str, &str)]) -> Option<String> {
    let done = done?;
    texts.iter().find(|(k, _)| *k == done).map(|(_, t)| (*t).to_owned())
}

#[derive(Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

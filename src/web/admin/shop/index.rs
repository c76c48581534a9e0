//! The shops the signed-in manager looks after (a tenant administrator: every shop), each linking to its
//! pages; a manager of one shop goes straight to it.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{HOME, manager, refused};
use crate::{
    app::exec::Web,
    kernel::StaffRole,
    web::{
        admin::answers::Connection,
        page::{self, Chrome},
        session::Visit,
    },
};

#[derive(Deserialize)]
pub struct Shop {
    id: String,
    name: String,
    address: String,
}

#[derive(Deserialize)]
struct Answer {
    shops: Connection<Shop>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/index.html")]
struct IndexPage {
    chrome: Chrome,
    shops: Vec<Shop>,
}

pub async fn list(State(web): State<Web>, visit: Visit) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let shops = match staff.runner.run::<Answer>("ManagerShopList", json!({ "first": 100 })).await {
        Ok(a) => a.shops.nodes(),
        Err(f) => return refused(&web, &visit, &f),
    };
    if staff.role == StaffRole::ShopManager && shops.len() == 1 {
        return Redirect::to(&format!("/admin/shops/{}", page::encode(&shops[0].id))).into_response();
    }
    IndexPage { chrome: Chrome::staff("门店管理", &visit, &staff, HOME), shops }.into_response()
}

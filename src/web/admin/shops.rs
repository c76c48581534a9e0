//! The shops of a tenant, for its administrator.

use super::answers;
use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    app::exec::Web,
    kernel::StaffRole,
    web::{
        page::{self, Chrome},
        session::Visit,
    },
};

#[derive(Deserialize)]
pub struct Shop {
    name: String,
    address: String,
    phone: String,
    status: String,
}

impl Shop {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "PUBLISHED" => "已上线",
            "DRAFT" => "未上线",
            "SUSPENDED" => "已停用",
            _ => "未知",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shops.html")]
struct ShopsPage {
    chrome: Chrome,
    shops: Vec<Shop>,
}

pub async fn list(State(web): State<Web>, visit: Visit) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if staff.role != StaffRole::TenantAdmin {
        return page::error_status(&web, &visit, 403);
    }
    match answers::tenant_shops::<Shop>(&staff).await {
        Ok(list) => {
            ShopsPage { chrome: Chrome::staff("门店", &visit, &staff, "/admin/shops"), shops: list }.into_response()
        }
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

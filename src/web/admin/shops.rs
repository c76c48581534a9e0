//! The shops of a tenant, for its administrator: the list, each shop's publish or suspend button, and a new
//! shop (`tenant::shop_new`). A shop's own pages are under `/admin/shops/{id}`.

use super::answers;
use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

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
    id: String,
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

    pub fn published(&self) -> bool {
        self.status == "PUBLISHED"
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shops.html")]
struct ShopsPage {
    chrome: Chrome,
    shops: Vec<Shop>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn banner(done: Option<&str>) -> Option<String> {
    match done? {
        "created" => Some("已新建门店（未上线）。完善资料后点“上线”，用户就能看到它".into()),
        "published" => Some("门店已上线，用户现在可以看到并预约".into()),
        "unpublished" => Some("门店已停用，用户不再看到它".into()),
        _ => None,
    }
}

pub async fn list(State(web): State<Web>, visit: Visit, Query(q): Query<Done>) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if staff.role != StaffRole::TenantAdmin {
        return page::error_status(&web, &visit, 403);
    }
    match answers::tenant_shops::<Shop>(&staff).await {
        Ok(list) => ShopsPage {
            chrome: Chrome::staff("门店", &visit, &staff, "/admin/shops").with_banner(banner(q.done.as_deref())),
            shops: list,
        }
        .into_response(),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    action: String,
}

/// Publishes or suspends a shop, then back to the list with a banner.
pub async fn act(State(web): State<Web>, visit: Visit, Form(f): Form<ActForm>) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if staff.role != StaffRole::TenantAdmin {
        return page::error_status(&web, &visit, 403);
    }
    let (name, done) = match f.action.as_str() {
        "publish" => ("ShopsPublish", "published"),
        "unpublish" => ("ShopsUnpublish", "unpublished"),
        _ => return page::error_status(&web, &visit, 404),
    };
    match staff.runner.run::<serde_json::Value>(name, json!({ "id": f.id })).await {
        Ok(_) => Redirect::to(&format!("/admin/shops?done={done}")).into_response(),
        Err(failure) => page::failure_page(&web, &visit, &failure),
    }
}

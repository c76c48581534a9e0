//! The tenant administrator's pages (staff, WeChat settings, the audit log, the tenant's settings) and the
//! platform operator's (signing in with the platform token, the tenants).

mod audit;
mod platform;
mod settings;
mod shop_new;
mod staff;
mod staff_form;
mod tenants;
mod wechat;

pub use platform::PLATFORM_COOKIE;

use axum::{
    Router,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;

use crate::{
    app::exec::Web,
    kernel::StaffRole,
    web::{
        page::{self, Staff},
        session::Visit,
    },
};

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/admin/shops/new", get(shop_new::form).post(shop_new::create))
        .route("/admin/staff", get(staff::list))
        .route("/admin/staff/new", get(staff::new_form).post(staff::create))
        .route("/admin/staff/{id}", get(staff::edit_form).post(staff::change))
        .route("/admin/wechat", get(wechat::form).post(wechat::submit))
        .route("/admin/audit", get(audit::list))
        .route("/admin/settings", get(settings::show))
        .route("/admin/settings/api-key", post(settings::rotate_key))
        .route("/admin/login/platform", get(platform::form).post(platform::submit))
        .route("/admin/tenants", get(tenants::list).post(tenants::act))
        .route("/admin/tenants/new", get(tenants::new_form).post(tenants::create))
}

/// The signed-in tenant administrator, or the answer for anyone else (sign in first; the 403 page for other
/// staff).
pub async fn admin(web: &Web, visit: &Visit) -> Result<Staff, Response> {
    let staff = page::staff(web, visit).await?;
    if staff.role != StaffRole::TenantAdmin {
        return Err(page::error_status(web, visit, 403));
    }
    Ok(staff)
}

/// `?done=…`: which change the banner of a page reports.
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: Option<String>,
}

/// The words for a staff role.
pub fn role_label(role: &str) -> &'static str {
    match role {
        "TENANT_ADMIN" => "机构管理员",
        "SHOP_MANAGER" => "店长",
        "SHOP_STAFF" => "店员",
        "CS_AGENT" => "客服",
        _ => "未知",
    }
}

/// The roles a tenant administrator gives, in the order the form offers them, with what each may do.
pub const ROLES: [(&str, &str); 4] = [
    ("SHOP_STAFF", "接待和预约，只能看到所属门店"),
    ("SHOP_MANAGER", "管理所属门店的资料、技师、项目和预约"),
    ("TENANT_ADMIN", "管理整个机构：门店、员工和设置"),
    ("CS_AGENT", "客服：处理用户的申请"),
];

//! 机构设置 (`/admin/settings`): what the tenant has, as a summary, and a new API key for its own systems (shown
//! once, on the answer to the form that made it).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::admin;
use crate::{
    app::exec::Web,
    web::{
        format,
        page::{self, Chrome},
        session::Visit,
    },
};

const HOME: &str = "/admin/settings";

/// One line of the summary: what, and its value.
pub struct Line {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    lines: Vec<Line>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/api_key.html")]
struct KeyPage {
    chrome: Chrome,
    key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TenantRow {
    slug: String,
    name: String,
    kind: String,
    time_zone: String,
    status: String,
    wechat_app_id: Option<String>,
    created_at: String,
}

#[derive(Deserialize)]
struct Answer {
    tenant: TenantRow,
}

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "massage" => "按摩推拿（门店、技师、预约）",
        "water" => "供水（用户账户、账单）",
        _ => "其他",
    }
}

pub async fn show(State(web): State<Web>, visit: Visit) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = match staff.runner.run::<Answer>("SettingsPage", json!({})).await {
        Ok(a) => a.tenant,
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    let lines = vec![
        Line { label: "机构名称", value: t.name },
        Line { label: "机构代码", value: format!("{}（员工登录时输入）", t.slug) },
        Line { label: "业务类型", value: kind_label(&t.kind).to_owned() },
        Line { label: "时区", value: t.time_zone },
        Line { label: "状态", value: if t.status == "ACTIVE" { "正常" } else { "已停用" }.to_owned() },
        Line {
            label: "微信公众号",
            value: t.wechat_app_id.map_or_else(|| "未设置".to_owned(), |id| format!("已设置（{id}）")),
        },
        Line { label: "开通时间", value: format::date_time(&t.created_at, staff.zone) },
    ];
    SettingsPage { chrome: Chrome::staff("机构设置", &visit, &staff, HOME), lines }.into_response()
}

pub async fn rotate_key(State(web): State<Web>, visit: Visit) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    #[derive(Deserialize)]
    struct Rotated {
        #[serde(rename = "rotateApiKey")]
        rotate: Key,
    }
    #[derive(Deserialize)]
    struct Key {
        #[serde(rename = "apiKey")]
        api_key: String,
    }
    match staff.runner.run::<Rotated>("SettingsRotateKey", json!({})).await {
        Ok(r) => {
            let chrome = Chrome::staff("新的 API 密钥", &visit, &staff, HOME);
            let mut response = KeyPage { chrome, key: r.rotate.api_key }.into_response();
            no_store(&mut response);
            response
        }
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

/// A page that shows a secret once: kept by no cache, and not shown again by the browser's history.
pub fn no_store(response: &mut Response) {
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
}

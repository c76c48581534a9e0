//! 微信设置 (`/admin/wechat`): the tenant's WeChat official account. The secret is never shown back: the page
//! says only whether one is set.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{Done, admin};
use crate::{
    app::exec::Web,
    web::{
        forms::Errors,
        page::{self, Chrome, Staff},
        session::Visit,
    },
};

const HOME: &str = "/admin/wechat";

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/wechat.html")]
struct WechatPage {
    chrome: Chrome,
    errors: Errors,
    /// The configured AppID, if any.
    current: Option<String>,
    app_id: String,
    h5_origin: String,
}

#[derive(Deserialize)]
struct Answer {
    tenant: TenantWechat,
}

#[derive(Deserialize)]
struct TenantWechat {
    #[serde(rename = "wechatAppId")]
    wechat_app_id: Option<String>,
}

async fn current(web: &Web, visit: &Visit, staff: &Staff) -> Result<Option<String>, Response> {
    let a: Answer = staff.runner.run("WechatPage", json!({})).await.map_err(|f| page::failure_page(web, visit, &f))?;
    Ok(a.tenant.wechat_app_id)
}

pub async fn form(State(web): State<Web>, visit: Visit, Query(q): Query<Done>) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let current = match current(&web, &visit, &staff).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let banner = q.done.is_some().then(|| "微信公众号设置已保存".to_owned());
    WechatPage {
        chrome: Chrome::staff("微信设置", &visit, &staff, HOME).with_banner(banner),
        errors: Errors::default(),
        app_id: current.clone().unwrap_or_default(),
        current,
        h5_origin: String::new(),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct WechatForm {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    app_secret: String,
    #[serde(default)]
    h5_origin: String,
}

pub async fn submit(State(web): State<Web>, visit: Visit, Form(f): Form<WechatForm>) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (app_id, h5_origin) = (f.app_id.trim().to_owned(), f.h5_origin.trim().to_owned());
    let mut errors = Errors::default();
    if app_id.is_empty() {
        errors.add("app_id", "请输入公众号的 AppID");
    }
    if f.app_secret.trim().is_empty() {
        errors.add("app_secret", "请输入公众号的 AppSecret");
    }
    if errors.is_empty() {
        let mut input = json!({ "appId": app_id, "appSecret": f.app_secret.trim() });
        if !h5_origin.is_empty() {
            input["h5Origin"] = json!(h5_origin);
        }
        match staff.runner.run::<serde_json::Value>("WechatConfigure", json!({ "input": input })).await {
            Ok(_) => return Redirect::to(&format!("{HOME}?done=1")).into_response(),
            Err(failure) => {
                let fields =
                    [("input.appId", "app_id"), ("input.appSecret", "app_secret"), ("input.h5Origin", "h5_origin")];
                if failure.field.as_deref() == Some("input.h5Origin") {
                    errors.add("h5_origin", "请输入网址的来源部分，例如 https://h5.example.cn（不含路径）");
                } else {
                    errors.refused(&failure, &fields, "app_id");
                }
            }
        }
    }
    let current = match current(&web, &visit, &staff).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    WechatPage {
        chrome: Chrome::staff("微信设置", &visit, &staff, HOME).with_errors(true),
        errors,
        current,
        app_id,
        h5_origin,
    }
    .into_response()
}

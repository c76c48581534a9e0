//! 机构 (`/admin/tenants`, the platform operator): every tenant, with suspend and activate; onboarding a tenant,
//! whose API key the answer shows once.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    Done,
    platform::{chrome, operator},
    settings::{kind_label, no_store},
    staff_form::Choice,
};
use crate::{
    app::exec::Web,
    web::{admin::answers::Connection, forms::Errors, page, session::Visit},
};

const HOME: &str = "/admin/tenants";
const NEW: &str = "/admin/tenants/new";
const TEMPLATES: [(&str, &str); 2] = [("massage", "按摩推拿"), ("water", "供水")];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub template: String,
    pub status: String,
    pub is_load_test: bool,
}

impl TenantRow {
    pub fn kind(&self) -> &'static str {
        kind_label(&self.template)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/tenants.html")]
struct ListPage {
    chrome: page::Chrome,
    rows: Vec<TenantRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/tenant_new.html")]
struct NewPage {
    chrome: page::Chrome,
    errors: Errors,
    slug: String,
    name: String,
    templates: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/tenant_created.html")]
struct CreatedPage {
    chrome: page::Chrome,
    name: String,
    slug: String,
    key: String,
}

#[derive(Deserialize)]
struct Tenants {
    tenants: Connection<TenantRow>,
}

fn banner(done: Option<&str>) -> Option<String> {
    match done? {
        "suspended" => Some("已停用该机构：它的员工、用户和 API 密钥都不能再使用".into()),
        "activated" => Some("已恢复该机构".into()),
        _ => None,
    }
}

pub async fn list(State(web): State<Web>, visit: Visit, headers: HeaderMap, Query(q): Query<Done>) -> Response {
    let runner = match operator(&web, &visit, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match runner.run::<Tenants>("TenantsPage", json!({ "first": 100 })).await {
        Ok(t) => ListPage {
            chrome: chrome("机构", &visit, HOME).with_banner(banner(q.done.as_deref())),
            rows: t.tenants.nodes(),
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

pub async fn act(State(web): State<Web>, visit: Visit, headers: HeaderMap, Form(f): Form<ActForm>) -> Response {
    let runner = match operator(&web, &visit, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (name, done) = match f.action.as_str() {
        "suspend" => ("TenantsSuspend", "suspended"),
        "activate" => ("TenantsActivate", "activated"),
        _ => return page::error_status(&web, &visit, 404),
    };
    match runner.run::<serde_json::Value>(name, json!({ "id": f.id })).await {
        Ok(_) => Redirect::to(&format!("{HOME}?done={done}")).into_response(),
        Err(failure) => page::failure_page(&web, &visit, &failure),
    }
}

fn templates(chosen: &str) -> Vec<Choice> {
    TEMPLATES
        .iter()
        .map(|(value, label)| Choice {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
            hint: kind_label(value).to_owned(),
            checked: *value == chosen,
        })
        .collect()
}

pub async fn new_form(State(web): State<Web>, visit: Visit, headers: HeaderMap) -> Response {
    if let Err(r) = operator(&web, &visit, &headers).await {
        return r;
    }
    NewPage {
        chrome: chrome("开通机构", &visit, NEW),
        errors: Errors::default(),
        slug: String::new(),
        name: String::new(),
        templates: templates(""),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    template: String,
}

#[derive(Deserialize)]
struct Created {
    #[serde(rename = "createTenant")]
    created: Payload,
}

#[derive(Deserialize)]
struct Payload {
    tenant: Named,
    #[serde(rename = "apiKey")]
    api_key: String,
}

#[derive(Deserialize)]
struct Named {
    slug: String,
    name: String,
}

pub async fn create(State(web): State<Web>, visit: Visit, headers: HeaderMap, Form(f): Form<NewForm>) -> Response {
    let runner = match operator(&web, &visit, &headers).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (slug, name) = (f.slug.trim().to_lowercase(), f.name.trim().to_owned());
    let mut errors = Errors::default();
    if slug.is_empty() {
        errors.add("slug", "请输入机构代码");
    }
    if name.is_empty() {
        errors.add("name", "请输入机构名称");
    }
    if !TEMPLATES.iter().any(|(t, _)| *t == f.template) {
        errors.add("template-1", "请选择业务类型");
    }
    if errors.is_empty() {
        let input = json!({ "slug": slug, "name": name, "template": f.template });
        match runner.run::<Created>("TenantsCreate", json!({ "input": input })).await {
            Ok(c) => {
                let t = c.created.tenant;
                let chrome = chrome(format!("已开通：{}", t.name), &visit, NEW);
                let mut response =
                    CreatedPage { chrome, name: t.name, slug: t.slug, key: c.created.api_key }.into_response();
                no_store(&mut response);
                return response;
            }
            Err(failure) if failure.code == "CONFLICT" => errors.add("slug", "这个机构代码已被使用，请换一个"),
            Err(failure) if failure.field.as_deref() == Some("input.slug") => {
                errors.add("slug", "机构代码只能用 3–63 个小写字母、数字和“-”，且不能以“-”开头或结尾")
            }
            Err(failure) => {
                errors.refused(&failure, &[("input.name", "name"), ("input.template", "template-1")], "name")
            }
        }
    }
    NewPage {
        chrome: chrome("开通机构", &visit, NEW).with_errors(true),
        errors,
        slug,
        name,
        templates: templates(&f.template),
    }
    .into_response()
}

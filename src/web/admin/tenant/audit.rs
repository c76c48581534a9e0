//! 操作记录 (`/admin/audit`): the tenant's audit log, a page at a time, times in the tenant's zone.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::admin;
use crate::{
    app::exec::Web,
    web::{
        admin::answers::Connection,
        format,
        page::{self, Chrome},
        session::Visit,
    },
};

const PAGE: i64 = 50;

pub struct Row {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ok: bool,
    pub outcome: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<Row>,
    /// The link to the next page, if there is one.
    next: Option<String>,
    paged: bool,
}

#[derive(Deserialize)]
pub struct At {
    #[serde(default)]
    after: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    at: String,
    actor_kind: String,
    actor_id: Option<String>,
    action: String,
    target: Option<String>,
    outcome: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Log {
    edges: Vec<EdgeOf>,
    #[serde(rename = "pageInfo")]
    page_info: PageInfo,
}

#[derive(Deserialize)]
struct EdgeOf {
    node: Entry,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Person {
    id: String,
    display_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    audit_log: Log,
    staff_members: Connection<Person>,
}

fn actor(kind: &str, id: Option<&str>, people: &[Person]) -> String {
    match kind {
        "STAFF" => id
            .and_then(|id| people.iter().find(|p| p.id == id))
            .map_or_else(|| "员工".to_owned(), |p| format!("员工：{}", p.display_name)),
        "API_KEY" => "机构 API 密钥".into(),
        "PLATFORM" => "平台运营方".into(),
        "CONSUMER" => "微信用户".into(),
        _ => "未登录的访问".into(),
    }
}

pub async fn list(State(web): State<Web>, visit: Visit, Query(q): Query<At>) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let after = q.after.filter(|a| !a.is_empty());
    let answer: Answer = match staff.runner.run("AuditPage", json!({ "first": PAGE, "after": after })).await {
        Ok(a) => a,
        Err(f) if f.code == "VALIDATION" => return page::error_status(&web, &visit, 404),
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    let people = answer.staff_members.nodes();
    let rows = answer
        .audit_log
        .edges
        .into_iter()
        .map(|e| e.node)
        .map(|e| Row {
            at: format::date_time(&e.at, staff.zone),
            actor: actor(&e.actor_kind, e.actor_id.as_deref(), &people),
            target: e.target.unwrap_or_default(),
            ok: e.outcome == "OK",
            outcome: e.outcome,
            action: e.action,
        })
        .collect();
    let info = answer.audit_log.page_info;
    let next =
        info.end_cursor.filter(|_| info.has_next_page).map(|c| format!("/admin/audit?after={}", page::encode(&c)));
    let title = if after.is_some() { "操作记录（更早）" } else { "操作记录" };
    AuditPage { chrome: Chrome::staff(title, &visit, &staff, "/admin/audit"), rows, next, paged: after.is_some() }
        .into_response()
}

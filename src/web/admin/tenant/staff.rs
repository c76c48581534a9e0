//! 员工 (`/admin/staff`): the tenant's staff accounts with their roles and shops; a new account; a change of
//! role, shops, or whether the account may sign in.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    Done, admin, role_label,
    staff_form::{Choice, StaffFields, StaffRow, active_choices, role_choices, shop_choices},
};
use crate::{
    app::exec::Web,
    web::{
        admin::answers::{Connection, Named},
        forms::Errors,
        page::{self, Chrome, Staff},
        session::Visit,
    },
};

const HOME: &str = "/admin/staff";

/// A row of the staff table.
pub struct Row {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub shops: String,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/staff.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/staff_form.html")]
struct FormPage {
    chrome: Chrome,
    errors: Errors,
    /// `None` for a new account.
    account: Option<StaffRow>,
    fields: StaffFields,
    roles: Vec<Choice>,
    shops: Vec<Choice>,
    /// Whether the account may sign in (the change form only).
    states: Vec<Choice>,
    action: String,
}

#[derive(Deserialize)]
struct StaffPage {
    #[serde(rename = "staffMembers")]
    staff: Connection<StaffRow>,
    shops: Connection<Named>,
}

#[derive(Deserialize)]
struct StaffEdit {
    staff: StaffRow,
    shops: Connection<Named>,
}

fn banner(done: Option<&str>) -> Option<String> {
    match done? {
        "created" => Some("已添加员工，请把用户名和初始密码告诉本人".into()),
        "changed" => Some("已保存员工的更改".into()),
        _ => None,
    }
}

pub async fn list(State(web): State<Web>, visit: Visit, Query(q): Query<Done>) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page: StaffPage = match staff.runner.run("StaffPage", json!({ "first": 100 })).await {
        Ok(p) => p,
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    let shops = page.shops.nodes();
    let rows = page
        .staff
        .nodes()
        .into_iter()
        .map(|s| Row {
            shops: s
                .shop_ids
                .iter()
                .map(|id| shops.iter().find(|n| &n.id == id).map_or("（已删除的门店）", |n| n.name.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
            role: role_label(&s.role),
            id: s.id,
            username: s.username,
            display_name: s.display_name,
            active: s.active,
        })
        .collect();
    let chrome = Chrome::staff("员工", &visit, &staff, HOME).with_banner(banner(q.done.as_deref()));
    ListPage { chrome, rows }.into_response()
}

async fn shops_of(web: &Web, visit: &Visit, staff: &Staff) -> Result<Vec<Named>, Response> {
    crate::web::admin::answers::tenant_shops::<Named>(staff).await.map_err(|f| page::failure_page(web, visit, &f))
}

fn form_page(
    visit: &Visit,
    staff: &Staff,
    account: Option<StaffRow>,
    fields: StaffFields,
    shops: &[Named],
) -> FormPage {
    let title = match &account {
        Some(a) => format!("更改员工：{}", a.display_name),
        None => "添加员工".to_owned(),
    };
    let action = account.as_ref().map_or_else(|| format!("{HOME}/new"), |a| format!("{HOME}/{}", a.id));
    FormPage {
        chrome: Chrome::staff(title, visit, staff, HOME),
        errors: Errors::default(),
        roles: role_choices(&fields.role),
        shops: shop_choices(shops, &fields.shop_ids),
        states: active_choices(&fields.active),
        account,
        fields,
        action,
    }
}

pub async fn new_form(State(web): State<Web>, visit: Visit) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match shops_of(&web, &visit, &staff).await {
        Ok(shops) => form_page(&visit, &staff, None, StaffFields::default(), &shops).into_response(),
        Err(r) => r,
    }
}

pub async fn create(State(web): State<Web>, visit: Visit, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let f = StaffFields::from_pairs(&pairs);
    let mut errors = f.check(true);
    if errors.is_empty() {
        let shop_ids = if f.needs_shops() { f.shop_ids.clone() } else { vec![] };
        let input = json!({
            "username": f.username, "password": f.password, "displayName": f.display_name,
            "role": f.role, "shopIds": shop_ids,
        });
        match staff.runner.run::<serde_json::Value>("StaffCreate", json!({ "input": input })).await {
            Ok(_) => return Redirect::to(&format!("{HOME}?done=created")).into_response(),
            Err(failure) => StaffFields::refused(&mut errors, &failure),
        }
    }
    let shops = match shops_of(&web, &visit, &staff).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut page = form_page(&visit, &staff, None, StaffFields { password: String::new(), ..f }, &shops);
    page.chrome = page.chrome.with_errors(true);
    page.errors = errors;
    page.into_response()
}

async fn load(web: &Web, visit: &Visit, staff: &Staff, id: &str) -> Result<StaffEdit, Response> {
    staff.runner.run("StaffEdit", json!({ "id": id })).await.map_err(|f| match f.code.as_str() {
        // Another tenant's id, or none at all, is a page that does not exist.
        "VALIDATION" => page::error_status(web, visit, 404),
        _ => page::failure_page(web, visit, &f),
    })
}

pub async fn edit_form(State(web): State<Web>, visit: Visit, Path(id): Path<String>) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let edit = match load(&web, &visit, &staff, &id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let fields = StaffFields {
        display_name: edit.staff.display_name.clone(),
        role: edit.staff.role.clone(),
        shop_ids: edit.staff.shop_ids.clone(),
        active: if edit.staff.active { "yes" } else { "no" }.to_owned(),
        ..StaffFields::default()
    };
    form_page(&visit, &staff, Some(edit.staff), fields, &edit.shops.nodes()).into_response()
}

pub async fn change(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let edit = match load(&web, &visit, &staff, &id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let f = StaffFields::from_pairs(&pairs);
    let mut errors = f.check(false);
    if errors.is_empty() {
        let shop_ids = if f.needs_shops() { f.shop_ids.clone() } else { vec![] };
        let input = json!({
            "displayName": f.display_name, "role": f.role, "shopIds": shop_ids, "active": f.active == "yes",
        });
        match staff.runner.run::<serde_json::Value>("StaffChange", json!({ "id": id, "input": input })).await {
            Ok(_) => return Redirect::to(&format!("{HOME}?done=changed")).into_response(),
            Err(failure) => StaffFields::refused(&mut errors, &failure),
        }
    }
    let mut page = form_page(&visit, &staff, Some(edit.staff), f, &edit.shops.nodes());
    page.chrome = page.chrome.with_errors(true);
    page.errors = errors;
    page.into_response()
}

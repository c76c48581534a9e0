//! A shop's service items: a table (price, duration, who performs it), a form to add one, a page to change one.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Done, Fields, Head, Tab, banner, manager, not_found, refused, tabs};
use crate::{
    app::exec::Web,
    web::{
        admin::answers::Named,
        format,
        forms::Errors,
        page::{self, Chrome, Staff},
        runner::Failure,
        session::Visit,
    },
};

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    id: String,
    name: String,
    description: String,
    category: String,
    duration_minutes: i32,
    price_fen: i64,
    active: bool,
    therapists: Vec<Named>,
}

impl Service {
    pub fn price(&self) -> String {
        format::money(self.price_fen)
    }

    pub fn therapist_words(&self) -> String {
        if self.therapists.is_empty() {
            return "未指定".into();
        }
        self.therapists.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join("、")
    }
}

#[derive(Deserialize)]
struct ShopServices {
    id: String,
    name: String,
    therapists: Vec<Named>,
    services: Vec<Service>,
}

#[derive(Deserialize)]
struct Answer {
    shop: Option<ShopServices>,
}

async fn load(staff: &Staff, id: &str) -> Result<Option<ShopServices>, Failure> {
    Ok(staff.runner.run::<Answer>("ManagerServices", json!({ "id": id })).await?.shop)
}

/// Yuan as typed (`168`, `168.5`, `¥168.00`), in fen.
pub fn fen_of(text: &str) -> Option<i64> {
    let t = text.trim().trim_start_matches(['¥', '￥']).trim();
    let (yuan, cents) = t.split_once('.').unwrap_or((t, ""));
    if yuan.is_empty() || !yuan.bytes().all(|b| b.is_ascii_digit()) || cents.len() > 2 {
        return None;
    }
    if !cents.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    yuan.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)
}

/// A therapist to tick.
pub struct Choice {
    id: String,
    name: String,
    checked: bool,
}

#[derive(Default)]
pub struct Form {
    name: String,
    category: String,
    duration: String,
    price: String,
    description: String,
    therapist_ids: Vec<String>,
    active: bool,
}

impl Form {
    fn of(s: &Service) -> Form {
        Form {
            name: s.name.clone(),
            category: s.category.clone(),
            duration: s.duration_minutes.to_string(),
            price: format!("{}.{:02}", s.price_fen / 100, s.price_fen % 100),
            description: s.description.clone(),
            therapist_ids: s.therapists.iter().map(|t| t.id.clone()).collect(),
            active: s.active,
        }
    }

    fn parse(f: &Fields, editing: bool, errors: &mut Errors) -> (Form, Value) {
        let form = Form {
            name: f.get("name"),
            category: f.get("category"),
            duration: f.get("duration"),
            price: f.get("price"),
            description: f.get("description"),
            therapist_ids: f.all("therapist"),
            active: f.get("active") != "no",
        };
        if form.name.is_empty() {
            errors.add("name", "请填写项目名称");
        }
        if form.category.is_empty() {
            errors.add("category", "请填写项目类别，如 推拿");
        }
        let duration = form.duration.parse::<i32>().ok().filter(|d| (5..=600).contains(d));
        if duration.is_none() {
            errors.add("duration", "时长请填写 5 到 600 之间的整数（分钟）");
        }
        let price = fen_of(&form.price).filter(|p| *p > 0);
        if price.is_none() {
            errors.add("price", "价格请填写大于 0 的金额，如 168 或 168.50");
        }
        let mut input = json!({
            "name": form.name, "category": form.category, "durationMinutes": duration.unwrap_or(0),
            "priceFen": price.unwrap_or(0), "description": form.description, "therapistIds": form.therapist_ids,
        });
        if editing {
            input["active"] = json!(form.active);
        }
        (form, input)
    }

    fn choices(&self, therapists: &[Named]) -> Vec<Choice> {
        therapists
            .iter()
            .map(|t| Choice { id: t.id.clone(), name: t.name.clone(), checked: self.therapist_ids.contains(&t.id) })
            .collect()
    }
}

const FIELDS: [(&str, &str); 6] = [
    ("input.name", "name"),
    ("input.category", "category"),
    ("input.durationMinutes", "duration"),
    ("input.priceFen", "price"),
    ("input.description", "description"),
    ("input.therapistIds", "therapist-1"),
];

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/services.html")]
struct ListPage {
    chrome: Chrome,
    errors: Errors,
    shop: Head,
    tabs: Vec<Tab>,
    services: Vec<Service>,
    form: Form,
    choices: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/service.html")]
struct EditPage {
    chrome: Chrome,
    errors: Errors,
    shop: Head,
    tabs: Vec<Tab>,
    service_id: String,
    heading: String,
    form: Form,
    choices: Vec<Choice>,
}

fn list_page(
    visit: &Visit,
    staff: &Staff,
    s: ShopServices,
    form: Form,
    errors: Errors,
    done: Option<&str>,
) -> Response {
    let texts = [("added", "已添加服务项目"), ("saved", "已保存服务项目")];
    ListPage {
        chrome: Chrome::staff(format!("服务项目：{}", s.name), visit, staff, super::HOME)
            .with_errors(!errors.is_empty())
            .with_banner(banner(done, &texts)),
        errors,
        tabs: tabs(&s.id, "/services"),
        choices: form.choices(&s.therapists),
        shop: Head { id: s.id, name: s.name },
        services: s.services,
        form,
    }
    .into_response()
}

pub async fn list(State(web): State<Web>, visit: Visit, Path(id): Path<String>, Query(q): Query<Done>) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match load(&staff, &id).await {
        Ok(Some(s)) => list_page(&visit, &staff, s, Form::default(), Errors::default(), q.done.as_deref()),
        Ok(None) => not_found(&web, &visit),
        Err(f) => refused(&web, &visit, &f),
    }
}

pub async fn add(State(web): State<Web>, visit: Visit, Path(id): Path<String>, f: Fields) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let s = match load(&staff, &id).await {
        Ok(Some(s)) => s,
        Ok(None) => return not_found(&web, &visit),
        Err(f) => return refused(&web, &visit, &f),
    };
    let mut errors = Errors::default();
    let (form, mut input) = Form::parse(&f, false, &mut errors);
    if !errors.is_empty() {
        return list_page(&visit, &staff, s, form, errors, None);
    }
    input["shopId"] = json!(id);
    match staff.runner.run::<Value>("ManagerCreateService", json!({ "input": input })).await {
        Ok(_) => Redirect::to(&format!("/admin/shops/{}/services?done=added", page::encode(&id))).into_response(),
        Err(failure) if failure.code == "VALIDATION" => {
            errors.refused(&failure, &FIELDS, "name");
            list_page(&visit, &staff, s, form, errors, None)
        }
        Err(failure) => refused(&web, &visit, &failure),
    }
}

fn edit_page(visit: &Visit, staff: &Staff, s: &ShopServices, item: &Service, form: Form, errors: Errors) -> Response {
    let heading = format!("修改服务项目：{}", item.name);
    EditPage {
        chrome: Chrome::staff(heading.clone(), visit, staff, super::HOME).with_errors(!errors.is_empty()),
        errors,
        shop: Head { id: s.id.clone(), name: s.name.clone() },
        tabs: tabs(&s.id, "/services"),
        service_id: item.id.clone(),
        heading,
        choices: form.choices(&s.therapists),
        form,
    }
    .into_response()
}

pub async fn edit(State(web): State<Web>, visit: Visit, Path((id, sid)): Path<(String, String)>) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match load(&staff, &id).await {
        Ok(Some(s)) => match s.services.iter().find(|i| i.id == sid) {
            Some(i) => edit_page(&visit, &staff, &s, i, Form::of(i), Errors::default()),
            None => not_found(&web, &visit),
        },
        Ok(None) => not_found(&web, &visit),
        Err(f) => refused(&web, &visit, &f),
    }
}

pub async fn save(
    State(web): State<Web>,
    visit: Visit,
    Path((id, sid)): Path<(String, String)>,
    f: Fields,
) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let s = match load(&staff, &id).await {
        Ok(Some(s)) => s,
        Ok(None) => return not_found(&web, &visit),
        Err(f) => return refused(&web, &visit, &f),
    };
    let Some(item) = s.services.iter().find(|i| i.id == sid) else { return not_found(&web, &visit) };
    let mut errors = Errors::default();
    let (form, input) = Form::parse(&f, true, &mut errors);
    if !errors.is_empty() {
        return edit_page(&visit, &staff, &s, item, form, errors);
    }
    match staff.runner.run::<Value>("ManagerUpdateService", json!({ "id": sid, "input": input })).await {
        Ok(_) => Redirect::to(&format!("/admin/shops/{}/services?done=saved", page::encode(&id))).into_response(),
        Err(failure) if failure.code == "VALIDATION" => {
            errors.refused(&failure, &FIELDS, "name");
            edit_page(&visit, &staff, &s, item, form, errors)
        }
        Err(failure) => refused(&web, &visit, &failure),
    }
}

#[cfg(test)]
mod tests {
    use super::fen_of;

    #[test]
    fn yuan_are_read_as_fen() {
        assert_eq!(fen_of("168"), Some(16800));
        assert_eq!(fen_of("¥168.5"), Some(16850));
        assert_eq!(fen_of(" 0.05 "), Some(5));
        assert_eq!(fen_of("1.234"), None);
        assert_eq!(fen_of("-1"), None);
        assert_eq!(fen_of(""), None);
    }
}

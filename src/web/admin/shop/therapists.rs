//! A shop's therapists: a table of them, a form to add one, and a page to change one (or take them off duty).

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
        forms::Errors,
        page::{self, Chrome, Staff},
        runner::Failure,
        session::Visit,
    },
};

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Therapist {
    id: String,
    name: String,
    gender: String,
    title: String,
    years_of_practice: i32,
    specialties: Vec<String>,
    active: bool,
}

impl Therapist {
    pub fn specialties_words(&self) -> String {
        self.specialties.join("、")
    }
}

#[derive(Deserialize)]
struct ShopTherapists {
    id: String,
    name: String,
    therapists: Vec<Therapist>,
}

#[derive(Deserialize)]
struct Answer {
    shop: Option<ShopTherapists>,
}

async fn load(staff: &Staff, id: &str) -> Result<Option<ShopTherapists>, Failure> {
    Ok(staff.runner.run::<Answer>("ManagerTherapists", json!({ "id": id })).await?.shop)
}

/// The values of a therapist's form.
#[derive(Default)]
pub struct Form {
    name: String,
    title: String,
    years: String,
    specialties: String,
    gender: String,
    active: bool,
}

impl Form {
    fn of(t: &Therapist) -> Form {
        Form {
            name: t.name.clone(),
            title: t.title.clone(),
            years: t.years_of_practice.to_string(),
            specialties: t.specialties_words(),
            gender: t.gender.clone(),
            active: t.active,
        }
    }

    /// The posted form, and its fields as the API's input (`active` only when `editing`).
    fn parse(f: &Fields, editing: bool, errors: &mut Errors) -> (Form, Value) {
        let form = Form {
            name: f.get("name"),
            title: f.get("title"),
            years: f.get("years"),
            specialties: f.get("specialties"),
            gender: f.get("gender"),
            active: f.get("active") != "no",
        };
        if form.name.is_empty() {
            errors.add("name", "请填写技师姓名");
        }
        let years = if form.years.is_empty() {
            Some(0)
        } else {
            form.years.parse::<i32>().ok().filter(|y| (0..=70).contains(y))
        };
        if years.is_none() {
            errors.add("years", "从业年限请填写 0 到 70 之间的整数");
        }
        let gender = match form.gender.as_str() {
            "MALE" | "FEMALE" => form.gender.clone(),
            _ => "UNSPECIFIED".into(),
        };
        let specialties: Vec<&str> =
            form.specialties.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|s| !s.is_empty()).collect();
        let mut input = json!({
            "name": form.name, "title": form.title, "yearsOfPractice": years.unwrap_or(0),
            "specialties": specialties, "gender": gender,
        });
        if editing {
            input["active"] = json!(form.active);
        }
        (form, input)
    }
}

const FIELDS: [(&str, &str); 4] = [
    ("input.name", "name"),
    ("input.title", "title"),
    ("input.yearsOfPractice", "years"),
    ("input.specialties", "specialties"),
];

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/therapists.html")]
struct ListPage {
    chrome: Chrome,
    errors: Errors,
    shop: Head,
    tabs: Vec<Tab>,
    therapists: Vec<Therapist>,
    form: Form,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/therapist.html")]
struct EditPage {
    chrome: Chrome,
    errors: Errors,
    shop: Head,
    tabs: Vec<Tab>,
    therapist_id: String,
    heading: String,
    form: Form,
}

fn list_page(
    visit: &Visit,
    staff: &Staff,
    s: ShopTherapists,
    form: Form,
    errors: Errors,
    done: Option<&str>,
) -> Response {
    let texts = [("added", "已添加技师"), ("saved", "已保存技师资料")];
    ListPage {
        chrome: Chrome::staff(format!("技师：{}", s.name), visit, staff, super::HOME)
            .with_errors(!errors.is_empty())
            .with_banner(banner(done, &texts)),
        errors,
        tabs: tabs(&s.id, "/therapists"),
        shop: Head { id: s.id, name: s.name },
        therapists: s.therapists,
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
    match staff.runner.run::<Value>("ManagerCreateTherapist", json!({ "input": input })).await {
        Ok(_) => Redirect::to(&format!("/admin/shops/{}/therapists?done=added", page::encode(&id))).into_response(),
        Err(failure) if failure.code == "VALIDATION" => {
            errors.refused(&failure, &FIELDS, "name");
            list_page(&visit, &staff, s, form, errors, None)
        }
        Err(failure) => refused(&web, &visit, &failure),
    }
}

fn edit_page(visit: &Visit, staff: &Staff, s: &ShopTherapists, t: &Therapist, form: Form, errors: Errors) -> Response {
    let heading = format!("修改技师：{}", t.name);
    EditPage {
        chrome: Chrome::staff(heading.clone(), visit, staff, super::HOME).with_errors(!errors.is_empty()),
        errors,
        shop: Head { id: s.id.clone(), name: s.name.clone() },
        tabs: tabs(&s.id, "/therapists"),
        therapist_id: t.id.clone(),
        heading,
        form,
    }
    .into_response()
}

pub async fn edit(State(web): State<Web>, visit: Visit, Path((id, tid)): Path<(String, String)>) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match load(&staff, &id).await {
        Ok(Some(s)) => match s.therapists.iter().find(|t| t.id == tid) {
            Some(t) => edit_page(&visit, &staff, &s, t, Form::of(t), Errors::default()),
            None => not_found(&web, &visit),
        },
        Ok(None) => not_found(&web, &visit),
        Err(f) => refused(&web, &visit, &f),
    }
}

pub async fn save(
    State(web): State<Web>,
    visit: Visit,
    Path((id, tid)): Path<(String, String)>,
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
    let Some(t) = s.therapists.iter().find(|t| t.id == tid) else { return not_found(&web, &visit) };
    let mut errors = Errors::default();
    let (form, input) = Form::parse(&f, true, &mut errors);
    if !errors.is_empty() {
        return edit_page(&visit, &staff, &s, t, form, errors);
    }
    match staff.runner.run::<Value>("ManagerUpdateTherapist", json!({ "id": tid, "input": input })).await {
        Ok(_) => Redirect::to(&format!("/admin/shops/{}/therapists?done=saved", page::encode(&id))).into_response(),
        Err(failure) if failure.code == "VALIDATION" => {
            errors.refused(&failure, &FIELDS, "name");
            edit_page(&visit, &staff, &s, t, form, errors)
        }
        Err(failure) => refused(&web, &visit, &failure),
    }
}

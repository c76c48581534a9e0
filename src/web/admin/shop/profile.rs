//! A shop's profile: a summary, the form that changes it (name, address, phone, introduction, position by
//! coordinates, opening hours a weekday) and its photos.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Done, Fields, Head, Tab, banner,
    hours::{self, Day, Hours},
    manager, not_found, refused, tabs,
};
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
pub struct Point {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Deserialize, Clone)]
pub struct Photo {
    pub id: String,
    #[serde(rename = "thumbUrl")]
    pub thumb_url: String,
}

/// The shop as the API answers it to its manager.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub intro: String,
    pub address: String,
    pub phone: String,
    pub status: String,
    pub location: Point,
    pub opening_hours: Vec<Hours>,
    pub photos: Vec<Photo>,
}

impl Profile {
    /// What `updateShop` must be sent whatever changes: the fields it requires, as they are.
    pub fn base_input(&self) -> Value {
        json!({
            "name": self.name, "address": self.address, "phone": self.phone,
            "location": { "lat": self.location.lat, "lng": self.location.lng, "datum": "GCJ02" },
        })
    }
}

#[derive(Deserialize)]
struct Answer {
    shop: Option<Profile>,
}

/// The shop `id`, when the caller sees it.
pub async fn load(staff: &Staff, id: &str) -> Result<Option<Profile>, Failure> {
    Ok(staff.runner.run::<Answer>("ManagerShop", json!({ "id": id })).await?.shop)
}

/// The values in the form: the shop's, or what was posted.
pub struct Form {
    name: String,
    address: String,
    phone: String,
    intro: String,
    lat: String,
    lng: String,
    wgs84: bool,
    days: Vec<Day>,
}

impl Form {
    fn of(p: &Profile) -> Form {
        Form {
            name: p.name.clone(),
            address: p.address.clone(),
            phone: p.phone.clone(),
            intro: p.intro.clone(),
            lat: format!("{:.6}", p.location.lat),
            lng: format!("{:.6}", p.location.lng),
            wgs84: false,
            days: hours::days_of(&p.opening_hours),
        }
    }
}

pub struct PhotoRow {
    id: String,
    src: String,
    alt: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    errors: Errors,
    shop: Head,
    tabs: Vec<Tab>,
    summary: Vec<(&'static str, String)>,
    form: Form,
    photos: Vec<PhotoRow>,
}

fn status_label(status: &str) -> &'static str {
    match status {
        "PUBLISHED" => "已上线（顾客可见）",
        "SUSPENDED" => "已停用（顾客不可见）",
        _ => "未上线（顾客不可见）",
    }
}

fn hours_words(hours: &[Hours]) -> String {
    hours::days_of(hours)
        .iter()
        .map(|d| if d.closed { format!("{} 休息", d.label) } else { format!("{} {}–{}", d.label, d.opens, d.closes) })
        .collect::<Vec<_>>()
        .join("；")
}

/// The profile page (with the form's values and errors when a change was refused).
pub fn render(
    visit: &Visit,
    staff: &Staff,
    p: &Profile,
    form: Option<Form>,
    errors: Errors,
    done: Option<&str>,
) -> Response {
    let heading = format!("门店资料：{}", p.name);
    let done_text = [("saved", "已保存门店资料"), ("photo-added", "已上传照片"), ("photo-removed", "已删除照片")];
    let count = p.photos.len();
    let mut form = form.unwrap_or_else(|| Form::of(p));
    form.days = form.days.into_iter().map(|d| d.with_errors(&errors)).collect();
    ProfilePage {
        chrome: Chrome::staff(heading, visit, staff, super::HOME)
            .with_errors(!errors.is_empty())
            .with_banner(banner(done, &done_text)),
        errors,
        shop: Head { id: p.id.clone(), name: p.name.clone() },
        tabs: tabs(&p.id, ""),
        summary: vec![
            ("名称", p.name.clone()),
            ("地址", p.address.clone()),
            ("电话", p.phone.clone()),
            ("状态", status_label(&p.status).to_owned()),
            ("位置", format!("纬度 {:.6}，经度 {:.6}（GCJ-02 坐标系）", p.location.lat, p.location.lng)),
            ("营业时间", hours_words(&p.opening_hours)),
        ],
        form,
        photos: p
            .photos
            .iter()
            .enumerate()
            .map(|(i, ph)| PhotoRow {
                id: ph.id.clone(),
                src: ph.thumb_url.clone(),
                alt: format!("{}的门店照片，第 {} 张，共 {count} 张", p.name, i + 1),
            })
            .collect(),
    }
    .into_response()
}

pub async fn show(State(web): State<Web>, visit: Visit, Path(id): Path<String>, Query(q): Query<Done>) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match load(&staff, &id).await {
        Ok(Some(p)) => render(&visit, &staff, &p, None, Errors::default(), q.done.as_deref()),
        Ok(None) => not_found(&web, &visit),
        Err(f) => refused(&web, &visit, &f),
    }
}

fn coordinate(text: &str, range: f64) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite() && v.abs() <= range)
}

pub async fn save(State(web): State<Web>, visit: Visit, Path(id): Path<String>, f: Fields) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = match load(&staff, &id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&web, &visit),
        Err(f) => return refused(&web, &visit, &f),
    };
    let mut errors = Errors::default();
    for (field, words) in [("name", "门店名称"), ("address", "地址"), ("phone", "电话")] {
        if f.get(field).is_empty() {
            errors.add(field, format!("请填写{words}"));
        }
    }
    let lat = coordinate(&f.get("lat"), 90.0);
    if lat.is_none() {
        errors.add("lat", "请填写纬度，如 39.913818（-90 到 90 之间的数字）");
    }
    let lng = coordinate(&f.get("lng"), 180.0);
    if lng.is_none() {
        errors.add("lng", "请填写经度，如 116.363625（-180 到 180 之间的数字）");
    }
    let wgs84 = f.get("datum") == "WGS84";
    let (days, opening_hours) = hours::parse(&f, &mut errors);
    let form = Form {
        name: f.get("name"),
        address: f.get("address"),
        phone: f.get("phone"),
        intro: f.get("intro"),
        lat: f.get("lat"),
        lng: f.get("lng"),
        wgs84,
        days,
    };
    if !errors.is_empty() {
        return render(&visit, &staff, &p, Some(form), errors, None);
    }
    let input = json!({
        "name": form.name, "address": form.address, "phone": form.phone, "intro": form.intro,
        "location": { "lat": lat, "lng": lng, "datum": if wgs84 { "WGS84" } else { "GCJ02" } },
        "openingHours": opening_hours,
    });
    match staff.runner.run::<Value>("ManagerUpdateShop", json!({ "id": id, "input": input })).await {
        Ok(_) => Redirect::to(&format!("/admin/shops/{}?done=saved", page::encode(&id))).into_response(),
        Err(failure) if failure.code == "VALIDATION" => {
            let fields = [
                ("input.name", "name"),
                ("input.address", "address"),
                ("input.phone", "phone"),
                ("input.intro", "intro"),
                ("input.location", "lat"),
                ("input.openingHours", "opens-1"),
            ];
            errors.refused(&failure, &fields, "name");
            render(&visit, &staff, &p, Some(form), errors, None)
        }
        Err(failure) => refused(&web, &visit, &failure),
    }
}

//! 新建门店 (`/admin/shops/new`): a new shop, as a draft; its hours, photos and the rest are on its own pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::admin;
use crate::{
    app::exec::Web,
    web::{forms::Errors, page::Chrome, session::Visit},
};

#[derive(Deserialize, Default)]
pub struct ShopForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub lng: String,
    #[serde(default)]
    pub intro: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tenant/shop_new.html")]
struct NewPage {
    chrome: Chrome,
    errors: Errors,
    f: ShopForm,
}

fn coordinate(errors: &mut Errors, id: &str, text: &str, range: f64, what: &str) -> Option<f64> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= range => Some(v),
        _ if text.trim().is_empty() => {
            errors.add(id, format!("请输入{what}"));
            None
        }
        _ => {
            errors.add(id, format!("{what}应是 -{range} 到 {range} 之间的数字，例如 116.397"));
            None
        }
    }
}

pub async fn form(State(web): State<Web>, visit: Visit) -> Response {
    match admin(&web, &visit).await {
        Ok(staff) => NewPage {
            chrome: Chrome::staff("新建门店", &visit, &staff, "/admin/shops"),
            errors: Errors::default(),
            f: ShopForm::default(),
        }
        .into_response(),
        Err(r) => r,
    }
}

pub async fn create(State(web): State<Web>, visit: Visit, Form(f): Form<ShopForm>) -> Response {
    let staff = match admin(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    for (id, value, what) in
        [("name", &f.name, "门店名称"), ("address", &f.address, "地址"), ("phone", &f.phone, "电话")]
    {
        if value.trim().is_empty() {
            errors.add(id, format!("请输入{what}"));
        }
    }
    let lat = coordinate(&mut errors, "lat", &f.lat, 90.0, "纬度");
    let lng = coordinate(&mut errors, "lng", &f.lng, 180.0, "经度");
    if let (true, Some(lat), Some(lng)) = (errors.is_empty(), lat, lng) {
        fn optional(s: &str) -> Option<&str> {
            Some(s.trim()).filter(|s| !s.is_empty())
        }
        let input = json!({
            "name": f.name.trim(), "address": f.address.trim(), "phone": f.phone.trim(),
            "location": { "lat": lat, "lng": lng, "datum": "GCJ02" },
            "district": optional(&f.district), "intro": optional(&f.intro),
        });
        match staff.runner.run::<serde_json::Value>("ShopsCreate", json!({ "input": input })).await {
            Ok(_) => return Redirect::to("/admin/shops?done=created").into_response(),
            Err(failure) => {
                let fields = [
                    ("input.name", "name"),
                    ("input.address", "address"),
                    ("input.district", "district"),
                    ("input.phone", "phone"),
                    ("input.location.lng", "lng"),
                    ("input.location", "lat"),
                    ("input.intro", "intro"),
                ];
                if failure.field.as_deref() == Some("input.phone") && failure.code == "VALIDATION" {
                    errors.add("phone", "请输入有效的电话号码，例如 010-6512 3456 或 138 0013 8000");
                } else {
                    errors.refused(&failure, &fields, "name");
                }
            }
        }
    }
    NewPage { chrome: Chrome::staff("新建门店", &visit, &staff, "/admin/shops").with_errors(true), errors, f }
        .into_response()
}

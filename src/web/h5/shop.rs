//! A shop's page for consumers (photos, hours, services, therapists, running promotions, call and navigate),
//! and a service item's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::shopper;
use crate::{
    app::exec::Web,
    web::{
        format,
        page::{self, Chrome},
        session::Visit,
    },
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shop {
    pub id: String,
    pub name: String,
    pub intro: String,
    pub address: String,
    pub phone: String,
    pub call_url: String,
    pub location: Location,
    pub opening_hours: Vec<Hours>,
    pub closed_dates: Vec<String>,
    pub accessibility: Accessibility,
    pub photos: Vec<Photo>,
    pub rating: Rating,
    pub therapists: Vec<Therapist>,
    pub services: Vec<Service>,
    pub promotions: Vec<Promotion>,
}

#[derive(Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Deserialize)]
pub struct Hours {
    pub weekday: u32,
    pub opens: String,
    pub closes: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accessibility {
    pub step_free: bool,
    pub guide_dogs: bool,
    pub braille_price_list: bool,
    pub audio_price_list: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Photo {
    pub thumb_url: String,
}

#[derive(Deserialize)]
pub struct Rating {
    pub average: Option<f64>,
    pub count: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Therapist {
    pub name: String,
    pub title: Option<String>,
    pub years_of_practice: Option<i32>,
    pub specialties: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub duration_minutes: i32,
    pub price_fen: i64,
    #[serde(default)]
    pub therapists: Vec<Named>,
}

#[derive(Deserialize)]
pub struct Named {
    pub name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    pub title: String,
    pub body: String,
    pub ends_at: String,
    pub call_url: String,
}

impl Service {
    pub fn price(&self) -> String {
        format::money(self.price_fen)
    }

    pub fn therapist_names(&self) -> String {
        self.therapists.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join("、")
    }
}

impl Therapist {
    pub fn facts(&self) -> String {
        let mut parts = vec![];
        if let Some(t) = &self.title {
            parts.push(t.clone());
        }
        if let Some(y) = self.years_of_practice {
            parts.push(format!("从业 {y} 年"));
        }
        if !self.specialties.is_empty() {
            parts.push(format!("擅长{}", self.specialties.join("、")));
        }
        parts.join("，")
    }
}

impl Hours {
    pub fn day(&self) -> &'static str {
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
            .get(self.weekday.wrapping_sub(1) as usize)
            .unwrap_or(&"")
    }
}

impl Shop {
    pub fn rating_text(&self) -> String {
        match self.rating.average {
            Some(avg) if self.rating.count > 0 => format!("{avg:.1} 分（{} 条评价）", self.rating.count),
            _ => "暂无评价".into(),
        }
    }

    /// Tencent Maps' marker page for the shop (GCJ-02, as stored): navigation outside WeChat, and without
    /// JavaScript inside it.
    pub fn map_url(&self) -> String {
        let marker = format!(
            "coord:{:.6},{:.6};title:{};addr:{}",
            self.location.lat, self.location.lng, self.name, self.address
        );
        format!("https://apis.map.qq.com/uri/v1/marker?marker={}&referer=civic", page::encode(&marker))
    }

    pub fn accessibility_facts(&self) -> Vec<&'static str> {
        let a = &self.accessibility;
        [
            (a.step_free, "无障碍通道：从街道到理疗室没有台阶"),
            (a.guide_dogs, "欢迎导盲犬"),
            (a.braille_price_list, "备有盲文价目表"),
            (a.audio_price_list, "备有语音价目表"),
        ]
        .into_iter()
        .filter_map(|(has, text)| has.then_some(text))
        .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/shop.html")]
struct ShopPage {
    chrome: Chrome,
    base: String,
    shop: Shop,
    zone: chrono_tz::Tz,
    /// `wx.config`'s values, inside WeChat when the tenant's official account is set up.
    wx: Option<WxConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WxConfig {
    pub app_id: String,
    pub timestamp: i64,
    pub nonce_str: String,
    pub signature: String,
}

/// The JS-SDK configuration of this page inside WeChat; `None` elsewhere, or when it cannot be had (the map
/// link then navigates).
async fn wx_config(web: &Web, shopper: &shopper::Shopper, visit: &Visit) -> Option<WxConfig> {
    if !visit.in_wechat() || shopper.tenant.wechat_app_id.is_none() {
        return None;
    }
    let origin = web.state.config.public_origin.as_deref()?;
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        wechat_js_config: WxConfig,
    }
    let url = format!("{origin}{}", visit.path);
    match shopper.runner.run::<Answer>("WechatJsConfig", json!({ "url": url })).await {
        Ok(a) => Some(a.wechat_js_config),
        Err(f) => {
            tracing::warn!(code = %f.code, reason = ?f.reason, "no JS-SDK configuration for a shop page");
            None
        }
    }
}

impl ShopPage {
    fn until(&self, promotion: &Promotion) -> String {
        format::date_time(&promotion.ends_at, self.zone)
    }
}

pub async fn shop(State(web): State<Web>, Path((slug, id)): Path<(String, String)>, visit: Visit) -> Response {
    let shopper = match shopper::shopper(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    #[derive(Deserialize)]
    struct Answer {
        shop: Shop,
    }
    match shopper.runner.run::<Answer>("Shop", json!({ "id": id })).await {
        Ok(a) => ShopPage {
            chrome: shopper.chrome(a.shop.name.clone(), &visit),
            base: shopper.link(""),
            zone: shopper.tenant.time_zone,
            shop: a.shop,
            wx: wx_config(&web, &shopper, &visit).await,
        }
        .into_response(),
        Err(f) if f.code == "VALIDATION" => page::error_status(&web, &visit, 404),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceItem {
    pub shop_id: String,
    pub active: bool,
    #[serde(flatten)]
    pub service: Service,
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/service.html")]
struct ServicePage {
    chrome: Chrome,
    base: String,
    item: ServiceItem,
}

pub async fn service(State(web): State<Web>, Path((slug, id)): Path<(String, String)>, visit: Visit) -> Response {
    let shopper = match shopper::shopper(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        service_item: ServiceItem,
    }
    match shopper.runner.run::<Answer>("ServiceItem", json!({ "id": id })).await {
        Ok(a) if a.service_item.active => ServicePage {
            chrome: shopper.chrome(a.service_item.service.name.clone(), &visit),
            base: shopper.link(""),
            item: a.service_item,
        }
        .into_response(),
        Ok(_) => page::error_status(&web, &visit, 404),
        Err(f) if f.code == "VALIDATION" => page::error_status(&web, &visit, 404),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

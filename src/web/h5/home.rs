//! The home page of a tenant's H5 pages: its shops, nearest first when the phone shares its position, else by
//! district.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::shopper::{self, Shopper};
use crate::{
    app::exec::Web,
    web::{
        page::{self, Chrome},
        runner::Failure,
        session::Visit,
    },
};

/// How far a "nearest" list reaches, and how long it is.
const RADIUS_METERS: f64 = 50_000.0;
const NEAREST: i64 = 20;
/// The most shops the district list shows (a city's guidance centre has dozens).
const LISTED: i64 = 100;

#[derive(Deserialize)]
pub struct Position {
    lat: Option<f64>,
    lng: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopCard {
    id: String,
    name: String,
    address: String,
    #[serde(default)]
    district: String,
    phone: String,
    call_url: String,
    rating: Rating,
}

#[derive(Deserialize)]
pub struct Rating {
    average: Option<f64>,
    count: i64,
}

impl ShopCard {
    pub fn rating_text(&self) -> String {
        match self.rating.average {
            Some(avg) if self.rating.count > 0 => format!("评分 {avg:.1}（{} 条评价）", self.rating.count),
            _ => "暂无评价".into(),
        }
    }
}

/// A shop in the list, with its distance when the list is by distance.
pub struct Listed {
    pub shop: ShopCard,
    pub distance: Option<String>,
}

pub struct District {
    pub anchor: String,
    pub name: String,
    pub shops: Vec<Listed>,
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/home.html")]
struct HomePage {
    chrome: Chrome,
    base: String,
    signed_in: bool,
    /// By distance, when the phone shared its position.
    nearest: Option<Vec<Listed>>,
    districts: Vec<District>,
    total: usize,
}

/// `850 米`, `1.2 公里`.
pub fn distance_text(meters: f64) -> String {
    if meters < 1000.0 { format!("{:.0} 米", meters.max(1.0)) } else { format!("{:.1} 公里", meters / 1000.0) }
}

pub async fn to_slash(Path(slug): Path<String>) -> Redirect {
    Redirect::permanent(&super::base(&slug))
}

pub async fn page(
    State(web): State<Web>,
    Path(slug): Path<String>,
    Query(pos): Query<Position>,
    visit: Visit,
) -> Response {
    let shopper = match shopper::shopper(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !shopper.tenant.has_feature("storefront") {
        return page::error_status(&web, &visit, 404);
    }
    let near = match (pos.lat, pos.lng) {
        (Some(lat), Some(lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => Some((lat, lng)),
        _ => None,
    };
    let answer = match near {
        Some((lat, lng)) => nearest(&shopper, lat, lng).await.map(|list| (Some(list), vec![], 0)),
        None => by_district(&shopper).await.map(|(d, total)| (None, d, total)),
    };
    match answer {
        Ok((nearest, districts, total)) => {
            let total = nearest.as_ref().map_or(total, Vec::len);
            let title = if nearest.is_some() { "离我最近的门店" } else { "门店" };
            HomePage {
                chrome: shopper.chrome(title, &visit),
                base: shopper.link(""),
                signed_in: shopper.signed_in,
                nearest,
                districts,
                total,
            }
            .into_response()
        }
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

async fn nearest(shopper: &Shopper, lat: f64, lng: f64) -> Result<Vec<Listed>, Failure> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        nearest_shops: Vec<Near>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Near {
        distance_meters: f64,
        shop: ShopCard,
    }
    let vars = json!({ "near": { "lat": lat, "lng": lng, "datum": "WGS84" }, "radiusMeters": RADIUS_METERS, "first": NEAREST });
    let a: Answer = shopper.runner.run("NearestShops", vars).await?;
    Ok(a.nearest_shops
        .into_iter()
        .map(|n| Listed { distance: Some(distance_text(n.distance_meters)), shop: n.shop })
        .collect())
}

async fn by_district(shopper: &Shopper) -> Result<(Vec<District>, usize), Failure> {
    #[derive(Deserialize)]
    struct Answer {
        shops: Connection,
    }
    #[derive(Deserialize)]
    struct Connection {
        edges: Vec<Edge>,
    }
    #[derive(Deserialize)]
    struct Edge {
        node: ShopCard,
    }
    let a: Answer = shopper.runner.run("Shops", json!({ "first": LISTED })).await?;
    let total = a.shops.edges.len();
    let mut districts: Vec<District> = vec![];
    for shop in a.shops.edges.into_iter().map(|e| e.node) {
        let name = if shop.district.is_empty() { "其他".to_owned() } else { shop.district.clone() };
        let listed = Listed { shop, distance: None };
        match districts.iter_mut().find(|d| d.name == name) {
            Some(d) => d.shops.push(listed),
            None => {
                let anchor = format!("district-{}", districts.len() + 1);
                districts.push(District { anchor, name, shops: vec![listed] });
            }
        }
    }
    districts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((districts, total))
}

#[cfg(test)]
mod tests {
    use super::distance_text;

    #[test]
    fn distances_read_in_metres_then_kilometres() {
        assert_eq!(distance_text(850.4), "850 米");
        assert_eq!(distance_text(1234.0), "1.2 公里");
    }
}

//! Values the storefront's objects share: points, opening hours, photos.

use async_graphql::{ID, InputObject, SimpleObject};

use crate::{
    error::AppResult,
    infra::geo::{Datum, GeoPoint},
    storefront::hours::{Week, format_time},
};

/// A point as the caller has it: a phone's GPS gives WGS-84, Chinese maps give GCJ-02.
#[derive(InputObject)]
pub struct GeoPointInput {
    pub lat: f64,
    pub lng: f64,
    #[graphql(default_with = "Datum::Gcj02")]
    pub datum: Datum,
}

impl GeoPointInput {
    pub fn point(&self) -> AppResult<GeoPoint> {
        GeoPoint::parse(self.lat, self.lng, self.datum)
    }
}

/// GCJ-02, the datum of Chinese maps.
#[derive(SimpleObject)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

#[derive(InputObject)]
pub struct OpeningHoursInput {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i32,
    /// "HH:MM"
    pub opens: String,
    /// "HH:MM"; "24:00" for midnight.
    pub closes: String,
}

#[derive(SimpleObject)]
pub struct OpeningHours {
    pub weekday: i32,
    pub opens: String,
    pub closes: String,
}

pub(super) fn parse_week(items: &[OpeningHoursInput]) -> AppResult<Week> {
    Week::parse(&items.iter().map(|h| (h.weekday, h.opens.clone(), h.closes.clone())).collect::<Vec<_>>())
}

pub(super) fn week_out(w: &Week) -> Vec<OpeningHours> {
    w.0.iter()
        .map(|i| OpeningHours { weekday: i.weekday.into(), opens: format_time(i.opens), closes: format_time(i.closes) })
        .collect()
}

#[derive(SimpleObject)]
pub struct Photo {
    pub id: ID,
    /// The image, for `<img src>` (the tenant is in the query string).
    pub url: String,
    pub thumb_url: String,
}

pub(super) fn photo(tenant_slug: &str, id: &str) -> Photo {
    Photo {
        id: ID(id.to_owned()),
        url: format!("/media/{id}?tenant={tenant_slug}"),
        thumb_url: format!("/media/{id}?tenant={tenant_slug}&thumb=1"),
    }
}

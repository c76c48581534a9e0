//! The demo storefront (`seed/beijing_shops.toml`): shops with therapists, services and promotions, created
//! through the storefront's own service functions, as the tenant's administrator.

use std::{collections::HashMap, sync::Arc};

use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;

use crate::{
    infra::geo::{Datum, GeoPoint},
    kernel::Principal,
    kernel::TenantInfo,
    state::AppState,
    storefront::{
        hours::{Week, parse_dates},
        service::{
            self as storefront, Accessibility, Gender, PromotionFields, PromotionKind, ServiceFields, ShopFields,
            TherapistFields,
        },
    },
};

#[derive(Deserialize)]
struct File {
    shop: Vec<Shop>,
}

#[derive(Deserialize)]
struct Hours {
    weekday: i32,
    opens: String,
    closes: String,
}

#[derive(Deserialize)]
struct Shop {
    name: String,
    district: String,
    address: String,
    phone: String,
    lat: f64,
    lng: f64,
    intro: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    step_free: bool,
    #[serde(default)]
    guide_dogs: bool,
    #[serde(default)]
    braille_price_list: bool,
    #[serde(default)]
    audio_price_list: bool,
    opening_hours: Option<Vec<Hours>>,
    #[serde(default)]
    closed_dates: Vec<String>,
    #[serde(default)]
    therapist: Vec<Therapist>,
    #[serde(default)]
    service: Vec<Service>,
    #[serde(default)]
    promotion: Vec<Promotion>,
}

#[derive(Deserialize)]
struct Therapist {
    name: String,
    gender: String,
    title: String,
    years: i32,
    specialties: Vec<String>,
    intro: String,
    schedule: Option<Vec<Hours>>,
}

#[derive(Deserialize)]
struct Service {
    name: String,
    category: String,
    duration: i32,
    price_fen: i64,
    description: String,
    therapists: Vec<String>,
}

#[derive(Deserialize)]
struct Promotion {
    title: String,
    body: String,
    kind: String,
    percent_off: Option<i32>,
    amount_off_fen: Option<i64>,
    starts: String,
    ends: String,
}

fn week(h: &[Hours]) -> anyhow::Result<Week> {
    Ok(Week::parse(&h.iter().map(|h| (h.weekday, h.opens.clone(), h.closes.clone())).collect::<Vec<_>>())?)
}

/// Loads the Beijing shops into `tenant`; answers how many shops it made.
/// A demo shop: its id and its services' ids.
pub struct Seeded {
    pub id: uuid::Uuid,
    pub services: Vec<uuid::Uuid>,
}

/// The Beijing shops, published, in the file's order.
pub async fn beijing(state: &AppState, tenant: &Arc<TenantInfo>) -> anyhow::Result<Vec<Seeded>> {
    let file: File = toml::from_str(include_str!("../../seed/beijing_shops.toml"))?;
    let admin = Principal::ApiKey { tenant: tenant.clone() };
    let tz = tenant.time_zone;
    let day_start = |d: &str| -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d")?;
        let local = tz
            .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
            .single()
            .ok_or_else(|| anyhow::anyhow!("ambiguous {d}"))?;
        Ok(local.with_timezone(&chrono::Utc))
    };
    let mut ids = vec![];
    for s in &file.shop {
        let fields = ShopFields {
            name: s.name.clone(),
            address: s.address.clone(),
            phone: s.phone.clone(),
            location: GeoPoint::parse(s.lat, s.lng, Datum::Gcj02)?,
            intro: Some(s.intro.clone()),
            district: Some(s.district.clone()),
            hours: s.opening_hours.as_deref().map(week).transpose()?,
            closed_dates: Some(parse_dates(&s.closed_dates)?),
            tags: Some(s.tags.clone()),
            accessibility: Some(Accessibility {
                step_free: s.step_free,
                guide_dogs: s.guide_dogs,
                braille_price_list: s.braille_price_list,
                audio_price_list: s.audio_price_list,
            }),
            photo_ids: None,
        };
        let shop = storefront::create_shop(state, tenant.id, fields).await?;
        let mut therapist_ids = HashMap::new();
        for t in &s.therapist {
            let f = TherapistFields {
                name: Some(t.name.clone()),
                specialties: Some(t.specialties.clone()),
                gender: Some(Gender::parse(&t.gender)),
                title: Some(t.title.clone()),
                years_of_practice: Some(t.years),
                intro: Some(t.intro.clone()),
                schedule: t.schedule.as_deref().map(week).transpose()?.map(Some),
                ..Default::default()
            };
            let row = storefront::create_therapist(state, &admin, tenant.id, shop.id, f).await?;
            therapist_ids.insert(t.name.clone(), row.id);
        }
        let mut services = vec![];
        for x in &s.service {
            let f = ServiceFields {
                name: Some(x.name.clone()),
                description: Some(x.description.clone()),
                category: Some(x.category.clone()),
                duration_minutes: Some(x.duration),
                price_fen: Some(x.price_fen),
                therapist_ids: Some(x.therapists.iter().filter_map(|n| therapist_ids.get(n).copied()).collect()),
                active: None,
            };
            services.push(storefront::create_service(state, &admin, tenant.id, shop.id, f).await?.id);
        }
        for p in &s.promotion {
            let f = PromotionFields {
                shop_ids: vec![shop.id],
                title: p.title.clone(),
                body: p.body.clone(),
                starts_at: day_start(&p.starts)?,
                ends_at: day_start(&p.ends)? + chrono::Duration::days(1),
                kind: PromotionKind::parse(&p.kind),
                percent_off: p.percent_off,
                amount_off_fen: p.amount_off_fen,
                call_phone: None,
                publish: true,
            };
            storefront::create_promotion(state, &admin, tenant.id, f).await?;
        }
        storefront::set_shop_status(state, &admin, tenant.id, shop.id, storefront::PUBLISHED).await?;
        ids.push(Seeded { id: shop.id, services });
    }
    Ok(ids)
}

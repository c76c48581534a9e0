//! Shops and therapists with their JSON columns parsed: what the GraphQL objects and the booking offer read.
//! The published storefront's are built once per storefront generation (`index`) and shared, so that a
//! consumer's read neither copies a row nor parses its JSON again.

use std::sync::Arc;

use chrono::NaiveDate;

use super::{
    card::Cards,
    entity::{shop, therapist},
    hours::Week,
    timetable::Timetable,
};

/// The strings of a JSON array column (nothing when it holds something else).
pub fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().map(|items| items.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

pub struct ShopProfile {
    pub model: shop::Model,
    /// Its opening hours; 10:00–22:00 every day when it has none.
    pub hours: Week,
    /// Dates it is closed, as stored (YYYY-MM-DD), and parsed.
    pub closed_dates: Vec<String>,
    pub closed: Vec<NaiveDate>,
    pub tags: Vec<String>,
    pub photo_ids: Vec<String>,
    /// Its card's resolved values, when it is published (`card`).
    pub cards: Cards,
}

impl ShopProfile {
    pub fn new(model: shop::Model) -> ShopProfile {
        ShopProfile::published(model, Arc::default())
    }

    /// A published shop: its cards hold until the tenant's storefront next changes by itself (`changes`).
    pub fn published(model: shop::Model, changes: Arc<Timetable>) -> ShopProfile {
        let hours = Week::from_json(&model.opening_hours);
        let closed_dates = strings(&model.closed_dates);
        ShopProfile {
            hours: if hours.0.is_empty() { Week::default_hours() } else { hours },
            closed: closed_dates.iter().filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect(),
            closed_dates,
            tags: strings(&model.tags),
            photo_ids: strings(&model.photo_ids),
            cards: Cards::new(changes),
            model,
        }
    }
}

pub struct TherapistProfile {
    pub model: therapist::Model,
    pub specialties: Vec<String>,
    /// Their own weekly hours, if they have them.
    pub schedule: Option<Week>,
}

impl TherapistProfile {
    pub fn new(model: therapist::Model) -> TherapistProfile {
        TherapistProfile {
            specialties: strings(&model.specialties),
            schedule: model.schedule.as_ref().map(Week::from_json),
            model,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lists_are_read_leniently() {
        assert_eq!(strings(&serde_json::json!(["a", "b"])), ["a", "b"]);
        assert_eq!(strings(&serde_json::json!(["a", 1, null, "b"])), ["a", "b"]);
        assert!(strings(&serde_json::json!({"a": 1})).is_empty());
        assert!(strings(&serde_json::Value::Null).is_empty());
    }
}

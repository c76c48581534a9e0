//! The storefront of massage tenants: shops, therapists, service items, promotions, nearest-shop and text search.

pub mod card;
pub mod entity;
pub mod graphql;
pub mod hours;
pub mod index;
pub mod nearest;
pub mod profile;
pub mod search;
pub mod search_sync;
pub mod service;
pub mod staff_shops;
pub mod timetable;

/// A service item as other domains see it (booking offers one).
pub use entity::service_item::Model as ServiceItem;
pub use service::therapist_names;

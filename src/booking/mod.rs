//! Bookings as orders: availability, no double booking, payment, cancel and refund, reviews, shop notices.

pub mod availability;
pub mod claims;
pub mod entity;
pub mod graphql;
pub mod jobs;
pub mod rules;
pub mod service;

pub use service::{notices, payment, review};

/// A day's free slots are cached at most this long: they also change as time passes and unpaid claims lapse.
pub const AVAILABILITY_TTL: std::time::Duration = std::time::Duration::from_secs(10);

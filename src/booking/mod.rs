//! Bookings as orders: availability, no double booking, payment, cancel and refund, reviews, shop notices.

pub mod availability;
pub mod claims;
pub mod entity;
pub mod free_slots;
pub mod graphql;
pub mod notices;
pub mod payment;
pub mod review;
pub mod rules;
pub mod service;

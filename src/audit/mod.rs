//! The audit log: one row for every mutation by staff, an API key or the platform.

pub mod entity;
pub mod graphql;
pub mod service;

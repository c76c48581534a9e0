//! Tenants: create, list, suspend and re-key them, their settings, and the tenant of a request.

pub mod graphql;
pub mod service;

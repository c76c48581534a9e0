//! Tenants: the registry, templates, API keys, status, and the tenant of a request.

pub mod entity;
pub mod generation;
pub mod graphql;
pub mod registry;
pub mod service;
pub mod template;

pub use service::TenantInfo;

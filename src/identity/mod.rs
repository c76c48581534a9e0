//! Who is calling: staff accounts and roles, session tokens, WeChat consumers.

pub mod consumers;
pub mod entity;
pub mod graphql;
pub mod principal;
pub mod service;

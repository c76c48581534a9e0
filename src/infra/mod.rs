//! Adapters to the outside: crypto, cache, rate limits, WeChat, metrics, geodesy, images and their store.

pub mod cache;
pub mod crypto;
pub mod geo;
pub mod media;
pub mod meili;
pub mod metrics;
pub mod origin;
pub mod phone;
pub mod ratelimit;
pub mod snapshots;
pub mod wechat;

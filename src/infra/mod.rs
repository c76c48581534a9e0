//! Adapters to the outside: crypto, cache, rate limits, WeChat, metrics.

pub mod cache;
pub mod crypto;
pub mod metrics;
pub mod phone;
pub mod ratelimit;
pub mod wechat;

//! The integration tests: one binary, a module per domain. Run on SQLite by default, on PostgreSQL + Redis
//! when `DATABASE_URL` (the service role), `DATABASE_ADMIN_URL` (the owner) and `REDIS_URL` are set.

mod audit;
mod authz;
mod booking;
mod cache;
mod citus;
mod counter;
mod counter_pages;
mod features;
mod h5_booking;
mod h5_pages;
mod helpers;
mod identity;
mod isolation;
mod layers;
mod logs;
mod manager_pages;
mod media;
mod media_limits;
mod meili;
mod notify;
mod order_moves;
mod pages;
mod payments;
mod platform;
mod postgres;
mod redis_start;
mod refusals;
mod requests;
mod sign_in;
mod storefront;
mod tenancy;
mod tenant_pages;
mod text;
mod wechat;

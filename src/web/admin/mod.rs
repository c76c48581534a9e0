//! The admin console: sign-in, today's bookings of a shop, booking a customer on the phone or at the counter, a
//! booking's page with what staff do to it, and the password.

mod answers;
mod bookings;
mod counter;
mod counter_steps;
mod login;
mod password;
mod shop;
mod shops;
mod tenant;

use axum::{
    Router,
    routing::{get, post},
};

use crate::app::exec::Web;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/admin/", get(bookings::today))
        .route("/admin/login", get(login::form).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/password", get(password::form).post(password::submit))
        .route(counter::PATH, get(counter::step).post(counter::submit))
        .route("/admin/bookings/new/check", post(counter::check))
        .route("/admin/orders/{id}", get(bookings::order))
        .route("/admin/orders/{id}/{action}", post(bookings::act))
        .route("/admin/shops", get(shops::list).post(shops::act))
        .route("/admin", get(|| async { axum::response::Redirect::permanent("/admin/") }))
        .merge(shop::routes())
        .merge(tenant::routes())
}

/// The words for an order status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "PENDING_PAYMENT" => "待支付",
        "PAID" => "已支付",
        "CONFIRMED" => "已确认",
        "COMPLETED" => "已完成",
        "CANCELLED" => "已取消",
        "EXPIRED" => "已过期",
        "NO_SHOW" => "未到店",
        _ => "未知",
    }
}

/// The words for how a booking was taken.
pub fn channel_label(channel: &str) -> &'static str {
    match channel {
        "WECHAT" => "微信预约",
        "PHONE" => "电话预约",
        "WALK_IN" => "到店预约",
        _ => "未知",
    }
}

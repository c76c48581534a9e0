//! The admin console: sign-in, today's bookings of a shop, a booking's page with what staff do to it, and the
//! password.

mod bookings;
mod login;
mod password;
mod shops;

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
        .route("/admin/orders/{id}", get(bookings::order))
        .route("/admin/orders/{id}/{action}", post(bookings::act))
        .route("/admin/shops", get(shops::list))
        .route("/admin", get(|| async { axum::response::Redirect::permanent("/admin/") }))
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

//! Bookings as orders: availability, booking (the slot claims make double booking impossible), the order's
//! lifecycle, cancellation with refunds, and who may see which order.

mod create;
mod lifecycle;
pub mod notices;
mod offer;
pub mod payment;
mod queries;
pub mod review;

use chrono::{DateTime, Utc};

use crate::booking::entity::order;

pub use create::{Booker, Channel, Customer, Wanted, create_booking, create_counter_booking};
pub use lifecycle::{cancel, complete, confirm, expire_due, no_show, refund_if_cancelled};
pub use offer::available_slots;
pub use queries::{get_order, get_order_in, list_orders, may_see};

pub const PENDING_PAYMENT: &str = "PENDING_PAYMENT";
pub const PAID: &str = "PAID";
pub const CONFIRMED: &str = "CONFIRMED";
pub const COMPLETED: &str = "COMPLETED";
pub const CANCELLED: &str = "CANCELLED";
pub const EXPIRED: &str = "EXPIRED";
pub const NO_SHOW: &str = "NO_SHOW";

/// The status a reader sees: an unpaid order past its payment window is expired, even before the sweeper has
/// written so.
pub fn effective_status(o: &order::Model, now: DateTime<Utc>) -> &str {
    if o.status == PENDING_PAYMENT && o.expires_at <= now { EXPIRED } else { &o.status }
}

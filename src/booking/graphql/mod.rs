//! Booking's GraphQL: thin resolvers over `booking::service`.

mod mutation;
mod order;
mod query;
mod slots;
pub mod written;

use async_graphql::Context;
use chrono::{DateTime, FixedOffset, Utc};

use crate::{graphql::context::CtxExt, kernel::Role};

pub use mutation::{BookingMutation, CounterBookingInput, CounterChannel, CreateBookingInput};
pub use order::{Order, OrderChannel, OrderStatus, Payment, PaymentStatus, Review};
pub use query::BookingQuery;
pub use slots::{AvailableSlot, SlotTherapist};

const CONSUMER: &[Role] = &[Role::Consumer];
const SHOP_STAFF: &[Role] = &[Role::TenantAdmin, Role::ShopManager, Role::ShopStaff];
const ORDER_READERS: &[Role] = &[Role::Consumer, Role::TenantAdmin, Role::ShopManager, Role::ShopStaff];

fn local(ctx: &Context<'_>, t: DateTime<Utc>) -> async_graphql::Result<DateTime<FixedOffset>> {
    Ok(t.with_timezone(&ctx.tenant()?.time_zone).fixed_offset())
}

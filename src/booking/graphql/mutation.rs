//! Booking's mutations: booking, paying, the order's moves and reviews.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::{CONSUMER, ORDER_READERS, Order, Payment, Review, SHOP_STAFF};
use crate::{
    booking::{payment as payments, review, service as booking},
    error::AppError,
    graphql::{context::CtxExt, guard::Allow, id_of, scalars::Bounded},
    infra::phone::PhoneNumber,
    kernel::{Principal, Shape},
};

/// A customer's name, as staff type it.
const CUSTOMER_NAME: Shape = Shape::line(50);

#[derive(InputObject)]
pub struct CreateBookingInput {
    pub shop_id: ID,
    pub service_item_id: ID,
    /// A therapist, or none for whoever is free.
    pub therapist_id: Option<ID>,
    /// A start offered by `availableSlots`.
    pub start: DateTime<Utc>,
}

/// How staff took a booking for a customer.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CounterChannel {
    /// The customer called the shop.
    Phone,
    /// The customer came to the shop.
    WalkIn,
}

#[derive(InputObject)]
pub struct CounterBookingInput {
    pub shop_id: ID,
    pub service_item_id: ID,
    /// A therapist, or none for whoever is free.
    pub therapist_id: Option<ID>,
    /// A start offered by `availableSlots`.
    pub start: DateTime<Utc>,
    /// The customer's name, as they gave it.
    pub customer_name: String,
    /// The customer's mainland mobile number.
    pub customer_phone: String,
    pub channel: CounterChannel,
}

#[derive(Default)]
pub struct BookingMutation;

#[Object]
impl BookingMutation {
    /// Books a slot: an order awaiting payment, which holds the slot until it is paid or expires.
    #[graphql(guard = "Allow(CONSUMER)")]
    async fn create_booking(&self, ctx: &Context<'_>, input: CreateBookingInput) -> async_graphql::Result<Order> {
        let Principal::Consumer { id: me, .. } = ctx.principal() else { return Err(AppError::Forbidden.into()) };
        let start = input.start.bounded("input.start")?;
        let therapist = input.therapist_id.as_ref().map(|t| id_of(t, "therapist")).transpose()?;
        let o = booking::create_booking(
            ctx.state(),
            ctx.tenant()?,
            *me,
            id_of(&input.shop_id, "shop")?,
            id_of(&input.service_item_id, "service item")?,
            therapist,
            start,
        )
        .await?;
        Ok(Order(o))
    }

    /// Books a slot for a customer on the phone or at the counter, as the shop's staff: an order confirmed at
    /// once with nothing paid (the customer pays at the shop), by the same rules as a consumer's booking.
    #[graphql(guard = "Allow(SHOP_STAFF)")]
    async fn create_counter_booking(
        &self,
        ctx: &Context<'_>,
        input: CounterBookingInput,
    ) -> async_graphql::Result<Order> {
        let start = input.start.bounded("input.start")?;
        let therapist = input.therapist_id.as_ref().map(|t| id_of(t, "therapist")).transpose()?;
        let what = booking::Wanted {
            shop_id: id_of(&input.shop_id, "shop")?,
            service_id: id_of(&input.service_item_id, "service item")?,
            therapist,
            start,
        };
        let customer = booking::Customer {
            channel: match input.channel {
                CounterChannel::Phone => booking::Channel::Phone,
                CounterChannel::WalkIn => booking::Channel::WalkIn,
            },
            name: CUSTOMER_NAME.parse("input.customerName", &input.customer_name)?,
            phone: PhoneNumber::parse(&input.customer_phone).map_err(|e| e.at("input.customerPhone"))?,
        };
        let o = booking::create_counter_booking(ctx.state(), ctx.principal(), ctx.tenant()?, what, customer).await?;
        Ok(Order(o))
    }

    /// Pays an order (send an `Idempotency-Key`: the same key answers the same payment).
    #[graphql(guard = "Allow(CONSUMER)")]
    async fn pay_order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Payment> {
        let key = ctx.req().idempotency_key.clone();
        let paid =
            payments::pay_order(ctx.state(), ctx.principal(), ctx.tenant()?, id_of(&id, "order")?, key.as_deref())
                .await?;
        Ok(Payment(paid))
    }

    /// Cancels an order: by its consumer (refund per the policy booked with it) or by the shop (full refund).
    #[graphql(guard = "Allow(ORDER_READERS)")]
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> async_graphql::Result<Order> {
        let id = id_of(&id, "order")?;
        ctx.audit_target(id);
        Ok(Order(booking::cancel(ctx.state(), ctx.principal(), ctx.tenant()?, id, reason).await?))
    }

    /// The shop accepts a paid order.
    #[graphql(guard = "Allow(SHOP_STAFF)")]
    async fn confirm_order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Order> {
        let id = id_of(&id, "order")?;
        ctx.audit_target(id);
        Ok(Order(booking::confirm(ctx.state(), ctx.principal(), ctx.tenant()?, id).await?))
    }

    /// The service was given.
    #[graphql(guard = "Allow(SHOP_STAFF)")]
    async fn complete_order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Order> {
        let id = id_of(&id, "order")?;
        ctx.audit_target(id);
        Ok(Order(booking::complete(ctx.state(), ctx.principal(), ctx.tenant()?, id).await?))
    }

    /// The consumer did not come (after the start).
    #[graphql(guard = "Allow(SHOP_STAFF)")]
    async fn mark_no_show(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Order> {
        let id = id_of(&id, "order")?;
        ctx.audit_target(id);
        Ok(Order(booking::no_show(ctx.state(), ctx.principal(), ctx.tenant()?, id).await?))
    }

    /// Reviews a completed order, once.
    #[graphql(guard = "Allow(CONSUMER)")]
    async fn review_order(
        &self,
        ctx: &Context<'_>,
        id: ID,
        rating: i32,
        text: String,
    ) -> async_graphql::Result<Review> {
        Ok(Review(
            review::review(ctx.state(), ctx.principal(), ctx.tenant_id()?, id_of(&id, "order")?, rating, &text).await?,
        ))
    }

    /// The shop replies to a review, once.
    #[graphql(guard = "Allow(SHOP_STAFF)")]
    async fn reply_to_review(&self, ctx: &Context<'_>, id: ID, text: String) -> async_graphql::Result<Review> {
        let id = id_of(&id, "review")?;
        ctx.audit_target(id);
        Ok(Review(review::reply(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, &text).await?))
    }
}

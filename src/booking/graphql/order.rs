//! An order, its payments and its review, as GraphQL objects.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, FixedOffset};

use super::local;
use crate::{
    booking::{
        entity::{order, review as review_entity},
        payment as payments, review,
        service::{self as booking, effective_status},
    },
    error::AppError,
    graphql::context::CtxExt,
    infra::phone::PhoneNumber,
    kernel::Principal,
    storefront::{graphql::Shop, service::View},
};

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Confirmed,
    Completed,
    Cancelled,
    Expired,
    NoShow,
}

impl OrderStatus {
    /// A stored status this build does not know is an internal error, never a default.
    fn parse(s: &str) -> crate::error::AppResult<OrderStatus> {
        Ok(match s {
            booking::PAID => OrderStatus::Paid,
            booking::CONFIRMED => OrderStatus::Confirmed,
            booking::COMPLETED => OrderStatus::Completed,
            booking::CANCELLED => OrderStatus::Cancelled,
            booking::EXPIRED => OrderStatus::Expired,
            booking::NO_SHOW => OrderStatus::NoShow,
            booking::PENDING_PAYMENT => OrderStatus::PendingPayment,
            _ => return Err(AppError::internal(anyhow::anyhow!("unknown stored order status"))),
        })
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => booking::PENDING_PAYMENT,
            OrderStatus::Paid => booking::PAID,
            OrderStatus::Confirmed => booking::CONFIRMED,
            OrderStatus::Completed => booking::COMPLETED,
            OrderStatus::Cancelled => booking::CANCELLED,
            OrderStatus::Expired => booking::EXPIRED,
            OrderStatus::NoShow => booking::NO_SHOW,
        }
    }
}

/// How a booking was taken.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum OrderChannel {
    /// By the consumer, in WeChat.
    Wechat,
    /// By the shop's staff, on the phone.
    Phone,
    /// By the shop's staff, at the counter.
    WalkIn,
}

pub struct Order(pub(super) order::Model);

impl Order {
    /// Staff of the order's shop and the tenant's administrators see whom it is for.
    fn staff_sees_customer(&self, ctx: &Context<'_>) -> bool {
        !matches!(ctx.principal(), Principal::Consumer { .. } | Principal::Anonymous { .. })
            && booking::may_see(ctx.principal(), &self.0)
    }
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status(&self, ctx: &Context<'_>) -> async_graphql::Result<OrderStatus> {
        Ok(OrderStatus::parse(effective_status(&self.0, ctx.state().now()))?)
    }
    async fn shop(&self, ctx: &Context<'_>) -> async_graphql::Result<Shop> {
        let (state, view) = (ctx.state(), View::of(ctx.principal()));
        // A published shop is in the tenant's storefront index; one unpublished since is read.
        let index = crate::storefront::index::of(state).get(state, ctx.tenant()?).await?;
        if let Some(p) = index.shop(self.0.shop_id) {
            return Ok(Shop::of(std::sync::Arc::clone(p), view));
        }
        let s = crate::storefront::service::get_shop(state, &View::AllShops, ctx.tenant_id()?, self.0.shop_id).await?;
        Ok(Shop::new(s, view))
    }
    async fn service_item_id(&self) -> ID {
        ID(self.0.service_item_id.to_string())
    }
    /// The service's name as booked.
    async fn service_name(&self) -> String {
        self.0.price_snapshot.service_name.clone()
    }
    async fn therapist_id(&self) -> ID {
        ID(self.0.therapist_id.to_string())
    }
    async fn start(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<FixedOffset>> {
        local(ctx, self.0.start_at)
    }
    async fn end(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<FixedOffset>> {
        local(ctx, self.0.end_at)
    }
    /// The price to pay, in fen, as snapshotted when booked.
    async fn amount_fen(&self) -> i64 {
        self.0.amount_fen
    }
    async fn paid_fen(&self) -> i64 {
        self.0.paid_fen
    }
    async fn refunded_fen(&self) -> i64 {
        self.0.refunded_fen
    }
    /// What cancelling the order now would refund the caller, in fen, by the rule `cancelOrder` applies (the
    /// shop refunds in full; a consumer in full before the cut-off, by the booked policy after it); null when the
    /// caller cannot cancel it now.
    async fn refund_if_cancelled_fen(&self, ctx: &Context<'_>) -> Option<i64> {
        booking::refund_if_cancelled(ctx.principal(), &self.0, ctx.state().now())
    }
    /// An unpaid order expires then and frees its slot.
    async fn pay_before(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<FixedOffset>> {
        local(ctx, self.0.expires_at)
    }
    /// How the booking was taken.
    async fn channel(&self) -> async_graphql::Result<OrderChannel> {
        Ok(match booking::Channel::parse(&self.0.channel)? {
            booking::Channel::Wechat => OrderChannel::Wechat,
            booking::Channel::Phone => OrderChannel::Phone,
            booking::Channel::WalkIn => OrderChannel::WalkIn,
        })
    }
    /// The customer staff booked for (null for a consumer's own booking); shown to staff only.
    async fn customer_name(&self, ctx: &Context<'_>) -> Option<&str> {
        self.staff_sees_customer(ctx).then_some(self.0.customer_name.as_deref()).flatten()
    }
    /// The customer's phone, masked (`138****8000`); shown to staff only.
    async fn customer_phone_masked(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(enc) = self.0.customer_phone_enc.as_deref().filter(|_| self.staff_sees_customer(ctx)) else {
            return Ok(None);
        };
        let phone = ctx.state().keys.decrypt(enc).and_then(|p| PhoneNumber::parse(&p))?;
        Ok(Some(phone.masked()))
    }
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<FixedOffset>> {
        local(ctx, self.0.created_at)
    }
    #[graphql(complexity = "crate::graphql::pagination::list_cost(crate::graphql::pagination::FEW, child_complexity)")]
    async fn payments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Payment>> {
        Ok(payments::payments_of(ctx.state(), ctx.tenant_id()?, self.0.id).await?.into_iter().map(Payment).collect())
    }
    async fn review(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Review>> {
        Ok(review::of_order(ctx.state(), ctx.tenant_id()?, self.0.id).await?.map(Review))
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Pending,
    Succeeded,
    Failed,
}

/// A payment, with its order when the same request changed both (`payOrder`).
pub struct Payment(pub(super) payments::Paid);

#[Object]
impl Payment {
    async fn id(&self) -> ID {
        ID(self.0.payment.id.to_string())
    }
    async fn order_id(&self) -> ID {
        ID(self.0.order_id.to_string())
    }
    async fn amount_fen(&self) -> i64 {
        self.0.payment.amount_fen
    }
    async fn status(&self) -> async_graphql::Result<PaymentStatus> {
        use crate::payments::provider::{FAILED, PENDING, SUCCEEDED};
        Ok(match self.0.payment.status.as_str() {
            SUCCEEDED => PaymentStatus::Succeeded,
            FAILED => PaymentStatus::Failed,
            PENDING => PaymentStatus::Pending,
            _ => return Err(AppError::internal(anyhow::anyhow!("unknown stored payment status")).into()),
        })
    }
    /// `simulated` in development: no money moves.
    async fn provider(&self) -> &str {
        &self.0.payment.provider
    }
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Order> {
        if let Some(o) = &self.0.order {
            return Ok(Order(o.clone()));
        }
        Ok(Order(booking::get_order(ctx.state(), ctx.principal(), ctx.tenant_id()?, self.0.order_id).await?))
    }
}

pub struct Review(pub(super) review_entity::Model);

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn rating(&self) -> i32 {
        self.0.rating.into()
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    async fn reply(&self) -> Option<&str> {
        self.0.reply.as_deref()
    }
    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<FixedOffset>> {
        local(ctx, self.0.created_at)
    }
}

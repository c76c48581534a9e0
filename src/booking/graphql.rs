use async_graphql::{
    Context, ContextSelectionSet, Enum, ID, InputObject, Object, ScalarType, SimpleObject, Value,
    connection::Connection, parser::types::SelectionSet,
};
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

use super::{
    entity::{order, review as review_entity},
    payment as payments, review,
    service::{self as booking, effective_status},
};
use crate::{
    error::AppError,
    graphql::{
        context::CtxExt,
        guard::{Allow, Public},
        id_of,
        pagination::Page,
        plain::{self, Plain, PlainList},
        scalars::Date,
    },
    kernel::{Principal, Role},
    storefront::{graphql::Shop, service::View},
};

const CONSUMER: &[Role] = &[Role::Consumer];
const SHOP_STAFF: &[Role] = &[Role::TenantAdmin, Role::ShopManager, Role::ShopStaff];
const ORDER_READERS: &[Role] = &[Role::Consumer, Role::TenantAdmin, Role::ShopManager, Role::ShopStaff];

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

    fn as_str(self) -> &'static str {
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

#[derive(SimpleObject)]
pub struct SlotTherapist {
    pub id: ID,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct AvailableSlot {
    /// In the tenant's time zone.
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    /// Who would serve (the first free one when the caller asked for any).
    pub therapist: SlotTherapist,
}

// A day's free slots are many: resolved as plain objects (`graphql::plain`), with the derived types' scalars.
impl Plain for AvailableSlot {
    fn field(&self, ctx: &ContextSelectionSet<'_>, name: &str, selection: &SelectionSet) -> Value {
        match name {
            "start" => self.start.to_value(),
            "end" => self.end.to_value(),
            "therapist" => plain::object(&self.therapist, ctx, selection),
            _ => Value::Null,
        }
    }
}

impl Plain for SlotTherapist {
    fn field(&self, _: &ContextSelectionSet<'_>, name: &str, _: &SelectionSet) -> Value {
        match name {
            "id" => self.id.to_value(),
            "name" => self.name.to_value(),
            _ => Value::Null,
        }
    }
}

pub struct Order(order::Model);

fn local(ctx: &Context<'_>, t: DateTime<Utc>) -> async_graphql::Result<DateTime<FixedOffset>> {
    Ok(t.with_timezone(&ctx.tenant()?.time_zone).fixed_offset())
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
    /// An unpaid order expires then and frees its slot.
    async fn pay_before(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<FixedOffset>> {
        local(ctx, self.0.expires_at)
    }
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    async fn created_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<FixedOffset>> {
        local(ctx, self.0.created_at)
    }
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
pub struct Payment(payments::Paid);

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

pub struct Review(review_entity::Model);

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

#[derive(InputObject)]
pub struct CreateBookingInput {
    pub shop_id: ID,
    pub service_item_id: ID,
    /// A therapist, or none for whoever is free.
    pub therapist_id: Option<ID>,
    /// A start offered by `availableSlots`.
    pub start: DateTime<Utc>,
}

fn status_filter(s: Option<OrderStatus>) -> Option<&'static str> {
    s.map(OrderStatus::as_str)
}

#[derive(Default)]
pub struct BookingQuery;

#[Object]
impl BookingQuery {
    /// Start times of a service on a date (the tenant's calendar), with a therapist for each: the given one, or
    /// the first free one who performs the service.
    #[graphql(guard = "Public")]
    async fn available_slots(
        &self,
        ctx: &Context<'_>,
        shop_id: ID,
        service_item_id: ID,
        therapist_id: Option<ID>,
        date: Date,
    ) -> async_graphql::Result<PlainList<AvailableSlot>> {
        let tenant = ctx.tenant()?;
        let therapist = therapist_id.as_ref().map(|t| id_of(t, "therapist")).transpose()?;
        let slots = booking::available_slots(
            ctx.state(),
            ctx.principal(),
            tenant,
            id_of(&shop_id, "shop")?,
            id_of(&service_item_id, "service item")?,
            therapist,
            date.0,
        )
        .await?;
        slots
            .into_iter()
            .map(|s| {
                Ok(AvailableSlot {
                    start: local(ctx, s.start)?,
                    end: local(ctx, s.end)?,
                    therapist: SlotTherapist { id: ID(s.therapist_id.to_string()), name: s.therapist_name },
                })
            })
            .collect::<async_graphql::Result<_>>()
            .map(PlainList)
    }

    /// An order: its consumer's, or of a shop the staff member works for.
    #[graphql(guard = "Allow(ORDER_READERS)")]
    async fn order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Order> {
        Ok(Order(booking::get_order(ctx.state(), ctx.principal(), ctx.tenant_id()?, id_of(&id, "order")?).await?))
    }

    /// The caller's orders, newest first.
    #[graphql(guard = "Allow(CONSUMER)")]
    async fn my_orders(
        &self,
        ctx: &Context<'_>,
        status: Option<OrderStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Order>> {
        let Principal::Consumer { id: me, .. } = ctx.principal() else { return Err(AppError::Forbidden.into()) };
        let me = *me;
        let page = Page::parse(first, after)?;
        let rows = booking::list_orders(
            ctx.state(),
            ctx.tenant_id()?,
            |q| q.filter(order::Column::ConsumerId.eq(me)),
            status_filter(status),
            page.after,
            page.fetch(),
        )
        .await?;
        Ok(page.connection(rows.into_iter().map(|o| (o.id, Order(o))).collect()))
    }

    /// A shop's orders starting in [from, to), newest first: for its staff.
    #[graphql(guard = "Allow(SHOP_STAFF)")]
    #[allow(clippy::too_many_arguments)]
    async fn shop_orders(
        &self,
        ctx: &Context<'_>,
        shop_id: ID,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        status: Option<OrderStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Order>> {
        let shop = id_of(&shop_id, "shop")?;
        crate::storefront::service::get_shop(ctx.state(), &View::of(ctx.principal()), ctx.tenant_id()?, shop).await?;
        let page = Page::parse(first, after)?;
        let rows = booking::list_orders(
            ctx.state(),
            ctx.tenant_id()?,
            |q| {
                let mut q = q.filter(order::Column::ShopId.eq(shop));
                if let Some(f) = from {
                    q = q.filter(order::Column::StartAt.gte(f));
                }
                if let Some(t) = to {
                    q = q.filter(order::Column::StartAt.lt(t));
                }
                q
            },
            status_filter(status),
            page.after,
            page.fetch(),
        )
        .await?;
        Ok(page.connection(rows.into_iter().map(|o| (o.id, Order(o))).collect()))
    }
}

#[derive(Default)]
pub struct BookingMutation;

#[Object]
impl BookingMutation {
    /// Books a slot: an order awaiting payment, which holds the slot until it is paid or expires.
    #[graphql(guard = "Allow(CONSUMER)")]
    async fn create_booking(&self, ctx: &Context<'_>, input: CreateBookingInput) -> async_graphql::Result<Order> {
        let Principal::Consumer { id: me, .. } = ctx.principal() else { return Err(AppError::Forbidden.into()) };
        let therapist = input.therapist_id.as_ref().map(|t| id_of(t, "therapist")).transpose()?;
        let o = booking::create_booking(
            ctx.state(),
            ctx.tenant()?,
            *me,
            id_of(&input.shop_id, "shop")?,
            id_of(&input.service_item_id, "service item")?,
            therapist,
            input.start,
        )
        .await?;
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

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Schema};
    use chrono::TimeZone;

    use super::*;

    fn slots() -> Vec<AvailableSlot> {
        let tz = FixedOffset::east_opt(8 * 3600).unwrap();
        (0..3)
            .map(|i| AvailableSlot {
                start: tz.with_ymd_and_hms(2030, 1, 2, 10 + i, 0, 0).unwrap(),
                end: tz.with_ymd_and_hms(2030, 1, 2, 11 + i, 15, 0).unwrap(),
                therapist: SlotTherapist { id: ID(format!("t{}", i % 2)), name: format!("张师傅{i}") },
            })
            .collect()
    }

    struct Query;

    #[Object]
    impl Query {
        async fn derived(&self) -> Vec<AvailableSlot> {
            slots()
        }
        async fn plain(&self) -> PlainList<AvailableSlot> {
            PlainList(slots())
        }
    }

    #[tokio::test]
    async fn plain_slots_are_declared_and_answered_as_the_derived_objects() {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let sdl = schema.sdl();
        assert!(sdl.contains("derived: [AvailableSlot!]!") && sdl.contains("plain: [AvailableSlot!]!"), "{sdl}");
        for (selection, fragments) in [
            ("start end therapist { id name }", ""),
            ("__typename from: start to: end who: therapist { __typename id } therapist { name } start", ""),
            (
                "...S therapist { ... on SlotTherapist { name } }",
                "fragment S on AvailableSlot { start therapist { id } }",
            ),
            ("... on AvailableSlot { end } ... { start } therapist { id } therapist { id name } end", ""),
            (
                "who: therapist { id } who: therapist { name } ...W",
                "fragment W on AvailableSlot { who: therapist { id } }",
            ),
        ] {
            let mut answers = vec![];
            for root in ["derived", "plain"] {
                let query = format!("{{ {root} {{ {selection} }} }} {fragments}");
                let response = schema.execute(query.as_str()).await;
                assert!(response.errors.is_empty(), "{query}: {:?}", response.errors);
                answers.push(response.data.into_json().unwrap()[root].clone());
            }
            let (derived, plain) = (&answers[0], &answers[1]);
            assert_eq!(plain, derived, "{selection}");
            assert_eq!(plain.as_array().map(Vec::len), Some(3));
        }
    }
}

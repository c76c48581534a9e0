//! Booking's queries: free slots, an order, a consumer's and a shop's orders.

use async_graphql::{Context, ID, Object, connection::Connection};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

use super::{AvailableSlot, CONSUMER, ORDER_READERS, Order, OrderStatus, SHOP_STAFF, SlotTherapist, local};
use crate::{
    booking::{entity::order, service as booking},
    error::AppError,
    graphql::{
        context::CtxExt,
        guard::{Allow, Public},
        id_of,
        pagination::Page,
        plain::PlainList,
        scalars::{Bounded, Date},
    },
    kernel::Principal,
    storefront::service::View,
};

fn status_filter(s: Option<OrderStatus>) -> Option<&'static str> {
    s.map(OrderStatus::as_str)
}

/// Start times a day lists at most on the default 15-minute grid, around the clock.
const DAY_SLOTS: usize = 96;

#[derive(Default)]
pub struct BookingQuery;

#[Object]
impl BookingQuery {
    /// Start times of a service on a date (the tenant's calendar), with a therapist for each: the given one, or
    /// the first free one who performs the service.
    #[graphql(guard = "Public", complexity = "crate::graphql::pagination::list_cost(DAY_SLOTS, child_complexity)")]
    async fn available_slots(
        &self,
        ctx: &Context<'_>,
        shop_id: ID,
        service_item_id: ID,
        therapist_id: Option<ID>,
        date: Date,
    ) -> async_graphql::Result<PlainList<AvailableSlot>> {
        let date = date.bounded("date")?;
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
    #[graphql(guard = "Allow(CONSUMER)", complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
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
    #[graphql(
        guard = "Allow(SHOP_STAFF)",
        complexity = "crate::graphql::pagination::page_cost(first, child_complexity)"
    )]
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
        let (from, to) = (from.bounded("from")?, to.bounded("to")?);
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

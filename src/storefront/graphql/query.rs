//! The storefront's root query fields.

use async_graphql::{Context, ID, Object, connection::Connection};

use super::{
    id,
    promotion::Promotion,
    published,
    service_item::ServiceItem,
    shop::{Shop, ShopCard, ShopDistance},
    therapist::Therapist,
    values::GeoPointInput,
};
use crate::{
    error::AppError,
    graphql::{context::CtxExt, guard::Public, pagination::Page},
    storefront::{
        nearest,
        service::{self, View},
    },
};

#[derive(Default)]
pub struct StorefrontQuery;

#[Object]
impl StorefrontQuery {
    /// A shop: published ones for consumers and anonymous callers (with `X-Tenant`).
    #[graphql(guard = "Public")]
    async fn shop(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Shop> {
        let view = View::of(ctx.principal());
        let id = self::id(&id, "shop")?;
        if view.is_public() {
            let p = published(ctx).await?.shop(id).cloned().ok_or(AppError::NotFound("shop"))?;
            return Ok(Shop::of(p, view));
        }
        Ok(Shop::new(service::get_shop(ctx.state(), &view, ctx.tenant_id()?, id).await?, view))
    }

    /// The shops the caller sees, oldest first.
    #[graphql(guard = "Public", complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn shops(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Shop>> {
        let view = View::of(ctx.principal());
        let page = Page::parse(first, after)?;
        let rows = service::list_shops(ctx.state(), &view, ctx.tenant_id()?, page.after, page.fetch()).await?;
        Ok(page.connection(rows.into_iter().map(|m| (m.id, Shop::new(m, view.clone()))).collect()))
    }

    /// Published shops within `radiusMeters` of a point, nearest first (at most `first`, ≤ 100).
    #[graphql(guard = "Public", complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn nearest_shops(
        &self,
        ctx: &Context<'_>,
        near: GeoPointInput,
        radius_meters: f64,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<ShopDistance>> {
        let (_, shops) = nearest::nearest_shops(ctx.state(), ctx.tenant()?, &near, radius_meters, first).await?;
        Ok(shops
            .into_iter()
            .map(|(shop, distance_meters)| ShopDistance { shop: ShopCard::published(shop), distance_meters })
            .collect())
    }

    /// Published shops matching the words of `query` in their name, address, introduction, therapists'
    /// names and specialties, or service names; best match first.
    #[graphql(guard = "Public", complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn search_shops(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<ShopCard>> {
        let first = first.unwrap_or(20);
        if !(1..=100).contains(&first) {
            return Err(AppError::invalid_field("first", "first must be between 1 and 100").into());
        }
        if query.chars().count() > 100 {
            return Err(AppError::invalid_field("query", "query must be at most 100 characters").into());
        }
        let state = ctx.state();
        let tenant = ctx.tenant()?;
        let ids = service::search_ids(state, tenant, &query, first as usize).await?;
        let shops = crate::storefront::index::of(state).get(state, tenant).await?.shops(&ids);
        Ok(shops.into_iter().map(ShopCard::published).collect())
    }

    #[graphql(guard = "Public")]
    async fn therapist(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Therapist> {
        let view = View::of(ctx.principal());
        let t = service::get_therapist(ctx.state(), &view, ctx.tenant_id()?, self::id(&id, "therapist")?).await?;
        Ok(Therapist::new(t, &view))
    }

    #[graphql(guard = "Public")]
    async fn service_item(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ServiceItem> {
        let view = View::of(ctx.principal());
        let s = service::get_service(ctx.state(), &view, ctx.tenant_id()?, self::id(&id, "service item")?).await?;
        Ok(ServiceItem::new(s, &view))
    }

    /// Promotions, newest first: for consumers, published ones running now (the tenant's time) in published
    /// shops; for staff, all of the shops they see. `shopId` narrows to one shop.
    #[graphql(guard = "Public", complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn promotions(
        &self,
        ctx: &Context<'_>,
        shop_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Promotion>> {
        let view = View::of(ctx.principal());
        let page = Page::parse(first, after)?;
        let shop = shop_id.as_ref().map(|s| self::id(s, "shop")).transpose()?;
        let rows = service::promotions(ctx.state(), &view, ctx.tenant()?, shop, page.after, page.fetch()).await?;
        let rows = rows
            .into_iter()
            .map(|r| Ok((r.model.id, Promotion::new(ctx, r)?)))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        Ok(page.connection(rows))
    }
}

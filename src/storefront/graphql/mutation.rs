//! The storefront's root mutation fields.

use async_graphql::{Context, ID, Object};

use super::{
    id,
    promotion::{CreatePromotionInput, Promotion},
    service_item::{CreateServiceItemInput, ServiceItem, UpdateServiceItemInput},
    shop::{Shop, ShopInput},
    therapist::{CreateTherapistInput, Therapist, UpdateTherapistInput},
    values::parse_week,
};
use crate::{
    graphql::{
        context::CtxExt,
        guard::{Allow, SHOP_WRITERS, TENANT_ADMIN},
        ids_of,
        scalars::Bounded,
    },
    storefront::service::{self, PromotionFields, ServiceFields, TherapistFields, View},
};

#[derive(Default)]
pub struct StorefrontMutation;

#[Object]
impl StorefrontMutation {
    /// A new shop, as a draft.
    #[graphql(guard = "Allow(TENANT_ADMIN)")]
    async fn create_shop(&self, ctx: &Context<'_>, input: ShopInput) -> async_graphql::Result<Shop> {
        let m = service::create_shop(ctx.state(), ctx.tenant_id()?, input.fields()?).await?;
        Ok(Shop::new(m, View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn update_shop(&self, ctx: &Context<'_>, id: ID, input: ShopInput) -> async_graphql::Result<Shop> {
        let id = self::id(&id, "shop")?;
        ctx.audit_target(id);
        let m = service::update_shop(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, input.fields()?).await?;
        Ok(Shop::new(m, View::of(ctx.principal())))
    }

    /// Shows the shop to consumers.
    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn publish_shop(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Shop> {
        set_status(ctx, &id, service::PUBLISHED).await
    }

    /// Takes a published shop off the storefront (SUSPENDED).
    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn unpublish_shop(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Shop> {
        set_status(ctx, &id, service::SUSPENDED).await
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn create_therapist(
        &self,
        ctx: &Context<'_>,
        input: CreateTherapistInput,
    ) -> async_graphql::Result<Therapist> {
        let shop = self::id(&input.shop_id, "shop")?;
        let f = TherapistFields {
            name: Some(input.name),
            specialties: Some(input.specialties),
            gender: input.gender,
            title: input.title,
            years_of_practice: input.years_of_practice,
            intro: input.intro,
            photo_id: input.photo_id.as_ref().map(|p| self::id(p, "media").map(Some)).transpose()?,
            schedule: input
                .schedule
                .as_deref()
                .map(|s| parse_week(s).map(Some))
                .transpose()
                .map_err(|e| e.at("input.schedule"))?,
            active: None,
        };
        let t = service::create_therapist(ctx.state(), ctx.principal(), ctx.tenant_id()?, shop, f).await?;
        Ok(Therapist::new(t, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn update_therapist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateTherapistInput,
    ) -> async_graphql::Result<Therapist> {
        use async_graphql::MaybeUndefined as M;
        let id = self::id(&id, "therapist")?;
        ctx.audit_target(id);
        let f = TherapistFields {
            name: input.name,
            specialties: input.specialties,
            gender: input.gender,
            title: input.title,
            years_of_practice: input.years_of_practice,
            intro: input.intro,
            photo_id: match input.photo_id {
                M::Undefined => None,
                M::Null => Some(None),
                M::Value(p) => Some(Some(self::id(&p, "media")?)),
            },
            schedule: match input.schedule {
                M::Undefined => None,
                M::Null => Some(None),
                M::Value(s) => Some(Some(parse_week(&s).map_err(|e| e.at("input.schedule"))?)),
            },
            active: input.active,
        };
        let t = service::update_therapist(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, f).await?;
        Ok(Therapist::new(t, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn create_service_item(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceItemInput,
    ) -> async_graphql::Result<ServiceItem> {
        let shop = self::id(&input.shop_id, "shop")?;
        let f = ServiceFields {
            name: Some(input.name),
            description: input.description,
            category: Some(input.category),
            duration_minutes: Some(input.duration_minutes),
            price_fen: Some(input.price_fen),
            therapist_ids: Some(ids_of(&input.therapist_ids).map_err(|e| e.at("input.therapistIds"))?),
            active: None,
        };
        let s = service::create_service(ctx.state(), ctx.principal(), ctx.tenant_id()?, shop, f).await?;
        Ok(ServiceItem::new(s, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn update_service_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateServiceItemInput,
    ) -> async_graphql::Result<ServiceItem> {
        let id = self::id(&id, "service item")?;
        ctx.audit_target(id);
        let f = ServiceFields {
            name: input.name,
            description: input.description,
            category: input.category,
            duration_minutes: input.duration_minutes,
            price_fen: input.price_fen,
            therapist_ids: input
                .therapist_ids
                .as_deref()
                .map(ids_of)
                .transpose()
                .map_err(|e| e.at("input.therapistIds"))?,
            active: input.active,
        };
        let s = service::update_service(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, f).await?;
        Ok(ServiceItem::new(s, &View::of(ctx.principal())))
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn create_promotion(
        &self,
        ctx: &Context<'_>,
        input: CreatePromotionInput,
    ) -> async_graphql::Result<Promotion> {
        let mut shop_ids = vec![self::id(&input.shop_id, "shop")?];
        shop_ids.extend(ids_of(&input.more_shop_ids).map_err(|e| e.at("input.moreShopIds"))?);
        let f = PromotionFields {
            shop_ids,
            title: input.title,
            body: input.body,
            starts_at: input.starts_at.bounded("input.startsAt")?,
            ends_at: input.ends_at.bounded("input.endsAt")?,
            kind: input.kind,
            percent_off: input.percent_off,
            amount_off_fen: input.amount_off_fen,
            call_phone: input.call_phone,
            publish: input.publish,
        };
        let row = service::create_promotion(ctx.state(), ctx.principal(), ctx.tenant_id()?, f).await?;
        Promotion::new(ctx, row)
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn publish_promotion(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Promotion> {
        set_promotion(ctx, &id, true).await
    }

    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn unpublish_promotion(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Promotion> {
        set_promotion(ctx, &id, false).await
    }

    /// Ends a published promotion that is running: it stops now (`CONFLICT`, reason `PROMOTION_NOT_RUNNING`,
    /// for one that is not running; withdraw one not yet started with `unpublishPromotion`).
    #[graphql(guard = "Allow(SHOP_WRITERS)")]
    async fn end_promotion(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Promotion> {
        let id = self::id(&id, "promotion")?;
        ctx.audit_target(id);
        let row = service::end_promotion(ctx.state(), ctx.principal(), ctx.tenant_id()?, id).await?;
        Promotion::new(ctx, row)
    }
}

async fn set_status(ctx: &Context<'_>, id: &ID, to: &str) -> async_graphql::Result<Shop> {
    let id = self::id(id, "shop")?;
    ctx.audit_target(id);
    let m = service::set_shop_status(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, to).await?;
    Ok(Shop::new(m, View::of(ctx.principal())))
}

async fn set_promotion(ctx: &Context<'_>, id: &ID, publish: bool) -> async_graphql::Result<Promotion> {
    let id = self::id(id, "promotion")?;
    ctx.audit_target(id);
    let row = service::set_promotion_status(ctx.state(), ctx.principal(), ctx.tenant_id()?, id, publish).await?;
    Promotion::new(ctx, row)
}

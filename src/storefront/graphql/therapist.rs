//! The `Therapist` object and its inputs.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};

use super::{
    published,
    values::{OpeningHours, OpeningHoursInput, Photo, photo, week_out},
};
use crate::{
    graphql::context::CtxExt,
    kernel::TenantId,
    storefront::{
        entity::therapist,
        profile::{ShopProfile, TherapistProfile},
        service::{self, Gender, View},
    },
};

pub struct Therapist {
    p: Arc<TherapistProfile>,
    view: View,
}

impl Therapist {
    pub(super) fn new(t: therapist::Model, view: &View) -> Therapist {
        Therapist::of(&Arc::new(TherapistProfile::new(t)), view)
    }

    pub(super) fn of(p: &Arc<TherapistProfile>, view: &View) -> Therapist {
        Therapist { p: Arc::clone(p), view: view.clone() }
    }
}

#[Object]
impl Therapist {
    async fn id(&self) -> ID {
        ID(self.p.model.id.to_string())
    }
    async fn shop_id(&self) -> ID {
        ID(self.p.model.shop_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.p.model.name
    }
    async fn gender(&self) -> Gender {
        Gender::parse(&self.p.model.gender)
    }
    /// e.g. 高级按摩师
    async fn title(&self) -> &str {
        &self.p.model.title
    }
    async fn years_of_practice(&self) -> i32 {
        self.p.model.years_of_practice
    }
    async fn specialties(&self) -> &[String] {
        &self.p.specialties
    }
    async fn intro(&self) -> &str {
        &self.p.model.intro
    }
    /// Their own weekly hours; the shop's when they have none.
    async fn has_own_schedule(&self) -> bool {
        self.p.schedule.is_some()
    }
    async fn active(&self) -> bool {
        self.p.model.active
    }
    async fn photo(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Photo>> {
        let slug = &ctx.tenant()?.slug;
        Ok(self.p.model.photo_id.map(|id| photo(slug, &id.to_string())))
    }

    /// The weekly hours they work: their own schedule, or else the shop's opening hours.
    #[graphql(complexity = "crate::graphql::pagination::list_cost(7, child_complexity)")]
    async fn schedule(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OpeningHours>> {
        if let Some(s) = &self.p.schedule {
            return Ok(week_out(s));
        }
        let m = &self.p.model;
        if self.view.is_public()
            && let Some(shop) = published(ctx).await?.shop(m.shop_id)
        {
            return Ok(week_out(&shop.hours));
        }
        let shop = Box::pin(service::get_shop(ctx.state(), &self.view, TenantId(m.tenant_id), m.shop_id)).await?;
        Ok(week_out(&ShopProfile::new(shop).hours))
    }
}

#[derive(InputObject)]
pub struct CreateTherapistInput {
    pub shop_id: ID,
    pub name: String,
    #[graphql(default)]
    pub specialties: Vec<String>,
    pub gender: Option<Gender>,
    pub title: Option<String>,
    pub years_of_practice: Option<i32>,
    pub intro: Option<String>,
    /// An uploaded `therapist_photo`.
    pub photo_id: Option<ID>,
    /// Their own weekly hours; without them they work the shop's hours.
    pub schedule: Option<Vec<OpeningHoursInput>>,
}

#[derive(InputObject)]
pub struct UpdateTherapistInput {
    pub name: Option<String>,
    pub specialties: Option<Vec<String>>,
    pub gender: Option<Gender>,
    pub title: Option<String>,
    pub years_of_practice: Option<i32>,
    pub intro: Option<String>,
    pub photo_id: async_graphql::MaybeUndefined<ID>,
    /// null returns them to the shop's hours.
    pub schedule: async_graphql::MaybeUndefined<Vec<OpeningHoursInput>>,
    pub active: Option<bool>,
}

//! The storefront's GraphQL: thin resolvers over `service`, split by the objects they serve.

mod mutation;
mod promotion;
mod query;
mod service_item;
mod shop;
mod therapist;
mod values;
pub mod written;

use std::sync::Arc;

use async_graphql::{Context, ID};

use super::index::TenantIndex;
use crate::{error::AppResult, graphql::context::CtxExt, graphql::id_of};

pub use mutation::StorefrontMutation;
pub use promotion::{CreatePromotionInput, Promotion, PromotionStatus};
pub use query::StorefrontQuery;
pub use service_item::{CreateServiceItemInput, ServiceItem, UpdateServiceItemInput};
pub use shop::{AccessibilityFacts, Rating, Shop, ShopCard, ShopDistance, ShopInput, ShopStatus};
pub use therapist::{CreateTherapistInput, Therapist, UpdateTherapistInput};
pub use values::{GeoPointInput, Location, OpeningHours, OpeningHoursInput, Photo};

/// The tenant's published storefront in memory, at the generation the request saw or newer: what consumers'
/// nested reads (a shop's therapists and services, a service's performers) come from.
///
/// Boxed, as is every database read in a field of an object type: the fields of an object share one future
/// type, as large as its largest field's, which every field resolved (a shop card's name, its phone …) would
/// otherwise copy.
async fn published(ctx: &Context<'_>) -> async_graphql::Result<Arc<TenantIndex>> {
    Ok(Box::pin(super::index::of(ctx.state()).get(ctx.state(), ctx.tenant()?)).await?)
}

fn id(v: &ID, what: &'static str) -> AppResult<uuid::Uuid> {
    id_of(v, what)
}

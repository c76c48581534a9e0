//! The `ServiceItem` object and its inputs.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};

use super::{published, therapist::Therapist};
use crate::{
    graphql::context::CtxExt,
    kernel::TenantId,
    storefront::{
        entity::service_item,
        service::{self, View},
    },
};

pub struct ServiceItem {
    m: Arc<service_item::Model>,
    view: View,
}

impl ServiceItem {
    pub(super) fn new(s: service_item::Model, view: &View) -> ServiceItem {
        ServiceItem::of(&Arc::new(s), view)
    }

    pub(super) fn of(m: &Arc<service_item::Model>, view: &View) -> ServiceItem {
        ServiceItem { m: Arc::clone(m), view: view.clone() }
    }
}

#[Object]
impl ServiceItem {
    async fn id(&self) -> ID {
        ID(self.m.id.to_string())
    }
    async fn shop_id(&self) -> ID {
        ID(self.m.shop_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.m.name
    }
    async fn description(&self) -> &str {
        &self.m.description
    }
    async fn category(&self) -> &str {
        &self.m.category
    }
    async fn duration_minutes(&self) -> i32 {
        self.m.duration_minutes
    }
    /// List price in fen (1/100 yuan).
    async fn price_fen(&self) -> i64 {
        self.m.price_fen
    }
    async fn active(&self) -> bool {
        self.m.active
    }

    /// Who performs it.
    #[graphql(complexity = "crate::graphql::pagination::list_cost(crate::graphql::pagination::FEW, child_complexity)")]
    async fn therapists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Therapist>> {
        let view = &self.view;
        Ok(if view.is_public() {
            published(ctx).await?.performers_of(self.m.id).iter().map(|t| Therapist::of(t, view)).collect()
        } else {
            let rows = Box::pin(service::performers(ctx.state(), TenantId(self.m.tenant_id), self.m.id, false)).await?;
            rows.into_iter().map(|t| Therapist::new(t, view)).collect()
        })
    }
}

#[derive(InputObject)]
pub struct CreateServiceItemInput {
    pub shop_id: ID,
    pub name: String,
    pub category: String,
    pub duration_minutes: i32,
    /// List price in fen.
    pub price_fen: i64,
    #[graphql(default)]
    pub therapist_ids: Vec<ID>,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateServiceItemInput {
    pub name: Option<String>,
    pub category: Option<String>,
    pub duration_minutes: Option<i32>,
    pub price_fen: Option<i64>,
    pub therapist_ids: Option<Vec<ID>>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

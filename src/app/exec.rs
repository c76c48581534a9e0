//! Executing a request: what the HTTP API and the web pages share, so that both run the same schema with the
//! same hooks, limits and audit.

use crate::{
    app::schema::Schemas,
    graphql::{
        context::RequestCtx,
        errors,
        response_cache::{Plan, Plans},
    },
    state::AppState,
};

/// The header that carries a request's id.
pub const REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

/// What the handlers share; one reference count for every request to raise and drop.
#[derive(Clone)]
pub struct Web(std::sync::Arc<WebParts>);

pub struct WebParts {
    pub state: AppState,
    pub schemas: Schemas,
    /// What each document is: registered (enforced in production only), its label, its cache policy.
    pub plans: Plans,
}

impl Web {
    pub fn new(parts: WebParts) -> Web {
        Web(std::sync::Arc::new(parts))
    }
}

impl std::ops::Deref for Web {
    type Target = WebParts;
    fn deref(&self) -> &WebParts {
        &self.0
    }
}

/// Runs a request on the schema its plan says, as the caller of `ctx`; every error in the response is
/// classified (`errors::finish`). The one way a request is executed.
pub async fn execute(
    web: &Web,
    ctx: RequestCtx,
    mut gql: async_graphql::Request,
    plan: &Plan,
) -> async_graphql::Response {
    let request_id = ctx.request_id.clone();
    if let Some(fixed) = plan.fixed {
        gql = gql.data(fixed);
    }
    let schema = match &plan.document {
        Some(doc) => {
            gql.set_parsed_query(doc.clone());
            if plan.plain { &web.schemas.queries } else { &web.schemas.full }
        }
        None => &web.schemas.full,
    };
    // Boxed: the execution's state is large, and every request's future (answered from the cache or not)
    // would otherwise carry it and be copied with it.
    let mut response = Box::pin(schema.execute(gql.data(ctx))).await;
    errors::finish(&mut response, &request_id);
    response
}

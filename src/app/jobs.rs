//! The background jobs of every domain, started with the server and stopped with it.

use std::time::Duration;

use crate::{booking, db::unscoped, kernel::TenantInfo, notify, state::AppState, storefront, tenancy};

/// Starts the jobs; the server aborts them when it stops.
pub fn start(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let mut jobs = vec![];
    let limits = state.clone();
    jobs.push(tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            limits.limits.shrink();
        }
    }));
    jobs.push(tokio::spawn(warm_storefronts(state.clone())));
    if let Some(meili) = state.meili.clone() {
        jobs.push(storefront::search_sync::spawn(state.clone(), meili));
    }
    if state.config.dispatch_notices {
        jobs.push(notify::dispatch::spawn(state.clone()));
    }
    jobs.push(booking::jobs::spawn(state.clone()));
    jobs
}

/// Builds the storefront index of every active tenant once the server listens, one tenant after another, so
/// that after a restart the first consumers of each tenant are answered as fast as later ones (instead of all
/// waiting on their tenant's first build at once).
async fn warm_storefronts(state: AppState) {
    let tenants = match unscoped::all_tenants(&state.db).await {
        Ok(tenants) => tenants,
        Err(e) => return tracing::warn!(error = %e, "storefront indexes not built ahead"),
    };
    for row in tenants.iter().filter(|t| t.status == tenancy::service::ACTIVE) {
        let Ok(info) = unscoped::tenant_info(row) else { continue };
        if !info.has_feature("storefront") {
            continue;
        }
        let info: TenantInfo = info;
        if let Err(e) = storefront::index::of(&state).get(&state, &info).await {
            tracing::warn!(error = %e, tenant = %info.slug, "storefront index not built ahead");
        }
    }
}

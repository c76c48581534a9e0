//! Booking's background work: unpaid orders past their payment window are closed and their slots freed (readers
//! already see them as expired; this writes it down).

use std::time::Duration;

use crate::{db::unscoped, kernel::TenantId, state::AppState};

/// How often every tenant's unpaid orders are swept.
const SWEEP: Duration = Duration::from_secs(10);

pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(SWEEP).await;
            let tenants = match unscoped::all_tenants(&state.db).await {
                Ok(all) => all,
                Err(e) => {
                    tracing::warn!(error = %e, "order expiry sweep could not list tenants");
                    continue;
                }
            };
            for t in tenants {
                if let Err(e) = super::service::expire_due(&state, TenantId(t.id)).await {
                    tracing::warn!(error = %e, "unpaid orders not expired; will retry");
                }
            }
        }
    })
}

//! The shops a staff account may name. Identity knows no shop: the storefront answers, through this trait, which
//! of some ids are shops of the tenant (`app` puts its answerer in the state).

use std::sync::Arc;

use sea_orm::DbErr;
use uuid::Uuid;

use crate::{
    db::TenantTx,
    error::{AppError, AppResult, Refusal},
    state::AppState,
};

#[async_trait::async_trait]
pub trait ShopDirectory: Send + Sync {
    /// Which of `ids` name shops of `tx`'s tenant, read in `tx`.
    async fn existing(&self, tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Uuid>, DbErr>;
}

/// The state's part that answers for shops.
#[derive(Clone)]
pub struct Shops(pub Arc<dyn ShopDirectory>);

/// Refuses shop ids that name no shop of the tenant, with one answer whatever they name instead (another
/// tenant's shop, nothing at all).
pub(super) async fn check_known(state: &AppState, tx: &TenantTx, ids: &[Uuid]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = state.part::<Shops>().0.existing(tx, ids).await?;
    if ids.iter().all(|id| found.contains(id)) {
        return Ok(());
    }
    Err(AppError::Validation(Refusal {
        reason: Some("UNKNOWN_SHOP"),
        field: Some("input.shopIds".into()),
        ..Refusal::new("shopIds names a shop this tenant does not have")
    }))
}

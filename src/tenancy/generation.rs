//! Cache generations. Each tenant's registry row carries one counter per area; a write that changes what
//! consumers read in that area raises it in the writing transaction. Cached answers and in-memory indexes are
//! keyed by the generations they were computed at, and every request learns the current ones from the registry
//! (`tenancy::registry`), so the next read after a commit, in any process, never sees an older answer.

use sea_orm::DbErr;

use crate::db::{TenantTx, unscoped};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Generations {
    /// Shops, therapists, service items, opening hours, promotions, photos and ratings.
    pub storefront: i64,
    /// Slot claims: what `availableSlots` offers.
    pub booking: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Storefront,
    Booking,
}

impl Generations {
    pub fn of(&self, area: Area) -> i64 {
        match area {
            Area::Storefront => self.storefront,
            Area::Booking => self.booking,
        }
    }
}

/// Raises the tenant's generation for `area`; call inside the writing transaction.
pub async fn bump(tx: &TenantTx, area: Area) -> Result<(), DbErr> {
    unscoped::bump_generation(tx, area).await
}

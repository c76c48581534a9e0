//! A tenant as a request sees it: its id, its registry row as of the request, and its cache generations.
//!
//! Each tenant's registry row carries one cache generation per area; a write that changes what consumers read in
//! that area raises it in the writing transaction (`db::generation::bump`). Cached answers and in-memory indexes
//! are keyed by the generations they were computed at, and every request learns the current ones from the
//! registry (`db::registry`), so the next read after a commit, in any process, never sees an older answer.

use uuid::Uuid;

/// A tenant's id. `TenantId::PLATFORM` (the nil id) scopes the platform operator's own audit rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TenantId(pub Uuid);

impl TenantId {
    pub const PLATFORM: TenantId = TenantId(Uuid::nil());
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a request knows of its tenant.
#[derive(Clone, Debug)]
pub struct TenantInfo {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub template: String,
    pub time_zone: chrono_tz::Tz,
    pub status: String,
    pub wechat_app_id: Option<String>,
    pub is_load_test: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The template features that switch domains on for this tenant (`tenants/*.toml`).
    pub features: &'static [String],
    /// The cache generations as of this request.
    pub generations: Generations,
    /// The SHA-256 of the tenant's current API key, if it has one.
    pub api_key_hash: Option<KeyHash>,
}

/// An API key's hash: compared, never shown (`Debug` prints no digit of it).
#[derive(Clone, PartialEq, Eq)]
pub struct KeyHash(pub String);

impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

impl TenantInfo {
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }
}

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

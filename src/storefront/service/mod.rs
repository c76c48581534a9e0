//! The storefront's rules: who sees which shops, who may change them, and the writes themselves. Split by
//! concern: shops, therapists, service items, promotions and the bulk load; what they share is here.

mod bulk;
mod promotions;
mod services;
mod shops;
mod therapists;

use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::entity::shop;
use crate::{
    db::TenantTx,
    error::{AppError, AppResult},
    kernel::{Area, Shape, TenantInfo},
    kernel::{Principal, StaffRole},
    state::AppState,
};

pub use bulk::{BulkShop, bulk_load};
pub use promotions::{
    PromotionFields, PromotionKind, PromotionRow, create_promotion, end_promotion, promotions, set_promotion_status,
};
pub use services::{ServiceFields, create_service, get_service, performers, services_of, update_service};
pub use shops::{
    Accessibility, ShopFields, add_rating, create_shop, get_shop, list_shops, set_shop_status, update_shop,
};
pub use therapists::{
    Gender, TherapistFields, create_therapist, get_therapist, therapist_names, therapists_of, update_therapist,
};

/// A write changed what the storefront's indexes (nearest shops, text search) hold about this shop: raise the
/// tenant's storefront generation and queue the shop for Meilisearch, in the writing transaction.
async fn changed(state: &AppState, tx: &TenantTx, shop_id: Uuid) -> Result<(), sea_orm::DbErr> {
    tx.bump_generation(Area::Storefront).await?;
    super::search_sync::enqueue(state, tx, shop_id).await
}

/// Shop ids matching `query`, best first: from Meilisearch when configured (the embedded index answers if it
/// fails), else from the embedded index.
pub async fn search_ids(state: &AppState, tenant: &TenantInfo, query: &str, limit: usize) -> AppResult<Vec<Uuid>> {
    if query.trim().is_empty() {
        return Ok(vec![]);
    }
    if let Some(meili) = &state.meili {
        match meili.search(tenant.id.0, query, limit).await {
            Ok(ids) => return Ok(ids),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "Meilisearch did not answer; searching the embedded index")
            }
        }
    }
    Ok(crate::storefront::index::of(state).get(state, tenant).await?.search.search(query, limit))
}

pub const DRAFT: &str = "DRAFT";
pub const PUBLISHED: &str = "PUBLISHED";
pub const SUSPENDED: &str = "SUSPENDED";

/// What a caller may see: consumers, anonymous callers and water staff see published shops; a tenant admin
/// every shop; shop managers and shop staff their own shops in any status.
#[derive(Clone, Debug)]
pub enum View {
    Public,
    AllShops,
    OwnShops(Vec<Uuid>),
}

impl View {
    pub fn of(p: &Principal) -> View {
        match p {
            Principal::ApiKey { .. } | Principal::Staff { role: StaffRole::TenantAdmin, .. } => View::AllShops,
            Principal::Staff { role: StaffRole::ShopManager | StaffRole::ShopStaff, shop_ids, .. } => {
                View::OwnShops(shop_ids.clone())
            }
            _ => View::Public,
        }
    }

    pub fn is_public(&self) -> bool {
        matches!(self, View::Public)
    }

    pub fn sees(&self, s: &shop::Model) -> bool {
        match self {
            View::Public => s.status == PUBLISHED,
            View::AllShops => true,
            View::OwnShops(ids) => ids.contains(&s.id),
        }
    }

    fn restrict(&self, q: sea_orm::Select<shop::Entity>) -> sea_orm::Select<shop::Entity> {
        match self {
            View::Public => q.filter(shop::Column::Status.eq(PUBLISHED)),
            View::AllShops => q,
            View::OwnShops(ids) => q.filter(shop::Column::Id.is_in(ids.clone())),
        }
    }
}

/// May this caller change this shop? A tenant admin (or API key) any shop, a shop manager their own. A shop the
/// caller cannot see is `NOT_FOUND`.
pub fn check_write(p: &Principal, shop_id: Uuid) -> AppResult<()> {
    match p {
        Principal::ApiKey { .. } | Principal::Staff { role: StaffRole::TenantAdmin, .. } => Ok(()),
        Principal::Staff { role: StaffRole::ShopManager, shop_ids, .. } if shop_ids.contains(&shop_id) => Ok(()),
        Principal::Staff { role: StaffRole::ShopManager | StaffRole::ShopStaff, shop_ids, .. }
            if !shop_ids.contains(&shop_id) =>
        {
            Err(AppError::NotFound("shop"))
        }
        _ => Err(AppError::Forbidden),
    }
}

async fn writable_shop(tx: &TenantTx, who: &Principal, id: Uuid) -> AppResult<shop::Model> {
    let s = tx.get::<shop::Entity>(id).await?.ok_or(AppError::NotFound("shop"))?;
    check_write(who, s.id)?;
    Ok(s)
}

/// The human text of the input's `field` (see `kernel::text`).
fn text(field: &str, value: &str, shape: Shape) -> AppResult<String> {
    Ok(shape.parse(&format!("input.{field}"), value)?.into())
}

fn list(field: &str, items: &[String], max_items: usize, shape: Shape) -> AppResult<Vec<String>> {
    if items.len() > max_items {
        return Err(AppError::invalid_field(
            format!("input.{field}"),
            format!("{field} holds at most {max_items} entries"),
        ));
    }
    let mut out: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, t)| Ok(shape.parse(&format!("input.{field}.{i}"), t)?.into()))
        .collect::<AppResult<_>>()?;
    out.dedup();
    Ok(out)
}

/// A shop's or promotion's telephone number: a mainland landline (with area code), mobile or 400/800 number.
pub fn parse_phone(text: &str) -> AppResult<String> {
    let t = text.trim();
    let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits);
    if !(7..=12).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid_field(
            "input.phone",
            "phone must be a telephone number such as 010-64012345 or 13800138000",
        ));
    }
    Ok(t.to_owned())
}

/// `tel:` link for one-tap calling.
pub fn call_url(phone: &str) -> String {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    format!("tel:{digits}")
}

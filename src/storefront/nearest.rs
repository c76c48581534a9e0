//! `nearestShops`: published shops near a point, from the tenant's in-memory index. A phone's position is asked
//! once, so these answers are seldom cached whole, but the shops in them repeat: each shop's card is resolved
//! once and kept (`card`).

use std::sync::Arc;

use super::{graphql::GeoPointInput, index::TenantIndex, profile::ShopProfile};
use crate::{
    error::{AppError, AppResult},
    kernel::TenantInfo,
    state::AppState,
};

/// Published shops within `radius_meters` of `near`, nearest first, at most `first` (default 20, at most 100),
/// with their distances in meters: what `nearestShops` lists; and the storefront they were found in.
pub async fn nearest_shops(
    state: &AppState,
    tenant: &TenantInfo,
    near: &GeoPointInput,
    radius_meters: f64,
    first: Option<i32>,
) -> AppResult<(Arc<TenantIndex>, Vec<(Arc<ShopProfile>, f64)>)> {
    let center = near.point().map_err(|e| e.at("near"))?;
    if !(radius_meters.is_finite() && radius_meters > 0.0 && radius_meters <= 100_000.0) {
        return Err(AppError::invalid_field("radiusMeters", "radiusMeters must be more than 0 and at most 100000"));
    }
    let first = first.unwrap_or(20);
    if !(1..=100).contains(&first) {
        return Err(AppError::invalid_field("first", "first must be between 1 and 100"));
    }
    let index = crate::storefront::index::of(state).get(state, tenant).await?;
    let hits = index.nearest.within(center, radius_meters, first as usize);
    let shops = hits.into_iter().filter_map(|(id, meters)| Some((Arc::clone(index.shop(id)?), meters))).collect();
    Ok((index, shops))
}

//! What a request may book: the shop, service and therapists as the caller sees them, and a day's free slots.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{
    booking::{
        availability::{Candidate, Day, Slot},
        claims,
        rules::BookingRules,
    },
    error::{AppError, AppResult},
    kernel::{Principal, TenantInfo},
    state::AppState,
    storefront::{
        ServiceItem,
        profile::{ShopProfile, TherapistProfile},
        service::{self as storefront, View},
    },
};

pub(super) struct Offer {
    pub(super) rules: BookingRules,
    pub(super) shop: Arc<ShopProfile>,
    pub(super) service: Arc<ServiceItem>,
    pub(super) candidates: Vec<Candidate>,
}

/// The shop, service and therapists of a request, as the caller may see them.
pub(super) async fn offer(
    state: &AppState,
    tenant: &TenantInfo,
    view: &View,
    shop_id: Uuid,
    service_id: Uuid,
    therapist: Option<Uuid>,
) -> AppResult<Offer> {
    let (shop, service, performers) = if view.is_public() {
        // Consumers book from the published storefront in memory, at the generation the request saw or newer.
        let ix = crate::storefront::index::of(state).get(state, tenant).await?;
        let shop = ix.shop(shop_id).cloned().ok_or(AppError::NotFound("shop"))?;
        let service = ix.services_of(shop_id).iter().find(|s| s.id == service_id).cloned();
        let service = service.ok_or(AppError::NotFound("service item"))?;
        (shop, service, ix.performers_of(service_id).to_vec())
    } else {
        let shop = storefront::get_shop(state, view, tenant.id, shop_id).await?;
        let service = storefront::get_service(state, view, tenant.id, service_id).await?;
        if service.shop_id != shop.id || !service.active {
            return Err(AppError::NotFound("service item"));
        }
        let performers = storefront::performers(state, tenant.id, service.id, true).await?;
        let performers = performers.into_iter().map(|t| Arc::new(TherapistProfile::new(t))).collect();
        (Arc::new(ShopProfile::new(shop)), Arc::new(service), performers)
    };
    let candidates: Vec<Candidate> = performers
        .iter()
        .filter(|t| therapist.is_none_or(|id| id == t.model.id))
        .map(|t| Candidate {
            therapist_id: t.model.id,
            hours: t.schedule.clone().unwrap_or_else(|| shop.hours.clone()),
            name: t.model.name.clone(),
        })
        .collect();
    if therapist.is_some() && candidates.is_empty() {
        return Err(AppError::NotFound("therapist"));
    }
    Ok(Offer { rules: BookingRules::for_tenant(tenant), shop, service, candidates })
}

/// Today up to the horizon, in the tenant's calendar: the only dates worth computing.
pub(super) fn within_horizon(rules: &BookingRules, tenant: &TenantInfo, date: NaiveDate, now: DateTime<Utc>) -> bool {
    let today = now.with_timezone(&tenant.time_zone).date_naive();
    date >= today && (date - today).num_days() <= rules.horizon_days
}

pub async fn available_slots(
    state: &AppState,
    who: &Principal,
    tenant: &TenantInfo,
    shop_id: Uuid,
    service_id: Uuid,
    therapist: Option<Uuid>,
    date: NaiveDate,
) -> AppResult<Vec<Slot>> {
    let offer = offer(state, tenant, &View::of(who), shop_id, service_id, therapist).await?;
    let now = state.now();
    if !within_horizon(&offer.rules, tenant, date, now) {
        return Ok(vec![]);
    }
    let window = claims::window_of(tenant, date, now);
    let held = claims::of(state).get(state, tenant, window, now).await?.held(
        offer.candidates.iter().map(|c| c.therapist_id),
        window,
        now,
    );
    let day = Day {
        rules: &offer.rules,
        tz: tenant.time_zone,
        date,
        now,
        duration_minutes: offer.service.duration_minutes.into(),
        closed_dates: &offer.shop.closed,
        claimed: &held,
    };
    Ok(day.slots(&offer.candidates))
}

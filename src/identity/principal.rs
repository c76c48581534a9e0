//! Who is calling: resolved once per request from `Authorization` or `X-Tenant`, then fixed.

use std::sync::Arc;

use uuid::Uuid;

use super::entity::staff;
use crate::{
    error::{AppError, AppResult},
    infra::crypto::SessionKind,
    kernel::{Principal, StaffRole, TenantInfo},
    state::AppState,
    tenancy::service as tenancy,
};

/// Resolves the caller from the `Authorization` and `X-Tenant` header values.
pub async fn resolve(state: &AppState, authorization: Option<&str>, x_tenant: Option<&str>) -> AppResult<Principal> {
    let Some(auth) = authorization else {
        return match x_tenant {
            Some(slug) => Ok(Principal::Anonymous { tenant: Some(tenancy::active_by_slug(state, slug).await?) }),
            None => Ok(Principal::Anonymous { tenant: None }),
        };
    };
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::UnauthenticatedBecause("Authorization must be 'Bearer <credential>'"))?;
    if state.is_platform_token(token) {
        return Ok(Principal::Platform);
    }
    if token.starts_with("ck_") {
        let tenant = tenancy::active_by_api_key(state, token).await?.ok_or(AppError::Unauthenticated)?;
        return Ok(Principal::ApiKey { tenant });
    }
    let claims = state.keys.verify_session(token, state.now().timestamp()).ok_or(AppError::Unauthenticated)?;
    if claims.kind == SessionKind::Platform {
        return if claims.ep == state.platform_epoch() {
            Ok(Principal::Platform)
        } else {
            Err(AppError::Unauthenticated)
        };
    }
    let tenant = tenancy::active_by_id(state, claims.tid).await?;
    match claims.kind {
        SessionKind::Platform => Err(AppError::Unauthenticated),
        SessionKind::Consumer => Ok(Principal::Consumer { tenant, id: claims.sub }),
        // Boxed: a staff member's row is read in a transaction, whose state every consumer's request would
        // otherwise carry.
        SessionKind::Staff => Box::pin(staff(state, tenant, claims.sub, claims.ep)).await,
    }
}

/// A staff session's member, while they are active and the session's epoch is theirs.
async fn staff(state: &AppState, tenant: Arc<TenantInfo>, id: Uuid, epoch: i32) -> AppResult<Principal> {
    let tx = state.db.read(tenant.id).await?;
    let row = tx.get::<staff::Entity>(id).await?;
    tx.commit().await?;
    let row = row.filter(|s| s.active && s.session_epoch == epoch).ok_or(AppError::Unauthenticated)?;
    let role = StaffRole::parse(&row.role)?;
    Ok(Principal::Staff { tenant, id: row.id, role, shop_ids: super::service::shop_ids(&row) })
}

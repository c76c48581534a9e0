//! Who is calling: resolved once per request from `Authorization` or `X-Tenant`, then fixed.

use std::sync::Arc;

use uuid::Uuid;

use super::{entity::staff, service::StaffRole};
use crate::{
    error::{AppError, AppResult},
    infra::crypto::SessionKind,
    state::AppState,
    tenancy::{TenantInfo, service as tenancy},
};

/// The roles of CONTRACT.md. A tenant API key acts as `TenantAdmin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Platform,
    TenantAdmin,
    ShopManager,
    ShopStaff,
    CsAgent,
    Consumer,
}

#[derive(Clone, Debug)]
pub enum Principal {
    /// No credential; with `X-Tenant`, a tenant whose published data may be read.
    Anonymous {
        tenant: Option<Arc<TenantInfo>>,
    },
    Platform,
    ApiKey {
        tenant: Arc<TenantInfo>,
    },
    Staff {
        tenant: Arc<TenantInfo>,
        id: Uuid,
        role: StaffRole,
        shop_ids: Vec<Uuid>,
    },
    Consumer {
        tenant: Arc<TenantInfo>,
        id: Uuid,
    },
}

impl Principal {
    pub fn tenant(&self) -> Option<&Arc<TenantInfo>> {
        match self {
            Principal::Anonymous { tenant } => tenant.as_ref(),
            Principal::Platform => None,
            Principal::ApiKey { tenant } | Principal::Staff { tenant, .. } | Principal::Consumer { tenant, .. } => {
                Some(tenant)
            }
        }
    }

    /// For a caller who reads the published storefront, which is the same for every caller of its kind (the
    /// response cache, kept shop cards and direct answers rely on it): its tenant, and whether it is a consumer
    /// rather than an anonymous caller naming the tenant with `X-Tenant`. `None` for everyone else.
    pub fn public_reader(&self) -> Option<(&Arc<TenantInfo>, bool)> {
        match self {
            Principal::Anonymous { tenant: Some(t) } => Some((t, false)),
            Principal::Consumer { tenant, .. } => Some((tenant, true)),
            _ => None,
        }
    }

    /// `None` for anonymous callers.
    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::Anonymous { .. } => None,
            Principal::Platform => Some(Role::Platform),
            Principal::ApiKey { .. } => Some(Role::TenantAdmin),
            Principal::Staff { role, .. } => Some(role.as_role()),
            Principal::Consumer { .. } => Some(Role::Consumer),
        }
    }

    /// (kind, id) for the audit log.
    pub fn actor(&self) -> (&'static str, Option<String>) {
        match self {
            Principal::Anonymous { .. } => ("ANONYMOUS", None),
            Principal::Platform => ("PLATFORM", None),
            Principal::ApiKey { .. } => ("API_KEY", None),
            Principal::Staff { id, .. } => ("STAFF", Some(id.to_string())),
            Principal::Consumer { id, .. } => ("CONSUMER", Some(id.to_string())),
        }
    }

    /// A stable key for per-credential rate limits.
    pub fn credential_key(&self) -> Option<String> {
        match self {
            Principal::Staff { id, .. } | Principal::Consumer { id, .. } => Some(id.to_string()),
            Principal::ApiKey { tenant } => Some(format!("key:{}", tenant.id)),
            _ => None,
        }
    }
}

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
    let claims = state.keys.verify_session(token).ok_or(AppError::Unauthenticated)?;
    let tenant = tenancy::active_by_id(state, claims.tid).await?;
    match claims.kind {
        SessionKind::Consumer => Ok(Principal::Consumer { tenant, id: claims.sub }),
        SessionKind::Staff => {
            let tx = state.db.read(tenant.id).await?;
            let row = tx.get::<staff::Entity>(claims.sub).await?;
            tx.commit().await?;
            let row = row.filter(|s| s.active && s.session_epoch == claims.ep).ok_or(AppError::Unauthenticated)?;
            let role = StaffRole::parse(&row.role)?;
            Ok(Principal::Staff { tenant, id: row.id, role, shop_ids: super::service::shop_ids(&row) })
        }
    }
}

//! Who is calling: resolved once per request (`identity::principal::resolve`), then fixed.

use std::sync::Arc;

use uuid::Uuid;

use super::TenantInfo;
use crate::error::{AppError, AppResult};

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

#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffRole {
    TenantAdmin,
    ShopManager,
    ShopStaff,
    CsAgent,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::TenantAdmin => "TENANT_ADMIN",
            StaffRole::ShopManager => "SHOP_MANAGER",
            StaffRole::ShopStaff => "SHOP_STAFF",
            StaffRole::CsAgent => "CS_AGENT",
        }
    }

    pub fn parse(text: &str) -> AppResult<StaffRole> {
        Ok(match text {
            "TENANT_ADMIN" => StaffRole::TenantAdmin,
            "SHOP_MANAGER" => StaffRole::ShopManager,
            "SHOP_STAFF" => StaffRole::ShopStaff,
            "CS_AGENT" => StaffRole::CsAgent,
            _ => return Err(AppError::internal(anyhow::anyhow!("unknown stored staff role"))),
        })
    }

    pub fn as_role(self) -> Role {
        match self {
            StaffRole::TenantAdmin => Role::TenantAdmin,
            StaffRole::ShopManager => Role::ShopManager,
            StaffRole::ShopStaff => Role::ShopStaff,
            StaffRole::CsAgent => Role::CsAgent,
        }
    }

    pub fn has_shops(self) -> bool {
        matches!(self, StaffRole::ShopManager | StaffRole::ShopStaff)
    }
}

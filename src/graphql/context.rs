//! The per-request context every resolver sees.

use std::{net::IpAddr, sync::Arc, sync::Mutex};

use async_graphql::Context;

use crate::{
    error::{AppError, AppResult},
    kernel::Principal,
    kernel::TenantId,
    kernel::TenantInfo,
    state::AppState,
};

/// Fixed for the whole request: who calls, from where, under which request id.
pub struct RequestCtx {
    pub principal: Principal,
    pub request_id: String,
    pub ip: IpAddr,
    /// The `Idempotency-Key` header, for mutations with side effects.
    pub idempotency_key: Option<String>,
    /// What the running mutation tells the audit log about itself.
    pub audit: Mutex<AuditNote>,
}

#[derive(Default, Clone)]
pub struct AuditNote {
    pub target: Option<String>,
    /// The tenant the action concerns when the caller has none (platform, sign-in).
    pub tenant: Option<TenantId>,
}

impl RequestCtx {
    pub fn new(principal: Principal, request_id: String, ip: IpAddr, idempotency_key: Option<String>) -> RequestCtx {
        RequestCtx { principal, request_id, ip, idempotency_key, audit: Mutex::default() }
    }

    pub fn take_audit(&self) -> AuditNote {
        std::mem::take(&mut *self.audit.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

pub trait CtxExt {
    fn state(&self) -> &AppState;
    fn req(&self) -> &RequestCtx;
    fn principal(&self) -> &Principal {
        &self.req().principal
    }
    /// The caller's tenant; `UNAUTHENTICATED` when the request names none.
    fn tenant(&self) -> AppResult<&Arc<TenantInfo>> {
        self.principal().tenant().ok_or(AppError::UnauthenticatedBecause("this request names no tenant"))
    }
    fn tenant_id(&self) -> AppResult<TenantId> {
        Ok(self.tenant()?.id)
    }
    /// Names the row a mutation acted on, for the audit log.
    fn audit_target(&self, target: impl ToString) {
        self.req().audit.lock().unwrap_or_else(|p| p.into_inner()).target = Some(target.to_string());
    }
    /// Names the tenant a mutation concerns when the caller has none of its own.
    fn audit_tenant(&self, tenant: TenantId) {
        self.req().audit.lock().unwrap_or_else(|p| p.into_inner()).tenant = Some(tenant);
    }
}

impl CtxExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }
    fn req(&self) -> &RequestCtx {
        self.data_unchecked::<RequestCtx>()
    }
}

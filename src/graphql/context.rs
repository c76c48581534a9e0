//! The per-request context every resolver sees.

use std::{net::IpAddr, sync::Arc};

use async_graphql::Context;

use crate::{
    db::audit_scope,
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
}

impl RequestCtx {
    pub fn new(principal: Principal, request_id: String, ip: IpAddr, idempotency_key: Option<String>) -> RequestCtx {
        RequestCtx { principal, request_id, ip, idempotency_key }
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
    /// Names the row a mutation acts on, for the audit log; call it before the change commits (a row the
    /// mutation creates is named by its service, `db::audit_scope::new_target`).
    fn audit_target(&self, target: impl ToString) {
        audit_scope::note_target(target);
    }
    /// Names the tenant a mutation concerns when the caller has none of its own.
    fn audit_tenant(&self, tenant: TenantId) {
        audit_scope::note_tenant(tenant);
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

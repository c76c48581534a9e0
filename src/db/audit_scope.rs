//! The audit scope of the running mutation. `app::hooks` opens one around each audited root mutation; the first
//! writing transaction of the scope's tenant to commit writes the audit row inside itself, just before its
//! `COMMIT` (see [`TenantTx::commit`]), so a change and its audit row commit together or not at all: a failed
//! audit insert fails the mutation. What the row says is the writer's business (`audit::service`).

use std::sync::{Arc, Mutex};

use sea_orm::DbErr;

use super::TenantTx;
use crate::kernel::TenantId;

/// Writes the audit row of a scope inside the committing transaction.
#[async_trait::async_trait]
pub trait AuditWriter: Send + Sync {
    async fn write(&self, tx: &TenantTx, target: Option<String>) -> Result<(), DbErr>;
}

pub struct AuditScope {
    writer: Box<dyn AuditWriter>,
    state: Mutex<ScopeState>,
}

#[derive(Default)]
struct ScopeState {
    /// The tenant the row belongs to; `None` while no tenant is concerned.
    tenant: Option<TenantId>,
    /// The row the mutation acts on, as far as it is known.
    target: Option<String>,
    written: bool,
}

tokio::task_local! {
    static SCOPE: Arc<AuditScope>;
}

impl AuditScope {
    pub fn new(tenant: Option<TenantId>, writer: Box<dyn AuditWriter>) -> Arc<AuditScope> {
        Arc::new(AuditScope { writer, state: Mutex::new(ScopeState { tenant, ..Default::default() }) })
    }

    /// Runs `f` inside this scope.
    pub async fn run<F: Future>(self: &Arc<Self>, f: F) -> F::Output {
        SCOPE.scope(Arc::clone(self), f).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ScopeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn tenant(&self) -> Option<TenantId> {
        self.lock().tenant
    }

    pub fn target(&self) -> Option<String> {
        self.lock().target.clone()
    }

    /// True once a transaction wrote the row and committed.
    pub fn written(&self) -> bool {
        self.lock().written
    }
}

/// Names the row the running mutation acts on (no effect outside a scope). Call it before the change commits.
pub fn note_target(target: impl ToString) {
    let _ = SCOPE.try_with(|s| s.lock().target = Some(target.to_string()));
}

/// A new row id, named as the running mutation's target: for mutations that create what they act on.
pub fn new_target() -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    note_target(id);
    id
}

/// Names the tenant the running mutation concerns when its caller has none (sign-in, the platform's tenant
/// operations).
pub fn note_tenant(tenant: TenantId) {
    let _ = SCOPE.try_with(|s| s.lock().tenant = Some(tenant));
}

/// The scope's writer, when `tx` is the first writing transaction of the scope's tenant to commit.
pub(super) fn due_for(tx: &TenantTx) -> Option<Arc<AuditScope>> {
    let scope = SCOPE.try_with(Arc::clone).ok()?;
    let due = {
        let s = scope.lock();
        !s.written && s.tenant == Some(tx.tenant())
    };
    due.then_some(scope)
}

/// Writes the row in `tx`; marks the scope written once `tx` commits (see `TenantTx::commit`).
pub(super) async fn write(scope: &AuditScope, tx: &TenantTx) -> Result<(), DbErr> {
    let target = scope.target();
    scope.writer.write(tx, target).await
}

pub(super) fn mark_written(scope: &AuditScope) {
    scope.lock().written = true;
}

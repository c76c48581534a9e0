//! Channels and the notifier that delivers a notice on one. The development notifier writes to the log.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use crate::{kernel::TenantId, state::AppState};

pub const SMS: &str = "SMS";
pub const VOICE: &str = "VOICE_CALL";
pub const WECHAT: &str = "WECHAT_TEMPLATE";

/// Delivers one notice. Implementations: the log (development), SMS, voice and WeChat providers later.
#[async_trait::async_trait]
pub trait Notifier: Send + Sync {
    async fn send(&self, channel: &str, text: &str) -> anyhow::Result<()>;
}

/// The development notifier: the message goes to the log, clearly marked.
pub struct LogNotifier;

#[async_trait::async_trait]
impl Notifier for LogNotifier {
    async fn send(&self, channel: &str, text: &str) -> anyhow::Result<()> {
        tracing::info!(
            channel,
            text,
            "notice delivered to the log (development notifier; no SMS, call or WeChat message was sent)"
        );
        Ok(())
    }
}

/// The notifier and the tenants with fresh notices, a part of the state.
pub struct Outbox {
    pub notifier: Arc<dyn Notifier>,
    pending: Mutex<HashSet<TenantId>>,
}

impl Outbox {
    pub fn new(notifier: Arc<dyn Notifier>) -> Outbox {
        Outbox { notifier, pending: Mutex::default() }
    }
}

pub fn outbox(state: &AppState) -> &Outbox {
    state.part::<Outbox>()
}

/// Tells this process's dispatcher that the tenant has fresh notices.
pub fn wake(state: &AppState, tenant: TenantId) {
    outbox(state).pending.lock().unwrap_or_else(|p| p.into_inner()).insert(tenant);
}

/// The tenants woken since the last call.
pub fn take_woken(state: &AppState) -> HashSet<TenantId> {
    std::mem::take(&mut *outbox(state).pending.lock().unwrap_or_else(|p| p.into_inner()))
}

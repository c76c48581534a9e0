//! Channels, recipients and the notifier that delivers a notice on a channel. The development notifier writes
//! to the log; SMS, voice-call and WeChat providers implement the same trait.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

use crate::{error::AppError, kernel::TenantId, state::AppState};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Sms,
    /// A voice call that reads the text (shop staff may be blind).
    VoiceCall,
    WechatTemplate,
    WechatSubscribe,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "SMS",
            Channel::VoiceCall => "VOICE_CALL",
            Channel::WechatTemplate => "WECHAT_TEMPLATE",
            Channel::WechatSubscribe => "WECHAT_SUBSCRIBE",
        }
    }

    /// A stored channel this build does not know is an internal error, never a default.
    pub fn parse(s: &str) -> Result<Channel, AppError> {
        Ok(match s {
            "SMS" => Channel::Sms,
            "VOICE_CALL" => Channel::VoiceCall,
            "WECHAT_TEMPLATE" => Channel::WechatTemplate,
            "WECHAT_SUBSCRIBE" => Channel::WechatSubscribe,
            _ => return Err(AppError::internal(anyhow::anyhow!("unknown stored notice channel"))),
        })
    }
}

/// Who receives a notice, by reference: the provider looks up the phone or WeChat identity when it sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub kind: RecipientKind,
    pub id: Uuid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipientKind {
    Shop,
    Consumer,
    Staff,
    Account,
}

impl RecipientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientKind::Shop => "SHOP",
            RecipientKind::Consumer => "CONSUMER",
            RecipientKind::Staff => "STAFF",
            RecipientKind::Account => "ACCOUNT",
        }
    }
}

/// One notice as a notifier sends it.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub tenant: TenantId,
    pub channel: Channel,
    pub recipient_kind: Option<String>,
    pub recipient_id: Option<Uuid>,
    pub text: String,
}

/// Delivers one notice. Implementations: the log (development), SMS, voice and WeChat providers.
#[async_trait::async_trait]
pub trait Notifier: Send + Sync {
    async fn send(&self, notice: &Outgoing) -> anyhow::Result<()>;
}

/// The development notifier: the message goes to the log, clearly marked (the recipient by reference only).
pub struct LogNotifier;

#[async_trait::async_trait]
impl Notifier for LogNotifier {
    async fn send(&self, n: &Outgoing) -> anyhow::Result<()> {
        tracing::info!(
            channel = n.channel.as_str(),
            recipient = n.recipient_kind.as_deref().unwrap_or("-"),
            recipient_id = ?n.recipient_id,
            text = n.text,
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

//! Writing notices: rows in the caller's transaction, so a rolled-back change sends nothing and a committed one
//! is delivered at least once (`notify::dispatch`), each dedupe key once per tenant.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, DbErr};
use uuid::Uuid;

use super::{
    channel::{Channel, Recipient},
    entity::notice,
};
use crate::db::TenantTx;

/// A notice to write.
pub struct Notice {
    pub channel: Channel,
    /// What happened, e.g. `ORDER_PAID`.
    pub event: &'static str,
    pub recipient: Recipient,
    /// Writing a notice with a key already written for the tenant adds nothing.
    pub dedupe_key: String,
    /// The words, in the tenant's language and time zone.
    pub text: String,
    /// The domain's references of what it is about (ids only, no personal data).
    pub about: serde_json::Value,
}

/// Writes the notices in the caller's transaction; answers how many were new. Call `notify::wake` after the
/// transaction commits so that this process delivers them at once.
pub async fn enqueue(tx: &TenantTx, now: DateTime<Utc>, notices: Vec<Notice>) -> Result<u64, DbErr> {
    let rows = notices
        .into_iter()
        .map(|n| notice::ActiveModel {
            tenant_id: Set(tx.tenant().0),
            id: Set(Uuid::now_v7()),
            channel: Set(n.channel.as_str().into()),
            event: Set(n.event.into()),
            payload: Set(n.about),
            recipient_kind: Set(Some(n.recipient.kind.as_str().into())),
            recipient_id: Set(Some(n.recipient.id)),
            dedupe_key: Set(Some(n.dedupe_key.chars().take(120).collect())),
            text: Set(Some(n.text)),
            attempts: Set(0),
            next_attempt_at: Set(now),
            delivered_at: Set(None),
            last_error: Set(None),
            created_at: Set(now),
        })
        .collect();
    tx.insert_many_new(rows, [notice::Column::TenantId, notice::Column::DedupeKey]).await
}

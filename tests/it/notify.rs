//! The outbox every domain writes notices to: once per dedupe key, delivered at least once, retried with
//! back-off when a provider fails, and never across tenants.

use std::sync::Mutex;

use civic::{
    kernel::TenantId,
    notify::{self, Channel, Notice, Notifier, Outgoing, Recipient, RecipientKind},
};

use crate::helpers::TestApp;

/// A provider that records what it sends, and fails while told to.
#[derive(Default)]
struct Recording {
    sent: Mutex<Vec<Outgoing>>,
    failing: Mutex<bool>,
}

#[async_trait::async_trait]
impl Notifier for Recording {
    async fn send(&self, n: &Outgoing) -> anyhow::Result<()> {
        if *self.failing.lock().unwrap() {
            anyhow::bail!("the SMS gateway is down");
        }
        self.sent.lock().unwrap().push(n.clone());
        Ok(())
    }
}

fn notice(key: &str, text: &str) -> Notice {
    Notice {
        channel: Channel::Sms,
        event: "TEST",
        recipient: Recipient { kind: RecipientKind::Shop, id: uuid::Uuid::now_v7() },
        dedupe_key: key.into(),
        text: text.into(),
        about: serde_json::json!({}),
    }
}

async fn write(app: &TestApp, tenant: TenantId, notices: Vec<Notice>) -> u64 {
    let tx = app.state.db.begin(tenant).await.unwrap();
    let n = notify::enqueue(&tx, app.state.now(), notices).await.unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn a_notice_is_written_once_per_key_and_retried_until_delivered() {
    // No dispatcher of its own: the test delivers.
    let app = TestApp::spawn_with(|c| c.dispatch_notices = false).await;
    let (a, b) = (app.tenant("massage").await, app.tenant("massage").await);
    let (a, b) = (TenantId(a.id.parse().unwrap()), TenantId(b.id.parse().unwrap()));
    assert_eq!(write(&app, a, vec![notice("k1", "新订单"), notice("k1", "新订单（重复）")]).await, 1);
    assert_eq!(write(&app, a, vec![notice("k1", "again")]).await, 0, "the key was written before");
    assert_eq!(write(&app, b, vec![notice("k1", "乙的通知")]).await, 1, "keys are per tenant");

    // A rolled-back change sends nothing.
    let tx = app.state.db.begin(a).await.unwrap();
    notify::enqueue(&tx, app.state.now(), vec![notice("k2", "never")]).await.unwrap();
    drop(tx);

    let provider = Recording::default();
    *provider.failing.lock().unwrap() = true;
    assert_eq!(notify::dispatch::deliver_due(&app.state, &provider, a).await.unwrap(), 0);
    *provider.failing.lock().unwrap() = false;
    // Not due again until its back-off has passed (2 s after the first failure): the clock moves, nothing sleeps.
    assert_eq!(notify::dispatch::deliver_due(&app.state, &provider, a).await.unwrap(), 0, "backing off");
    app.state.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(notify::dispatch::deliver_due(&app.state, &provider, a).await.unwrap(), 1);
    assert_eq!(notify::dispatch::deliver_due(&app.state, &provider, a).await.unwrap(), 0, "delivered once");
    let sent = provider.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].text.as_str(), sent[0].tenant, sent[0].recipient_kind.as_deref()), ("新订单", a, Some("SHOP")));
}

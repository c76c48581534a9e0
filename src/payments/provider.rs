//! Payment providers. A `PaymentProvider` starts a payment and verifies its notifications; the notification is
//! applied by one function (`payments::apply`), whichever way it arrives. The simulated provider (the development
//! default, labelled as such everywhere) settles at once by producing a signed notification that goes through
//! that same function, as WeChat Pay v3's will through `POST /webhooks/pay/{provider}/{tenant}`.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::{infra::crypto, kernel::TenantInfo, state::AppState};

/// What a provider is asked to settle: a payment of one amount.
pub struct Charge {
    pub id: Uuid,
    pub amount_fen: i64,
}

/// The configured provider, a part of the state.
#[derive(Clone)]
pub struct Provider(pub Arc<dyn PaymentProvider>);

impl Provider {
    pub fn simulated(key: [u8; 32]) -> Provider {
        Provider(Arc::new(SimulatedProvider::new(key)))
    }
}

/// The state's payment provider.
pub fn provider(state: &AppState) -> &dyn PaymentProvider {
    state.part::<Provider>().0.as_ref()
}

pub const PENDING: &str = "PENDING";
pub const SUCCEEDED: &str = "SUCCEEDED";
pub const FAILED: &str = "FAILED";

/// What a provider tells us about a payment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub payment_id: Uuid,
    pub transaction_id: String,
    pub amount_fen: i64,
    /// `SUCCESS` or `FAILED`.
    pub status: String,
}

pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> &'static str;
    /// For a provider that settles at once, the signed notification (body, signature) of the payment.
    fn settle_now(&self, p: &Charge) -> Option<(Vec<u8>, String)>;
    /// The notification in a request body, if its signature holds.
    fn verify(&self, body: &[u8], signature: Option<&str>) -> Option<Notification>;
}

/// THE SIMULATED PROVIDER: no money moves. Every payment succeeds at once; its notification is signed with a
/// key derived from `CIVIC_SECRET_KEY`, so a forged one is refused like a forged WeChat Pay notification.
pub struct SimulatedProvider {
    key: [u8; 32],
}

impl SimulatedProvider {
    pub fn new(key: [u8; 32]) -> SimulatedProvider {
        SimulatedProvider { key }
    }

    /// A notification as the simulated provider sends it: the body and its signature.
    pub fn signed(&self, n: &Notification) -> (Vec<u8>, String) {
        let body = serde_json::to_vec(n).expect("a notification serialises");
        let signature = self.sign(&body);
        (body, signature)
    }

    fn sign(&self, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(body);
        crypto::hex(&mac.finalize().into_bytes())
    }
}

impl PaymentProvider for SimulatedProvider {
    fn name(&self) -> &'static str {
        "simulated"
    }

    fn settle_now(&self, p: &Charge) -> Option<(Vec<u8>, String)> {
        let n = Notification {
            payment_id: p.id,
            transaction_id: format!("SIM{}", p.id.simple()),
            amount_fen: p.amount_fen,
            status: "SUCCESS".into(),
        };
        Some(self.signed(&n))
    }

    fn verify(&self, body: &[u8], signature: Option<&str>) -> Option<Notification> {
        let given = signature?;
        if !crypto::secret_eq(&self.sign(body), given) {
            return None;
        }
        serde_json::from_slice(body).ok()
    }
}

/// The simulated provider moves no money: in production it serves load-test tenants only.
pub fn may_use_simulation(state: &AppState, tenant: &TenantInfo) -> bool {
    !state.config.is_production() || tenant.is_load_test
}

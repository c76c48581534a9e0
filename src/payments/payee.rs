//! Payables and their payees. A payment pays one or more *payables* (an order; later a recharge or a set of
//! bills), each owned by a domain that registers a [`Payee`] for its kind of payable. `payments` never names a
//! domain: when money arrives it asks the payee of each allocation to take it, inside the payment's transaction.

use std::{any::Any, collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{db::TenantTx, error::AppResult, kernel::TenantInfo, state::AppState};

/// Something to be paid: its kind (the payee's), its id in that domain, and how much of the payment is for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payable {
    pub kind: &'static str,
    pub id: Uuid,
    pub amount_fen: i64,
}

/// What a payee did with money that arrived for one of its payables.
#[derive(Debug)]
pub enum Receipt {
    /// Taken: the payable is paid (by this part of the payment). With the payable as it now is, when the payee
    /// has it at hand: the caller that started the payment answers with it instead of reading it again.
    Taken(Option<Now>),
    /// The payable can no longer be paid (closed meanwhile): the payee recorded the money as paid and given back,
    /// and `payments` refunds this part at once.
    GiveBack,
}

/// A payable as it is after taking the money, in its domain's own type (which only that domain reads back).
pub struct Now(Box<dyn Any + Send + Sync>);

impl Now {
    pub fn of<T: Any + Send + Sync>(payable: T) -> Now {
        Now(Box::new(payable))
    }

    /// The payable, when it is a `T`.
    pub fn into<T: Any>(self) -> Option<T> {
        self.0.downcast().ok().map(|b| *b)
    }
}

impl std::fmt::Debug for Now {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Now(..)")
    }
}

/// A domain's side of its payables.
#[async_trait::async_trait]
pub trait Payee: Send + Sync {
    /// Money arrived for `payable` (`amount_fen` of it), in the transaction that settles the payment. An error
    /// rolls the whole settlement back (the provider sends the notification again).
    async fn paid(
        &self,
        tx: &TenantTx,
        tenant: &TenantInfo,
        payable: Uuid,
        amount_fen: i64,
        now: DateTime<Utc>,
    ) -> AppResult<Receipt>;
}

/// Every domain's payee by kind of payable: a part of the state, filled in `app`.
#[derive(Default, Clone)]
pub struct Payees(HashMap<&'static str, Arc<dyn Payee>>);

impl Payees {
    pub fn with(mut self, kind: &'static str, payee: impl Payee + 'static) -> Payees {
        self.0.insert(kind, Arc::new(payee));
        self
    }

    pub(crate) fn of(state: &AppState, kind: &str) -> AppResult<Arc<dyn Payee>> {
        state
            .part::<Payees>()
            .0
            .get(kind)
            .cloned()
            .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("no payee for payables of kind {kind}")))
    }
}

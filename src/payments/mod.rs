//! Payments, a capability every domain uses. A payment pays one or more payables (an order today; a recharge or
//! a set of bills later) through allocations that sum to it; the domain that owns a kind of payable registers its
//! [`Payee`] (`app` lists them) and reacts when money arrives. Providers, the simulated provider, the one path
//! that applies a notification, and refunds live here.

pub mod apply;
pub mod entity;
pub mod payee;
pub mod provider;
pub mod refund;
pub mod start;

pub use apply::{Applied, apply};
/// A payment as stored.
pub use entity::payment::Model as Payment;
pub use payee::{Now, Payable, Payee, Payees, Receipt};
pub use provider::{Notification, PaymentProvider, Provider, SimulatedProvider, may_use_simulation, provider};
pub use refund::refund_payable;
pub use start::{NewPayment, Settled, by_key, of_payable, open, settle};

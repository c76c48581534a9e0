//! Payments, a capability every domain uses: providers, the simulated provider, and notifications applied once.

pub mod provider;

pub use provider::{Notification, PaymentProvider, Provider, SimulatedProvider, may_use_simulation, provider};

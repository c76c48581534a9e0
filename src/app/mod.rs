//! The composition root: the only code that names every domain. It assembles the schema from the domains'
//! roots (`domains`, `schema`), runs the hooks of every mutation (`hooks`), sets the response cache's rules for
//! public root fields (`cache`), starts the background jobs (`jobs`), and builds the state with every runtime
//! part (`state`).

pub mod cache;
pub mod domains;
pub mod exec;
pub mod hooks;
pub mod jobs;
pub mod schema;

use std::sync::Arc;

use crate::{
    booking,
    config::Config,
    identity,
    kernel::Clock,
    notify, payments,
    state::{AppState, Parts},
    storefront,
};

/// The state with the runtime parts of every capability and domain, on the system clock.
pub async fn state(config: Config) -> anyhow::Result<AppState> {
    state_with_clock(config, Clock::system()).await
}

/// The state on the given clock (tests move it).
pub async fn state_with_clock(config: Config, clock: Clock) -> anyhow::Result<AppState> {
    AppState::build(config, clock, |keys| {
        Parts::default()
            .with(payments::Provider::simulated(keys.payment_notify_key()))
            .with(payments::Payees::default().with(booking::payment::ORDER, booking::payment::OrderPayee))
            .with(notify::Outbox::new(Arc::new(notify::LogNotifier)))
            .with(identity::service::Shops(Arc::new(storefront::staff_shops::StaffShops)))
            .with(storefront::index::Indexes::default())
            .with(storefront::search_sync::Pending::default())
            .with(booking::claims::Claims::default())
            .with(crate::graphql::direct::Written::default())
    })
    .await
}

//! Civic: a multi-tenant GraphQL service for blind-massage centres and water utilities.

// The layers, bottom to top (a module imports only from its own layer and those below; `tests/it/layers.rs`
// checks it): error, config → kernel → db, infra → state → graphql → payments, notify → tenancy, identity,
// audit, media → storefront, booking → app, seed → http.
pub mod app;
pub mod audit;
pub mod booking;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod infra;
pub mod kernel;
pub mod media;
pub mod notify;
pub mod payments;
pub mod seed;
pub mod state;
pub mod storefront;
pub mod tenancy;
pub mod web;

use std::{
    future::{Future, IntoFuture},
    net::SocketAddr,
    time::Duration,
};

use anyhow::{Context, bail};
use secrecy::ExposeSecret;
use tokio::net::{TcpListener, TcpSocket};

use crate::{
    config::Config,
    db::{Db, PoolOptions, unscoped},
    state::AppState,
};

/// Listens with a backlog of 4,096: tokio's default (128) drops a burst of 500 connections into a retry.
pub fn listen(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    Ok(socket.listen(4096)?)
}

/// Runs pending migrations as the owner role and, on PostgreSQL, grants the service role what it needs.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    if !config.is_postgres() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    }
    let admin =
        Db::connect(config.database_admin_url.expose_secret(), PoolOptions { max_connections: 2, min_connections: 0 })
            .await
            .context("cannot connect to the database as the owner (DATABASE_ADMIN_URL)")?;
    unscoped::migrate(&admin).await.context("migrations failed")?;
    db::citus::distribute(&admin).await.context("distributing the tables on Citus failed")?;
    if let Some(role) = service_role(config)? {
        unscoped::grant_service_role(&admin, &role).await.context("granting the service role failed")?;
    }
    admin.close().await;
    Ok(())
}

/// The service role's name when it differs from the owner's (PostgreSQL only).
fn service_role(config: &Config) -> anyhow::Result<Option<String>> {
    if !config.is_postgres() {
        return Ok(None);
    }
    let user = |url: &str| -> anyhow::Result<String> {
        let u = reqwest::Url::parse(url).context("DATABASE_URL is not a URL")?;
        Ok(if u.username().is_empty() { std::env::var("USER").unwrap_or_default() } else { u.username().to_owned() })
    };
    let service = user(config.database_url.expose_secret())?;
    let admin = user(config.database_admin_url.expose_secret())?;
    Ok((service != admin).then_some(service))
}

/// Checks that the service role cannot see past row-level security. Production refuses to start otherwise.
pub async fn check_service_role(state: &AppState) -> anyhow::Result<()> {
    if let Some((superuser, bypass, owns)) = unscoped::role_powers(&state.db).await?
        && (superuser || bypass || owns)
    {
        let msg = "the DATABASE_URL role is a superuser, bypasses RLS or owns tables: tenant isolation then rests on \
                   the application alone. Use a plain role and run migrations as DATABASE_ADMIN_URL";
        if state.config.is_production() {
            bail!(msg);
        }
        tracing::warn!("{msg}");
    }
    Ok(())
}

/// Serves until `shutdown` resolves; then `/readyz` turns 503 at once, the listener keeps accepting for `drain`
/// (so that load balancers see the 503 and move traffic away), and in-flight requests get `grace` to finish.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain: Duration,
    grace: Duration,
) -> anyhow::Result<()> {
    let app = http::router(state.clone())?;
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let draining = state.clone();
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(
        async move {
            shutdown.await;
            draining.set_draining();
            tracing::info!(?drain, "shutting down: not ready; draining");
            tokio::time::sleep(drain).await;
            tracing::info!("no new connections; finishing in-flight requests");
            let _ = stopping_tx.send(());
        },
    );
    let jobs = app::jobs::start(&state);
    let result = tokio::select! {
        r = server.into_future() => r.map_err(Into::into),
        _ = async { let _ = stopping_rx.await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "in-flight requests did not finish in time; stopping anyway");
            Ok(())
        }
    };
    for job in jobs {
        job.abort();
    }
    result
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

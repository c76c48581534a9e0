//! The `state` of WeChat web-page authorisation: signed, kept until one sign-in consumes it (10 minutes at
//! most), and handed out only for a return address on the tenant's H5 origin or the service's public URL.

use chrono::Duration;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult, Refusal},
    identity::entity::oauth_state,
    infra::origin,
    kernel::TenantInfo,
    state::AppState,
    tenancy::service as tenancy,
};

pub const STATE_TTL: Duration = Duration::minutes(10);

/// Refuses a `redirectUri` outside the tenant's H5 origin and the service's public URL.
pub async fn check_redirect(state: &AppState, tenant: &TenantInfo, redirect_uri: &str) -> AppResult<()> {
    check_on_h5_origin(state, tenant, redirect_uri, "redirectUri").await
}

/// Refuses an address (the input `field`) outside the tenant's H5 origin and the service's public URL.
pub async fn check_on_h5_origin(state: &AppState, tenant: &TenantInfo, url: &str, field: &str) -> AppResult<()> {
    let refused = |msg: String| {
        AppError::Validation(Refusal {
            reason: Some("REDIRECT_NOT_ALLOWED"),
            field: Some(field.into()),
            ..Refusal::new(msg)
        })
    };
    if url.len() > 512 {
        return Err(refused(format!("{field} must be at most 512 characters")));
    }
    let Some(origin) = origin::origin_of(url) else {
        return Err(refused(format!("{field} must be an http(s) URL")));
    };
    let h5 = tenancy::wechat_h5_origin(state, tenant.id).await?;
    if h5.as_deref() == Some(origin.as_str()) || state.config.public_origin.as_deref() == Some(origin.as_str()) {
        return Ok(());
    }
    Err(refused(format!("{field} must lie on this tenant's H5 origin (configureWechat's h5Origin)")))
}

/// A new `state` for the tenant, good for one sign-in within 10 minutes. Expired states of the tenant go.
pub async fn issue_state(state: &AppState, tenant: &TenantInfo) -> AppResult<String> {
    let now = state.now();
    let expires_at = now + STATE_TTL;
    let nonce = Uuid::now_v7();
    let tx = state.db.begin_unaudited(tenant.id).await?;
    tx.exec_delete(tx.delete_many::<oauth_state::Entity>().map(|q| q.filter(oauth_state::Column::ExpiresAt.lte(now))))
        .await?;
    tx.insert(oauth_state::ActiveModel {
        tenant_id: Set(tenant.id.0),
        id: Set(nonce),
        expires_at: Set(expires_at),
        created_at: Set(now),
    })
    .await?;
    tx.commit().await?;
    Ok(state.keys.sign_state(&tenant.slug, nonce, expires_at.timestamp()))
}

/// Consumes a `state` this service handed out for the tenant: it works once, until it expires.
pub async fn consume_state(state: &AppState, tenant: &TenantInfo, oauth_state: &str) -> AppResult<()> {
    let refused = AppError::UnauthenticatedBecause("the state does not match a sign-in this service started");
    let now = state.now();
    let Some(nonce) = state.keys.verify_state(oauth_state, &tenant.slug, now.timestamp()) else {
        return Err(refused);
    };
    let tx = state.db.begin_unaudited(tenant.id).await?;
    let taken = tx
        .exec_delete(
            tx.delete_many::<oauth_state::Entity>()
                .map(|q| q.filter(oauth_state::Column::Id.eq(nonce)).filter(oauth_state::Column::ExpiresAt.gt(now))),
        )
        .await?;
    tx.commit().await?;
    if taken == 1 { Ok(()) } else { Err(refused) }
}

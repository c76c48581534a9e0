//! The JS-SDK configuration of an H5 page (`wx.config`), signed on the server for an address on the tenant's
//! H5 origin, with the official account's `jsapi_ticket` kept for its lifetime.

use super::oauth;
use crate::{
    error::{AppError, AppResult},
    infra::{crypto, wechat::jsapi},
    kernel::TenantInfo,
    state::AppState,
    tenancy::service as tenancy,
};

pub struct JsConfig {
    pub app_id: String,
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
}

/// `wx.config`'s values for the page at `url` (its `#` part is not signed).
pub async fn wechat_js_config(state: &AppState, tenant: &TenantInfo, url: &str) -> AppResult<JsConfig> {
    oauth::check_on_h5_origin(state, tenant, url, "url").await?;
    let (app_id, secret) = tenancy::wechat_credentials(state, tenant.id)
        .await?
        .ok_or_else(|| AppError::validation("WeChat is not configured for this tenant"))?;
    let ticket = jsapi::ticket(&state.cache, &state.http, &state.config.wechat_api_base, &app_id, &secret).await?;
    let timestamp = state.now().timestamp();
    let nonce = crypto::random_token(12).replace(['+', '/', '='], "");
    let signature = jsapi::signature(&ticket, &nonce, timestamp, url);
    Ok(JsConfig { app_id, timestamp, nonce, signature })
}

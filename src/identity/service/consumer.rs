//! Consumers: WeChat sign-in, and the synthetic consumers of load-test tenants.

use chrono::Duration;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::{CONSUMER_SESSION, Session, issue, oauth};
use crate::{
    error::{AppError, AppResult, unique_or},
    identity::entity::consumer,
    infra::{crypto::SessionKind, wechat},
    kernel::{TenantId, TenantInfo},
    state::AppState,
    tenancy::service as tenancy,
};

/// The URL that starts WeChat web-page authorisation for a tenant, returning to `redirect_uri` (on the tenant's
/// H5 origin or the service's public URL), with a `state` that one `wechat_login` within 10 minutes consumes.
pub async fn wechat_authorize_url(state: &AppState, tenant_slug: &str, redirect_uri: &str) -> AppResult<String> {
    let tenant = tenancy::active_by_slug(state, tenant_slug).await?;
    let app_id =
        tenant.wechat_app_id.clone().ok_or_else(|| AppError::validation("WeChat is not configured for this tenant"))?;
    oauth::check_redirect(state, &tenant, redirect_uri).await?;
    let st = oauth::issue_state(state, &tenant).await?;
    let mut url =
        reqwest::Url::parse("https://open.weixin.qq.com/connect/oauth2/authorize").map_err(AppError::internal)?;
    url.query_pairs_mut()
        .append_pair("appid", &app_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", "snsapi_base")
        .append_pair("state", &st);
    Ok(format!("{url}#wechat_redirect"))
}

/// Consumer sign-in with a WeChat OAuth code. The consumer is found or created by (tenant, appid, openid).
pub async fn wechat_login(state: &AppState, tenant_slug: &str, code: &str, oauth_state: &str) -> AppResult<Session> {
    let tenant = tenancy::active_by_slug(state, tenant_slug).await?;
    if code.is_empty() || code.len() > 256 {
        return Err(AppError::invalid_field("code", "code must be 1-256 characters"));
    }
    oauth::consume_state(state, &tenant, oauth_state).await?;
    let (app_id, secret) = tenancy::wechat_credentials(state, tenant.id)
        .await?
        .ok_or_else(|| AppError::validation("WeChat is not configured for this tenant"))?;
    let user = wechat::exchange_code(&state.http, &state.config.wechat_api_base, &app_id, &secret, code).await?;
    let id = find_or_create_consumer(state, tenant.id, &app_id, &user).await?;
    Ok(issue(state, tenant.id, id, SessionKind::Consumer, 0, CONSUMER_SESSION))
}

/// The app id under which the synthetic consumers of load-test tenants are kept (a real one starts with `wx`).
pub const LOAD_TEST_APP_ID: &str = "loadtest";
/// Load-test sessions outlive a WeChat sign-in's, so that a seed made before a long test still serves it.
pub const LOAD_TEST_SESSION: Duration = Duration::hours(24);

/// A consumer session for a synthetic consumer of a load-test tenant, found or created by `openid` as a WeChat
/// sign-in would (without asking WeChat). For `civic seed volume --consumer-tokens`; other tenants are refused.
pub async fn load_test_consumer_session(state: &AppState, tenant: &TenantInfo, openid: &str) -> AppResult<Session> {
    if !tenant.is_load_test {
        return Err(AppError::Forbidden);
    }
    let user = wechat::WechatUser { openid: openid.to_owned(), unionid: None };
    let id = find_or_create_consumer(state, tenant.id, LOAD_TEST_APP_ID, &user).await?;
    Ok(issue(state, tenant.id, id, SessionKind::Consumer, 0, LOAD_TEST_SESSION))
}

/// The app id under which the stand-in's consumers are kept (a real one starts with `wx`).
pub const STANDIN_APP_ID: &str = "standin";

/// Outside WeChat, in development and the demo: signs in at once the consumer of this browser's stand-in
/// identity (`browser`, a random id the browser keeps), found or made as a WeChat sign-in would. Refused in
/// production, where only WeChat signs consumers in.
pub async fn standin_login(state: &AppState, tenant_slug: &str, browser: &str) -> AppResult<Session> {
    if state.config.is_production() {
        return Err(AppError::Forbidden);
    }
    if browser.len() < 16 || browser.len() > 64 || !browser.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::invalid_field("browser", "the stand-in id must be 16-64 letters or digits"));
    }
    let tenant = tenancy::active_by_slug(state, tenant_slug).await?;
    let user = wechat::WechatUser { openid: format!("standin-{browser}"), unionid: None };
    let id = find_or_create_consumer(state, tenant.id, STANDIN_APP_ID, &user).await?;
    Ok(issue(state, tenant.id, id, SessionKind::Consumer, 0, CONSUMER_SESSION))
}

/// A demo consumer (`civic seed demo`), found or made by `openid` as a WeChat sign-in would.
pub async fn demo_consumer(state: &AppState, tenant: TenantId, openid: &str) -> AppResult<Uuid> {
    let user = wechat::WechatUser { openid: openid.to_owned(), unionid: None };
    find_or_create_consumer(state, tenant, "demo", &user).await
}

/// The consumer of (tenant, app id, openid), made on first sign-in; the openid is kept encrypted with a lookup
/// hash. Two first sign-ins at once make one consumer.
async fn find_or_create_consumer(
    state: &AppState,
    tenant: TenantId,
    app_id: &str,
    user: &wechat::WechatUser,
) -> AppResult<Uuid> {
    let openid_hash = state.keys.lookup_hash("openid", &format!("{app_id}\0{}", user.openid));
    match upsert_consumer(state, tenant, app_id, &openid_hash, user).await {
        Err(AppError::Conflict(_)) => upsert_consumer(state, tenant, app_id, &openid_hash, user).await,
        other => other,
    }
}

async fn upsert_consumer(
    state: &AppState,
    tenant: TenantId,
    app_id: &str,
    openid_hash: &str,
    user: &wechat::WechatUser,
) -> AppResult<Uuid> {
    let now = state.now();
    let tx = state.db.begin(tenant).await?;
    let existing =
        tx.one(tx.select::<consumer::Entity>().map(|q| {
            q.filter(consumer::Column::AppId.eq(app_id)).filter(consumer::Column::OpenidHash.eq(openid_hash))
        }))
        .await?;
    let id = match existing {
        Some(c) => {
            let id = c.id;
            let mut am = c.into_active_model();
            am.last_login_at = Set(now);
            tx.update(am).await?;
            id
        }
        None => {
            let row = consumer::ActiveModel {
                tenant_id: Set(tenant.0),
                id: Set(Uuid::now_v7()),
                app_id: Set(app_id.to_owned()),
                openid_hash: Set(openid_hash.to_owned()),
                openid_enc: Set(state.keys.encrypt(&user.openid)),
                unionid_enc: Set(user.unionid.as_deref().map(|u| state.keys.encrypt(u))),
                phone_enc: Set(None),
                phone_hash: Set(None),
                created_at: Set(now),
                last_login_at: Set(now),
            };
            tx.insert(row)
                .await
                .map_err(|e| {
                    unique_or(e, "ux_consumers_openid", || AppError::conflict("consumer created concurrently"))
                })?
                .id
        }
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn get_consumer(state: &AppState, tenant: TenantId, id: Uuid) -> AppResult<consumer::Model> {
    let tx = state.db.read(tenant).await?;
    let row = tx.get::<consumer::Entity>(id).await?;
    tx.commit().await?;
    row.ok_or(AppError::NotFound("consumer"))
}

//! Staff accounts, sign-in and its throttles, WeChat consumers.

mod consumer;
mod jssdk;
mod login;
mod oauth;
mod password;
mod platform;
mod shops;
mod staff;
mod throttle;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::{
    infra::crypto::{SessionClaims, SessionKind},
    kernel::TenantId,
    state::AppState,
};

pub use consumer::{
    LOAD_TEST_APP_ID, LOAD_TEST_SESSION, demo_consumer, get_consumer, load_test_consumer_session, standin_login,
    wechat_authorize_url, wechat_login,
};
pub use jssdk::{JsConfig, wechat_js_config};
pub use login::staff_login;
pub use platform::{PLATFORM_SESSION, platform_session};
pub use shops::{ShopDirectory, Shops};
pub use staff::{
    NewStaff, StaffPatch, change_password, create_staff, get_staff, list_staff, masked_phone, reset_password, shop_ids,
    update_staff,
};

pub const STAFF_SESSION: Duration = Duration::hours(8);
pub const CONSUMER_SESSION: Duration = Duration::hours(2);

pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

fn issue(state: &AppState, tenant: TenantId, sub: Uuid, kind: SessionKind, epoch: i32, ttl: Duration) -> Session {
    let now = state.now();
    let expires_at = now + ttl;
    let claims =
        SessionClaims { sub, tid: tenant.0, kind, ep: epoch, iat: now.timestamp(), exp: expires_at.timestamp() };
    Session { token: state.keys.sign_session(&claims), expires_at }
}

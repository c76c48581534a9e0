//! WeChat official-account OAuth (web page authorisation): exchange a code for the user's openid; the JS-SDK's
//! signature (`jsapi`).

pub mod jsapi;

use serde::Deserialize;

use crate::error::{AppError, AppResult};

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    openid: Option<String>,
    unionid: Option<String>,
    errcode: Option<i64>,
}

pub struct WechatUser {
    pub openid: String,
    pub unionid: Option<String>,
}

/// `GET {base}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`.
/// A WeChat error (40029 invalid code, 40163 code used, …) is `UNAUTHENTICATED`; the secret and the openid
/// never reach the log (reqwest errors are stripped of their URL).
pub async fn exchange_code(
    http: &reqwest::Client,
    base: &str,
    app_id: &str,
    secret: &str,
    code: &str,
) -> AppResult<WechatUser> {
    let url = format!("{}/sns/oauth2/access_token", base.trim_end_matches('/'));
    let answer = http
        .get(url)
        .query(&[("appid", app_id), ("secret", secret), ("code", code), ("grant_type", "authorization_code")])
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| AppError::internal(anyhow::anyhow!("WeChat OAuth unreachable: {}", e.without_url())))?
        .json::<TokenAnswer>()
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("WeChat OAuth answer unreadable: {}", e.without_url())))?;
    match (answer.errcode, answer.openid) {
        (None | Some(0), Some(openid)) if !openid.is_empty() => Ok(WechatUser { openid, unionid: answer.unionid }),
        (code, _) => {
            tracing::info!(wechat_errcode = ?code, "WeChat refused an OAuth code");
            Err(AppError::UnauthenticatedBecause("WeChat did not accept this code"))
        }
    }
}

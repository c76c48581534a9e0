//! The JS-SDK's `wx.config`: the official account's `jsapi_ticket` (fetched with its access token, kept for
//! its lifetime in the shared cache so every process signs with the same one) and the page signature.

use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;

use crate::{
    error::{AppError, AppResult},
    infra::cache::Cache,
};

/// How long before WeChat's stated expiry a ticket stops being used.
const MARGIN_SECS: u64 = 300;

/// The signature of `url` (the page's address without its `#` part) under `ticket`, as WeChat checks it: the
/// SHA-1 of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, in lower-case hex.
pub fn signature(ticket: &str, nonce: &str, timestamp: i64, url: &str) -> String {
    let url = url.split('#').next().unwrap_or_default();
    let text = format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}");
    sha1_smol::Sha1::from(text.as_bytes()).digest().to_string()
}

#[derive(Deserialize)]
struct Answer {
    errcode: Option<i64>,
    access_token: Option<String>,
    ticket: Option<String>,
    expires_in: Option<u64>,
}

async fn ask(http: &reqwest::Client, url: String, query: &[(&str, &str)]) -> AppResult<Answer> {
    http.get(url)
        .query(query)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| AppError::internal(anyhow::anyhow!("WeChat unreachable: {}", e.without_url())))?
        .json::<Answer>()
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("WeChat answer unreadable: {}", e.without_url())))
}

/// A fresh ticket from WeChat: the account's access token, then the ticket, with how long it holds.
async fn fetch(http: &reqwest::Client, base: &str, app_id: &str, secret: &str) -> AppResult<(String, u64)> {
    let base = base.trim_end_matches('/');
    let token = ask(
        http,
        format!("{base}/cgi-bin/token"),
        &[("grant_type", "client_credential"), ("appid", app_id), ("secret", secret)],
    )
    .await?;
    let Some(access_token) = token.access_token.filter(|t| !t.is_empty()) else {
        tracing::warn!(wechat_errcode = ?token.errcode, "WeChat refused the official account's access token");
        return Err(AppError::internal(anyhow::anyhow!("WeChat refused an access token")));
    };
    let answer = ask(
        http,
        format!("{base}/cgi-bin/ticket/getticket"),
        &[("access_token", access_token.as_str()), ("type", "jsapi")],
    )
    .await?;
    match (answer.errcode, answer.ticket) {
        (None | Some(0), Some(ticket)) if !ticket.is_empty() => Ok((ticket, answer.expires_in.unwrap_or(7200))),
        (code, _) => {
            tracing::warn!(wechat_errcode = ?code, "WeChat refused a jsapi_ticket");
            Err(AppError::internal(anyhow::anyhow!("WeChat refused a jsapi_ticket")))
        }
    }
}

/// The official account's current `jsapi_ticket`, from the cache while it holds, else from WeChat (one fetch
/// per process at a time).
pub async fn ticket(
    cache: &Cache,
    http: &reqwest::Client,
    base: &str,
    app_id: &str,
    secret: &str,
) -> AppResult<String> {
    let failed = std::sync::Mutex::new(None);
    let load = async {
        match fetch(http, base, app_id, secret).await {
            Ok((ticket, expires_in)) => {
                let ttl = Duration::from_secs(expires_in.saturating_sub(MARGIN_SECS).max(60));
                Some((Bytes::from(ticket), ttl))
            }
            Err(err) => {
                *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(err);
                None
            }
        }
    };
    match cache.get_or_load(format!("wechat:jsapi_ticket:{app_id}"), load).await {
        Some((entry, _)) => String::from_utf8(entry.body.to_vec()).map_err(AppError::internal),
        None => Err(failed
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(|| AppError::internal(anyhow::anyhow!("no jsapi_ticket")))),
    }
}

#[cfg(test)]
mod tests {
    use super::signature;

    /// The example of WeChat's JS-SDK documentation (appendix 1, the signature algorithm).
    #[test]
    fn signs_as_wechat_documents() {
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        let s = signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value");
        assert_eq!(s, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    }

    #[test]
    fn the_fragment_is_not_signed() {
        let a = signature("t", "n", 1, "https://h5.example/h5/bj/shops/1?x=1#top");
        assert_eq!(a, signature("t", "n", 1, "https://h5.example/h5/bj/shops/1?x=1"));
    }
}

//! `POST /media` (multipart: `file` and `purpose`) and `GET /media/{id}[?thumb=1][&tenant=slug]`.

use std::{net::SocketAddr, time::Duration};

use axum::{
    Extension, Json,
    extract::{ConnectInfo, Multipart, Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;

use super::{REQUEST_ID, Web, client_addr};
use crate::{
    error::{AppError, error_body},
    identity::principal,
    infra::media::{MAX_UPLOAD_BYTES, MediaError, Purpose},
    media::service::{self, UploadError},
};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refuse(err: AppError, headers: &HeaderMap) -> Response {
    let id = header(headers, REQUEST_ID.as_str()).unwrap_or("-");
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = %format!("{cause:#}"), "internal error in media");
    }
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(error_body(&err, id))).into_response()
}

fn refuse_image(err: MediaError, headers: &HeaderMap) -> Response {
    let id = header(headers, REQUEST_ID.as_str()).unwrap_or("-");
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(error_body(&AppError::from(err), id))).into_response()
}

/// A refusal for now (429, 503) with `Retry-After` in whole seconds, at least one.
fn refuse_for(err: AppError, retry_after: Duration, headers: &HeaderMap) -> Response {
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let mut response = refuse(err, headers);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

pub async fn upload(
    State(web): State<Web>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let ip = client_addr(peer.map(|p| p.0.0));
    let who =
        match principal::resolve(&web.state, header(&headers, "authorization"), header(&headers, "x-tenant")).await {
            Ok(p) => p,
            Err(e) => return refuse(e, &headers),
        };
    let (mut file, mut purpose): (Option<Bytes>, Option<String>) = (None, None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => match field.bytes().await {
                    Ok(b) => file = Some(b),
                    Err(_) => return refuse_image(MediaError::TooLarge, &headers),
                },
                Some("purpose") => purpose = field.text().await.ok(),
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return refuse(AppError::BadRequest("the body must be multipart/form-data".into()), &headers),
        }
    }
    let (Some(file), Some(purpose)) = (file, purpose) else {
        return refuse(AppError::validation("send the parts `file` and `purpose`"), &headers);
    };
    let purpose = match Purpose::parse(purpose.trim()) {
        Ok(p) => p,
        Err(e) => return refuse(e, &headers),
    };
    match service::upload(&web.state, &who, ip, purpose, file).await {
        Ok(m) => {
            let url = format!("/media/{}", m.id);
            let body = serde_json::json!({
                "id": m.id.to_string(), "purpose": m.purpose, "width": m.width, "height": m.height,
                "url": url, "thumbUrl": format!("{url}?thumb=1"),
            });
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(UploadError::Image(e)) => refuse_image(e, &headers),
        Err(UploadError::Refused(e)) => refuse(e, &headers),
        Err(UploadError::Later(e, retry_after)) => refuse_for(e, retry_after, &headers),
    }
}

#[derive(serde::Deserialize)]
pub struct ReadQuery {
    thumb: Option<String>,
    /// For `<img src>`, which cannot send `X-Tenant`.
    tenant: Option<String>,
}

pub async fn read(
    State(web): State<Web>,
    Path(id): Path<String>,
    Query(q): Query<ReadQuery>,
    headers: HeaderMap,
) -> Response {
    let x_tenant = header(&headers, "x-tenant").or(q.tenant.as_deref());
    let who = match principal::resolve(&web.state, header(&headers, "authorization"), x_tenant).await {
        Ok(p) => p,
        Err(AppError::TenantUnknown) => return refuse(AppError::NotFound("media"), &headers),
        Err(e) => return refuse(e, &headers),
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return refuse(AppError::NotFound("media"), &headers) };
    let thumb = matches!(q.thumb.as_deref(), Some("1" | "true"));
    match service::fetch(&web.state, &who, id, thumb).await {
        Ok((bytes, public)) => {
            let cache = if public { "public, max-age=86400, immutable" } else { "private, no-store" };
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
            r
        }
        Err(e) => refuse(e, &headers),
    }
}

/// Largest upload body: the file and the form around it.
pub const MAX_UPLOAD_BODY: usize = MAX_UPLOAD_BYTES + 64 * 1024;

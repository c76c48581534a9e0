//! Uploads and reads of images. Which tenants may upload: those whose template offers the purpose (shop and
//! therapist photos need `storefront`; meter and ID photos, `water_accounts`; ticket photos, `tickets`). Who may
//! upload: shop and therapist photos, a tenant admin or shop manager; meter, ticket and ID photos, consumers and
//! staff. Who may read: public photos, anyone of the tenant (anonymous H5 pages included); private ones, the
//! consumer who uploaded them and the tenant's admins and agents.

use std::{net::IpAddr, time::Duration};

use bytes::Bytes;

use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use super::entity as media;
use crate::{
    db::TenantTx,
    error::{AppError, AppResult, Refusal},
    infra::media::{self as images, BudgetRefused, MediaError, Purpose},
    kernel::TenantId,
    kernel::{Principal, StaffRole},
    state::AppState,
};

pub enum UploadError {
    Refused(AppError),
    Image(MediaError),
    /// Refused for now (too many uploads, or no memory to decode one): the client may try again after this long.
    Later(AppError, Duration),
}

/// How long an upload refused for want of decode memory is asked to wait before it tries again.
const RETRY_WHEN_BUSY: Duration = Duration::from_secs(2);

impl From<AppError> for UploadError {
    fn from(e: AppError) -> Self {
        UploadError::Refused(e)
    }
}

impl From<sea_orm::DbErr> for UploadError {
    fn from(e: sea_orm::DbErr) -> Self {
        UploadError::Refused(e.into())
    }
}

/// Who may upload for `purpose`: a signed-in caller of a tenant whose template offers the purpose's feature
/// (else `FEATURE_OFF` on `purpose`, whatever the caller's role), with the role the purpose asks for.
fn may_upload(who: &Principal, purpose: Purpose) -> AppResult<TenantId> {
    if matches!(who, Principal::Anonymous { .. }) {
        return Err(AppError::Unauthenticated);
    }
    if let Some(t) = who.tenant()
        && !t.has_feature(purpose.feature())
    {
        let message = format!("this tenant's template does not offer {}", purpose.as_str());
        return Err(AppError::ForbiddenBecause(Refusal {
            reason: Some("FEATURE_OFF"),
            field: Some("purpose".into()),
            ..Refusal::new(message)
        }));
    }
    let tenant = who.tenant().map(|t| t.id);
    let allowed = matches!(
        (who, purpose.is_public()),
        (Principal::ApiKey { .. }, _)
            | (Principal::Staff { role: StaffRole::TenantAdmin | StaffRole::ShopManager, .. }, true)
            | (Principal::Staff { .. } | Principal::Consumer { .. }, false)
    );
    match (allowed, tenant) {
        (true, Some(t)) => Ok(t),
        _ => Err(AppError::Forbidden),
    }
}

/// Checks that each id names an upload of this tenant for `purpose` (at most 20 of them), in the caller's
/// transaction.
pub async fn check_uploads(tx: &TenantTx, ids: &[Uuid], purpose: &str) -> AppResult<()> {
    if ids.len() > 20 {
        return Err(AppError::validation("at most 20 photos"));
    }
    for id in ids {
        match tx.get::<media::Entity>(*id).await? {
            Some(m) if m.purpose == purpose => {}
            _ => return Err(AppError::validation(format!("photo {id} is not an uploaded {purpose}"))),
        }
    }
    Ok(())
}

fn uploader(who: &Principal) -> String {
    let (kind, id) = who.actor();
    format!("{kind}:{}", id.unwrap_or_default())
}

/// Consumers' uploads count against a budget per consumer and per client address (the consumer's first, so
/// that one consumer's refused uploads do not spend the address's budget); staff and API keys are bounded by the
/// decode budget alone, as their other writes are not limited.
fn rate_limit(state: &AppState, who: &Principal, ip: IpAddr) -> Result<(), UploadError> {
    let Principal::Consumer { .. } = who else { return Ok(()) };
    let credential = who.credential_key().map_or(Ok(()), |key| state.upload_limits.check_credential(&key));
    credential.and_then(|()| state.upload_limits.check_ip(ip)).map_err(|wait| {
        let refused = AppError::rate_limited_because("TOO_MANY_UPLOADS", "too many uploads; try again in a minute");
        UploadError::Later(refused, wait)
    })
}

/// Reserves the memory that decoding `data` takes from the shared budget, waiting briefly when it is taken.
async fn reserve_decode(state: &AppState, data: &[u8]) -> Result<images::Reserved, UploadError> {
    let cost = images::decode_cost(data).map_err(UploadError::Image)?;
    state.decode_budget.reserve(cost).await.map_err(|refused| match refused {
        BudgetRefused::TooLarge => UploadError::Image(MediaError::NeedsTooMuchMemory),
        BudgetRefused::Busy => {
            metrics::counter!("civic_uploads_busy_total").increment(1);
            let busy =
                AppError::unavailable_because("DECODE_BUSY", "the server is busy with other images; try again shortly");
            UploadError::Later(busy, RETRY_WHEN_BUSY)
        }
    })
}

/// Checks, cleans and stores an upload; answers its row.
pub async fn upload(
    state: &AppState,
    who: &Principal,
    ip: IpAddr,
    purpose: Purpose,
    data: Bytes,
) -> Result<media::Model, UploadError> {
    let tenant = may_upload(who, purpose)?;
    rate_limit(state, who, ip)?;
    let reserved = reserve_decode(state, &data).await?;
    let processed = tokio::task::spawn_blocking(move || {
        let processed = images::process(&data);
        drop(reserved);
        processed
    })
    .await
    .map_err(|e| UploadError::Refused(AppError::internal(e)))?
    .map_err(UploadError::Image)?;
    let id = Uuid::now_v7();
    state.media.put(tenant.0, id, &processed).await.map_err(AppError::Internal)?;
    let row = media::ActiveModel {
        tenant_id: Set(tenant.0),
        id: Set(id),
        purpose: Set(purpose.as_str().to_owned()),
        width: Set(processed.width as i32),
        height: Set(processed.height as i32),
        thumb_width: Set(processed.thumb_width as i32),
        thumb_height: Set(processed.thumb_height as i32),
        bytes: Set(processed.image.len() as i64),
        uploaded_by: Set(uploader(who)),
        created_at: Set(state.now()),
    };
    let saved = async {
        let tx = state.db.begin(tenant).await?;
        let m = tx.insert(row).await?;
        tx.commit().await?;
        Ok::<_, sea_orm::DbErr>(m)
    }
    .await;
    match saved {
        Ok(m) => Ok(m),
        Err(e) => {
            // No row, no file: the stored object would be unreachable.
            let _ = state.media.delete(tenant.0, id).await;
            Err(e.into())
        }
    }
}

fn may_read(who: &Principal, m: &media::Model) -> bool {
    if Purpose::parse(&m.purpose).is_ok_and(Purpose::is_public) {
        return true;
    }
    match who {
        Principal::ApiKey { .. } | Principal::Staff { role: StaffRole::TenantAdmin | StaffRole::CsAgent, .. } => true,
        other => uploader(other) == m.uploaded_by,
    }
}

/// The stored image (or its thumbnail) and whether it is public; `NOT_FOUND` for another tenant's id, an id
/// that does not exist, or a private image the caller may not see.
pub async fn fetch(state: &AppState, who: &Principal, id: Uuid, thumb: bool) -> AppResult<(Bytes, bool)> {
    let tenant = who.tenant().ok_or(AppError::NotFound("media"))?.id;
    let tx = state.db.read(tenant).await?;
    let row = tx.get::<media::Entity>(id).await?;
    tx.commit().await?;
    let row = row.filter(|m| may_read(who, m)).ok_or(AppError::NotFound("media"))?;
    let public = Purpose::parse(&row.purpose).is_ok_and(Purpose::is_public);
    let bytes =
        state.media.get(tenant.0, id, thumb).await.map_err(AppError::Internal)?.ok_or(AppError::NotFound("media"))?;
    Ok((bytes, public))
}

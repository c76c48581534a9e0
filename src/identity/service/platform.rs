//! The platform operator's console session: minted from the platform token, short, and never the token itself.

use chrono::Duration;
use uuid::Uuid;

use super::{Session, issue};
use crate::{
    error::{AppError, AppResult},
    infra::crypto::SessionKind,
    kernel::TenantId,
    state::AppState,
};

/// How long a platform session lasts.
pub const PLATFORM_SESSION: Duration = Duration::minutes(30);

/// A session for the holder of the platform token (`UNAUTHENTICATED` for anything else). It ends when the
/// token is replaced.
pub fn platform_session(state: &AppState, token: &str) -> AppResult<Session> {
    if !state.is_platform_token(token.trim()) {
        return Err(AppError::Unauthenticated);
    }
    let epoch = state.platform_epoch();
    Ok(issue(state, TenantId(Uuid::nil()), Uuid::nil(), SessionKind::Platform, epoch, PLATFORM_SESSION))
}

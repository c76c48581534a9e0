//! Field guards by role. Every root field carries one: `Allow(&[...])` or `Public`.

use async_graphql::{Context, Guard, Result};

use super::context::CtxExt;
use crate::{error::AppError, kernel::Role};

/// Lets through callers holding one of the roles; anonymous callers get `UNAUTHENTICATED`, others `FORBIDDEN`.
pub struct Allow(pub &'static [Role]);

impl Guard for Allow {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        match ctx.principal().role() {
            None => Err(AppError::Unauthenticated.into()),
            Some(role) if self.0.contains(&role) => Ok(()),
            Some(_) => Err(AppError::Forbidden.into()),
        }
    }
}

/// Open to every caller, anonymous included (sign-in, published storefront data). Written out so that a
/// field without a guard stands out in review.
pub struct Public;

impl Guard for Public {
    async fn check(&self, _ctx: &Context<'_>) -> Result<()> {
        Ok(())
    }
}

pub const PLATFORM: &[Role] = &[Role::Platform];
pub const TENANT_ADMIN: &[Role] = &[Role::TenantAdmin];
pub const STAFF: &[Role] = &[Role::TenantAdmin, Role::ShopManager, Role::ShopStaff, Role::CsAgent];
/// Tenant admins (any shop) and shop managers (their own shops; the service checks which).
pub const SHOP_WRITERS: &[Role] = &[Role::TenantAdmin, Role::ShopManager];
pub const PLATFORM_OR_TENANT_ADMIN: &[Role] = &[Role::Platform, Role::TenantAdmin];
pub const ANY_SIGNED_IN: &[Role] =
    &[Role::Platform, Role::TenantAdmin, Role::ShopManager, Role::ShopStaff, Role::CsAgent, Role::Consumer];

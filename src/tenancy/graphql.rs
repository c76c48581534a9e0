use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::service;
use crate::kernel::TenantInfo;
use crate::{
    error::AppError,
    graphql::{
        context::CtxExt,
        guard::{Allow, PLATFORM, PLATFORM_OR_TENANT_ADMIN, Public, TENANT_ADMIN},
        id_of,
        pagination::Page,
    },
    kernel::Principal,
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum TenantStatus {
    Active,
    Suspended,
}

#[derive(SimpleObject)]
pub struct Tenant {
    pub id: ID,
    pub slug: String,
    pub name: String,
    /// `massage` or `water`.
    pub kind: String,
    pub template: String,
    /// IANA time zone in which the tenant's times are shown, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    pub status: TenantStatus,
    /// The tenant's WeChat official account, once configured.
    pub wechat_app_id: Option<String>,
    /// Load-test tenants stay out of business figures and never reach real payment or message providers.
    pub is_load_test: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&TenantInfo> for Tenant {
    fn from(t: &TenantInfo) -> Self {
        Tenant {
            id: ID(t.id.to_string()),
            slug: t.slug.clone(),
            name: t.name.clone(),
            kind: t.kind.clone(),
            template: t.template.clone(),
            time_zone: t.time_zone.name().to_owned(),
            status: if t.status == service::SUSPENDED { TenantStatus::Suspended } else { TenantStatus::Active },
            wechat_app_id: t.wechat_app_id.clone(),
            is_load_test: t.is_load_test,
            created_at: t.created_at,
        }
    }
}

#[derive(InputObject)]
pub struct CreateTenantInput {
    /// 3–63 of a-z, 0-9 and '-'; used in `X-Tenant` and sign-in.
    pub slug: String,
    pub name: String,
    /// `massage` or `water`.
    pub template: String,
    #[graphql(default)]
    pub is_load_test: bool,
}

#[derive(SimpleObject)]
pub struct CreateTenantPayload {
    pub tenant: Tenant,
    /// The tenant's API key, shown only this once; only its hash is stored.
    pub api_key: String,
}

#[derive(SimpleObject)]
pub struct ApiKeyPayload {
    /// The new API key, shown only this once. The previous key no longer works.
    pub api_key: String,
}

#[derive(InputObject)]
pub struct ConfigureWechatInput {
    pub app_id: String,
    /// Stored encrypted; never shown again.
    pub app_secret: String,
    /// The origin of the tenant's H5 pages (`https://h5.example.cn`): a WeChat sign-in may send the user back
    /// only there (or to the service's own public URL). Left out, it keeps its value.
    pub h5_origin: Option<String>,
}

#[derive(Default)]
pub struct TenancyQuery;

#[Object]
impl TenancyQuery {
    /// The caller's tenant (from its credential or `X-Tenant`); null for the platform operator.
    #[graphql(guard = "Public")]
    async fn tenant(&self, ctx: &Context<'_>) -> Option<Tenant> {
        ctx.principal().tenant().map(|t| Tenant::from(t.as_ref()))
    }

    /// Every tenant, oldest first.
    #[graphql(guard = "Allow(PLATFORM)", complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Tenant>> {
        let page = Page::parse(first, after)?;
        let rows = service::list(ctx.state(), page.after, page.fetch()).await?;
        Ok(page.connection(rows.iter().map(|t| (t.id.0, Tenant::from(t.as_ref()))).collect()))
    }
}

#[derive(Default)]
pub struct TenancyMutation;

/// The tenant a platform or tenant-admin caller means: the platform names it; a tenant admin may only mean its
/// own (another tenant's id is `NOT_FOUND`, as if it did not exist).
fn target_tenant(ctx: &Context<'_>, id: Option<&ID>) -> Result<crate::kernel::TenantId, AppError> {
    match (ctx.principal(), id) {
        (Principal::Platform, Some(id)) => Ok(crate::kernel::TenantId(id_of(id, "tenant")?)),
        (Principal::Platform, None) => Err(AppError::invalid_field("tenantId", "tenantId is required")),
        (p, id) => {
            let own = p.tenant().ok_or(AppError::Forbidden)?.id;
            match id {
                Some(id) if id_of(id, "tenant")? != own.0 => Err(AppError::NotFound("tenant")),
                _ => Ok(own),
            }
        }
    }
}

#[Object]
impl TenancyMutation {
    /// Onboards a tenant from a template and answers its API key, once.
    #[graphql(guard = "Allow(PLATFORM)")]
    async fn create_tenant(
        &self,
        ctx: &Context<'_>,
        input: CreateTenantInput,
    ) -> async_graphql::Result<CreateTenantPayload> {
        let new = service::NewTenant {
            slug: &input.slug,
            name: &input.name,
            template: &input.template,
            is_load_test: input.is_load_test,
        };
        let (tenant, api_key) = service::create(ctx.state(), new).await?;
        ctx.audit_tenant(tenant.id);
        ctx.audit_target(tenant.id);
        Ok(CreateTenantPayload { tenant: Tenant::from(tenant.as_ref()), api_key })
    }

    /// Replaces a tenant's API key. The platform names the tenant; a tenant admin rotates its own.
    #[graphql(guard = "Allow(PLATFORM_OR_TENANT_ADMIN)")]
    async fn rotate_api_key(&self, ctx: &Context<'_>, tenant_id: Option<ID>) -> async_graphql::Result<ApiKeyPayload> {
        let tenant = target_tenant(ctx, tenant_id.as_ref())?;
        ctx.audit_tenant(tenant);
        ctx.audit_target(tenant);
        Ok(ApiKeyPayload { api_key: service::rotate_api_key(ctx.state(), tenant).await? })
    }

    /// Refuses every request of the tenant until it is activated again.
    #[graphql(guard = "Allow(PLATFORM)")]
    async fn suspend_tenant(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Tenant> {
        set_status(ctx, &id, service::SUSPENDED).await
    }

    #[graphql(guard = "Allow(PLATFORM)")]
    async fn activate_tenant(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Tenant> {
        set_status(ctx, &id, service::ACTIVE).await
    }

    /// Sets the tenant's WeChat official account (appid and secret) used for consumer sign-in.
    #[graphql(guard = "Allow(TENANT_ADMIN)")]
    async fn configure_wechat(&self, ctx: &Context<'_>, input: ConfigureWechatInput) -> async_graphql::Result<Tenant> {
        let tenant = ctx.tenant_id()?;
        ctx.audit_target(tenant);
        let t = service::configure_wechat(
            ctx.state(),
            tenant,
            &input.app_id,
            &input.app_secret,
            input.h5_origin.as_deref(),
        )
        .await?;
        Ok(Tenant::from(t.as_ref()))
    }
}

async fn set_status(ctx: &Context<'_>, id: &ID, status: &str) -> async_graphql::Result<Tenant> {
    let tenant = crate::kernel::TenantId(id_of(id, "tenant")?);
    ctx.audit_tenant(tenant);
    ctx.audit_target(tenant);
    let t: Arc<TenantInfo> = service::set_status(ctx.state(), tenant, status).await?;
    Ok(Tenant::from(t.as_ref()))
}

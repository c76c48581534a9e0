use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::{
    entity::{consumer, staff},
    service::{self, NewStaff, StaffPatch},
};
use crate::{
    error::{AppError, AppResult},
    graphql::{
        context::CtxExt,
        guard::{Allow, Public, STAFF, TENANT_ADMIN},
        id_of, ids_of,
        pagination::Page,
    },
    kernel::{Principal, StaffRole},
    state::AppState,
    tenancy::graphql::Tenant,
};

#[derive(SimpleObject)]
pub struct Staff {
    pub id: ID,
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    /// The shops a SHOP_MANAGER or SHOP_STAFF works for.
    pub shop_ids: Vec<ID>,
    /// Masked, e.g. `138****1234`.
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

fn staff_out(state: &AppState, m: staff::Model) -> AppResult<Staff> {
    Ok(Staff {
        id: ID(m.id.to_string()),
        phone: service::masked_phone(state, m.phone_enc.as_deref())?,
        shop_ids: service::shop_ids(&m).into_iter().map(|s| ID(s.to_string())).collect(),
        role: StaffRole::parse(&m.role)?,
        username: m.username,
        display_name: m.display_name,
        active: m.active,
        created_at: m.created_at,
    })
}

#[derive(SimpleObject)]
pub struct Consumer {
    pub id: ID,
    /// Masked, e.g. `138****1234`.
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn consumer_out(state: &AppState, m: consumer::Model) -> AppResult<Consumer> {
    Ok(Consumer {
        id: ID(m.id.to_string()),
        phone: service::masked_phone(state, m.phone_enc.as_deref())?,
        created_at: m.created_at,
    })
}

#[derive(SimpleObject)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl From<service::Session> for Session {
    fn from(s: service::Session) -> Self {
        Session { token: s.token, expires_at: s.expires_at }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    Anonymous,
    Platform,
    ApiKey,
    Staff,
    Consumer,
}

/// The caller as the service sees it.
#[derive(SimpleObject)]
pub struct Me {
    pub kind: CallerKind,
    pub tenant: Option<Tenant>,
    /// For staff: their account.
    pub staff: Option<Staff>,
    /// For consumers: their account.
    pub consumer: Option<Consumer>,
}

#[derive(InputObject)]
pub struct CreateStaffInput {
    pub username: String,
    /// 10–128 characters, not easy to guess (`VALIDATION`, reason `WEAK_PASSWORD`).
    pub password: String,
    pub display_name: String,
    pub role: StaffRole,
    /// Required for SHOP_MANAGER and SHOP_STAFF, empty otherwise; each a shop of the tenant (`VALIDATION`,
    /// reason `UNKNOWN_SHOP`).
    #[graphql(default)]
    pub shop_ids: Vec<ID>,
    /// A mainland mobile number; stored encrypted.
    pub phone: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateStaffInput {
    pub display_name: Option<String>,
    /// A change of role, shops or a deactivation ends the account's sessions.
    pub role: Option<StaffRole>,
    /// Left out, a SHOP_MANAGER or SHOP_STAFF keeps their shops.
    pub shop_ids: Option<Vec<ID>>,
    pub active: Option<bool>,
    /// null removes the number.
    pub phone: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// Who is calling.
    #[graphql(guard = "Public")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let state = ctx.state();
        let p = ctx.principal();
        let tenant = p.tenant().map(|t| Tenant::from(t.as_ref()));
        let (kind, staff, consumer) = match p {
            Principal::Anonymous { .. } => (CallerKind::Anonymous, None, None),
            Principal::Platform => (CallerKind::Platform, None, None),
            Principal::ApiKey { .. } => (CallerKind::ApiKey, None, None),
            Principal::Staff { tenant, id, .. } => {
                (CallerKind::Staff, Some(staff_out(state, service::get_staff(state, tenant.id, *id).await?)?), None)
            }
            Principal::Consumer { tenant, id } => (
                CallerKind::Consumer,
                None,
                Some(consumer_out(state, service::get_consumer(state, tenant.id, *id).await?)?),
            ),
        };
        Ok(Me { kind, tenant, staff, consumer })
    }

    #[graphql(guard = "Allow(TENANT_ADMIN)")]
    async fn staff(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Staff> {
        let state = ctx.state();
        Ok(staff_out(state, service::get_staff(state, ctx.tenant_id()?, id_of(&id, "staff")?).await?)?)
    }

    /// The tenant's staff accounts, oldest first.
    #[graphql(
        guard = "Allow(TENANT_ADMIN)",
        complexity = "crate::graphql::pagination::page_cost(first, child_complexity)"
    )]
    async fn staff_members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Staff>> {
        let state = ctx.state();
        let page = Page::parse(first, after)?;
        let rows = service::list_staff(state, ctx.tenant_id()?, page.after, page.fetch()).await?;
        let rows = rows.into_iter().map(|m| Ok((m.id, staff_out(state, m)?))).collect::<AppResult<Vec<_>>>()?;
        Ok(page.connection(rows))
    }

    /// Where a WeChat H5 page sends the user to sign in; the `state` in it is what `wechatLogin` expects back,
    /// once, within 10 minutes. `redirectUri` must lie on the tenant's H5 origin or the service's public URL
    /// (`VALIDATION`, reason `REDIRECT_NOT_ALLOWED`).
    #[graphql(guard = "Public")]
    async fn wechat_authorize_url(
        &self,
        ctx: &Context<'_>,
        tenant: String,
        redirect_uri: String,
    ) -> async_graphql::Result<String> {
        // Each answer keeps a state for 10 minutes: a budget per client address, like anonymous mutations.
        if !ctx.state().limits.allow_ip(ctx.req().ip) {
            let err = AppError::rate_limited_because("TOO_MANY_REQUESTS", "too many requests; try again in a minute");
            return Err(err.into());
        }
        Ok(service::wechat_authorize_url(ctx.state(), &tenant, &redirect_uri).await?)
    }

    /// The JS-SDK's `wx.config` values for the H5 page at `url` (on the tenant's H5 origin or the service's
    /// public URL), for the caller's tenant (`X-Tenant`, or the consumer's session).
    #[graphql(guard = "Public")]
    async fn wechat_js_config(&self, ctx: &Context<'_>, url: String) -> async_graphql::Result<WechatJsConfig> {
        let tenant = ctx.tenant()?;
        let c = service::wechat_js_config(ctx.state(), tenant, &url).await?;
        Ok(WechatJsConfig { app_id: c.app_id, timestamp: c.timestamp, nonce_str: c.nonce, signature: c.signature })
    }
}

/// What `wx.config` takes (its `jsApiList` is the page's own).
#[derive(SimpleObject)]
pub struct WechatJsConfig {
    pub app_id: String,
    pub timestamp: i64,
    pub nonce_str: String,
    pub signature: String,
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    #[graphql(guard = "Allow(TENANT_ADMIN)")]
    async fn create_staff(&self, ctx: &Context<'_>, input: CreateStaffInput) -> async_graphql::Result<Staff> {
        let state = ctx.state();
        let new = NewStaff {
            username: input.username,
            password: input.password,
            display_name: input.display_name,
            role: input.role,
            shop_ids: ids_of(&input.shop_ids)?,
            phone: input.phone,
        };
        let m = service::create_staff(state, ctx.tenant_id()?, new).await?;
        Ok(staff_out(state, m)?)
    }

    #[graphql(guard = "Allow(TENANT_ADMIN)")]
    async fn update_staff(&self, ctx: &Context<'_>, id: ID, input: UpdateStaffInput) -> async_graphql::Result<Staff> {
        let state = ctx.state();
        let id = id_of(&id, "staff")?;
        ctx.audit_target(id);
        let patch = StaffPatch {
            display_name: input.display_name,
            role: input.role,
            shop_ids: input.shop_ids.as_deref().map(ids_of).transpose()?,
            active: input.active,
            phone: match input.phone {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(p) => Some(Some(p)),
            },
        };
        Ok(staff_out(state, service::update_staff(state, ctx.tenant_id()?, id, patch).await?)?)
    }

    /// Sets a staff member's password and ends their sessions.
    #[graphql(guard = "Allow(TENANT_ADMIN)")]
    async fn reset_staff_password(&self, ctx: &Context<'_>, id: ID, password: String) -> async_graphql::Result<bool> {
        let id = id_of(&id, "staff")?;
        ctx.audit_target(id);
        service::reset_password(ctx.state(), ctx.tenant_id()?, id, password).await?;
        Ok(true)
    }

    /// The signed-in staff member changes their own password; every earlier session ends.
    #[graphql(guard = "Allow(STAFF)")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<bool> {
        let Principal::Staff { tenant, id, .. } = ctx.principal() else {
            return Err(crate::error::AppError::Forbidden.into());
        };
        ctx.audit_target(id);
        service::change_password(ctx.state(), tenant.id, *id, current_password, new_password).await?;
        Ok(true)
    }

    /// Staff sign-in. Five attempts for a name from one address within 15 minutes, or twenty from addresses where
    /// it has not signed in lately, pause it there (`RATE_LIMITED`, reason `TOO_MANY_SIGN_INS`) for the rest of
    /// the 15 minutes.
    #[graphql(guard = "Public")]
    async fn staff_login(
        &self,
        ctx: &Context<'_>,
        tenant: String,
        username: String,
        password: String,
    ) -> async_graphql::Result<Session> {
        let state = ctx.state();
        if let Ok(Some(t)) = crate::tenancy::service::by_slug(state, &tenant).await {
            ctx.audit_tenant(t.id);
        }
        ctx.audit_target(username.trim().to_lowercase().chars().take(64).collect::<String>());
        Ok(service::staff_login(state, &tenant, &username, password, ctx.req().ip).await?.into())
    }

    /// Consumer sign-in with the code and state WeChat sent back to the page.
    #[graphql(guard = "Public")]
    async fn wechat_login(
        &self,
        ctx: &Context<'_>,
        tenant: String,
        code: String,
        state: String,
    ) -> async_graphql::Result<Session> {
        Ok(service::wechat_login(ctx.state(), &tenant, &code, &state).await?.into())
    }
}

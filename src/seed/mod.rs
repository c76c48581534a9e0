//! Demo data (`seed/demo.toml`).

mod bookings;
mod storefront;
pub mod volume;

use serde::Deserialize;

use crate::{
    identity::service::{self as identity, NewStaff},
    infra::crypto,
    kernel::StaffRole,
    state::AppState,
    tenancy::service::{self as tenancy, NewTenant},
};

#[derive(Deserialize)]
struct Demo {
    tenant: Vec<DemoTenant>,
}

#[derive(Deserialize)]
struct DemoTenant {
    slug: String,
    name: String,
    template: String,
    admin_username: String,
    admin_display_name: String,
    /// `beijing`: the Beijing shops of `seed/beijing_shops.toml`.
    storefront: Option<String>,
    /// Shop staff, each for one of the demo shops.
    #[serde(default)]
    staff: Vec<DemoStaff>,
}

#[derive(Deserialize)]
struct DemoStaff {
    username: String,
    display_name: String,
    role: String,
    /// The demo shop they work in: 1 is the first of the storefront file.
    shop: usize,
}

/// Creates the demo tenants that do not exist yet, each with an administrator, and prints their credentials
/// (shown only when created). Answers the slugs of the demo tenants that have H5 pages (a storefront).
pub async fn demo(state: &AppState) -> anyhow::Result<Vec<String>> {
    let demo: Demo = toml::from_str(include_str!("../../seed/demo.toml"))?;
    let slugs = demo.tenant.iter().filter(|t| t.storefront.is_some()).map(|t| t.slug.clone()).collect();
    for t in demo.tenant {
        if tenancy::by_slug(state, &t.slug).await?.is_some() {
            println!("demo tenant {} exists already; its credentials were printed when it was created", t.slug);
            continue;
        }
        let new = NewTenant { slug: &t.slug, name: &t.name, template: &t.template, is_load_test: false };
        let (tenant, api_key) = tenancy::create(state, new).await?;
        let password = crypto::random_token(12);
        identity::create_staff(
            state,
            tenant.id,
            NewStaff {
                username: t.admin_username.clone(),
                password: password.clone(),
                display_name: t.admin_display_name,
                role: StaffRole::TenantAdmin,
                shop_ids: vec![],
                phone: None,
            },
        )
        .await?;
        let shops = match t.storefront.as_deref() {
            Some("beijing") => storefront::beijing(state, &tenant).await?,
            _ => vec![],
        };
        if !shops.is_empty() {
            println!("demo tenant {}: {} shops with therapists, services and promotions", t.slug, shops.len());
            let n = bookings::demo(state, &tenant, &shops[0]).await?;
            println!("demo tenant {}: {n} paid bookings in its first shop, today and tomorrow", t.slug);
        }
        println!("demo tenant {} ({}):", t.slug, t.name);
        println!("  API key:       {api_key}");
        println!("  administrator: {} / {password}", t.admin_username);
        for s in t.staff {
            let shop = shops.get(s.shop.wrapping_sub(1)).ok_or_else(|| anyhow::anyhow!("no demo shop {}", s.shop))?.id;
            let password = crypto::random_token(12);
            let role = StaffRole::parse(&s.role)?;
            let new = NewStaff {
                username: s.username.clone(),
                password: password.clone(),
                display_name: s.display_name.clone(),
                role,
                shop_ids: vec![shop],
                phone: None,
            };
            identity::create_staff(state, tenant.id, new).await?;
            println!("  {} {}: {} / {password}", role_words(role), s.display_name, s.username);
        }
    }
    Ok(slugs)
}

fn role_words(role: StaffRole) -> &'static str {
    match role {
        StaffRole::ShopManager => "shop manager",
        StaffRole::ShopStaff => "shop staff",
        _ => "staff",
    }
}

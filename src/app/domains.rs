//! The domain registry: the one place that names every domain with what it brings (its GraphQL roots, the
//! template feature that switches it on, its tenant tables and cache areas). Background jobs are started in
//! `app::jobs`, and the response cache's rules for public root fields are in `app::cache`; the README's "Adding
//! a domain" lists every place a new domain touches.

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, ObjectType, Schema};

use crate::{
    audit::graphql::AuditQuery,
    booking::graphql::{BookingMutation, BookingQuery},
    identity::graphql::{IdentityMutation, IdentityQuery},
    kernel::Area,
    storefront::graphql::{StorefrontMutation, StorefrontQuery},
    tenancy::graphql::{TenancyMutation, TenancyQuery},
};

#[derive(MergedObject, Default)]
pub struct Query(TenancyQuery, IdentityQuery, AuditQuery, StorefrontQuery, BookingQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(TenancyMutation, IdentityMutation, StorefrontMutation, BookingMutation);

/// What a domain brings besides its code.
pub struct Domain {
    pub name: &'static str,
    /// The template feature (`tenants/*.toml`) a tenant needs for this domain's root fields; `None` for the
    /// platform's domains, which every tenant has.
    pub feature: Option<&'static str>,
    /// Its tenant-owned tables, children before parents (the migration crate's `TENANT_TABLES` lists them all).
    pub tables: &'static [&'static str],
    /// The cache areas whose generation its writes raise.
    pub areas: &'static [Area],
    /// Its root fields: the SDL of a schema of its roots alone.
    roots: fn() -> String,
}

fn roots_of<Q, M>() -> String
where
    Q: ObjectType + Default + 'static,
    M: ObjectType + Default + 'static,
{
    Schema::build(Q::default(), M::default(), EmptySubscription).finish().sdl()
}

pub const DOMAINS: &[Domain] = &[
    Domain {
        name: "tenancy",
        feature: None,
        tables: &[],
        areas: &[],
        roots: roots_of::<TenancyQuery, TenancyMutation>,
    },
    Domain {
        name: "identity",
        feature: None,
        tables: &["oauth_states", "sign_in_throttles", "consumers", "staff"],
        areas: &[],
        roots: roots_of::<IdentityQuery, IdentityMutation>,
    },
    Domain {
        name: "audit",
        feature: None,
        tables: &["audit_log"],
        areas: &[],
        roots: roots_of::<AuditQuery, EmptyMutation>,
    },
    Domain { name: "media", feature: None, tables: &["media"], areas: &[], roots: String::new },
    Domain { name: "notify", feature: None, tables: &["notices"], areas: &[], roots: String::new },
    Domain {
        name: "payments",
        feature: None,
        tables: &["refunds", "payment_events", "payment_allocations", "payments"],
        areas: &[],
        roots: String::new,
    },
    Domain {
        name: "storefront",
        feature: Some("storefront"),
        tables: &[
            "search_outbox",
            "promotion_shops",
            "promotions",
            "service_therapists",
            "service_items",
            "therapists",
            "shops",
        ],
        areas: &[Area::Storefront],
        roots: roots_of::<StorefrontQuery, StorefrontMutation>,
    },
    Domain {
        name: "booking",
        feature: Some("booking"),
        tables: &["reviews", "slot_claims", "orders"],
        areas: &[Area::Booking],
        roots: roots_of::<BookingQuery, BookingMutation>,
    },
];

/// The root fields (`Query.x`, `Mutation.y`) of each domain that a template feature switches on.
pub fn featured_roots() -> Vec<(String, &'static str)> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let mut out = vec![];
    for domain in DOMAINS {
        let Some(feature) = domain.feature else { continue };
        let Ok(doc) = async_graphql::parser::parse_schema((domain.roots)()) else { continue };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else { continue };
            let parent = t.node.name.node.as_str();
            // The roots of a schema of one domain are named by its root objects; merged, they are Query/Mutation.
            let kind = match parent {
                p if p.ends_with("Query") => "Query",
                p if p.ends_with("Mutation") => "Mutation",
                _ => continue,
            };
            if let TypeKind::Object(obj) = &t.node.kind {
                for f in &obj.fields {
                    out.push((format!("{kind}.{}", f.node.name.node), feature));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_domains_name_every_tenant_table_once() {
        let listed: Vec<&str> = DOMAINS.iter().flat_map(|d| d.tables.iter().copied()).collect();
        let unique: HashSet<&str> = listed.iter().copied().collect();
        assert_eq!(unique.len(), listed.len(), "a table named by two domains");
        let migrated: HashSet<&str> = migration::TENANT_TABLES.iter().copied().collect();
        assert_eq!(unique, migrated, "app::domains and the migration crate's TENANT_TABLES disagree");
    }

    #[test]
    fn featured_domains_list_their_root_fields() {
        let roots = featured_roots();
        assert!(roots.contains(&("Mutation.createShop".into(), "storefront")), "{roots:?}");
        assert!(roots.contains(&("Query.nearestShops".into(), "storefront")));
        assert!(roots.contains(&("Mutation.payOrder".into(), "booking")));
        assert!(!roots.iter().any(|(f, _)| f == "Mutation.staffLogin"), "platform domains need no feature");
    }
}

//! The response cache's rules for each domain's root fields: which answers are the same for every anonymous
//! caller of a tenant (and for every consumer), how long they hold, on which cache areas they depend, and which
//! are written without the executor.

use std::time::Duration;

use crate::{
    booking::{self, AVAILABILITY_TTL},
    error::AppResult,
    graphql::{direct::WriteFn, response_cache::Policy},
    kernel::TenantInfo,
    state::AppState,
    storefront::{self, timetable::STOREFRONT_TTL},
};

/// The policy of a root field whose answer is public (`None` for every other).
pub fn policy_of(root: &str) -> Option<Policy> {
    match root {
        "shop" | "shops" | "therapist" | "serviceItem" | "promotions" => {
            Some(Policy::new(STOREFRONT_TTL, false, false))
        }
        "nearestShops" | "searchShops" => Some(Policy::new(STOREFRONT_TTL, false, true)),
        // A day's free slots are asked again within seconds only for a shop in demand, and every booking of the
        // tenant moves them to a new key: stored from their second ask, like a position.
        "availableSlots" => Some(Policy::new(AVAILABILITY_TTL, true, true)),
        _ => None,
    }
}

/// The writer of a public root field whose answer is written without the executor before it is cached
/// (`graphql::direct`): a shop's profile and promotions, computed once for each shop, and the shops nearest a
/// position, asked for at a new position by nearly every consumer who opens the pages, and a day's free slots,
/// asked for at a new shop and date by nearly every consumer who books.
pub fn writer_of(root: &str) -> Option<WriteFn> {
    match root {
        "shop" => Some(storefront::graphql::written::shop),
        "promotions" => Some(storefront::graphql::written::promotions),
        "nearestShops" => Some(storefront::graphql::written::nearest_shops),
        "availableSlots" => Some(booking::graphql::written::available_slots),
        _ => None,
    }
}

/// How long a cacheable answer computed now holds: public answers are read from the tenant's storefront, which
/// changes by itself when a promotion starts or ends.
pub async fn holds(state: &AppState, tenant: &TenantInfo, most: Duration) -> AppResult<Duration> {
    storefront::index::of(state).holds(state, tenant, most).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_graphql::parser::parse_query;

    use super::*;
    use crate::{
        graphql::response_cache::{FixedDocument, Plans},
        kernel::Principal,
    };

    fn plans() -> Plans {
        crate::app::schema::plans().unwrap()
    }

    #[test]
    fn only_queries_of_public_reads_are_cacheable() {
        let p = plans();
        let nearest =
            p.plan("query N($p: GeoPointInput!) { nearestShops(near: $p, radiusMeters: 1000) { distanceMeters } }");
        assert_eq!(nearest.policy, Some(Policy::new(STOREFRONT_TTL, false, true)));
        let slots = p.plan("{ shop(id: \"x\") { id } availableSlots(shopId: \"x\", serviceItemId: \"y\", date: \"2026-01-01\") { start } }");
        assert_eq!(slots.policy, Some(Policy::new(AVAILABILITY_TTL, true, true)));
        for uncached in [
            "{ myOrders { edges { node { id } } } }",
            "{ shop(id: \"x\") { id } myOrders { edges { node { id } } } }",
            "mutation { cancelOrder(id: \"x\", reason: \"r\") { id } }",
            "{ ...F } fragment F on Query { shops { edges { node { id } } } }",
            "query A { shops { pageInfo { hasNextPage } } } query B { shops { pageInfo { hasNextPage } } }",
            "{ __schema { types { name } } }",
            "{ shop(id: ",
        ] {
            assert_eq!(p.plan(uncached).policy, None, "{uncached}");
        }
    }

    #[test]
    fn keys_carry_tenant_generations_caller_and_variables() {
        use crate::kernel::{Generations, TenantId, TenantInfo};
        let tenant = |storefront, booking| TenantInfo {
            id: TenantId(uuid::Uuid::nil()),
            slug: "t".into(),
            name: "t".into(),
            kind: "massage".into(),
            template: "massage".into(),
            time_zone: chrono_tz::Asia::Shanghai,
            status: "ACTIVE".into(),
            wechat_app_id: None,
            is_load_test: false,
            created_at: chrono::Utc::now(),
            features: &[],
            generations: Generations { storefront, booking },
            api_key_hash: None,
        };
        let anon = |s, b| Principal::Anonymous { tenant: Some(Arc::new(tenant(s, b))) };
        let p = plans();
        let shop = "query S($id: ID!) { shop(id: $id) { id } }";
        let slots =
            "query A($s: ID!) { availableSlots(shopId: $s, serviceItemId: $s, date: \"2030-01-01\") { start } }";
        let body =
            |q: &str, id: &str| serde_json::json!({ "query": q, "variables": { "id": id, "s": id } }).to_string();
        let key = |q: &str, who: &Principal, id: &str| p.plan(q).key(who, None, body(q, id).as_bytes()).unwrap().0;
        let a = key(shop, &anon(3, 7), "x");
        assert_eq!(a, key(shop, &anon(3, 7), "x"), "the same request, the same key");
        assert!(a.starts_with("00000000-0000-0000-0000-000000000000:3:-:anon:"), "{a}");
        assert_eq!(a.len(), "00000000-0000-0000-0000-000000000000:3:-:anon:".len() + 32);
        assert_ne!(a, key(shop, &anon(3, 7), "y"), "other variables");
        assert_ne!(a, key(shop, &anon(4, 7), "x"), "a newer storefront");
        assert_eq!(a, key(shop, &anon(3, 8), "x"), "bookings do not change a shop");
        assert!(key(slots, &anon(3, 8), "x").starts_with("00000000-0000-0000-0000-000000000000:3:8:anon:"));
        let consumer = Principal::Consumer { tenant: Arc::new(tenant(3, 7)), id: uuid::Uuid::nil() };
        assert!(key(shop, &consumer, "x").contains(":consumer:"));
        let plan = p.plan(shop);
        let sent = body(shop, "x");
        assert!(plan.key(&anon(3, 7), Some("S"), sent.as_bytes()).is_some(), "the document's own operation");
        assert!(plan.key(&anon(3, 7), Some("T"), sent.as_bytes()).is_none(), "an operation it does not hold");
        assert!(plan.key(&Principal::Platform, None, sent.as_bytes()).is_none(), "only anonymous and consumers");
    }

    #[test]
    fn a_document_is_fixed_when_its_nested_selections_do_not_depend_on_variables() {
        let p = plans();
        // As in graphql/operations/storefront.graphql.
        let nearest = "query NearestShops($near: GeoPointInput!, $radiusMeters: Float!, $first: Int) {
            nearestShops(near: $near, radiusMeters: $radiusMeters, first: $first) {
              distanceMeters
              shop { id name address phone callUrl location { lat lng } rating { average count } photos { thumbUrl } }
            }
          }";
        assert!(p.plan(nearest).registered);
        let (a, b) = (p.plan(nearest).fixed, p.plan(nearest).fixed);
        assert!(a.is_some() && a == b, "variables only in the root's arguments; one id per text");
        let fixed = |q: &str| FixedDocument::of(&parse_query(q).unwrap()).is_some();
        assert!(fixed(
            "query Q($id: ID!) { shop(id: $id) { id photos { thumbUrl } ...F } } fragment F on Shop { name }"
        ));
        for varying in [
            "query Q($n: Int) { shop(id: \"x\") { therapists(first: $n) { id } } }",
            "query Q($b: Boolean!) { shop(id: \"x\") { id phone @include(if: $b) } }",
            "query Q($b: Boolean!) { shop(id: \"x\") { ...F } } fragment F on Shop { phone @skip(if: $b) }",
            "query Q($b: Boolean!) { shop(id: \"x\") @include(if: $b) { id } }",
        ] {
            assert!(!fixed(varying), "{varying}");
        }
        assert!(p.plan("{ shop(id: \"x\") { id } }").fixed.is_none(), "not registered");
    }

    #[test]
    fn registered_documents_are_parsed_once_and_only_plain_queries_skip_the_hooks() {
        let p = plans();
        let registered = p.plan("query CurrentTenant {\n  tenant { id slug name kind timeZone wechatAppId }\n}");
        assert!(registered.document.is_some() && registered.plain);
        let mutation = p.plan("mutation ConfirmOrder($id: ID!) {\n  confirmOrder(id: $id) { id status }\n}");
        assert!(mutation.registered, "as in graphql/operations/booking.graphql");
        assert!(mutation.document.is_some() && !mutation.plain, "parsed once, run with the hooks");
        for hooked in [
            "{ myOrders { edges { node { id } } } }",
            "query CurrentTenant { tenant { id } }",
            "mutation { cancelOrder(id: \"x\", reason: \"r\") { id } }",
            "query A { shops { pageInfo { hasNextPage } } } mutation B { cancelOrder(id: \"x\", reason: \"r\") { id } }",
            "{ __schema { types { name } } }",
            "{ ...F } fragment F on Query { __type(name: \"Shop\") { name } }",
            "{ shop(id: ",
        ] {
            let plan = p.plan(hooked);
            assert!(!plan.plain || plan.document.is_none(), "{hooked}");
        }
    }
}

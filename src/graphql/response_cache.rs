//! Which GraphQL requests the hot-query cache answers, and under which key.
//!
//! A request is answered from the cache, without executing GraphQL, when an anonymous caller (with `X-Tenant`)
//! or a consumer sends a query whose every root field reads public storefront data, the same for every caller of
//! that kind. The key carries the tenant, the generations of the areas the fields read (a write raises them,
//! see `tenancy::generation`), the kind of caller, and a digest of the request body as sent (document,
//! operation name and variables): a hit needs no more of the body parsed than its document and operation name.
//! Time-dependent answers end in time: free slots after a short TTL, storefront answers when a promotion of the
//! tenant starts or ends (`storefront::timetable`).
//!
//! What a document is (its registration, metrics label, cache policy) is worked out once per distinct text.

use std::{
    fmt::Write,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_graphql::parser::{
    parse_query,
    types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};
use sha2::{Digest, Sha256};

use super::{
    direct::Direct,
    extensions::{RootFields, asks_introspection},
    operations::Registry,
};
use crate::identity::principal::Principal;

/// Storefront reads, at most: an answer also ends when a promotion of its tenant starts or ends
/// (`storefront::timetable`), and sooner after any write (a new generation, a new key).
pub const STOREFRONT_TTL: Duration = Duration::from_secs(300);
/// Free slots also change as time passes and unpaid claims lapse.
const AVAILABILITY_TTL: Duration = Duration::from_secs(10);

/// How long, and on what, a cacheable query's answer depends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub ttl: Duration,
    /// Also depends on slot claims (the booking generation).
    pub booking: bool,
    /// Stored only once asked before: answers to a point or a search text (a phone's position), and a day's free
    /// slots, rarely repeat, and storing each would cost every request more than the few repeats save.
    pub on_repeat: bool,
}

impl Policy {
    const fn new(ttl: Duration, booking: bool, on_repeat: bool) -> Policy {
        Policy { ttl, booking, on_repeat }
    }

    /// The policy of two root fields in one document.
    fn and(self, other: Policy) -> Policy {
        Policy::new(self.ttl.min(other.ttl), self.booking || other.booking, self.on_repeat || other.on_repeat)
    }
}

/// Root fields whose answer is the same for every anonymous caller of a tenant (and for every consumer).
fn policy_of(root: &str) -> Option<Policy> {
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

/// What one document text is.
pub struct Plan {
    /// One registered operation and nothing else.
    pub registered: bool,
    /// The metrics label of its (first) operation.
    pub label: Option<&'static str>,
    /// Set when the document is one query of cacheable root fields.
    pub policy: Option<Policy>,
    /// The operation's name, which a request may repeat as `operationName`.
    name: Option<String>,
    /// The parsed document of a registered operation (valid against the schema: `tests/it/platform.rs` proves
    /// it for each): requests that send it are not parsed again.
    pub document: Option<ExecutableDocument>,
    /// Queries only, without introspection: a registered plain document runs without the mutation hooks and
    /// skips document validation.
    pub plain: bool,
    /// Set for a registered document whose selections below its root fields do not depend on its variables
    /// (see [`FixedDocument`]).
    pub fixed: Option<FixedDocument>,
    /// Set for a fixed document that is answered without the executor (`direct`).
    pub direct: Option<Direct>,
}

/// Request data: the request runs this registered document, which below its root fields selects the same
/// whatever its variables (no directive, no variable in a nested field's arguments). A nested field's
/// selection is then named by this document and the field's position in it, the same in every request that
/// sends it: what a shop card's resolved value is kept under (`storefront::card`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FixedDocument(pub u64);

impl FixedDocument {
    fn of(doc: &ExecutableDocument) -> Option<FixedDocument> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        fn fixed(set: &SelectionSet, doc: &ExecutableDocument, depth: usize) -> bool {
            depth < 32
                && set.items.iter().all(|item| match &item.node {
                    Selection::Field(f) => {
                        f.node.directives.is_empty()
                            && f.node.arguments.iter().all(|(_, v)| v.node.clone().into_const().is_some())
                            && fixed(&f.node.selection_set.node, doc, depth + 1)
                    }
                    Selection::InlineFragment(i) => {
                        i.node.directives.is_empty() && fixed(&i.node.selection_set.node, doc, depth + 1)
                    }
                    Selection::FragmentSpread(s) => {
                        s.node.directives.is_empty()
                            && doc.fragments.get(&s.node.fragment_name.node).is_some_and(|d| {
                                d.node.directives.is_empty() && fixed(&d.node.selection_set.node, doc, depth + 1)
                            })
                    }
                })
        }
        let roots_fixed = doc.operations.iter().all(|(_, op)| {
            op.node.directives.is_empty()
                && op.node.selection_set.node.items.iter().all(|item| match &item.node {
                    Selection::Field(f) => f.node.directives.is_empty() && fixed(&f.node.selection_set.node, doc, 1),
                    _ => false,
                })
        });
        roots_fixed.then(|| FixedDocument(NEXT.fetch_add(1, Ordering::Relaxed)))
    }
}

pub struct Plans {
    memo: moka::sync::Cache<String, Arc<Plan>>,
    roots: Arc<RootFields>,
    registry: Arc<Registry>,
}

impl Plans {
    pub fn new(roots: Arc<RootFields>, registry: Arc<Registry>) -> Plans {
        // A parsed document takes a few times the memory of its text.
        let memo = moka::sync::Cache::builder()
            .max_capacity(16 * 1024 * 1024)
            .weigher(|k: &String, _: &Arc<Plan>| (4 * k.len()).try_into().unwrap_or(u32::MAX))
            .build();
        Plans { memo, roots, registry }
    }

    pub fn plan(&self, query: &str) -> Arc<Plan> {
        if let Some(plan) = self.memo.get(query) {
            return plan;
        }
        let plan = Arc::new(self.make(query));
        self.memo.insert(query.to_owned(), plan.clone());
        plan
    }

    fn make(&self, query: &str) -> Plan {
        let Ok(doc) = parse_query(query) else {
            return Plan {
                registered: false,
                label: None,
                policy: None,
                name: None,
                document: None,
                plain: false,
                fixed: None,
                direct: None,
            };
        };
        let registered = self.registry.allows(&doc);
        let label = self.roots.label(&doc, None);
        let mut ops = doc.operations.iter();
        let policy = match (ops.next(), ops.next()) {
            (Some((_, op)), None) if op.node.ty == OperationType::Query => {
                let mut policy = Some(Policy::new(Duration::MAX, false, false));
                for item in &op.node.selection_set.node.items {
                    policy = match (&item.node, policy) {
                        (Selection::Field(f), Some(p)) if f.node.name.node == "__typename" => Some(p),
                        (Selection::Field(f), Some(p)) => policy_of(f.node.name.node.as_str()).map(|q| p.and(q)),
                        _ => None,
                    };
                }
                policy.filter(|p| p.ttl != Duration::MAX)
            }
            _ => None,
        };
        let name = doc.operations.iter().next().and_then(|(n, _)| n.map(|n| n.to_string()));
        let plain =
            doc.operations.iter().all(|(_, op)| op.node.ty == OperationType::Query) && !asks_introspection(&doc);
        let fixed = if registered { FixedDocument::of(&doc) } else { None };
        let direct = fixed.and_then(|_| Direct::of(&doc));
        Plan { registered, label, policy, name, document: registered.then_some(doc), plain, fixed, direct }
    }
}

impl Plan {
    /// The cache key of a request with this document, when the cache may answer it: `operation_name` as the
    /// body names it, `body` the whole body as sent.
    pub fn key(&self, who: &Principal, operation_name: Option<&str>, body: &[u8]) -> Option<(String, Policy)> {
        let policy = self.policy?;
        let (tenant, consumer) = who.public_reader()?;
        let class = if consumer { "consumer" } else { "anon" };
        if operation_name.is_some_and(|n| Some(n) != self.name.as_deref()) {
            return None;
        }
        let digest = Sha256::digest(body);
        let g = tenant.generations;
        let mut key = String::with_capacity(128);
        write!(key, "{}:{}:", tenant.id, g.storefront).ok()?;
        match policy.booking {
            true => write!(key, "{}", g.booking).ok()?,
            false => key.push('-'),
        }
        write!(key, ":{class}:").ok()?;
        digest[..16].iter().try_for_each(|b| write!(key, "{b:02x}")).ok()?;
        Some((key, policy))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn plans() -> Plans {
        let roots = Arc::new(RootFields::from_sdl(&crate::graphql::sdl()));
        Plans::new(roots, Arc::new(Registry::load().unwrap()))
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
        use crate::{
            db::TenantId,
            tenancy::{TenantInfo, generation::Generations},
        };
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
            generations: Generations { storefront, booking },
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

//! Which GraphQL requests the hot-query cache answers, and under which key.
//!
//! A request is answered from the cache, without executing GraphQL, when an anonymous caller (with `X-Tenant`)
//! or a consumer sends a query whose every root field reads public storefront data, the same for every caller of
//! that kind. The key carries the tenant, the generations of the areas the fields read (a write raises them,
//! see `tenancy::generation`), the kind of caller, and a digest of the request body as sent (document,
//! operation name and variables): a hit needs no more of the body parsed than its document and operation name.
//! Time-dependent answers end in time (each root field's [`Policy`], which the domains set in `app::cache`).
//!
//! What a document is (its registration, metrics label, cache policy) is worked out once per distinct text.

use std::{
    collections::HashMap,
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
    direct::{Direct, Writers},
    extensions::{RootFields, asks_introspection},
    operations::Registry,
};
use crate::kernel::Principal;

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
    pub const fn new(ttl: Duration, booking: bool, on_repeat: bool) -> Policy {
        Policy { ttl, booking, on_repeat }
    }

    /// The policy of two root fields in one document.
    fn and(self, other: Policy) -> Policy {
        Policy::new(self.ttl.min(other.ttl), self.booking || other.booking, self.on_repeat || other.on_repeat)
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
    /// The template features its root fields need (of every operation it holds, through fragments too): a
    /// tenant without one of them is refused before the document runs or its answer is read from the cache.
    pub features: Vec<&'static str>,
    /// Set for a fixed document whose root field has a writer: answered without the executor (`direct`).
    pub direct: Option<Direct>,
}

/// Request data: the request runs this registered document, which below its root fields selects the same
/// whatever its variables (no directive, no variable in a nested field's arguments). A nested field's
/// selection is then named by this document and the field's position in it, the same in every request that
/// sends it: what a resolved value kept for a nested field is keyed by (a shop's card).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FixedDocument(pub u64);

impl FixedDocument {
    pub fn of(doc: &ExecutableDocument) -> Option<FixedDocument> {
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

/// The cache policy of a root field, when its answer is the same for every anonymous caller of a tenant (and
/// for every consumer); the domains say which (`app::cache`).
pub type Policies = fn(&str) -> Option<Policy>;

/// The template feature each root field (`Query.shops`, `Mutation.createShop`) needs, when it needs one; the
/// domains say which (`app::domains`).
pub type Features = HashMap<String, &'static str>;

pub struct Plans {
    memo: moka::sync::Cache<String, Arc<Plan>>,
    roots: Arc<RootFields>,
    registry: Arc<Registry>,
    policies: Policies,
    features: Arc<Features>,
    writers: Writers,
}

impl Plans {
    pub fn new(
        roots: Arc<RootFields>,
        registry: Arc<Registry>,
        policies: Policies,
        features: Arc<Features>,
        writers: Writers,
    ) -> Plans {
        // A parsed document takes a few times the memory of its text.
        let memo = moka::sync::Cache::builder()
            .max_capacity(16 * 1024 * 1024)
            .weigher(|k: &String, _: &Arc<Plan>| (4 * k.len()).try_into().unwrap_or(u32::MAX))
            .build();
        Plans { memo, roots, registry, policies, features, writers }
    }

    /// The text of the registered operation of this name, alone, and its plan (for in-process clients: the web
    /// pages).
    pub fn registered(&self, name: &str) -> Option<(&str, Arc<Plan>)> {
        self.registry.text(name).map(|text| (text, self.plan(text)))
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
                features: vec![],
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
                        (Selection::Field(f), Some(p)) => (self.policies)(f.node.name.node.as_str()).map(|q| p.and(q)),
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
        let features = features_of(&doc, &self.features);
        let direct = fixed.and_then(|f| Direct::of(f, &doc, self.writers));
        Plan { registered, label, policy, name, document: registered.then_some(doc), plain, fixed, features, direct }
    }
}

/// The features the root fields of a document's operations need, each once.
fn features_of(doc: &ExecutableDocument, features: &Features) -> Vec<&'static str> {
    fn walk(
        set: &SelectionSet,
        kind: &str,
        doc: &ExecutableDocument,
        features: &Features,
        out: &mut Vec<&'static str>,
        depth: usize,
    ) {
        if depth > 32 {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if let Some(&feature) = features.get(&format!("{kind}.{}", f.node.name.node))
                        && !out.contains(&feature)
                    {
                        out.push(feature);
                    }
                }
                Selection::InlineFragment(i) => walk(&i.node.selection_set.node, kind, doc, features, out, depth + 1),
                Selection::FragmentSpread(s) => {
                    if let Some(d) = doc.fragments.get(&s.node.fragment_name.node) {
                        walk(&d.node.selection_set.node, kind, doc, features, out, depth + 1);
                    }
                }
            }
        }
    }
    let mut out = vec![];
    for (_, op) in doc.operations.iter() {
        let kind = match op.node.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        walk(&op.node.selection_set.node, kind, doc, features, &mut out, 0);
    }
    out
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

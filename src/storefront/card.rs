//! Shop cards: published shops in a list of results (`nearestShops`, `searchShops`). A phone's position is
//! asked once, so such answers are seldom cached whole, but the shops in them repeat. The value a card resolved
//! to (or the JSON a writer wrote for it, `graphql::direct`), for one selection of a registered document
//! ([`FixedDocument`]) and one kind of caller, is kept with the shop's published profile (one storefront
//! generation: a write to the storefront makes new profiles) and reused for as long as a whole cached answer
//! lives (until a promotion of the tenant starts or ends, at most [`STOREFRONT_TTL`]), instead of resolving the
//! card field by field again. As with the response cache, a shop's public fields are the same for every
//! consumer: a field that depended on which consumer asks could not be kept here.

use std::{
    sync::{Arc, RwLock},
    time::Instant,
};

use async_graphql::{ContextSelectionSet, Pos, Positioned, Value, parser::types::Field};
use bytes::Bytes;

use super::timetable::{STOREFRONT_TTL, Timetable};
use crate::graphql::{context::RequestCtx, response_cache::FixedDocument};

/// One selection of a card: the registered document, the field's place in it, and the kind of caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardKey {
    document: FixedDocument,
    line: usize,
    column: usize,
    consumer: bool,
}

impl CardKey {
    /// The key of the card `field` resolves in this request; `None` when the card must be resolved afresh: a
    /// document whose selections vary with its variables, or a caller who sees more than the public (staff,
    /// machines).
    pub fn of(ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> Option<CardKey> {
        let document = *ctx.data_opt::<FixedDocument>()?;
        let (_, consumer) = ctx.data_opt::<RequestCtx>()?.principal.public_reader()?;
        Some(CardKey::at(document, field.pos, consumer))
    }

    /// The key of the card selected at `pos` in `document`, for a consumer or an anonymous caller.
    pub fn at(document: FixedDocument, pos: Pos, consumer: bool) -> CardKey {
        CardKey { document, line: pos.line, column: pos.column, consumer }
    }
}

/// A handful of entries at most: one per registered document that lists shops, per kind of caller (and per
/// kind of keeping: the executor's value or a writer's JSON).
const MOST: usize = 8;

/// A card's resolved value, or the JSON a writer wrote for it (`graphql::direct`).
struct Card {
    key: CardKey,
    /// Until when it is used.
    until: Instant,
    kept: Kept,
}

enum Kept {
    Value(Value),
    Json(Bytes),
}

/// The resolved values of one published shop's card, and when the tenant's storefront changes by itself.
pub struct Cards {
    held: RwLock<Vec<Card>>,
    changes: Arc<Timetable>,
}

impl Cards {
    pub fn new(changes: Arc<Timetable>) -> Cards {
        Cards { held: RwLock::default(), changes }
    }

    /// The value the executor resolved for `key`.
    pub fn get(&self, key: &CardKey) -> Option<Value> {
        self.find(key, |kept| match kept {
            Kept::Value(v) => Some(v.clone()),
            Kept::Json(_) => None,
        })
    }

    /// The JSON a writer wrote for `key`.
    pub fn json(&self, key: &CardKey) -> Option<Bytes> {
        self.find(key, |kept| match kept {
            Kept::Json(j) => Some(j.clone()),
            Kept::Value(_) => None,
        })
    }

    /// Keeps the value the executor resolved.
    pub fn put(&self, key: CardKey, value: Value, at: chrono::DateTime<chrono::Utc>) {
        self.keep(key, Kept::Value(value), at);
    }

    /// Keeps the JSON a writer wrote.
    pub fn put_json(&self, key: CardKey, json: &[u8], at: chrono::DateTime<chrono::Utc>) {
        self.keep(key, Kept::Json(Bytes::copy_from_slice(json)), at);
    }

    fn find<T>(&self, key: &CardKey, kind: impl Fn(&Kept) -> Option<T>) -> Option<T> {
        let held = self.held.read().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        held.iter().filter(|c| c.key == *key && now < c.until).find_map(|c| kind(&c.kept))
    }

    fn keep(&self, key: CardKey, kept: Kept, at: chrono::DateTime<chrono::Utc>) {
        let now = Instant::now();
        let until = now + self.changes.holds(at, STOREFRONT_TTL);
        let kind = std::mem::discriminant(&kept);
        let mut held = self.held.write().unwrap_or_else(|p| p.into_inner());
        held.retain(|c| (c.key != key || std::mem::discriminant(&c.kept) != kind) && now < c.until);
        if held.len() >= MOST {
            held.remove(0);
        }
        held.push(Card { key, until, kept });
    }
}

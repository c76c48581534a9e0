//! Shop cards: published shops in a list of results (`nearestShops`, `searchShops`). A phone's position is
//! asked once, so such answers are seldom cached whole, but the shops in them repeat. The value a card resolved
//! to, for one selection of a registered document ([`FixedDocument`]) and one kind of caller, is kept with the
//! shop's published profile (one storefront generation: a write to the storefront makes new profiles) and
//! reused for as long as a whole cached answer lives, instead of resolving the card field by field again. As
//! with the response cache, a shop's public fields are the same for every consumer: a field that depended on
//! which consumer asks could not be kept here.

use std::{sync::RwLock, time::Instant};

use async_graphql::{ContextSelectionSet, Positioned, Value, parser::types::Field};

use crate::{
    graphql::{context::RequestCtx, response_cache::FixedDocument, response_cache::STOREFRONT_TTL},
    identity::principal::Principal,
};

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
        let consumer = match &ctx.data_opt::<RequestCtx>()?.principal {
            Principal::Anonymous { tenant: Some(_) } => false,
            Principal::Consumer { .. } => true,
            _ => return None,
        };
        Some(CardKey { document, line: field.pos.line, column: field.pos.column, consumer })
    }
}

/// A handful of entries at most: one per registered document that lists shops, per kind of caller.
const MOST: usize = 8;

/// The resolved values of one published shop's card.
#[derive(Default)]
pub struct Cards(RwLock<Vec<(CardKey, Instant, Value)>>);

impl Cards {
    pub fn get(&self, key: &CardKey) -> Option<Value> {
        let held = self.0.read().unwrap_or_else(|p| p.into_inner());
        held.iter().find(|(k, at, _)| k == key && at.elapsed() < STOREFRONT_TTL).map(|(_, _, v)| v.clone())
    }

    pub fn put(&self, key: CardKey, value: Value) {
        let mut held = self.0.write().unwrap_or_else(|p| p.into_inner());
        held.retain(|(k, at, _)| *k != key && at.elapsed() < STOREFRONT_TTL);
        if held.len() >= MOST {
            held.remove(0);
        }
        held.push((key, Instant::now(), value));
    }
}

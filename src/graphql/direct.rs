//! Answers written without the executor, for the consumer's most frequent questions whose answers are mostly
//! computed: `nearestShops` at a new position (`storefront::nearest`), a day's free slots
//! (`booking::free_slots`), and a shop's profile and promotions before they are cached
//! (`storefront::shop_answer`, `storefront::promotions_answer`). Executing
//! them cost twice a cached answer and more, most of it building the executor's values and writing them out
//! again.
//!
//! A registered document whose one root field is such a field, with a selection fixed by its text
//! ([`FixedDocument`]), is answered by its writer: the data found as the resolver finds it (one function,
//! shared), the JSON written field by field in the executor's order (aliases, `__typename`, fragments spread in
//! place). Whatever a writer does not handle exactly as the executor would (an argument the resolver refuses,
//! a field selected twice, a caller who is neither anonymous nor a consumer) is left to the executor, which
//! answers it in full. Tests hold each written answer to the executed one byte for byte.

use std::io::Write;

use async_graphql::{
    Name, Positioned, Value, Variables,
    parser::types::{ExecutableDocument, Field, OperationType, Selection, SelectionSet},
};
use bytes::Bytes;

use super::response_cache::FixedDocument;
use crate::{
    booking::free_slots::SlotsDocument,
    identity::principal::Principal,
    state::AppState,
    storefront::{nearest::NearestDocument, promotions_answer::PromotionsDocument, shop_answer::ShopDocument},
    tenancy::TenantInfo,
};

/// A document answered without the executor.
pub enum Direct {
    Nearest(NearestDocument),
    Slots(SlotsDocument),
    Shop(ShopDocument),
    Promotions(PromotionsDocument),
}

impl Direct {
    /// For a registered document whose selections are fixed by its text.
    pub fn of(doc: &ExecutableDocument) -> Option<Direct> {
        let root = Root::of(doc)?;
        match root.field.node.name.node.as_str() {
            "nearestShops" => NearestDocument::of(doc, root).map(Direct::Nearest),
            "availableSlots" => SlotsDocument::of(doc, root).map(Direct::Slots),
            "shop" => ShopDocument::of(doc, root).map(Direct::Shop),
            "promotions" => PromotionsDocument::of(doc, root).map(Direct::Promotions),
            _ => None,
        }
    }

    /// The whole response body, or `None` when the executor must answer.
    pub async fn answer(
        &self,
        state: &AppState,
        who: &Principal,
        document: FixedDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<Bytes> {
        let (tenant, consumer) = who.public_reader()?;
        let root = match self {
            Direct::Nearest(d) => &d.root,
            Direct::Slots(d) => &d.root,
            Direct::Shop(d) => &d.root,
            Direct::Promotions(d) => &d.root,
        };
        if !root.named(operation_name) {
            return None;
        }
        let call = Call { state, who, tenant, consumer, document, variables };
        match self {
            Direct::Nearest(d) => d.answer(&call).await,
            Direct::Slots(d) => d.answer(&call).await,
            Direct::Shop(d) => d.answer(&call).await,
            Direct::Promotions(d) => d.answer(&call).await,
        }
    }
}

/// What a writer is given: the request as far as it matters to the answer.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub who: &'a Principal,
    pub tenant: &'a TenantInfo,
    /// A consumer, not an anonymous caller.
    pub consumer: bool,
    pub document: FixedDocument,
    pub variables: &'a Variables,
}

/// The document's one query and its one root field.
pub struct Root {
    operation: Option<Name>,
    pub field: Positioned<Field>,
    /// The operation's variables and what each is when a request leaves it out.
    defaults: Vec<(Name, Option<Value>)>,
}

impl Root {
    fn of(doc: &ExecutableDocument) -> Option<Root> {
        let mut ops = doc.operations.iter();
        let (Some((name, op)), None) = (ops.next(), ops.next()) else { return None };
        let [root] = op.node.selection_set.node.items.as_slice() else { return None };
        let Selection::Field(field) = &root.node else { return None };
        if op.node.ty != OperationType::Query {
            return None;
        }
        let defaults = op
            .node
            .variable_definitions
            .iter()
            .map(|d| (d.node.name.node.clone(), d.node.default_value().cloned()))
            .collect();
        Some(Root { operation: name.cloned(), field: field.clone(), defaults })
    }

    /// Whether a request naming `operation_name` runs this operation.
    fn named(&self, operation_name: Option<&str>) -> bool {
        operation_name.is_none_or(|n| Some(n) == self.operation.as_deref())
    }

    /// The argument `name` with the request's variables put in: `Some(None)` when the document leaves it out,
    /// `None` when a variable it names is missing.
    pub fn argument(&self, name: &str, variables: &Variables) -> Option<Option<Value>> {
        let Some(value) = self.field.node.get_argument(name) else { return Some(None) };
        let var = |v: Name| {
            let default = self.defaults.iter().find(|(n, _)| *n == v).and_then(|(_, d)| d.clone());
            variables.get(&v).cloned().or(default).ok_or(())
        };
        value.node.clone().into_const_with(var).ok().map(Some)
    }

    /// `{"data":{"<key>":` … then the field's value, then [`Root::close`].
    pub fn open(&self, capacity: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(capacity);
        out.extend_from_slice(b"{\"data\":{");
        key(&mut out, self.field.node.response_key().node.as_str());
        out
    }

    pub fn close(mut out: Vec<u8>) -> Bytes {
        out.extend_from_slice(b"}}");
        Bytes::from(out)
    }
}

/// The fields of an object of type `ty` that `set` selects, in the executor's order with fragments spread in
/// place, each as `classify` names it; `None` when a field is unknown to `classify`, a fragment is on another
/// type, or a response key comes twice (merging is left to the executor).
fn fields<T>(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    ty: &str,
    classify: &impl Fn(&Positioned<Field>) -> Option<T>,
) -> Option<Vec<(Name, T)>> {
    let mut into = Vec::new();
    collect(doc, set, ty, classify, &mut into, 0)?;
    let mut keys: Vec<&Name> = into.iter().map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    (keys.len() == into.len()).then_some(into)
}

fn collect<T>(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    ty: &str,
    classify: &impl Fn(&Positioned<Field>) -> Option<T>,
    into: &mut Vec<(Name, T)>,
    depth: usize,
) -> Option<()> {
    if depth > 8 {
        return None;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(f) => into.push((f.node.response_key().node.clone(), classify(f)?)),
            Selection::FragmentSpread(spread) => {
                let fragment = doc.fragments.get(&spread.node.fragment_name.node)?;
                if fragment.node.type_condition.node.on.node != ty {
                    return None;
                }
                collect(doc, &fragment.node.selection_set.node, ty, classify, into, depth + 1)?;
            }
            Selection::InlineFragment(inline) => {
                if inline.node.type_condition.as_ref().is_some_and(|c| c.node.on.node != ty) {
                    return None;
                }
                collect(doc, &inline.node.selection_set.node, ty, classify, into, depth + 1)?;
            }
        }
    }
    Some(())
}

/// A field that an object type's writer writes: `__typename`, one of the type's plain fields (by its place in
/// the list of them the writer gives), or a field with a selection of its own.
pub enum Sel<T> {
    Typename,
    Plain(usize),
    Object(T),
}

/// The selected fields of an object type with no field of its own selection.
pub type Flat = Vec<(Name, Sel<std::convert::Infallible>)>;

/// The fields of type `ty` that `set` selects (see [`fields`]): those named in `plain` by their place there, the
/// others as `object` names them.
pub fn select<T>(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    ty: &str,
    plain: &[&str],
    object: &impl Fn(&Positioned<Field>) -> Option<T>,
) -> Option<Vec<(Name, Sel<T>)>> {
    fields(doc, set, ty, &|f| match f.node.name.node.as_str() {
        "__typename" => Some(Sel::Typename),
        name => match plain.iter().position(|p| *p == name) {
            Some(i) => Some(Sel::Plain(i)),
            None => object(f).map(Sel::Object),
        },
    })
}

/// The selected fields of an object type whose fields are all plain.
pub fn flat(doc: &ExecutableDocument, set: &SelectionSet, ty: &str, plain: &[&str]) -> Option<Flat> {
    select(doc, set, ty, plain, &|_| None)
}

/// An object of type `ty` (see [`Sel`]): a plain field's value is `plain` of its place, the others as `object`
/// writes them.
pub fn write<T>(
    out: &mut Vec<u8>,
    ty: &str,
    fields: &[(Name, Sel<T>)],
    plain: impl Fn(usize) -> Value,
    mut object: impl FnMut(&mut Vec<u8>, &T) -> Option<()>,
) -> Option<()> {
    self::object(out, fields, |out, field| match field {
        Sel::Typename => value(out, &Value::from(ty)),
        Sel::Plain(i) => value(out, &plain(*i)),
        Sel::Object(t) => object(out, t),
    })
}

/// An object of a type whose fields are all plain.
pub fn write_flat(out: &mut Vec<u8>, ty: &str, fields: &Flat, plain: impl Fn(usize) -> Value) -> Option<()> {
    write(out, ty, fields, plain, |_, never| match *never {})
}

/// A list: `[`, each item as `write` writes it, `]`.
pub fn list<I>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = I>,
    mut write: impl FnMut(&mut Vec<u8>, I) -> Option<()>,
) -> Option<()> {
    out.push(b'[');
    for (n, item) in items.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write(out, item)?;
    }
    out.push(b']');
    Some(())
}

/// `"key":`
fn key(out: &mut Vec<u8>, key: &str) {
    // A `Vec` takes every write.
    let _ = serde_json::to_writer(&mut *out, key);
    let _ = out.write_all(b":");
}

/// A value as the executor writes it.
pub fn value(out: &mut Vec<u8>, value: &Value) -> Option<()> {
    serde_json::to_writer(out, value).ok()
}

/// An object: `{`, then each field as `write` writes its value after its key, then `}`.
fn object<T>(
    out: &mut Vec<u8>,
    fields: &[(Name, T)],
    mut write: impl FnMut(&mut Vec<u8>, &T) -> Option<()>,
) -> Option<()> {
    out.push(b'{');
    for (i, (k, field)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        key(out, k);
        write(out, field)?;
    }
    out.push(b'}');
    Some(())
}

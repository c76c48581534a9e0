//! Answers written without the executor. A published shop's profile, its promotions, the shops nearest a new
//! position and a day's free slots are computed afresh before they are cached, and executing them (a profile is
//! a few hundred fields, a day a hundred slots) cost several times a cached answer, most of it building the
//! executor's values and writing them out again. For a registered document whose one root field has a writer
//! (`app::cache::writer_of` names them) and whose selection is fixed by its text
//! ([`FixedDocument`](super::response_cache::FixedDocument)), the writer finds the data as the resolver does and
//! writes the JSON field by field, in the executor's order, each object's fields by name ([`Object`]).
//!
//! Whatever a writer does not handle exactly as the executor would (an argument the resolver would refuse, a
//! field it does not know, a field selected twice, a caller who is neither anonymous nor a consumer) is left to
//! the executor, which answers it in full. Tests hold each written answer to the executed one byte for byte.

use std::{
    io::Write,
    sync::atomic::{AtomicU64, Ordering},
};

use async_graphql::{
    InputType, Name, Pos, Positioned, Value, Variables,
    futures_util::future::BoxFuture,
    parser::types::{ExecutableDocument, Field, OperationType, Selection, SelectionSet},
};
use bytes::Bytes;
use serde::Serialize;

use super::response_cache::FixedDocument;
use crate::{
    kernel::{Principal, TenantInfo},
    state::AppState,
};

/// A writer: writes the root field's value for `call` into `out`, or `None` when the executor must answer.
pub type WriteFn = for<'a> fn(&'a Call<'a>, &'a Fields, &'a mut Vec<u8>) -> BoxFuture<'a, Option<()>>;

/// The writer of a root field, by its name (`app::cache::writer_of`).
pub type Writers = fn(&str) -> Option<WriteFn>;

/// How many answers this instance wrote without the executor (a part of the state).
#[derive(Default)]
pub struct Written(AtomicU64);

impl Written {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A registered document answered by a writer.
pub struct Direct {
    document: FixedDocument,
    root: Root,
    fields: Fields,
    write: WriteFn,
}

impl Direct {
    pub fn of(document: FixedDocument, doc: &ExecutableDocument, writers: Writers) -> Option<Direct> {
        let root = Root::of(doc)?;
        let write = writers(root.field.node.name.node.as_str())?;
        let fields = Fields::of(doc, &root.field)?;
        Some(Direct { document, root, fields, write })
    }

    /// The whole response body, or `None` when the executor must answer.
    pub async fn answer(
        &self,
        state: &AppState,
        who: &Principal,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Option<Bytes> {
        let (tenant, consumer) = who.public_reader()?;
        if !self.root.named(operation_name) {
            return None;
        }
        let call = Call { state, who, tenant, consumer, document: self.document, root: &self.root, variables };
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"{\"data\":{");
        key(&mut out, self.root.field.node.response_key().node.as_str());
        (self.write)(&call, &self.fields, &mut out).await?;
        out.extend_from_slice(b"}}");
        state.part::<Written>().0.fetch_add(1, Ordering::Relaxed);
        Some(Bytes::from(out))
    }
}

/// What a writer is given: the request as far as it matters to the answer.
pub struct Call<'a> {
    pub state: &'a AppState,
    /// An anonymous caller or a consumer of `tenant`.
    pub who: &'a Principal,
    pub tenant: &'a TenantInfo,
    /// A consumer, not an anonymous caller.
    pub consumer: bool,
    /// The registered document answered.
    pub document: FixedDocument,
    root: &'a Root,
    variables: &'a Variables,
}

impl Call<'_> {
    /// The root field's argument `name` with the request's variables put in, as the resolver receives it;
    /// `None` when it would be refused (the executor then reports why).
    pub fn argument<T: InputType>(&self, name: &str) -> Option<T> {
        let value = match self.root.field.node.get_argument(name) {
            None => None,
            Some(value) => {
                let var = |v: Name| {
                    let default = self.root.defaults.iter().find(|(n, _)| *n == v).and_then(|(_, d)| d.clone());
                    self.variables.get(&v).cloned().or(default).ok_or(())
                };
                Some(value.node.clone().into_const_with(var).ok()?)
            }
        };
        T::parse(value).ok()
    }
}

/// The document's one query and its one root field.
struct Root {
    operation: Option<Name>,
    field: Positioned<Field>,
    /// The operation's variables and what each is when a request leaves it out.
    defaults: Vec<(Name, Option<Value>)>,
}

impl Root {
    fn of(doc: &ExecutableDocument) -> Option<Root> {
        let mut ops = doc.operations.iter();
        let (Some((name, op)), None) = (ops.next(), ops.next()) else { return None };
        let [root] = op.node.selection_set.node.items.as_slice() else { return None };
        let Selection::Field(field) = &root.node else { return None };
        if op.node.ty != OperationType::Query || !field.node.directives.is_empty() {
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
}

/// The fields an object's selection asks, in the executor's order with fragments spread in place.
pub struct Fields {
    items: Vec<Item>,
    /// The type conditions of the fragments spread in it: the object's type must meet each.
    on: Vec<Name>,
    /// Where the field whose selection this is stands in the document.
    pub at: Pos,
}

struct Item {
    key: Name,
    name: Name,
    sub: Option<Fields>,
}

impl Fields {
    /// `None` when the executor must resolve the selection: a field with arguments or directives, or a response
    /// key that comes twice (merging is left to the executor).
    fn of(doc: &ExecutableDocument, field: &Positioned<Field>) -> Option<Fields> {
        let mut fields = Fields { items: vec![], on: vec![], at: field.pos };
        fields.collect(doc, &field.node.selection_set.node, 0)?;
        let mut keys: Vec<&Name> = fields.items.iter().map(|i| &i.key).collect();
        keys.sort();
        keys.dedup();
        (keys.len() == fields.items.len()).then_some(fields)
    }

    fn collect(&mut self, doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> Option<()> {
        if depth > 8 {
            return None;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let f = &field.node;
                    if !f.arguments.is_empty() || !f.directives.is_empty() {
                        return None;
                    }
                    let sub = if f.selection_set.node.items.is_empty() { None } else { Some(Fields::of(doc, field)?) };
                    self.items.push(Item { key: f.response_key().node.clone(), name: f.name.node.clone(), sub });
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = &doc.fragments.get(&spread.node.fragment_name.node)?.node;
                    if !spread.node.directives.is_empty() {
                        return None;
                    }
                    self.on.push(fragment.type_condition.node.on.node.clone());
                    self.collect(doc, &fragment.selection_set.node, depth + 1)?;
                }
                Selection::InlineFragment(inline) => {
                    if !inline.node.directives.is_empty() {
                        return None;
                    }
                    if let Some(c) = &inline.node.type_condition {
                        self.on.push(c.node.on.node.clone());
                    }
                    self.collect(doc, &inline.node.selection_set.node, depth + 1)?;
                }
            }
        }
        Some(())
    }
}

/// An object a writer writes: each field by its name, `None` for a field it does not know (the executor then
/// answers the whole request).
pub trait Object {
    /// The GraphQL type's name, for `__typename` and fragments.
    const TYPE: &'static str;

    /// Writes the value of the field `name`; `sub` is its selection when it is an object or a list of them.
    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()>;
}

/// An object borrowed from a list or a page is written as the object.
impl<T: Object> Object for &T {
    const TYPE: &'static str = T::TYPE;

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        (**self).field(out, name, sub)
    }
}

/// `{`, each selected field as `value.field` writes it after its key, `}`.
pub fn object<T: Object>(out: &mut Vec<u8>, value: &T, fields: &Fields) -> Option<()> {
    if fields.on.iter().any(|on| on != T::TYPE) {
        return None;
    }
    out.push(b'{');
    for (i, item) in fields.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        key(out, &item.key);
        if item.name == "__typename" {
            leaf(out, T::TYPE)?;
        } else {
            value.field(out, &item.name, item.sub.as_ref())?;
        }
    }
    out.push(b'}');
    Some(())
}

/// The object of a field with a selection: `None` when the field has none (a document the schema refuses).
pub fn sub_object<T: Object>(out: &mut Vec<u8>, value: &T, sub: Option<&Fields>) -> Option<()> {
    object(out, value, sub?)
}

/// A list of objects: `[`, each as [`object`] writes it, `]`.
pub fn list<T: Object>(out: &mut Vec<u8>, items: impl IntoIterator<Item = T>, sub: Option<&Fields>) -> Option<()> {
    let fields = sub?;
    out.push(b'[');
    for (n, item) in items.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        object(out, &item, fields)?;
    }
    out.push(b']');
    Some(())
}

/// A scalar, a list of them or null, as the executor writes it (strings, integers, booleans).
pub fn leaf<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Option<()> {
    serde_json::to_writer(out, value).ok()
}

/// A value the executor makes with its own conversion (floats, enums, date-times).
pub fn value(out: &mut Vec<u8>, value: &Value) -> Option<()> {
    serde_json::to_writer(out, value).ok()
}

/// `"key":`
fn key(out: &mut Vec<u8>, key: &str) {
    // A `Vec` takes every write.
    let _ = serde_json::to_writer(&mut *out, key);
    let _ = out.write_all(b":");
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn write<'a>(_: &'a Call<'a>, _: &'a Fields, _: &'a mut Vec<u8>) -> BoxFuture<'a, Option<()>> {
        Box::pin(async { Some(()) })
    }

    fn writers(root: &str) -> Option<WriteFn> {
        (root == "shop").then_some(write as WriteFn)
    }

    fn direct(query: &str) -> Option<Direct> {
        Direct::of(FixedDocument(1), &parse_query(query).unwrap(), writers)
    }

    #[test]
    fn only_one_root_field_with_a_writer_and_a_plain_selection_is_written() {
        let d = direct("query S($id: ID!) { s: shop(id: $id) { id ...F n: name ... on Shop { tags } } } fragment F on Shop { phone }")
            .unwrap();
        let keys: Vec<&str> = d.fields.items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["id", "phone", "n", "tags"]);
        assert_eq!(d.fields.on.len(), 2);
        for refused in [
            "{ shops { edges { node { id } } } }",
            "{ shop(id: \"x\") { id } shops { pageInfo { hasNextPage } } }",
            "{ shop(id: \"x\") { id id: name } }",
            "{ shop(id: \"x\") { therapists(first: 1) { id } } }",
            "query($a: Boolean!) { shop(id: \"x\") { id @include(if: $a) } }",
            "mutation { shop(id: \"x\") { id } }",
        ] {
            assert!(direct(refused).is_none(), "{refused}");
        }
    }
}

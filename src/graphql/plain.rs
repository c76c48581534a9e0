//! Lists of plain objects resolved in one pass over the selection. A plain object's fields take no arguments,
//! cannot fail and wait for nothing; the executor still makes a future, a task slot and a map entry per field
//! of every item, which for a day's free slots (dozens of items) was most of the request's cost. The type is
//! still declared by its derived GraphQL object (same schema); only the resolving of a list of it is done here,
//! with the executor's rules: aliases, `__typename`, fragments and inline fragments on the type, and fields
//! selected twice merged as the executor merges them (first value wins, objects merged key by key).

use std::borrow::Cow;

use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection, SelectionSet},
    registry::Registry,
};

/// An object whose fields are plain values; its derived GraphQL type names it (`__typename`, type conditions).
pub trait Plain: OutputType {
    /// The value of the selected field `name` (never `__typename`); `selection` is the field's own selection,
    /// for a field that is a plain object itself (see [`object`]).
    fn field(&self, ctx: &ContextSelectionSet<'_>, name: &str, selection: &SelectionSet) -> Value;
}

/// The value of `item` for `selection`.
pub fn object<T: Plain>(item: &T, ctx: &ContextSelectionSet<'_>, selection: &SelectionSet) -> Value {
    let mut fields = IndexMap::new();
    collect(item, &T::type_name(), ctx, selection, &mut fields);
    Value::Object(fields)
}

fn collect<T: Plain>(
    item: &T,
    ty: &str,
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    into: &mut IndexMap<Name, Value>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                let value = match name {
                    "__typename" => Value::String(ty.to_owned()),
                    _ => item.field(ctx, name, &f.node.selection_set.node),
                };
                merge(into, f.node.response_key().node.clone(), value);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = ctx.query_env.fragments.get(&spread.node.fragment_name.node)
                    && fragment.node.type_condition.node.on.node.as_str() == ty
                {
                    collect(item, ty, ctx, &fragment.node.selection_set.node, into);
                }
            }
            Selection::InlineFragment(inline) => {
                if inline.node.type_condition.as_ref().is_none_or(|c| c.node.on.node.as_str() == ty) {
                    collect(item, ty, ctx, &inline.node.selection_set.node, into);
                }
            }
        }
    }
}

/// A field selected again under the same name: objects are merged (lists of objects item by item), anything
/// else keeps its first value, as the executor does.
fn merge(into: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    match (into.get_mut(&key), value) {
        (None, value) => {
            into.insert(key, value);
        }
        (Some(Value::Object(held)), Value::Object(more)) => more.into_iter().for_each(|(k, v)| merge(held, k, v)),
        (Some(Value::List(held)), Value::List(more)) => {
            for (held, more) in held.iter_mut().zip(more) {
                if let (Value::Object(held), Value::Object(more)) = (held, more) {
                    more.into_iter().for_each(|(k, v)| merge(held, k, v));
                }
            }
        }
        (Some(_), _) => {}
    }
}

/// A list of plain objects: declared as `[T!]!` by `T`'s derived object type, resolved here.
pub struct PlainList<T>(pub Vec<T>);

impl<T: Plain> OutputType for PlainList<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        Ok(Value::List(self.0.iter().map(|item| object(item, ctx, &ctx.item.node)).collect()))
    }
}

//! How many fields a document selects, each alias and each use of a fragment counted: the bound on what one
//! request may ask the executor to resolve, beside the complexity limit that bounds what the answer may hold.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Fragments nest at most this deep here; deeper (or cyclic) spreads are refused by validation anyway.
const MAX_FRAGMENT_NESTING: usize = 32;

/// True when the operations of `doc` select more than `limit` fields. The walk stops as soon as the limit is
/// passed, so fragments that spread each other many times over cost no more than the limit.
pub fn more_than(doc: &ExecutableDocument, limit: usize) -> bool {
    let mut walk = Walk { doc, seen: 0, limit };
    doc.operations.iter().any(|(_, op)| walk.set(&op.node.selection_set.node, 0))
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    seen: usize,
    limit: usize,
}

impl Walk<'_> {
    /// Counts the fields of `set`; true once more than the limit were seen.
    fn set(&mut self, set: &SelectionSet, nesting: usize) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(f) => {
                self.seen += 1;
                self.seen > self.limit || self.set(&f.node.selection_set.node, nesting)
            }
            Selection::InlineFragment(f) => self.set(&f.node.selection_set.node, nesting),
            Selection::FragmentSpread(s) => {
                let Some(fragment) = self.doc.fragments.get(&s.node.fragment_name.node) else { return false };
                nesting < MAX_FRAGMENT_NESTING && self.set(&fragment.node.selection_set.node, nesting + 1)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::more_than;

    fn over(query: &str, limit: usize) -> bool {
        more_than(&parse_query(query).unwrap(), limit)
    }

    #[test]
    fn counts_aliases_nested_fields_and_every_use_of_a_fragment() {
        assert!(!over("{ a: tenant { slug } b: tenant { slug } }", 4));
        assert!(over("{ a: tenant { slug } b: tenant { slug } }", 3));
        let spread = "{ ...F ...F ...F } fragment F on Query { tenant { slug } }";
        assert!(!over(spread, 6));
        assert!(over(spread, 5));
        assert!(over("{ ... on Query { a: me { kind } b: me { kind } } }", 3));
    }

    #[test]
    fn fragments_spreading_each_other_stop_at_the_limit() {
        // Each level doubles: 2^20 fields if expanded in full.
        let mut q = String::from("{ ...F0 } fragment F20 on Query { me { kind } }");
        for i in 0..20 {
            q.push_str(&format!(" fragment F{i} on Query {{ ...F{n} ...F{n} }}", n = i + 1));
        }
        assert!(over(&q, 1_000));
        assert!(!over("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", 10));
    }
}

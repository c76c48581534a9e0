//! Metrics labels of operations (bounded by the schema's root fields), and what a document asks of the schema.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};

/// Root field names of the schema, interned once, so that metrics labels are bounded by the schema.
#[derive(Default)]
pub struct RootFields(HashMap<String, &'static str>);

impl RootFields {
    pub fn from_sdl(sdl: &str) -> RootFields {
        let mut map = HashMap::new();
        if let Ok(doc) = async_graphql::parser::parse_schema(sdl) {
            use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
            for def in doc.definitions {
                if let TypeSystemDefinition::Type(t) = def {
                    let prefix = match t.node.name.node.as_str() {
                        "Query" => "query",
                        "Mutation" => "mutation",
                        _ => continue,
                    };
                    if let TypeKind::Object(obj) = &t.node.kind {
                        for f in &obj.fields {
                            let label = format!("{prefix}.{}", f.node.name.node);
                            map.insert(label.clone(), &*Box::leak(label.into_boxed_str()));
                        }
                    }
                }
            }
        }
        RootFields(map)
    }

    pub fn label(&self, doc: &ExecutableDocument, operation_name: Option<&str>) -> Option<&'static str> {
        let op = match operation_name {
            Some(name) => doc.operations.iter().find(|(n, _)| n.is_some_and(|n| n.as_str() == name))?.1,
            None => doc.operations.iter().next()?.1,
        };
        let prefix = match op.node.ty {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => return None,
        };
        let field = op.node.selection_set.node.items.iter().find_map(|s| match &s.node {
            Selection::Field(f) => Some(f.node.name.node.as_str()),
            _ => None,
        })?;
        self.0.get(&format!("{prefix}.{field}")).copied()
    }
}

/// True when an operation or fragment selects `__schema` or `__type` at its top.
pub fn asks_introspection(doc: &ExecutableDocument) -> bool {
    let top = |set: &async_graphql::parser::types::SelectionSet| {
        set.items.iter().any(
            |s| matches!(&s.node, Selection::Field(f) if matches!(f.node.name.node.as_str(), "__schema" | "__type")),
        )
    };
    doc.operations.iter().any(|(_, op)| top(&op.node.selection_set.node))
        || doc.fragments.values().any(|f| top(&f.node.selection_set.node))
}

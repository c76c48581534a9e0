//! NUL characters in a request's strings. PostgreSQL cannot store one in text, SQLite would, and no person types
//! one: a request that holds one anywhere (variables, string literals of the document, its operation name) is
//! refused before it runs and before the response cache sees it, as `VALIDATION` with reason
//! `CONTROL_CHARACTER` at the path of the value (`i.name` for a variable, `input.name` for a literal argument).
//!
//! JSON can carry a NUL only escaped, as `\u0000`, and a GraphQL literal only as `\u0000` inside the JSON
//! string: a body without the bytes `u0000` holds none, so almost every request costs one `memmem` scan.

use async_graphql::{
    Name, Value,
    parser::types::{Directive, ExecutableDocument, Selection, SelectionSet},
};

use crate::error::{AppError, Refusal};

/// The refusal of a request whose strings hold a NUL, if they do.
pub fn check(body: &[u8], query: &str, operation_name: Option<&str>) -> Result<(), AppError> {
    match find(body, query, operation_name) {
        None => Ok(()),
        Some(path) => {
            let name = path.rsplit('.').find(|s| !s.bytes().all(|b| b.is_ascii_digit())).unwrap_or(&path);
            let message = format!("{name} must not hold control characters");
            Err(AppError::Validation(Refusal { message, reason: Some("CONTROL_CHARACTER"), field: Some(path) }))
        }
    }
}

/// The path of the first string of the request that holds a NUL.
fn find(body: &[u8], query: &str, operation_name: Option<&str>) -> Option<String> {
    memchr::memmem::find(body, b"u0000")?;
    if operation_name.is_some_and(|n| n.contains('\0')) {
        return Some("operationName".into());
    }
    #[derive(serde::Deserialize)]
    struct Variables {
        #[serde(default)]
        variables: Option<serde_json::Value>,
    }
    if let Ok(Variables { variables: Some(v) }) = serde_json::from_slice::<Variables>(body)
        && let Some(path) = in_json(&v, String::new())
    {
        return Some(path);
    }
    // A document that does not parse is refused by execution, and runs nothing.
    in_document(&async_graphql::parser::parse_query(query).ok()?)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

fn in_json(v: &serde_json::Value, path: String) -> Option<String> {
    match v {
        serde_json::Value::String(s) => s.contains('\0').then_some(path),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| in_json(v, join(&path, &i.to_string())))
        }
        serde_json::Value::Object(fields) => fields
            .iter()
            .find_map(|(k, v)| if k.contains('\0') { Some(join(&path, k)) } else { in_json(v, join(&path, k)) }),
        _ => None,
    }
}

fn in_value(v: &Value, path: String) -> Option<String> {
    match v {
        Value::String(s) => s.contains('\0').then_some(path),
        Value::List(items) => items.iter().enumerate().find_map(|(i, v)| in_value(v, join(&path, &i.to_string()))),
        Value::Object(fields) => fields.iter().find_map(|(k, v): (&Name, &Value)| in_value(v, join(&path, k))),
        _ => None,
    }
}

/// The arguments' values, variables read as null (their values are checked as variables).
macro_rules! in_arguments {
    ($args:expr) => {
        $args.iter().find_map(|(name, v)| {
            let value = v.node.clone().into_const_with(|_| Ok::<_, ()>(Value::Null)).ok()?;
            in_value(&value, name.node.to_string())
        })
    };
}

fn in_directives(directives: &[async_graphql::Positioned<Directive>]) -> Option<String> {
    directives.iter().find_map(|d| in_arguments!(d.node.arguments))
}

fn in_selections(set: &SelectionSet) -> Option<String> {
    set.items.iter().find_map(|s| match &s.node {
        Selection::Field(f) => in_arguments!(f.node.arguments)
            .or_else(|| in_directives(&f.node.directives))
            .or_else(|| in_selections(&f.node.selection_set.node)),
        Selection::FragmentSpread(f) => in_directives(&f.node.directives),
        Selection::InlineFragment(f) => {
            in_directives(&f.node.directives).or_else(|| in_selections(&f.node.selection_set.node))
        }
    })
}

fn in_document(doc: &ExecutableDocument) -> Option<String> {
    doc.operations
        .iter()
        .find_map(|(_, op)| {
            op.node
                .variable_definitions
                .iter()
                .find_map(|d| {
                    let default = d.node.default_value.as_ref()?;
                    in_value(&default.node, d.node.name.node.to_string())
                })
                .or_else(|| in_directives(&op.node.directives))
                .or_else(|| in_selections(&op.node.selection_set.node))
        })
        .or_else(|| {
            doc.fragments
                .values()
                .find_map(|f| in_directives(&f.node.directives).or_else(|| in_selections(&f.node.selection_set.node)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(body: serde_json::Value) -> Option<String> {
        let query = body["query"].as_str().unwrap_or("").to_owned();
        find(body.to_string().as_bytes(), &query, None)
    }

    #[test]
    fn nul_is_found_in_variables_and_literals_with_its_path() {
        use serde_json::json;
        assert_eq!(
            path(json!({ "query": "{ a }", "variables": { "i": { "tags": ["x", "y\0"] } } })),
            Some("i.tags.1".into())
        );
        assert_eq!(path(json!({ "query": "{ a(input: { name: \"x\\u0000\" }) }" })), Some("input.name".into()));
        assert_eq!(path(json!({ "query": "{ ... on Q { a(q: [\"\", \"\\u0000\"]) } }" })), Some("q.1".into()));
        assert_eq!(path(json!({ "query": "query($q: String = \"\\u0000\") { a(q: $q) }" })), Some("q".into()));
        assert_eq!(path(json!({ "query": "{ a(q: \"\\\\u0000\") }", "variables": { "x": "\\u0000" } })), None);
        assert_eq!(path(json!({ "query": "{ a(q: \"推拿\") }", "variables": { "x": "推拿" } })), None);
    }
}

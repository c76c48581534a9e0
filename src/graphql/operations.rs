//! The registered operations: what our own clients (H5 pages, admin console, load test) send. In production,
//! sessions and anonymous callers may run only these; API keys and the platform token (machine clients of
//! tenants and operators) may send any operation within the limits.
//!
//! A request matches a registered operation when both parse to the same syntax tree (so white space, commas
//! and comments do not matter), compared by a digest of the tree without source positions.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::{parse_query, types::ExecutableDocument};
use sha2::{Digest, Sha256};

mod sources {
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}

pub struct Registry {
    digests: HashSet<[u8; 32]>,
    pub names: Vec<String>,
    /// Each operation's own text, by name: what in-process clients (the web pages) send.
    texts: HashMap<String, String>,
}

fn strip_positions(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("pos");
            map.values_mut().for_each(strip_positions);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_positions),
        _ => {}
    }
}

/// The digest of each named operation of a document, with its name.
fn digests(doc: &ExecutableDocument) -> Vec<(Option<String>, [u8; 32])> {
    doc.operations
        .iter()
        .map(|(name, op)| {
            let mut tree = serde_json::to_value(&op.node).unwrap_or_default();
            strip_positions(&mut tree);
            let canonical = serde_json::json!([name.map(|n| n.as_str()), tree]).to_string();
            (name.map(|n| n.to_string()), Sha256::digest(canonical.as_bytes()).into())
        })
        .collect()
}

/// Each named operation's lines of the file: from its first line to the next operation's (comments between
/// them do not change what it is).
fn operation_texts(doc: &ExecutableDocument, text: &str) -> Vec<(String, String)> {
    let mut starts: Vec<(usize, String)> =
        doc.operations.iter().filter_map(|(name, op)| Some((op.pos.line, name?.to_string()))).collect();
    starts.sort();
    let lines: Vec<&str> = text.lines().collect();
    let ends = starts.iter().skip(1).map(|(line, _)| line - 1).chain([lines.len()]);
    starts.iter().zip(ends).map(|((start, name), end)| (name.clone(), lines[start - 1..end].join("\n"))).collect()
}

impl Registry {
    /// Parses the embedded files; each operation must be named, and fragments are not used.
    pub fn load() -> anyhow::Result<Registry> {
        Self::from_sources(sources::SOURCES)
    }

    pub fn from_sources(sources: &[(&str, &str)]) -> anyhow::Result<Registry> {
        let mut set = HashSet::new();
        let mut names = vec![];
        let mut texts = HashMap::new();
        for (file, text) in sources {
            let doc = parse_query(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            anyhow::ensure!(doc.fragments.is_empty(), "{file}: registered operations use no fragments");
            for (name, digest) in digests(&doc) {
                let name = name.ok_or_else(|| anyhow::anyhow!("{file}: every registered operation is named"))?;
                set.insert(digest);
                names.push(name);
            }
            texts.extend(operation_texts(&doc, text));
        }
        names.sort();
        Ok(Registry { digests: set, names, texts })
    }

    /// The text of the registered operation of this name, alone.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    /// True when the document is one registered operation and nothing else.
    pub fn allows(&self, doc: &ExecutableDocument) -> bool {
        let ops = digests(doc);
        doc.fragments.is_empty() && ops.len() == 1 && self.digests.contains(&ops[0].1)
    }
}

#[cfg(test)]
mod tests {
    use super::{Registry, parse_query};

    fn allows(r: &Registry, query: &str) -> bool {
        parse_query(query).is_ok_and(|doc| r.allows(&doc))
    }

    #[test]
    fn matches_up_to_white_space_and_commas_only() {
        let r = Registry::from_sources(&[(
            "t.graphql",
            "# heading\nquery A { me { kind } }\n\n# about B\nmutation B($x: String!) {\n  f(x: $x, y: 1) { id }\n}\n",
        )])
        .unwrap();
        assert_eq!(r.names, ["A", "B"]);
        assert!(allows(&r, "query A { me { kind } }"));
        assert!(allows(&r, "query A {\n\tme {kind}\n} # trailing"));
        assert!(allows(&r, "mutation B($x: String!) { f(x: $x y: 1) { id } }"));
        assert!(!allows(&r, "query A { me { kind tenant { id } } }"));
        assert!(!allows(&r, "query A { me { kind } } query C { me { kind } }"));
        assert!(!allows(&r, "{ me { kind } }"));
        assert!(!allows(&r, "query a { me { kind } }"), "the name is part of the operation");
        assert!(!allows(&r, "mutation B($x: String!) { f(x: $x y: 2) { id } }"), "so are literal values");
    }

    #[test]
    fn each_operation_text_is_registered_alone() {
        let r = Registry::load().unwrap();
        for name in &r.names {
            let text = r.text(name).unwrap();
            assert!(allows(&r, text), "{name}: {text}");
        }
        assert_eq!(r.text("Nope"), None);
    }

    #[test]
    fn the_embedded_files_load() {
        assert!(Registry::load().unwrap().names.contains(&"StaffLogin".to_owned()));
    }
}

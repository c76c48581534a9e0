//! The registered operations: what our own clients (H5 pages, admin console, load test) send. In production,
//! sessions and anonymous callers may run only these; API keys and the platform token (machine clients of
//! tenants and operators) may send any operation within the limits.
//!
//! A request matches a registered operation when both parse to the same syntax tree (so white space, commas
//! and comments do not matter), compared by a digest of the tree without source positions.

use std::collections::HashSet;

use async_graphql::parser::{parse_query, types::ExecutableDocument};
use sha2::{Digest, Sha256};

mod sources {
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}

pub struct Registry {
    digests: HashSet<[u8; 32]>,
    pub names: Vec<String>,
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

impl Registry {
    /// Parses the embedded files; each operation must be named, and fragments are not used.
    pub fn load() -> anyhow::Result<Registry> {
        Self::from_sources(sources::SOURCES)
    }

    pub fn from_sources(sources: &[(&str, &str)]) -> anyhow::Result<Registry> {
        let mut set = HashSet::new();
        let mut names = vec![];
        for (file, text) in sources {
            let doc = parse_query(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            anyhow::ensure!(doc.fragments.is_empty(), "{file}: registered operations use no fragments");
            for (name, digest) in digests(&doc) {
                let name = name.ok_or_else(|| anyhow::anyhow!("{file}: every registered operation is named"))?;
                set.insert(digest);
                names.push(name);
            }
        }
        names.sort();
        Ok(Registry { digests: set, names })
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
    fn the_embedded_files_load() {
        assert!(Registry::load().unwrap().names.contains(&"StaffLogin".to_owned()));
    }
}

//! The layers point one way: a top-level module of `src/` imports only from layers below its own (never from
//! its own layer's other modules, so no import circle can form), and a domain never reaches into another
//! domain's `entity` module (it calls the other's public functions). Read from the `crate::` paths of the
//! source, comments left out.

use std::{collections::BTreeSet, path::Path};

/// Bottom to top. A module may use the modules of lower rows only.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["config"],
    &["kernel"],
    &["db", "infra"],
    &["state"],
    &["graphql"],
    &["notify"],
    &["payments"],
    &["tenancy"],
    &["identity"],
    &["audit", "media"],
    &["storefront"],
    &["booking"],
    &["app"],
    &["seed"],
    &["web"],
    &["http"],
    &["lib", "main"],
];

/// Domains, whose `entity` modules are their own.
const DOMAINS: &[&str] = &["payments", "notify", "tenancy", "identity", "audit", "media", "storefront", "booking"];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

/// The text without comments (line comments, doc comments, block comments); string contents are kept.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    let (mut in_str, mut block) = (false, 0usize);
    while let Some(c) = chars.next() {
        if block > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                block += 1;
            }
            continue;
        }
        if in_str {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                block = 1;
            }
            ('"', _) => {
                in_str = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every path a source reaches through `crate::` (or `$crate::`), as its segments: `use crate::{a::b, c}` gives
/// `a::b` and `c`; `crate::d::e(…)` in code gives `d::e`.
fn crate_paths(src: &str) -> Vec<Vec<String>> {
    let text = strip_comments(src);
    let mut paths = vec![];
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("crate::") {
        let start = i + at;
        i = start + "crate::".len();
        let before = start.checked_sub(1).map(|p| bytes[p]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue; // e.g. `my_crate::`
        }
        let (tree, used) = use_tree(&text[i..]);
        i += used;
        paths.extend(tree);
    }
    paths
}

/// Parses a use tree at the start of `s` (`a::b`, `a::{b, c::d}`, `{a, b}`): its leaf paths and its length.
fn use_tree(s: &str) -> (Vec<Vec<String>>, usize) {
    let mut prefix: Vec<String> = vec![];
    let mut i = 0;
    let b = s.as_bytes();
    loop {
        let ident_len = s[i..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len() - i);
        if ident_len > 0 {
            prefix.push(s[i..i + ident_len].to_owned());
            i += ident_len;
            if s[i..].starts_with("::") {
                i += 2;
                continue;
            }
            // `a::b as c`: the alias names nothing new.
            let rest = s[i..].trim_start();
            if let Some(alias) = rest.strip_prefix("as ") {
                let alias = alias.trim_start();
                let len = alias.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(alias.len());
                i = s.len() - alias.len() + len;
            }
            return (vec![prefix], i);
        }
        if i < b.len() && b[i] == b'{' {
            i += 1;
            let mut out = vec![];
            loop {
                while i < b.len() && (b[i] as char).is_whitespace() || (i < b.len() && b[i] == b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    return (out, i + 1);
                }
                let (inner, used) = use_tree(&s[i..]);
                i += used.max(1);
                for p in inner {
                    out.push(prefix.iter().cloned().chain(p).collect());
                }
            }
        }
        return (vec![prefix], i);
    }
}

/// The violations of one file of `module`.
fn violations(module: &str, file: &str, src: &str) -> Vec<String> {
    let Some(own) = rank(module) else { return vec![format!("{file}: module `{module}` has no layer in LAYERS")] };
    let mut out = BTreeSet::new();
    for path in crate_paths(src) {
        let Some(first) = path.first() else { continue };
        // `crate::tenant_entity!` is db's macro, exported at the crate's root.
        let target = if first == "tenant_entity" { "db" } else { first.as_str() };
        if target == module || target == "self" {
            continue;
        }
        match rank(target) {
            Some(r) if r < own => {}
            Some(_) => {
                out.insert(format!("{file}: `{module}` imports `{target}`, which is not below it"));
            }
            None => {
                out.insert(format!("{file}: `crate::{target}` is not a module of any layer"));
            }
        }
        if DOMAINS.contains(&module) && DOMAINS.contains(&target) && path.get(1).is_some_and(|s| s == "entity") {
            out.insert(format!("{file}: `{module}` uses `{target}`'s entities; call its public functions instead"));
        }
    }
    out.into_iter().collect()
}

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn every_import_points_down_and_no_domain_uses_anothers_entities() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    sources(&src, &mut files);
    assert!(files.len() > 50, "the sources were found");
    let mut problems = vec![];
    for (path, text) in &files {
        let rel = Path::new(path).strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        problems.extend(violations(module, &rel.display().to_string(), text));
    }
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

#[test]
fn the_check_sees_upward_imports_however_they_are_written() {
    let upward = [
        "use crate::app::schema;",
        "use crate::{error::AppError, booking::service as b};",
        "use crate::{state::AppState as S, tenancy::service as tenancy, app};",
        "use crate::{\n    kernel::{Principal,\n TenantId},\n    http::Web,\n};",
        "fn f() { crate::storefront::index::of(s); }",
        "fn f() -> crate::graphql::context::RequestCtx { todo!() }",
    ];
    for src in upward {
        assert!(!violations("db", "x.rs", src).is_empty(), "missed: {src}");
    }
    assert!(!violations("booking", "x.rs", "use crate::storefront::entity::therapist;").is_empty());
    assert!(!violations("storefront", "x.rs", "use crate::booking::service;").is_empty(), "a circle's upper half");
    assert!(!violations("db", "x.rs", "use crate::infra::cache;").is_empty(), "a peer of the same layer");
    for fine in [
        "// use crate::app::schema;",
        "/// see `crate::http::Web`\nuse crate::kernel::TenantId;",
        "/* crate::app */ use crate::{error::AppError, kernel::{Principal, Role}};",
        "let s = \"not code\"; use crate::error::AppResult;",
    ] {
        assert!(
            violations("db", "x.rs", fine).is_empty(),
            "wrongly refused: {fine}: {:?}",
            violations("db", "x.rs", fine)
        );
    }
    assert!(violations("booking", "x.rs", "use crate::storefront::{ServiceItem, therapist_names};").is_empty());
}

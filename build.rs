//! Embeds the registered operations (`graphql/operations/*.graphql`) into the binary.

use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new("graphql/operations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "graphql"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// (file name, text) of every registered operations file.\npub const SOURCES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let abs = fs::canonicalize(f).expect("operations file");
        out.push_str(&format!("    ({:?}, include_str!({:?})),\n", f.file_name().unwrap().to_string_lossy(), abs));
    }
    out.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("operations.rs"), out).unwrap();
}

//! Static files (CSS, scripts, icons), embedded in the binary and served under content-hashed paths as
//! immutable: a page names `/static/{hash}/{file}`, so a new build's file has a new address.

use std::{collections::HashMap, sync::LazyLock};

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

#[derive(rust_embed::Embed)]
#[folder = "$CARGO_MANIFEST_DIR/src/web/static"]
struct Files;

/// The address of every embedded file, by its name.
static URLS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Files::iter()
        .filter_map(|name| {
            let file = Files::get(&name)?;
            let hash: String = file.metadata.sha256_hash()[..6].iter().map(|b| format!("{b:02x}")).collect();
            Some((name.to_string(), format!("/static/{hash}/{name}")))
        })
        .collect()
});

/// The address of an embedded file; a name that is not embedded is a bug, caught by the page tests (the
/// address answers 404).
pub fn url(name: &str) -> &'static str {
    URLS.get(name).map(String::as_str).unwrap_or("/static/missing")
}

pub async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let (Some(file), Some(url)) = (Files::get(&name), URLS.get(&name)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !url.starts_with(&format!("/static/{hash}/")) {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned()),
        ],
        file.data,
    )
        .into_response()
}

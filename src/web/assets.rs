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

/// Files served as one, so that a page on a slow phone link waits for one round trip, not several: the H5
/// pages' styles and scripts are the shared console ones followed by their own.
const BUNDLES: &[(&str, &[&str])] =
    &[("h5-bundle.css", &["console.css", "h5.css"]), ("h5-bundle.js", &["console.js", "h5.js"])];

/// Every servable file (embedded or bundled): its bytes, its type and its address.
struct Served {
    data: std::borrow::Cow<'static, [u8]>,
    mime: String,
    url: String,
}

fn address(name: &str, data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(data)[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("/static/{hash}/{name}")
}

static SERVED: LazyLock<HashMap<String, Served>> = LazyLock::new(|| {
    let mut served: HashMap<String, Served> = Files::iter()
        .filter_map(|name| {
            let file = Files::get(&name)?;
            let url = address(&name, &file.data);
            Some((name.to_string(), Served { mime: file.metadata.mimetype().to_owned(), url, data: file.data }))
        })
        .collect();
    for (name, parts) in BUNDLES {
        let mut data = vec![];
        for part in *parts {
            data.extend_from_slice(&served.get(*part).map(|s| s.data.to_vec()).unwrap_or_default());
            data.push(b'\n');
        }
        let mime = served.get(parts[0]).map(|s| s.mime.clone()).unwrap_or_default();
        served.insert((*name).to_owned(), Served { url: address(name, &data), mime, data: data.into() });
    }
    served
});

/// The address of an embedded file; a name that is not embedded is a bug, caught by the page tests (the
/// address answers 404).
pub fn url(name: &str) -> &'static str {
    SERVED.get(name).map(|s| s.url.as_str()).unwrap_or("/static/missing")
}

pub async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let Some(file) = SERVED.get(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !file.url.starts_with(&format!("/static/{hash}/")) {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, file.mime.clone()),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned()),
        ],
        file.data.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_its_parts_in_order_under_an_address_of_its_own() {
        let bundle = &SERVED["h5-bundle.css"];
        let text = String::from_utf8_lossy(&bundle.data);
        let (console, h5) = (Files::get("console.css").unwrap(), Files::get("h5.css").unwrap());
        let at = |part: &[u8]| text.find(String::from_utf8_lossy(part).as_ref()).expect("part in bundle");
        assert!(at(&console.data) < at(&h5.data));
        assert_eq!(bundle.mime, "text/css");
        assert_ne!(url("h5-bundle.css"), url("console.css"));
        assert!(url("h5-bundle.css").starts_with("/static/") && url("h5-bundle.css").ends_with("/h5-bundle.css"));
    }
}

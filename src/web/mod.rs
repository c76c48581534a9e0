//! The pages: the admin console under `/admin/` (and the WeChat H5 pages under `/h5/{tenant}/`).
//!
//! Server-rendered HTML (askama templates in `templates/`), plain forms posted and answered by a redirect, and
//! a little JavaScript that only enhances. A page is a client of the GraphQL API in process: it runs registered
//! operations (`runner`) with the caller's session (`session`), so authorization, tenant scope, limits and audit
//! are the API's own. Static files are embedded in the binary (`assets`).

mod admin;
pub mod assets;
mod format;
mod forms;
mod h5;
mod page;
mod runner;
mod session;

use axum::{Router, routing::get};

pub use session::csrf_guard;

use crate::app::exec::Web;

/// The routes of every page and of the static files.
pub fn routes() -> Router<Web> {
    Router::new().route("/static/{hash}/{*file}", get(assets::serve)).merge(admin::routes()).merge(h5::routes())
}

/// GraphiQL, from the embedded copies of its scripts (see `VENDOR.md`): it works without the internet.
pub fn graphiql_page() -> String {
    use assets::url;
    format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL - Civic</title>
<link rel="stylesheet" href="{css}">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">GraphiQL 需要 JavaScript。</div>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script src="{start}"></script>
</body>
</html>
"#,
        css = url("vendor/graphiql/graphiql.min.css"),
        react = url("vendor/graphiql/react.production.min.js"),
        react_dom = url("vendor/graphiql/react-dom.production.min.js"),
        graphiql = url("vendor/graphiql/graphiql.min.js"),
        start = url("graphiql.js"),
    )
}

/// The page for an address nothing answers.
pub async fn not_found(
    axum::extract::State(web): axum::extract::State<Web>,
    visit: session::Visit,
) -> axum::response::Response {
    page::error_status(&web, &visit, 404)
}

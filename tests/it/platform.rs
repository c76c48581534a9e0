//! The HTTP surface and GraphQL hardening.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Gql, TestApp, base_config};

#[tokio::test]
async fn health_ready_metrics_graphiql_and_request_ids() {
    let app = TestApp::spawn().await;
    let mut ids = std::collections::HashSet::new();
    for (path, status) in [("/healthz", 200), ("/readyz", 200), ("/metrics", 200), ("/graphql", 200), ("/nope", 404)] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let id =
            r.headers().get("x-request-id").expect("every response carries X-Request-Id").to_str().unwrap().to_owned();
        assert!(ids.insert(id), "request ids are unique");
        let text = r.text().await.unwrap();
        if path == "/graphql" {
            assert!(text.contains("graphiql"), "GraphiQL is served outside production");
        }
        if path == "/readyz" {
            let body: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["database"], true);
            assert_eq!(body["cache"], true);
        }
    }
    let r = app.anon().gql("{ me { kind } }", json!({})).await;
    assert!(r.request_id.is_some());
    assert_eq!(r.data()["me"]["kind"], "ANONYMOUS");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("civic_requests_total"), "{metrics}");
    assert!(metrics.contains(r#"operation="query.me""#), "requests are counted by operation: {metrics}");
    assert!(metrics.contains("civic_request_duration_seconds_bucket"));
    assert!(metrics.contains("civic_db_pool_connections"));
    assert!(metrics.contains("civic_cache_up{kind="), "{metrics}");
}

#[tokio::test]
async fn batches_and_malformed_bodies_are_refused_with_400() {
    let app = TestApp::spawn().await;
    let r = Gql::from(app.anon().post_raw(r#" [{"query":"{ me { kind } }"},{"query":"{ me { kind } }"}]"#).await).await;
    assert_eq!(r.status, 400);
    r.expect_code("BAD_REQUEST");
    assert!(r.request_id.is_some());
    let r = Gql::from(app.anon().post_raw("not json").await).await;
    assert_eq!(r.status, 400);
    r.expect_code("BAD_REQUEST");
    let big = format!(r#"{{"query":"{{ me {{ kind }} }}","variables":{{"x":"{}"}}}}"#, "a".repeat(300 * 1024));
    let r = app.anon().post_raw(big).await;
    assert_eq!(r.status().as_u16(), 413, "the body size is bounded");
}

/// `{ __type(name: "Query") { fields { type { fields { type { ... } } } } } }` nested `levels` deep.
fn deep_query(levels: usize) -> String {
    let mut q = String::from("name");
    for i in 0..levels {
        q = if i % 2 == 0 { format!("type {{ {q} }}") } else { format!("fields {{ {q} }}") };
    }
    format!("{{ __type(name: \"Query\") {{ {q} }} }}")
}

fn alias_flood(n: usize) -> String {
    let body: Vec<String> = (0..n).map(|i| format!("a{i}: tenant {{ slug }}")).collect();
    format!("{{ {} }}", body.join(" "))
}

#[tokio::test]
async fn depth_and_alias_floods_are_refused() {
    let app = TestApp::spawn().await;
    assert_refused_for(&app.anon(), &deep_query(30), "BAD_REQUEST").await;
    assert_refused_for(&app.anon(), &alias_flood(5_000), "BAD_REQUEST").await;
    // The limits leave room for real clients.
    app.anon().gql(&alias_flood(50), json!({})).await.data();
}

#[tokio::test]
async fn page_sizes_are_capped_at_100() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let q = "query($n: Int) { staffMembers(first: $n) { edges { node { id } } } }";
    app.bearer(&t.api_key).gql(q, json!({ "n": 101 })).await.expect_code("VALIDATION");
    app.bearer(&t.api_key).gql(q, json!({ "n": 0 })).await.expect_code("VALIDATION");
    app.bearer(&t.api_key).gql(q, json!({ "n": 100 })).await.data();
}

/// `aliases` copies of the H5's nearest-shops card list, each asking for `first` shops.
fn nearest_flood(aliases: usize, first: &str) -> String {
    let card = "distanceMeters shop { id name address phone callUrl location { lat lng } rating { average count } photos { thumbUrl } }";
    let body: Vec<String> = (0..aliases)
        .map(|i| format!("a{i}: nearestShops(near: {{ lat: 39.9, lng: 116.4, datum: GCJ02 }}, radiusMeters: 5000, first: {first}) {{ {card} }}"))
        .collect();
    format!("query($n: Int) {{ {} }}", body.join(" "))
}

#[tokio::test]
async fn list_sizes_count_in_the_complexity_limit() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let key = app.bearer(&t.api_key);
    // 120 aliased pages of 100 cards (a 17 KB request for a 2 MB answer) are refused before anything runs.
    let r = key.gql(&nearest_flood(120, "100"), json!({})).await;
    r.expect_code("BAD_REQUEST");
    assert!(r.body["data"].is_null(), "nothing was executed: {}", r.body);
    // So are 40 (680 fields, few enough to select, 4,000 cards to answer): for what the answer would hold.
    let r = key.gql(&nearest_flood(40, "100"), json!({})).await;
    assert_eq!(r.body["errors"][0]["extensions"]["reason"], "TOO_COMPLEX", "{}", r.body);
    assert!(r.body["data"].is_null(), "nothing was executed: {}", r.body);
    // `first` counts as sent, also through a variable: five pages of 100 cards are too much, of 5 are not.
    key.gql(&nearest_flood(5, "$n"), json!({ "n": 100 })).await.expect_code("BAD_REQUEST");
    key.gql(&nearest_flood(5, "$n"), json!({ "n": 5 })).await.data();
    key.gql(&nearest_flood(4, "$n"), json!({ "n": 100 })).await.data();
    // Nested lists multiply: every shop of a page with its therapists' weeks and its services' therapists.
    let nested = "{ shops(first: 100) { edges { node { therapists { schedule { weekday opens closes } } \
                  services { therapists { id name } } } } } }";
    let r = key.gql(nested, json!({})).await;
    assert_eq!(r.body["errors"][0]["extensions"]["reason"], "TOO_COMPLEX", "{}", r.body);
    let one = "{ shops(first: 5) { edges { node { therapists { schedule { weekday opens closes } } } } } }";
    key.gql(one, json!({})).await.data();
    let r = key.gql(&deep_query(30), json!({})).await;
    assert_eq!(r.body["errors"][0]["extensions"]["reason"], "TOO_DEEP", "{}", r.body);
    let r = key.gql(&alias_flood(5_000), json!({})).await;
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "TOO_MANY_FIELDS",
        "{}",
        r.body.to_string().get(..300).unwrap_or_default()
    );
}

async fn assert_refused_for(caller: &crate::helpers::Caller<'_>, query: &str, code: &str) {
    let r = caller.gql(query, json!({})).await;
    r.expect_code(code);
    assert!(r.body["data"].is_null(), "nothing was executed: {}", r.body);
}

#[tokio::test]
async fn production_mode_hides_the_schema_and_refuses_abuse() {
    let app = TestApp::spawn_with(|c| c.env = civic::config::Env::Production).await;
    let t = app.tenant("massage").await;
    // Machine clients (API keys, the platform) may send any operation, within the limits.
    let key = app.bearer(&t.api_key);
    for q in [
        "{ __schema { types { name } } }",
        r#"{ __type(name: "Query") { name } }"#,
        "query { ...F } fragment F on Query { __schema { queryType { name } } }",
    ] {
        let r = key.gql(q, json!({})).await;
        r.expect_code("BAD_REQUEST");
        assert_eq!(r.message(), "introspection is disabled");
        assert!(r.body["data"].is_null(), "{}", r.body);
    }
    // `__typename` is not introspection of the schema and still works.
    key.gql("{ __typename me { kind } }", json!({})).await.data();

    let r = key.gql("{ mee { kind } }", json!({})).await;
    r.expect_code("BAD_REQUEST");
    assert!(!r.message().to_lowercase().contains("did you mean"), "no suggestions: {}", r.message());
    assert_refused_for(&key, &deep_query(30), "BAD_REQUEST").await;
    assert_refused_for(&key, &alias_flood(5_000), "BAD_REQUEST").await;

    // Sessions and anonymous callers run only registered operations.
    let anon = app.with_tenant(&t.slug);
    for q in ["{ __schema { types { name } } }", &deep_query(30), &alias_flood(5_000), "{ me { kind } }"] {
        assert_refused_for(&anon, q, "OPERATION_NOT_REGISTERED").await;
    }
    let registered = "query CurrentTenant {\n  tenant { id slug name kind timeZone wechatAppId }\n}";
    assert_eq!(anon.gql(registered, json!({})).await.data()["tenant"]["slug"], t.slug.as_str());
    let s = app.staff(&t, "TENANT_ADMIN", &[]).await;
    let staff = app.bearer(&s.token);
    assert_refused_for(&staff, "{ staffMembers { edges { node { id } } } }", "OPERATION_NOT_REGISTERED").await;

    let r = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404, "no GraphiQL in production");
    let r = Gql::from(key.post_raw(r#"[{"query":"{ me { kind } }"}]"#).await).await;
    assert_eq!(r.status, 400);
    r.expect_code("BAD_REQUEST");
}

/// Every registered operation is valid against the schema: sent without variables but `first`, each is either
/// refused for a missing variable or runs; none names a field, argument or type the schema lacks, and none is
/// too complex at the largest page.
#[tokio::test]
async fn registered_operations_match_the_schema() {
    let app = TestApp::spawn().await;
    let registry = civic::graphql::operations::Registry::load().unwrap();
    assert!(!registry.names.is_empty());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/operations");
    let mut checked = 0;
    for file in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        // Clients send one operation a document: each starts a line with `query` or `mutation`.
        let mut sources: Vec<String> = vec![];
        for line in text.lines() {
            if line.starts_with("query ") || line.starts_with("mutation ") || sources.is_empty() {
                sources.push(String::new());
            }
            let last = sources.last_mut().unwrap();
            last.push_str(line);
            last.push('\n');
        }
        for source in sources.iter().filter(|s| s.starts_with("query ") || s.starts_with("mutation ")) {
            let doc = async_graphql::parser::parse_query(source).unwrap();
            assert_eq!(doc.operations.iter().count(), 1, "{source}");
            let name = doc.operations.iter().next().unwrap().0.unwrap().to_string();
            // At the largest page: what our own clients send fits the complexity limit.
            let request = json!({ "query": source, "variables": { "first": 100 } });
            let r = app.anon().post_raw(request.to_string()).await;
            let body: serde_json::Value = r.json().await.unwrap();
            for e in body["errors"].as_array().into_iter().flatten() {
                let m = e["message"].as_str().unwrap();
                for bad in [
                    "Unknown",
                    "Cannot query",
                    "is not defined by operation",
                    "Expected type",
                    "must have a selection",
                    "too complex",
                ] {
                    assert!(!m.contains(bad), "{}: {name}: {m}", file.display());
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, registry.names.len(), "every registered operation was checked");
}

/// An internal failure (here: a table gone from under the service) shows an opaque message with the request
/// id, never SQL, a driver's words or a file path.
#[tokio::test]
async fn internal_errors_are_opaque() {
    let app = TestApp::spawn_with(|c| c.env = civic::config::Env::Production).await;
    let t = app.tenant("massage").await;
    let admin_url = app.admin_url();
    let conn = sea_orm::Database::connect(admin_url).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&conn, "DROP TABLE audit_log").await.unwrap();
    let r = app.bearer(&t.api_key).gql("{ auditLog { edges { node { id } } } }", json!({})).await;
    r.expect_code("INTERNAL");
    let id = r.request_id.clone().unwrap();
    assert_eq!(r.message(), format!("internal error (request {id})"));
    let text = r.body.to_string().to_lowercase();
    for leak in ["sql", "sqlite", "postgres", "relation", "table", "audit_log", ".rs", "sqlx", "select"] {
        assert!(!text.contains(leak), "error text names {leak:?}: {text}");
    }
    assert_eq!(r.body["errors"][0]["extensions"]["requestId"], id.as_str());
}

#[tokio::test]
async fn production_refuses_to_start_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = base_config(dir.path());
    c.env = civic::config::Env::Production;
    assert!(c.check().is_ok());
    let mut no_token = c.clone();
    no_token.platform_token = None;
    assert!(no_token.check().unwrap_err().to_string().contains("CIVIC_PLATFORM_TOKEN"));
    let mut no_key = c.clone();
    no_key.secret_key = None;
    assert!(no_key.check().unwrap_err().to_string().contains("CIVIC_SECRET_KEY"));
    let mut short_key = c.clone();
    short_key.secret_key = Some("c2hvcnQ=".to_owned().into());
    assert!(short_key.check().is_err(), "a key under 32 bytes is refused");

    // And the binary itself.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_civic"))
        .arg("serve")
        .env_clear()
        .env("CIVIC_ENV", "production")
        .env("CIVIC_DATA_DIR", dir.path())
        .env("CIVIC_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CIVIC_PLATFORM_TOKEN"));
}

#[test]
fn schema_file_matches_the_code() {
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/schema.graphql"))
        .expect("graphql/schema.graphql exists: write it with `cargo run -- schema > graphql/schema.graphql`");
    assert!(
        file == civic::app::schema::sdl(),
        "graphql/schema.graphql is stale: run `cargo run -- schema > graphql/schema.graphql`"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_civic")).arg("schema").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), file, "`civic schema` prints the same text");
}

/// SIGTERM's path: readiness turns false, the request in flight finishes, the server stops.
#[tokio::test]
async fn graceful_shutdown_finishes_requests_in_flight() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    app.consumer(&t, "warm-up").await;
    app.wechat.set_delay(Duration::from_millis(800));
    let before = app.wechat.calls();
    let code = app.wechat.issue_code(&format!("wx{}", &t.id.replace('-', "")[..16]), "in-flight");
    let state = app.oauth_state(&t.slug).await;
    let caller = app.anon();
    let in_flight = caller.gql(
        "mutation($t: String!, $c: String!, $s: String!) { wechatLogin(tenant: $t, code: $c, state: $s) { token } }",
        json!({ "t": t.slug, "c": code, "s": state }),
    );
    let stop = async {
        while app.wechat.calls() == before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        app.begin_shutdown();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!app.state.is_ready(), "readiness goes false at once");
        // While draining, the listener still answers, and says it is not ready.
        let r = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 503);
    };
    let (r, ()) = tokio::join!(in_flight, stop);
    assert!(r.data()["wechatLogin"]["token"].is_string(), "the request in flight finished");
    let server = app.server.lock().unwrap().take().unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap().unwrap();
}

/// In production `/metrics` answers only the metrics token, and is off (404) when none is set; in development
/// it is open (`health_ready_metrics_graphiql_and_request_ids`).
#[tokio::test]
async fn production_metrics_need_the_metrics_token() {
    let token = "mt_0123456789abcdefghijklmnop";
    let app = TestApp::spawn_with(|c| {
        c.env = civic::config::Env::Production;
        c.metrics_token = Some(token.to_owned().into());
    })
    .await;
    let get = |auth: Option<String>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        req.send()
    };
    for auth in [None, Some("Bearer wrong".to_owned()), Some(format!("Bearer {token}x")), Some(token.to_owned())] {
        let r = get(auth.clone()).await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{auth:?}");
        assert!(!r.text().await.unwrap().contains("civic_"), "no figures without the token");
    }
    let r = get(Some(format!("Bearer {token}"))).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("civic_db_pool_connections"));
    // The platform token is not the metrics token.
    assert_eq!(get(Some(format!("Bearer {}", app.platform_token))).await.unwrap().status().as_u16(), 401);

    let off = TestApp::spawn_with(|c| c.env = civic::config::Env::Production).await;
    for auth in [None, Some(format!("Bearer {token}"))] {
        let mut req = off.client.get(off.url("/metrics"));
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), 404, "off without CIVIC_METRICS_TOKEN");
    }
    // Development with a token set stays open.
    let dev = TestApp::spawn_with(|c| c.metrics_token = Some(token.to_owned().into())).await;
    assert_eq!(dev.client.get(dev.url("/metrics")).send().await.unwrap().status().as_u16(), 200);
}

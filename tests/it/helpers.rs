//! `TestApp`: the real service on a loopback port, on SQLite (default) or PostgreSQL + Redis when
//! `DATABASE_URL` / `DATABASE_ADMIN_URL` / `REDIS_URL` point at them. Each test gets its own SQLite file or its
//! own PostgreSQL database (copied from a migrated template), and a fake WeChat server.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Json, Router, extract::Query, routing::get};
use civic::{
    config::{Config, Env},
    state::AppState,
};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

/// The H5 origin `TestApp::consumer` configures for a tenant's WeChat sign-ins.
pub const H5_ORIGIN: &str = "https://h5.example.cn";

pub fn random_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub platform_token: String,
    pub wechat: FakeWechat,
    pub backend: Backend,
    pub database_url: String,
    pub state: AppState,
    pub shutdown: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    pub server: Mutex<Option<tokio::task::JoinHandle<anyhow::Result<()>>>>,
    _dir: tempfile::TempDir,
}

pub fn pg_urls() -> Option<(String, String)> {
    let service = std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))?;
    let admin =
        std::env::var("DATABASE_ADMIN_URL").ok().filter(|u| u.starts_with("postgres")).unwrap_or(service.clone());
    Some((service, admin))
}

pub fn is_postgres() -> bool {
    pg_urls().is_some()
}

pub fn with_db(url: &str, db: &str) -> String {
    let mut u = reqwest::Url::parse(url).expect("database URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

pub async fn admin_exec(url: &str, sql: &str) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    let conn =
        sea_orm::Database::connect(sea_orm::ConnectOptions::new(url.to_owned()).sqlx_logging(false).to_owned()).await?;
    let result = conn.execute_unprepared(sql).await.map(|_| ());
    conn.close().await?;
    result
}

/// A fresh PostgreSQL database for one test, copied from a template migrated once per test run.
async fn pg_database(service: &str, admin: &str) -> (String, String) {
    let maintenance = with_db(admin, "postgres");
    let template = TEMPLATE
        .get_or_init(|| async {
            let role = reqwest::Url::parse(service).unwrap().username().to_owned();
            admin_exec(
                &maintenance,
                &format!(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                       CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$;"
                ),
            )
            .await
            .expect("create the service role");
            // Databases of earlier runs.
            use sea_orm::ConnectionTrait;
            let conn = sea_orm::Database::connect(maintenance.clone()).await.unwrap();
            let rows = conn
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT datname::text FROM pg_database WHERE datname LIKE 'civic\\_t\\_%' OR datname = 'civic_tpl'",
                ))
                .await
                .unwrap();
            for r in rows {
                let name: String = r.try_get_by_index(0).unwrap();
                conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
            }
            conn.execute_unprepared("CREATE DATABASE civic_tpl").await.unwrap();
            conn.close().await.unwrap();
            let mut config = base_config(std::path::Path::new("/nonexistent"));
            config.database_url = with_db(service, "civic_tpl").into();
            config.database_admin_url = with_db(admin, "civic_tpl").into();
            civic::migrate(&config).await.expect("migrate the template database");
            "civic_tpl".to_owned()
        })
        .await;
    let name = format!("civic_t_{}", uuid::Uuid::new_v4().simple());
    let mut tries = 0;
    loop {
        match admin_exec(&maintenance, &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")).await {
            Ok(()) => break,
            Err(e) if tries < 20 => {
                tries += 1;
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100 * tries)).await;
            }
            Err(e) => panic!("cannot create a test database: {e}"),
        }
    }
    (with_db(service, &name), with_db(admin, &name))
}

pub fn base_config(data_dir: &std::path::Path) -> Config {
    Config {
        env: Env::Development,
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_owned(),
        database_url: format!("sqlite://{}/civic.db?mode=rwc", data_dir.display()).into(),
        database_admin_url: format!("sqlite://{}/civic.db?mode=rwc", data_dir.display()).into(),
        redis_url: std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()).map(Into::into),
        platform_token: Some(format!("cpt_{}", random_secret()).into()),
        secret_key: Some(random_secret().into()),
        metrics_token: None,
        public_origin: None,
        wechat_api_base: "http://127.0.0.1:9".into(),
        wechatpay_api_base: "http://127.0.0.1:9".into(),
        meili_url: None,
        meili_api_key: None,
        meili_index: "shops".into(),
        db_pool_max: 8,
        db_pool_min: 1,
        // Tests make many sign-ins from one address; `identity::rate_limits_*` sets small limits.
        rate_ip_per_minute: 100_000,
        rate_credential_per_minute: 100_000,
        upload_ip_per_minute: 100_000,
        upload_credential_per_minute: 100_000,
        decode_budget_mb: 256,
        decode_wait: Duration::from_secs(2),
        dispatch_notices: true,
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// A second instance on this one's database (and secret key): another process of the same deployment, with
    /// caches and indexes of its own.
    pub async fn spawn_beside(&self) -> TestApp {
        self.spawn_beside_with(|_| {}).await
    }

    /// `spawn_beside`, with a configuration of its own (another Meilisearch, say).
    pub async fn spawn_beside_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        use secrecy::ExposeSecret;
        let (db, admin) = (self.database_url.clone(), self.admin_url());
        let secret = self.state.config.secret_key.as_ref().unwrap().expose_secret().to_owned();
        let token = self.platform_token.clone();
        let postgres = matches!(self.backend, Backend::Postgres { .. });
        Self::start(
            move |c| {
                c.database_url = db.into();
                c.database_admin_url = admin.into();
                c.secret_key = Some(secret.into());
                c.platform_token = Some(token.into());
                adjust(c);
            },
            postgres,
        )
        .await
    }

    /// Starts the service; `adjust` may change the configuration (production mode, say).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::start(adjust, false).await
    }

    async fn start(adjust: impl FnOnce(&mut Config), beside_postgres: bool) -> TestApp {
        use secrecy::ExposeSecret;
        let dir = tempfile::tempdir().unwrap();
        let wechat = FakeWechat::start().await;
        let mut config = base_config(dir.path());
        config.wechat_api_base = wechat.base.clone();
        let backend = match pg_urls() {
            Some(_) if beside_postgres => Backend::Sqlite, // replaced below, once `adjust` has named the database
            Some((service, admin)) => {
                let (s, a) = pg_database(&service, &admin).await;
                config.database_url = s.clone().into();
                config.database_admin_url = a.clone().into();
                Backend::Postgres { admin_url: a }
            }
            None => Backend::Sqlite,
        };
        adjust(&mut config);
        let backend = if beside_postgres {
            Backend::Postgres { admin_url: config.database_admin_url.expose_secret().to_owned() }
        } else {
            backend
        };
        let platform_token = config.platform_token.as_ref().unwrap().expose_secret().to_owned();
        let database_url = config.database_url.expose_secret().to_owned();
        civic::migrate(&config).await.expect("migrate");
        let listener = civic::listen(config.bind).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let state = civic::app::state(config).await.expect("build state");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(civic::serve(
            state.clone(),
            listener,
            async move {
                let _ = rx.await;
            },
            Duration::from_millis(300),
            Duration::from_secs(5),
        ));
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap(),
            platform_token,
            wechat,
            backend,
            database_url,
            state,
            shutdown: Mutex::new(Some(tx)),
            server: Mutex::new(Some(server)),
            _dir: dir,
        }
    }

    /// The owner's connection string (on SQLite, the same file).
    pub fn admin_url(&self) -> String {
        match &self.backend {
            Backend::Postgres { admin_url } => admin_url.clone(),
            Backend::Sqlite => self.database_url.clone(),
        }
    }

    /// Runs the `civic` binary against this app's database (with a secret key of its own).
    ///
    /// Awaited, never blocked on: the app runs on the test's own (single-threaded) runtime, and a thread
    /// blocked on the child would freeze the app with whatever it holds, e.g. the sweeper's SQLite write
    /// transaction, which the child then waits for until "database is locked".
    pub async fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_keyed(args, &random_secret(), &[]).await
    }

    /// [`TestApp::cli`] with more environment (e.g. the Meilisearch index).
    pub async fn cli_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        self.cli_keyed(args, &random_secret(), env).await
    }

    /// Runs the `civic` binary against this app's database with this app's secret key, as another process of
    /// the same deployment: the tokens it makes are good here.
    pub async fn cli_same_key(&self, args: &[&str]) -> std::process::Output {
        use secrecy::ExposeSecret;
        let secret = self.state.config.secret_key.as_ref().expect("the test app has a secret key").expose_secret();
        self.cli_keyed(args, secret, &[]).await
    }

    async fn cli_keyed(&self, args: &[&str], secret_key: &str, env: &[(&str, &str)]) -> std::process::Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_civic"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("DATABASE_ADMIN_URL", self.admin_url())
            .env("CIVIC_DATA_DIR", self._dir.path())
            .env("CIVIC_SECRET_KEY", secret_key)
            .env("CIVIC_PLATFORM_TOKEN", "cpt_cli-test-token-long-enough")
            .env_remove("REDIS_URL")
            .envs(env.iter().copied())
            .output()
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn anon(&self) -> Caller<'_> {
        Caller { app: self, headers: vec![], client: None }
    }

    /// An anonymous caller whose requests come from `ip`, a loopback address (`127.0.0.2`): another client.
    pub fn anon_from(&self, ip: &str) -> Caller<'_> {
        let client = reqwest::Client::builder()
            .local_address(Some(ip.parse().expect("an IP address")))
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Caller { app: self, headers: vec![], client: Some(client) }
    }

    pub fn with_tenant(&self, slug: &str) -> Caller<'_> {
        Caller { app: self, headers: vec![("x-tenant".into(), slug.into())], client: None }
    }

    pub fn bearer(&self, credential: &str) -> Caller<'_> {
        Caller { app: self, headers: vec![("authorization".into(), format!("Bearer {credential}"))], client: None }
    }

    pub fn platform(&self) -> Caller<'_> {
        self.bearer(&self.platform_token)
    }

    /// A new tenant (created through the API by the platform operator).
    pub async fn tenant(&self, template: &str) -> TestTenant {
        let slug = unique("t");
        let r = self
            .platform()
            .gql(
                "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id slug } apiKey } }",
                json!({ "i": { "slug": slug, "name": format!("Tenant {slug}"), "template": template } }),
            )
            .await
            .data();
        TestTenant {
            id: r["createTenant"]["tenant"]["id"].as_str().unwrap().to_owned(),
            slug,
            api_key: r["createTenant"]["apiKey"].as_str().unwrap().to_owned(),
        }
    }

    /// A staff account of `tenant`, signed in.
    pub async fn staff(&self, tenant: &TestTenant, role: &str, shop_ids: &[&str]) -> TestStaff {
        let username = unique("u");
        let password = format!("pw-{}", random_secret());
        let r = self
            .bearer(&tenant.api_key)
            .gql(
                "mutation($i: CreateStaffInput!) { createStaff(input: $i) { id } }",
                json!({ "i": { "username": username, "password": password, "displayName": "测试员工",
                               "role": role, "shopIds": shop_ids } }),
            )
            .await
            .data();
        let id = r["createStaff"]["id"].as_str().unwrap().to_owned();
        let token = self.login(&tenant.slug, &username, &password).await.data()["staffLogin"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        TestStaff { id, username, password, token }
    }

    pub async fn login(&self, tenant: &str, username: &str, password: &str) -> Gql {
        self.login_as(self.anon(), tenant, username, password).await
    }

    /// A sign-in from the address `ip` (see [`TestApp::anon_from`]).
    pub async fn login_from(&self, ip: &str, tenant: &str, username: &str, password: &str) -> Gql {
        self.login_as(self.anon_from(ip), tenant, username, password).await
    }

    async fn login_as(&self, caller: Caller<'_>, tenant: &str, username: &str, password: &str) -> Gql {
        caller
            .gql(
                "mutation StaffLogin($tenant: String!, $username: String!, $password: String!) {
                   staffLogin(tenant: $tenant, username: $username, password: $password) { token expiresAt } }",
                json!({ "tenant": tenant, "username": username, "password": password }),
            )
            .await
    }

    /// Configures the tenant's WeChat account (once) and signs a consumer in; answers the session token.
    pub async fn consumer(&self, tenant: &TestTenant, openid: &str) -> String {
        let app_id = format!("wx{}", &tenant.id.replace('-', "")[..16]);
        let secret = format!("s{}", &tenant.id.replace('-', "")[..20]);
        if self.wechat.register_app(&app_id, &secret) {
            self.bearer(&tenant.api_key)
                .gql(
                    "mutation($i: ConfigureWechatInput!) { configureWechat(input: $i) { wechatAppId } }",
                    json!({ "i": { "appId": app_id, "appSecret": secret, "h5Origin": H5_ORIGIN } }),
                )
                .await
                .data();
        }
        let code = self.wechat.issue_code(&app_id, openid);
        let state = self.oauth_state(&tenant.slug).await;
        self.anon()
            .gql(
                "mutation WechatLogin($tenant: String!, $code: String!, $state: String!) {
                   wechatLogin(tenant: $tenant, code: $code, state: $state) { token expiresAt } }",
                json!({ "tenant": tenant.slug, "code": code, "state": state }),
            )
            .await
            .data()["wechatLogin"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The `state` of the authorisation URL the service hands a WeChat page.
    pub async fn oauth_state(&self, slug: &str) -> String {
        let url = self
            .anon()
            .gql(
                "query WechatAuthorizeUrl($tenant: String!, $redirectUri: String!) {
                   wechatAuthorizeUrl(tenant: $tenant, redirectUri: $redirectUri) }",
                json!({ "tenant": slug, "redirectUri": format!("{H5_ORIGIN}/h5/{slug}/") }),
            )
            .await
            .data()["wechatAuthorizeUrl"]
            .as_str()
            .unwrap()
            .to_owned();
        let url = reqwest::Url::parse(&url).unwrap();
        url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
    }

    /// A raw connection to the test's database as the service role.
    pub async fn service_conn(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(
            sea_orm::ConnectOptions::new(self.database_url.clone()).sqlx_logging(false).to_owned(),
        )
        .await
        .unwrap()
    }

    /// Asks the server to shut down, as SIGTERM does.
    pub fn begin_shutdown(&self) {
        if let Some(tx) = self.shutdown.lock().unwrap().take() {
            let _ = tx.send(());
        }
    }
}

pub struct TestTenant {
    pub id: String,
    pub slug: String,
    pub api_key: String,
}

pub struct TestStaff {
    pub id: String,
    pub username: String,
    pub password: String,
    pub token: String,
}

pub struct Caller<'a> {
    app: &'a TestApp,
    headers: Vec<(String, String)>,
    /// A client of its own (another client address), else the app's.
    client: Option<reqwest::Client>,
}

impl Caller<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub async fn post_raw(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        let client = self.client.as_ref().unwrap_or(&self.app.client);
        let mut req = client.post(self.app.url("/graphql")).header("content-type", "application/json");
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        req.body(body).send().await.unwrap()
    }

    pub async fn gql(&self, query: &str, variables: Value) -> Gql {
        let body = json!({ "query": query, "variables": variables }).to_string();
        Gql::from(self.post_raw(body).await).await
    }
}

#[derive(Debug)]
pub struct Gql {
    pub status: u16,
    pub body: Value,
    pub request_id: Option<String>,
}

impl Gql {
    pub async fn from(r: reqwest::Response) -> Gql {
        let status = r.status().as_u16();
        let request_id = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Gql { status, body, request_id }
    }

    /// The data; panics (showing the errors) when there are errors.
    pub fn data(self) -> Value {
        assert!(self.body.get("errors").is_none(), "unexpected errors: {}", self.body);
        self.body["data"].clone()
    }

    /// The code of the first error.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn expect_code(&self, code: &str) {
        assert_eq!(self.code(), Some(code), "expected {code}: {}", self.body);
    }
}

/// A WeChat OAuth server on loopback: knows some (appid, secret) pairs and hands out one-time codes.
#[derive(Clone)]
pub struct FakeWechat {
    pub base: String,
    inner: Arc<Mutex<Fake>>,
}

#[derive(Default)]
struct Fake {
    apps: HashMap<String, String>,
    codes: HashMap<String, (String, String)>,
    used: HashSet<String>,
    calls: usize,
    delay: Duration,
    /// Access tokens handed out (`cgi-bin/token`), by token: the app they belong to.
    tokens: HashMap<String, String>,
    /// `jsapi_ticket`s handed out, newest last.
    tickets: Vec<String>,
}

impl FakeWechat {
    async fn start() -> FakeWechat {
        let inner = Arc::new(Mutex::new(Fake::default()));
        let shared = inner.clone();
        let app = Router::new().route(
            "/sns/oauth2/access_token",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let shared = shared.clone();
                async move {
                    let delay = {
                        let mut f = shared.lock().unwrap();
                        f.calls += 1;
                        f.delay
                    };
                    tokio::time::sleep(delay).await;
                    let mut f = shared.lock().unwrap();
                    let (appid, secret, code) = (q.get("appid"), q.get("secret"), q.get("code"));
                    if q.get("grant_type").map(String::as_str) != Some("authorization_code") {
                        return Json(json!({ "errcode": 40002, "errmsg": "invalid grant_type" }));
                    }
                    let (Some(appid), Some(secret), Some(code)) = (appid, secret, code) else {
                        return Json(json!({ "errcode": 41008, "errmsg": "missing code" }));
                    };
                    if f.apps.get(appid) != Some(secret) {
                        return Json(json!({ "errcode": 40125, "errmsg": "invalid appsecret" }));
                    }
                    if f.used.contains(code) {
                        return Json(json!({ "errcode": 40163, "errmsg": "code been used" }));
                    }
                    match f.codes.get(code).cloned() {
                        Some((for_app, openid)) if &for_app == appid => {
                            f.used.insert(code.clone());
                            Json(json!({ "access_token": "ACCESS", "expires_in": 7200, "refresh_token": "REFRESH",
                                         "openid": openid, "scope": "snsapi_base" }))
                        }
                        _ => Json(json!({ "errcode": 40029, "errmsg": "invalid code" })),
                    }
                }
            }),
        );
        let shared = inner.clone();
        let app = app.route(
            "/cgi-bin/token",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let shared = shared.clone();
                async move {
                    let mut f = shared.lock().unwrap();
                    let (Some(appid), Some(secret)) = (q.get("appid"), q.get("secret")) else {
                        return Json(json!({ "errcode": 41002, "errmsg": "appid missing" }));
                    };
                    if q.get("grant_type").map(String::as_str) != Some("client_credential") {
                        return Json(json!({ "errcode": 40002, "errmsg": "invalid grant_type" }));
                    }
                    if f.apps.get(appid) != Some(secret) {
                        return Json(json!({ "errcode": 40125, "errmsg": "invalid appsecret" }));
                    }
                    let token = unique("access");
                    f.tokens.insert(token.clone(), appid.clone());
                    Json(json!({ "access_token": token, "expires_in": 7200 }))
                }
            }),
        );
        let shared = inner.clone();
        let app = app.route(
            "/cgi-bin/ticket/getticket",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let shared = shared.clone();
                async move {
                    let mut f = shared.lock().unwrap();
                    let known = q.get("access_token").is_some_and(|t| f.tokens.contains_key(t));
                    if !known || q.get("type").map(String::as_str) != Some("jsapi") {
                        return Json(json!({ "errcode": 40001, "errmsg": "invalid credential" }));
                    }
                    let ticket = unique("ticket");
                    f.tickets.push(ticket.clone());
                    Json(json!({ "errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200 }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeWechat { base, inner }
    }

    /// Registers an official account; false if it was known already.
    pub fn register_app(&self, app_id: &str, secret: &str) -> bool {
        self.inner.lock().unwrap().apps.insert(app_id.into(), secret.into()).is_none()
    }

    pub fn issue_code(&self, app_id: &str, openid: &str) -> String {
        let code = unique("code");
        self.inner.lock().unwrap().codes.insert(code.clone(), (app_id.into(), openid.into()));
        code
    }

    /// Makes every answer wait, to hold requests in flight.
    pub fn set_delay(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    pub fn calls(&self) -> usize {
        self.inner.lock().unwrap().calls
    }

    /// The `jsapi_ticket`s handed out so far, oldest first.
    pub fn tickets(&self) -> Vec<String> {
        self.inner.lock().unwrap().tickets.clone()
    }
}

/// The registered query `name` from `operations` (a file of `graphql/operations/`), and the same document under
/// another name, which is not registered and so is executed.
pub fn registered_and_executed(operations: &str, name: &str) -> (String, String) {
    let start = operations.find(&format!("query {name}(")).unwrap();
    let doc = &operations[start..start + operations[start..].find("\n}\n").unwrap() + 2];
    (doc.to_owned(), doc.replacen(&format!("query {name}("), "query Executed(", 1))
}

/// The body of the answer to `query`, as sent.
pub async fn answer_text(caller: &Caller<'_>, query: &str, variables: &Value) -> String {
    let body = json!({ "query": query, "variables": variables }).to_string();
    caller.post_raw(body).await.text().await.unwrap()
}

/// How many answers this app wrote without the executor (`graphql::direct`).
pub fn written_directly(app: &TestApp) -> u64 {
    app.state.part::<civic::graphql::direct::Written>().count()
}

/// The error code and data of an answer.
pub fn refusal(answer: &str) -> (Value, Value) {
    let v: Value = serde_json::from_str(answer).unwrap();
    (v["errors"][0]["extensions"]["code"].clone(), v["data"].clone())
}

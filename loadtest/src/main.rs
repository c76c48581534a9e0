//! The load generator: a consumer mix against a running `civic`, reported the way WeChat City Services reports
//! its launch test. Drives the tenants `load-0001` … that `civic seed volume` made. Sends the registered
//! operations of `graphql/operations/` (so it runs against production mode too) and checks every body: a 200
//! whose JSON holds `errors` is a logic failure.
//!
//! With `--consumer-tokens FILE` (written by `civic seed volume --consumer-tokens FILE`), about 1% of the
//! actions are bookings: free slots, `createBooking` as one of the tenant's consumers, `payOrder`. Each shop is
//! booked by one worker only (a shop's global index modulo the concurrency is its worker), so two bookings never
//! race for a slot and a `CONFLICT` is a logic failure like any other error.

mod conn;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{DateTime, FixedOffset};
use clap::Parser;
use conn::{Conn, Target};
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use serde_json::{Value, json};

/// glibc's allocator makes threads wait on its arena locks under load; mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A request not answered within this is a failure.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Parser)]
#[command(about = "WeChat City Services style load test of a civic server")]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    target: String,
    /// national (500 concurrency, 100,000 requests), province (300 / 60,000) or city (100 / 30,000).
    #[arg(long, default_value = "city")]
    profile: String,
    /// Override the profile's concurrency.
    #[arg(long)]
    concurrency: Option<usize>,
    /// Override the profile's request count.
    #[arg(long)]
    requests: Option<u64>,
    /// How many load-test tenants to spread over (load-0001 …).
    #[arg(long, default_value_t = 100)]
    tenants: u32,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<String>,
    /// Seed of the workers' random choices; by default a new one each run, so that a second run asks for other
    /// points and shops than the first (the seed is printed, to repeat a run).
    #[arg(long)]
    seed: Option<u64>,
    /// Consumer session tokens (lines `slug<TAB>token`, from `civic seed volume --consumer-tokens FILE`, valid
    /// only on a server with the same CIVIC_SECRET_KEY). With them, about 1% of the actions book and pay a slot;
    /// without, no bookings are made.
    #[arg(long, value_name = "FILE")]
    consumer_tokens: Option<String>,
    /// The share of actions that book and pay (with `--consumer-tokens`), in percent: 1 is the consumer mix;
    /// 100 drives bookings alone, to measure what one costs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=100))]
    booking_percent: u32,
}

/// A registered operation: its name, and its text as a JSON string (escaped once, not per request).
struct Op {
    name: &'static str,
    text_json: String,
}

impl Op {
    fn named(name: &'static str) -> Op {
        Op { name, text_json: Value::String(operation(name)).to_string() }
    }

    /// The request body: `{"query": …, "variables": …}`.
    fn body(&self, vars: &Value) -> String {
        format!(r#"{{"query":{},"variables":{vars}}}"#, self.text_json)
    }
}

/// What every response is checked for: JSON, no `errors`, and a `data` that is not null. Nothing of it is kept.
#[derive(serde::Deserialize)]
struct Check {
    data: Option<serde::de::IgnoredAny>,
    errors: Option<serde::de::IgnoredAny>,
}

/// The `data` of a response body that passed the check.
fn data_of(body: &[u8]) -> Value {
    serde_json::from_slice::<Value>(body).map(|mut v| v["data"].take()).unwrap_or_default()
}

/// One registered operation's text, cut from the operations files by name.
fn operation(name: &str) -> String {
    const FILES: [&str; 2] = [
        include_str!("../../graphql/operations/storefront.graphql"),
        include_str!("../../graphql/operations/booking.graphql"),
    ];
    for file in FILES {
        let mut blocks = file.split("\n\n");
        if let Some(b) = blocks.find(|b| {
            b.lines().any(|l| {
                ["query", "mutation"]
                    .iter()
                    .any(|kind| l.starts_with(&format!("{kind} {name}(")) || l.starts_with(&format!("{kind} {name} ")))
            })
        }) {
            return b.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        }
    }
    panic!("no registered operation {name}");
}

struct Shop {
    id: String,
    service: String,
    lat: f64,
    lng: f64,
    /// It has a therapist, so it can have free slots.
    staffed: bool,
}

struct Tenant {
    slug: String,
    shops: Vec<Shop>,
    /// Session tokens of this tenant's load-test consumers (none without `--consumer-tokens`).
    tokens: Vec<String>,
}

/// Every published shop of each tenant, read page by page with the registered `ShopDirectory`.
async fn discover(conn: &mut Conn, tenants: u32) -> anyhow::Result<Vec<Tenant>> {
    let query = operation("ShopDirectory");
    let mut out = vec![];
    'tenants: for i in 1..=tenants {
        let slug = format!("load-{i:04}");
        let mut shops = vec![];
        let mut after: Option<String> = None;
        loop {
            let body = json!({ "query": query, "variables": { "first": 100, "after": after } }).to_string();
            let (status, body) = conn
                .post(GRAPHQL, &[("x-tenant", &slug)], body)
                .await
                .map_err(|e| anyhow::anyhow!("the server gave no answer ({})", e.as_str()))?;
            let r: Value = serde_json::from_slice(&body).with_context(|| format!("HTTP {status}, not JSON"))?;
            let Some(edges) = r["data"]["shops"]["edges"].as_array() else {
                if i == 1 {
                    bail!("tenant {slug} answered {r}; run `civic seed volume` first");
                }
                break 'tenants;
            };
            shops.extend(edges.iter().filter_map(|e| {
                let n = &e["node"];
                Some(Shop {
                    id: n["id"].as_str()?.to_owned(),
                    service: n["services"][0]["id"].as_str()?.to_owned(),
                    lat: n["location"]["lat"].as_f64()?,
                    lng: n["location"]["lng"].as_f64()?,
                    staffed: n["therapists"].as_array().is_some_and(|t| !t.is_empty()),
                })
            }));
            let page = &r["data"]["shops"]["pageInfo"];
            match (page["hasNextPage"].as_bool(), page["endCursor"].as_str()) {
                (Some(true), Some(cursor)) => after = Some(cursor.to_owned()),
                _ => break,
            }
        }
        if shops.is_empty() {
            println!("tenant {slug} has no published shop with a service: left out");
            continue;
        }
        out.push(Tenant { slug, shops, tokens: vec![] });
    }
    if out.is_empty() {
        bail!("no load-test tenant has shops; run `civic seed volume` first");
    }
    Ok(out)
}

/// Reads `slug<TAB>token` lines. The tokens are credentials: they are never printed.
fn read_tokens(path: &str) -> anyhow::Result<HashMap<String, Vec<String>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let mut tokens: HashMap<String, Vec<String>> = HashMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let Some((slug, token)) = line.split_once('\t').filter(|(s, t)| !s.is_empty() && !t.trim().is_empty()) else {
            bail!("{path}, line {}: not `slug<TAB>token`", n + 1);
        };
        tokens.entry(slug.to_owned()).or_default().push(token.trim().to_owned());
    }
    Ok(tokens)
}

#[derive(Default)]
struct Tally {
    completed: u64,
    failed_logic: u64,
    failed_other: u64,
    /// Bookings made and paid.
    bookings: u64,
    /// Failures by operation and cause (the error code, or what was wrong).
    failures: BTreeMap<String, u64>,
}

/// How one response went.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    /// A 200 whose body holds errors or no data, or not the answer the step needs.
    Logic,
    /// No answer, another status, or a body that is not JSON.
    Other,
}

const GRAPHQL: &str = "/graphql";

/// What one worker measures, and what it shares with the others.
struct Worker {
    /// Its own connection: a worker's requests go one after the other.
    conn: Conn,
    tenants: Arc<Vec<Tenant>>,
    next: Arc<AtomicU64>,
    requests: u64,
    /// Each request's operation and time in microseconds, put in histograms once the run is over: 500 workers'
    /// histograms of their own would be hundreds of megabytes of counters, whose first touch (the kernel
    /// zeroing pages) cost the generator a third of its CPU.
    times: Vec<(&'static str, u64)>,
    tally: Tally,
}

impl Worker {
    /// Claims one of the run's requests; false when all are taken.
    fn ticket(&self) -> bool {
        self.next.fetch_add(1, Ordering::Relaxed) < self.requests
    }

    /// Sends one operation, records its time and outcome, and answers the outcome and the body.
    async fn send(
        &mut self,
        slug: &str,
        bearer: Option<&str>,
        key: Option<&str>,
        op: &Op,
        vars: Value,
    ) -> (Outcome, bytes::Bytes) {
        let authorization;
        let mut headers = Vec::with_capacity(2);
        match bearer {
            Some(token) => {
                authorization = format!("Bearer {token}");
                headers.push(("authorization", authorization.as_str()));
            }
            None => headers.push(("x-tenant", slug)),
        }
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        let body = op.body(&vars);
        let sent = Instant::now();
        let answer = match self.conn.post(GRAPHQL, &headers, body).await {
            Ok((200..=299, body)) => Ok(body),
            Ok((status, _)) => Err(format!("HTTP {status}")),
            Err(e) => Err(e.as_str().to_owned()),
        };
        let (outcome, body) = match answer {
            Ok(body) => match serde_json::from_slice::<Check>(&body) {
                Ok(Check { data: Some(_), errors: None }) => (Outcome::Completed, body),
                Ok(_) => {
                    let answer = serde_json::from_slice::<Value>(&body).unwrap_or_default();
                    self.failed(op, answer["errors"][0]["extensions"]["code"].as_str().unwrap_or("no data"));
                    (Outcome::Logic, body)
                }
                Err(_) => {
                    self.failed(op, "body not JSON");
                    (Outcome::Other, body)
                }
            },
            Err(cause) => {
                self.failed(op, &cause);
                (Outcome::Other, bytes::Bytes::new())
            }
        };
        let took = sent.elapsed().as_micros().max(1) as u64;
        self.times.push((op.name, took));
        match outcome {
            Outcome::Completed => self.tally.completed += 1,
            Outcome::Logic => self.tally.failed_logic += 1,
            Outcome::Other => self.tally.failed_other += 1,
        }
        (outcome, body)
    }

    fn failed(&mut self, op: &Op, cause: &str) {
        *self.tally.failures.entry(format!("{}: {cause}", op.name)).or_default() += 1;
    }

    /// An answer that came back clean but is not what the step needs: a logic failure after all.
    fn recount_as_logic(&mut self, op: &Op, cause: &str) {
        self.tally.completed -= 1;
        self.tally.failed_logic += 1;
        self.failed(op, cause);
    }
}

/// A worker's bookings: its own shops (no other worker books there) and the slots it took.
struct Booker {
    /// (tenant, shop) indexes.
    shops: Vec<(usize, usize)>,
    /// Where the next booking looks first.
    cursor: usize,
    /// (therapist, start, end) of this worker's bookings: never offered again, even by a stale answer.
    taken: Vec<(String, DateTime<FixedOffset>, DateTime<FixedOffset>)>,
    /// Unique per run and worker, for `Idempotency-Key`s.
    key_prefix: String,
    made: u64,
}

impl Booker {
    /// The shops of worker `w` of `concurrency`: every staffed shop of a tenant with tokens whose global index
    /// modulo `concurrency` is `w`.
    fn new(tenants: &[Tenant], w: usize, concurrency: usize, run: &str) -> Option<Booker> {
        let shops: Vec<(usize, usize)> = tenants
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.tokens.is_empty())
            .flat_map(|(ti, t)| t.shops.iter().enumerate().filter(|(_, s)| s.staffed).map(move |(si, _)| (ti, si)))
            .enumerate()
            .filter(|(g, _)| g % concurrency == w)
            .map(|(_, shop)| shop)
            .collect();
        (!shops.is_empty()).then(|| Booker {
            shops,
            cursor: 0,
            taken: vec![],
            key_prefix: format!("lt-{run}-{w}"),
            made: 0,
        })
    }

    /// The first slot of the answer that this worker has not taken (nor one overlapping it, with room for
    /// the rest a therapist gets between bookings).
    fn first_free(&self, slots: &Value) -> Option<(String, String, DateTime<FixedOffset>, DateTime<FixedOffset>)> {
        let margin = chrono::Duration::minutes(30);
        slots.as_array()?.iter().find_map(|s| {
            let therapist = s["therapist"]["id"].as_str()?.to_owned();
            let start_text = s["start"].as_str()?.to_owned();
            let start = DateTime::parse_from_rfc3339(&start_text).ok()?;
            let end = DateTime::parse_from_rfc3339(s["end"].as_str()?).ok()?;
            let clash = self.taken.iter().any(|(t, a, b)| *t == therapist && start < *b + margin && *a < end + margin);
            (!clash).then_some((therapist, start_text, start, end))
        })
    }
}

/// The registered operations the workers send.
struct Ops {
    nearest: Op,
    shop: Op,
    promotions: Op,
    slots: Op,
    book: Op,
    pay: Op,
}

/// One booking: free slots of this worker's shops, from its cursor on, for a day 2–7 days ahead; the first free
/// slot is booked as one of the tenant's consumers and paid. The first request's ticket is already claimed;
/// the flow stops when the run's requests are used up.
async fn book(worker: &mut Worker, booker: &mut Booker, ops: &Ops, rng: &mut StdRng) {
    let shanghai = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let date = (chrono::Utc::now().with_timezone(&shanghai).date_naive()
        + chrono::Duration::days(rng.random_range(2..=7)))
    .format("%Y-%m-%d")
    .to_string();
    let tenants = Arc::clone(&worker.tenants);
    for attempt in 0..booker.shops.len() {
        if attempt > 0 && !worker.ticket() {
            return;
        }
        let (ti, si) = booker.shops[booker.cursor % booker.shops.len()];
        let (tenant, shop) = (&tenants[ti], &tenants[ti].shops[si]);
        let token = &tenant.tokens[rng.random_range(0..tenant.tokens.len())];
        let vars = json!({ "shopId": shop.id, "serviceItemId": shop.service, "date": date });
        let (outcome, body) = worker.send(&tenant.slug, Some(token), None, &ops.slots, vars).await;
        if outcome != Outcome::Completed {
            return;
        }
        let data = data_of(&body);
        let Some((therapist, start_text, start, end)) = booker.first_free(&data["availableSlots"]) else {
            // Full that day: this worker's next shop.
            booker.cursor += 1;
            continue;
        };
        if !worker.ticket() {
            return;
        }
        let input = json!({ "input": { "shopId": shop.id, "serviceItemId": shop.service, "therapistId": therapist, "start": start_text } });
        let (outcome, body) = worker.send(&tenant.slug, Some(token), None, &ops.book, input).await;
        if outcome != Outcome::Completed {
            return;
        }
        let data = data_of(&body);
        booker.taken.push((therapist, start, end));
        let Some(order) =
            data["createBooking"]["id"].as_str().filter(|_| data["createBooking"]["status"] == "PENDING_PAYMENT")
        else {
            worker.recount_as_logic(&ops.book, "not a PENDING_PAYMENT order");
            return;
        };
        if !worker.ticket() {
            return;
        }
        booker.made += 1;
        let key = format!("{}-{}", booker.key_prefix, booker.made);
        let (outcome, body) =
            worker.send(&tenant.slug, Some(token), Some(&key), &ops.pay, json!({ "id": order })).await;
        if outcome == Outcome::Completed {
            if data_of(&body)["payOrder"]["status"] == "SUCCEEDED" {
                worker.tally.bookings += 1;
            } else {
                worker.recount_as_logic(&ops.pay, "payment not SUCCEEDED");
            }
        }
        // The next booking starts at the next shop, so the worker's bookings spread over its shops.
        booker.cursor += 1;
        return;
    }
}

#[derive(Serialize)]
struct Report {
    profile: String,
    concurrency: usize,
    requests: u64,
    completed: u64,
    failed_logic: u64,
    failed_other: u64,
    /// Bookings made and paid (each is three or more of the requests).
    bookings: u64,
    /// Failed requests by operation and cause (`AvailableSlots: CONFLICT`, `Shop: HTTP 503`, …).
    failures: BTreeMap<String, u64>,
    run_seconds: f64,
    qps: f64,
    mean_ms: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    under_500ms_pct: f64,
    under_1s_pct: f64,
    under_3s_pct: f64,
    over_3s_pct: f64,
    /// Times by operation (`NearestShops`, `Shop`, … `PayOrder`).
    by_operation: BTreeMap<&'static str, OpTimes>,
}

#[derive(Serialize)]
struct OpTimes {
    requests: u64,
    mean_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// Response times in microseconds, from 1 µs to a minute, to three significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")
}

/// One thread: the generator needs well under a core, and its tasks then never wake each other across threads
/// (which cost it more than the requests did when it shared both cores with the server).
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (concurrency, requests) = match args.profile.as_str() {
        "national" => (500, 100_000),
        "province" => (300, 60_000),
        "city" => (100, 30_000),
        other => bail!("unknown profile {other}: national, province or city"),
    };
    let concurrency = args.concurrency.unwrap_or(concurrency).max(1);
    let requests = args.requests.unwrap_or(requests);
    let target = Target::parse(&args.target)?;
    let mut tenants =
        discover(&mut Conn::new(&target, TIMEOUT), args.tenants).await.context("discovering load-test tenants")?;
    println!("tenants: {} with {} shops", tenants.len(), tenants.iter().map(|t| t.shops.len()).sum::<usize>());
    match &args.consumer_tokens {
        Some(path) => {
            let mut tokens = read_tokens(path)?;
            for t in &mut tenants {
                t.tokens = tokens.remove(&t.slug).unwrap_or_default();
            }
            let with = tenants.iter().filter(|t| !t.tokens.is_empty()).count();
            if with == 0 {
                println!("bookings: skipped ({path} holds no token of the tenants driven)");
            } else {
                println!(
                    "bookings: about {}% of the actions, as the consumers of {with} tenants",
                    args.booking_percent
                );
            }
        }
        None => println!(
            "bookings: skipped (no --consumer-tokens FILE; `civic seed volume --consumer-tokens FILE` makes one)"
        ),
    }
    let tenants = Arc::new(tenants);
    let ops = Arc::new(Ops {
        nearest: Op::named("NearestShops"),
        shop: Op::named("Shop"),
        promotions: Op::named("Promotions"),
        slots: Op::named("AvailableSlots"),
        book: Op::named("CreateBooking"),
        pay: Op::named("PayOrder"),
    });
    let run = format!(
        "{:x}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or_default()
            ^ u128::from(rand::random::<u32>())
    );
    let seed = args.seed.unwrap_or_else(rand::random);
    println!("seed: {seed}");
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = vec![];
    for w in 0..concurrency {
        let mut worker = Worker {
            conn: Conn::new(&target, TIMEOUT),
            tenants: Arc::clone(&tenants),
            next: Arc::clone(&next),
            requests,
            times: Vec::with_capacity((requests as usize).div_ceil(concurrency) + 16),
            tally: Tally::default(),
        };
        let ops = Arc::clone(&ops);
        let mut booker = Booker::new(&tenants, w, concurrency, &run);
        let booking_percent = args.booking_percent;
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            // Each run starts at a shop of the worker's picked by the seed: starting at its first shop, run after
            // run filled the first shops (the first tenants: 29 of 100 held every booking, load-0001 90,000 held
            // cells) and left the rest untouched, where consumers book all over.
            if let Some(b) = booker.as_mut() {
                b.cursor = rng.random_range(0..b.shops.len());
            }
            let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(32)).format("%Y-%m-%d").to_string();
            let tenants = Arc::clone(&worker.tenants);
            while worker.ticket() {
                let roll = rng.random_range(0..100);
                if roll < booking_percent
                    && let Some(booker) = booker.as_mut()
                {
                    book(&mut worker, booker, &ops, &mut rng).await;
                    continue;
                }
                let t = &tenants[rng.random_range(0..tenants.len())];
                let shop = &t.shops[rng.random_range(0..t.shops.len())];
                let (op, vars) = if roll < 40 {
                    let (lat, lng) = (shop.lat + rng.random_range(-0.02..0.02), shop.lng + rng.random_range(-0.02..0.02));
                    (&ops.nearest, json!({ "near": { "lat": lat, "lng": lng, "datum": "WGS84" }, "radiusMeters": 3000.0, "first": 10 }))
                } else if roll < 65 {
                    (&ops.shop, json!({ "id": shop.id }))
                } else if roll < 85 {
                    (&ops.promotions, json!({ "shopId": shop.id, "first": 10 }))
                } else {
                    (&ops.slots, json!({ "shopId": shop.id, "serviceItemId": shop.service, "date": tomorrow }))
                };
                worker.send(&t.slug, None, None, op, vars).await;
            }
            (worker.times, worker.tally)
        }));
    }
    let mut results = Vec::with_capacity(workers.len());
    for w in workers {
        results.push(w.await?);
    }
    let run_seconds = started.elapsed().as_secs_f64();
    let mut hist = histogram();
    let mut by_op: BTreeMap<&'static str, Histogram<u64>> = BTreeMap::new();
    let mut tally = Tally::default();
    for (times, t) in results {
        for (name, took) in times {
            hist.saturating_record(took);
            by_op.entry(name).or_insert_with(histogram).saturating_record(took);
        }
        tally.completed += t.completed;
        tally.failed_logic += t.failed_logic;
        tally.failed_other += t.failed_other;
        tally.bookings += t.bookings;
        for (cause, n) in t.failures {
            *tally.failures.entry(cause).or_default() += n;
        }
    }
    let total = hist.len().max(1) as f64;
    let share = |limit_us: u64| 100.0 * hist.count_between(0, limit_us) as f64 / total;
    let ms = |us: u64| us as f64 / 1000.0;
    let report = Report {
        profile: args.profile.clone(),
        concurrency,
        requests,
        completed: tally.completed,
        failed_logic: tally.failed_logic,
        failed_other: tally.failed_other,
        bookings: tally.bookings,
        failures: tally.failures,
        run_seconds,
        qps: hist.len() as f64 / run_seconds,
        mean_ms: hist.mean() / 1000.0,
        p50_ms: ms(hist.value_at_quantile(0.50)),
        p95_ms: ms(hist.value_at_quantile(0.95)),
        p99_ms: ms(hist.value_at_quantile(0.99)),
        max_ms: ms(hist.max()),
        under_500ms_pct: share(500_000),
        under_1s_pct: share(1_000_000),
        under_3s_pct: share(3_000_000),
        over_3s_pct: 100.0 - share(3_000_000),
        by_operation: by_op
            .iter()
            .map(|(name, h)| {
                let times = OpTimes {
                    requests: h.len(),
                    mean_ms: h.mean() / 1000.0,
                    p99_ms: ms(h.value_at_quantile(0.99)),
                    max_ms: ms(h.max()),
                };
                (*name, times)
            })
            .collect(),
    };
    println!("WeChat City Services load test — profile {}", report.profile);
    println!("  run time            {:.1} s", report.run_seconds);
    println!("  requests            {}", report.requests);
    println!("  concurrency         {}", report.concurrency);
    println!("  completed           {}", report.completed);
    println!("  logic failures      {}", report.failed_logic);
    println!("  other failures      {}", report.failed_other);
    println!("  bookings paid       {}", report.bookings);
    println!("  QPS                 {:.0}", report.qps);
    println!("  mean                {:.1} ms", report.mean_ms);
    println!("  p50 / p95 / p99     {:.1} / {:.1} / {:.1} ms", report.p50_ms, report.p95_ms, report.p99_ms);
    println!("  max                 {:.1} ms", report.max_ms);
    println!(
        "  < 0.5 s / < 1 s / < 3 s / > 3 s   {:.2}% / {:.2}% / {:.2}% / {:.2}%",
        report.under_500ms_pct, report.under_1s_pct, report.under_3s_pct, report.over_3s_pct
    );
    println!("  by operation        requests     mean      p99      max (ms)");
    for (name, t) in &report.by_operation {
        println!("    {name:<18} {:>8} {:>8.1} {:>8.1} {:>8.1}", t.requests, t.mean_ms, t.p99_ms, t.max_ms);
    }
    for (cause, n) in &report.failures {
        println!("  failed: {cause:<40} {n}");
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(slug: &str, shops: usize, tokens: usize) -> Tenant {
        Tenant {
            slug: slug.into(),
            shops: (0..shops)
                .map(|i| Shop {
                    id: format!("{slug}-{i}"),
                    service: "s".into(),
                    lat: 39.9,
                    lng: 116.4,
                    staffed: i % 5 != 4,
                })
                .collect(),
            tokens: (0..tokens).map(|i| format!("token-{i}")).collect(),
        }
    }

    #[test]
    fn every_bookable_shop_has_exactly_one_worker() {
        let tenants = [
            tenant("load-0001", 23, 5),
            tenant("load-0002", 0, 5),
            tenant("load-0003", 9, 0),
            tenant("load-0004", 41, 5),
        ];
        let concurrency = 7;
        let mut seen = vec![];
        for w in 0..concurrency {
            if let Some(b) = Booker::new(&tenants, w, concurrency, "run") {
                seen.extend(b.shops.iter().map(|&(t, s)| tenants[t].shops[s].id.clone()));
            }
        }
        let bookable: Vec<_> = [&tenants[0], &tenants[3]]
            .iter()
            .flat_map(|t| t.shops.iter().filter(|s| s.staffed).map(|s| s.id.clone()))
            .collect();
        seen.sort();
        let mut expected = bookable.clone();
        expected.sort();
        assert_eq!(seen, expected, "each staffed shop of a tenant with tokens once, no other");
        // More workers than shops: the extra ones do not book.
        assert!(Booker::new(&tenants, 200, 500, "run").is_none());
    }

    #[test]
    fn a_taken_slot_and_its_neighbours_are_not_offered_again() {
        let tenants = [tenant("load-0001", 1, 1)];
        let mut b = Booker::new(&tenants, 0, 1, "run").unwrap();
        let slots = json!([
            { "start": "2030-01-02T10:00:00+08:00", "end": "2030-01-02T11:00:00+08:00", "therapist": { "id": "a" } },
            { "start": "2030-01-02T10:00:00+08:00", "end": "2030-01-02T11:00:00+08:00", "therapist": { "id": "b" } },
            { "start": "2030-01-02T10:15:00+08:00", "end": "2030-01-02T11:15:00+08:00", "therapist": { "id": "a" } },
        ]);
        let (therapist, text, start, end) = b.first_free(&slots).unwrap();
        assert_eq!((therapist.as_str(), text.as_str()), ("a", "2030-01-02T10:00:00+08:00"));
        b.taken.push((therapist, start, end));
        assert_eq!(b.first_free(&slots).unwrap().0, "b");
        assert!(b.first_free(&json!([])).is_none());
    }

    #[test]
    fn operations_are_cut_by_name() {
        for name in ["ShopDirectory", "AvailableSlots", "CreateBooking", "PayOrder", "Shop", "NearestShops"] {
            let text = operation(name);
            assert!(text.contains(&format!(" {name}(")) || text.contains(&format!(" {name} ")), "{name}: {text}");
            assert!(!text.contains("\n\n"));
        }
        assert!(operation("Shop").starts_with("query Shop($id"));
        assert!(operation("CreateBooking").starts_with("mutation CreateBooking("));
    }
}

//! The load generator: a consumer mix against a running `civic`, reported the way WeChat City Services reports
//! its launch test. Drives the tenants `load-0001` … that `civic seed volume` made. Sends the registered
//! operations of `graphql/operations/` (so it runs against production mode too) and checks every body: a 200
//! whose JSON holds `errors` is a logic failure.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use serde_json::{Value, json};

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
            b.lines().any(|l| l.starts_with(&format!("query {name}(")) || l.starts_with(&format!("query {name} ")))
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
}

struct Tenant {
    slug: String,
    shops: Vec<Shop>,
}

async fn discover(client: &reqwest::Client, target: &str, tenants: u32) -> anyhow::Result<Vec<Tenant>> {
    let query = "query Discover { shops(first: 100) { edges { node { id location { lat lng } services { id } } } } }";
    let mut out = vec![];
    for i in 1..=tenants {
        let slug = format!("load-{i:04}");
        let r: Value = client
            .post(format!("{target}/graphql"))
            .header("x-tenant", &slug)
            .json(&json!({ "query": query }))
            .send()
            .await?
            .json()
            .await?;
        let Some(edges) = r["data"]["shops"]["edges"].as_array() else {
            if i == 1 {
                bail!(
                    "tenant {slug} answered {r}; run `civic seed volume` first (discovery needs a development server or an API key)"
                );
            }
            break;
        };
        let shops = edges
            .iter()
            .filter_map(|e| {
                let n = &e["node"];
                Some(Shop {
                    id: n["id"].as_str()?.to_owned(),
                    service: n["services"][0]["id"].as_str()?.to_owned(),
                    lat: n["location"]["lat"].as_f64()?,
                    lng: n["location"]["lng"].as_f64()?,
                })
            })
            .collect();
        out.push(Tenant { slug, shops });
    }
    Ok(out)
}

#[derive(Default)]
struct Tally {
    completed: u64,
    failed_logic: u64,
    failed_other: u64,
}

#[derive(Serialize)]
struct Report {
    profile: String,
    concurrency: usize,
    requests: u64,
    completed: u64,
    failed_logic: u64,
    failed_other: u64,
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (concurrency, requests) = match args.profile.as_str() {
        "national" => (500, 100_000),
        "province" => (300, 60_000),
        "city" => (100, 30_000),
        other => bail!("unknown profile {other}: national, province or city"),
    };
    let concurrency = args.concurrency.unwrap_or(concurrency);
    let requests = args.requests.unwrap_or(requests);
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(concurrency).timeout(Duration::from_secs(10)).build()?;
    let tenants =
        Arc::new(discover(&client, &args.target, args.tenants).await.context("discovering load-test tenants")?);
    let ops =
        Arc::new([operation("NearestShops"), operation("Shop"), operation("Promotions"), operation("AvailableSlots")]);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = vec![];
    for w in 0..concurrency {
        let (client, tenants, ops, next, target) =
            (client.clone(), tenants.clone(), ops.clone(), next.clone(), args.target.clone());
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(w as u64);
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let mut tally = Tally::default();
            let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(32)).format("%Y-%m-%d").to_string();
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let t = &tenants[rng.random_range(0..tenants.len())];
                let shop = &t.shops[rng.random_range(0..t.shops.len())];
                let roll = rng.random_range(0..100);
                let (op, vars) = if roll < 40 {
                    let (lat, lng) = (shop.lat + rng.random_range(-0.02..0.02), shop.lng + rng.random_range(-0.02..0.02));
                    (&ops[0], json!({ "near": { "lat": lat, "lng": lng, "datum": "WGS84" }, "radiusMeters": 3000.0, "first": 10 }))
                } else if roll < 65 {
                    (&ops[1], json!({ "id": shop.id }))
                } else if roll < 85 {
                    (&ops[2], json!({ "shopId": shop.id, "first": 10 }))
                } else {
                    (&ops[3], json!({ "shopId": shop.id, "serviceItemId": shop.service, "date": tomorrow }))
                };
                let sent = Instant::now();
                let answer = client.post(format!("{target}/graphql")).header("x-tenant", &t.slug).json(&json!({ "query": op, "variables": vars })).send().await;
                let outcome = match answer {
                    Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                        Ok(body) if body.get("errors").is_none() && !body["data"].is_null() => 0,
                        Ok(_) => 1,
                        Err(_) => 2,
                    },
                    _ => 2,
                };
                hist.record(sent.elapsed().as_micros().max(1) as u64).ok();
                match outcome {
                    0 => tally.completed += 1,
                    1 => tally.failed_logic += 1,
                    _ => tally.failed_other += 1,
                }
            }
            (hist, tally)
        }));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut tally = Tally::default();
    for w in workers {
        let (h, t) = w.await?;
        hist.add(h)?;
        tally.completed += t.completed;
        tally.failed_logic += t.failed_logic;
        tally.failed_other += t.failed_other;
    }
    let run = started.elapsed().as_secs_f64();
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
        run_seconds: run,
        qps: hist.len() as f64 / run,
        mean_ms: hist.mean() / 1000.0,
        p50_ms: ms(hist.value_at_quantile(0.50)),
        p95_ms: ms(hist.value_at_quantile(0.95)),
        p99_ms: ms(hist.value_at_quantile(0.99)),
        max_ms: ms(hist.max()),
        under_500ms_pct: share(500_000),
        under_1s_pct: share(1_000_000),
        under_3s_pct: share(3_000_000),
        over_3s_pct: 100.0 - share(3_000_000),
    };
    println!("WeChat City Services load test — profile {}", report.profile);
    println!("  run time            {:.1} s", report.run_seconds);
    println!("  requests            {}", report.requests);
    println!("  concurrency         {}", report.concurrency);
    println!("  completed           {}", report.completed);
    println!("  logic failures      {}", report.failed_logic);
    println!("  other failures      {}", report.failed_other);
    println!("  QPS                 {:.0}", report.qps);
    println!("  mean                {:.1} ms", report.mean_ms);
    println!("  p50 / p95 / p99     {:.1} / {:.1} / {:.1} ms", report.p50_ms, report.p95_ms, report.p99_ms);
    println!("  max                 {:.1} ms", report.max_ms);
    println!(
        "  < 0.5 s / < 1 s / < 3 s / > 3 s   {:.2}% / {:.2}% / {:.2}% / {:.2}%",
        report.under_500ms_pct, report.under_1s_pct, report.under_3s_pct, report.over_3s_pct
    );
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

//! Volume data for load tests: massage tenants `load-0001` … marked as load-test tenants (their notices never
//! reach a provider; `civic tenant purge` removes them), shops spread over Beijing (GCJ-02) with therapists,
//! services, a running promotion and the default opening hours. Deterministic: tenant i always gets the same
//! shops. With a tokens file, it also signs in five synthetic consumers of each load-test tenant, for the
//! load test's bookings.

use std::{io::Write, path::Path, time::Instant};

use anyhow::Context;
use futures_util::StreamExt;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::{
    identity::consumers as identity,
    infra::geo::{Datum, GeoPoint},
    state::AppState,
    storefront::service::{self as storefront, BulkShop},
    tenancy::service::{self as tenancy, NewTenant},
};

const DISTRICTS: [&str; 8] = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "昌平区"];
const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"];
const SERVICES: [(&str, &str, i32, i64); 4] = [
    ("中医推拿 60 分钟", "推拿", 60, 12800),
    ("足疗 45 分钟", "足疗", 45, 9800),
    ("肩颈调理 30 分钟", "推拿", 30, 6800),
    ("全身按摩 90 分钟", "保健按摩", 90, 19800),
];

pub fn slug(i: u32) -> String {
    format!("load-{i:04}")
}

fn shops(tenant: u32, n: u32) -> Vec<BulkShop> {
    let mut rng = StdRng::seed_from_u64(u64::from(tenant));
    (0..n)
        .map(|j| {
            let district = DISTRICTS[rng.random_range(0..DISTRICTS.len())];
            let (lat, lng) = (rng.random_range(39.75..40.10), rng.random_range(116.20..116.65));
            BulkShop {
                name: format!("康健盲人推拿第{}店", j + 1),
                address: format!("北京市{district}测试路{}号", j + 1),
                district: district.into(),
                phone: format!("010-6{:07}", rng.random_range(0..10_000_000)),
                location: GeoPoint::gcj02_unchecked(lat, lng),
                therapists: (0..3)
                    .map(|k| {
                        (
                            format!("{}师傅{}", SURNAMES[rng.random_range(0..SURNAMES.len())], k + 1),
                            vec!["颈椎调理".into(), "腰肌劳损".into()],
                        )
                    })
                    .collect(),
                services: SERVICES.iter().map(|(a, b, c, d)| (a.to_string(), b.to_string(), *c, *d)).collect(),
                promotion: Some(("新客八折".into(), 20)),
            }
        })
        .collect()
}

/// Synthetic consumers a load-test tenant gets for the load test's bookings.
pub const CONSUMERS_PER_TENANT: u32 = 5;

/// Creates tenants `load-0001` … `load-{tenants}` (skipping those that exist) with `shops_per_tenant` shops each.
/// With `consumer_tokens`, writes there (mode 0600) a session token of each of the `CONSUMERS_PER_TENANT`
/// consumers of every load-test tenant among them, as lines `slug<TAB>token`.
pub async fn volume(
    state: &AppState,
    tenants: u32,
    shops_per_tenant: u32,
    consumer_tokens: Option<&Path>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    // A few tenants at a time: each is one transaction of bulk inserts, which leaves the database idle while the
    // next statement is built.
    let outcomes: Vec<anyhow::Result<bool>> = futures_util::stream::iter(1..=tenants)
        .map(|i| one_tenant(state, i, shops_per_tenant))
        .buffer_unordered(4)
        .collect()
        .await;
    let (mut made, mut skipped) = (0, 0);
    for outcome in outcomes {
        if outcome? { made += 1 } else { skipped += 1 }
    }
    // Validate the generator's coordinates once (they are made inside Beijing).
    debug_assert!(GeoPoint::parse(39.9, 116.4, Datum::Gcj02).is_ok());
    println!(
        "volume: {made} load-test tenants created ({skipped} existed), {shops_per_tenant} shops each, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = consumer_tokens {
        consumer_sessions(state, tenants, path).await?;
    }
    Ok(())
}

/// Creates tenant `load-{i}` with its shops; `false` when it exists.
async fn one_tenant(state: &AppState, i: u32, shops_per_tenant: u32) -> anyhow::Result<bool> {
    let slug = slug(i);
    if tenancy::by_slug(state, &slug).await?.is_some() {
        return Ok(false);
    }
    let name = format!("压测租户 {i:04}");
    let (tenant, _key) =
        tenancy::create(state, NewTenant { slug: &slug, name: &name, template: "massage", is_load_test: true })
            .await
            .map_err(anyhow::Error::from)?;
    storefront::bulk_load(state, tenant.id, shops(i, shops_per_tenant)).await.map_err(anyhow::Error::from)?;
    Ok(true)
}

/// Signs in the synthetic consumers (`loadtest-<slug>-<k>`, made on first use) of the load-test tenants among
/// `load-0001` … `load-{tenants}` and writes their tokens to `path`. The tokens are never printed.
async fn consumer_sessions(state: &AppState, tenants: u32, path: &Path) -> anyhow::Result<()> {
    let mut lines = String::new();
    let mut count = 0;
    for i in 1..=tenants {
        let slug = slug(i);
        let Some(tenant) = tenancy::by_slug(state, &slug).await? else { continue };
        if !tenant.is_load_test {
            println!("volume: {slug} is not a load-test tenant: no consumer sessions for it");
            continue;
        }
        for k in 1..=CONSUMERS_PER_TENANT {
            let session = identity::load_test_consumer_session(state, &tenant, &format!("loadtest-{slug}-{k}"))
                .await
                .map_err(anyhow::Error::from)?;
            lines.push_str(&format!("{slug}\t{}\n", session.token));
            count += 1;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot write {}", path.display()))?;
    // A file that existed keeps its mode on open: narrow it before the tokens go in.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(lines.as_bytes())?;
    println!(
        "volume: {count} consumer session tokens written to {} (valid {} hours, only on a server with this CIVIC_SECRET_KEY)",
        path.display(),
        identity::LOAD_TEST_SESSION.num_hours()
    );
    Ok(())
}

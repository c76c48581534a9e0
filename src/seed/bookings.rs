//! Demo bookings: paid orders of demo consumers in the first demo shop, today (the hours still ahead) and
//! tomorrow, so that the console's day of bookings has something to show and act on.

use chrono::{Days, TimeZone, Utc};

use crate::{
    booking::service::{self as booking, payment},
    identity::service as identity,
    kernel::{Principal, TenantInfo},
    state::AppState,
};

use super::storefront::Seeded;

/// Local hours of the demo bookings, each day.
const HOURS: [u32; 4] = [10, 13, 16, 19];

/// Books and pays what it can of the demo hours (a past hour or a taken slot is skipped); answers how many.
pub async fn demo(state: &AppState, tenant: &std::sync::Arc<TenantInfo>, shop: &Seeded) -> anyhow::Result<usize> {
    let today = state.now().with_timezone(&tenant.time_zone).date_naive();
    let mut made = 0;
    for (k, day) in [today, today.checked_add_days(Days::new(1)).unwrap_or(today)].into_iter().enumerate() {
        for (i, hour) in HOURS.into_iter().enumerate() {
            let Some(local) = day.and_hms_opt(hour, 0, 0) else { continue };
            let Some(start) = tenant.time_zone.from_local_datetime(&local).earliest() else { continue };
            let start = start.with_timezone(&Utc);
            let service = shop.services[i % shop.services.len().max(1)];
            let consumer = identity::demo_consumer(state, tenant.id, &format!("demo-consumer-{k}-{i}")).await?;
            let Ok(order) = booking::create_booking(state, tenant, consumer, shop.id, service, None, start).await
            else {
                continue;
            };
            let who = Principal::Consumer { tenant: tenant.clone(), id: consumer };
            payment::pay_order(state, &who, tenant, order.id, None).await?;
            made += 1;
        }
    }
    Ok(made)
}

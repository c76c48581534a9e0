//! Slot claims in memory, for `availableSlots`: per tenant, every claim of the bookable window, read in one
//! query at the tenant's booking generation (a booking or a cancellation raises it) and used by all
//! availability requests until the next one, or until the first unpaid hold in it lapses, whichever comes
//! first. A payment changes no slot's availability until then (its cells are held either way), so it raises no
//! generation: the read after that lapse sees the cells the payment holds for good. Booking itself checks claims
//! in its own transaction (and the unique key), never here.
//!
//! A write in this process brings the claims to its own generation itself (`Claims::booked` and the others)
//! when nothing else changed in between, and a request that learns the new generation while the write is
//! committing waits for it; otherwise, as after a write in another process, the next request reads them again. A tenant's claims within the window are few (a shop's therapists hold a few dozen cells
//! a day), so that read costs less than one query per availability request.

use std::{collections::HashMap, future::Future, sync::Arc};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, QueryFilter, Select};
use uuid::Uuid;

use super::{availability::Held, entity::slot_claim, rules::BookingRules};
use crate::{error::AppResult, infra::snapshots::Snapshots, kernel::TenantId, kernel::TenantInfo, state::AppState};

/// Cells starting in `[from, to)`.
pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// The cells whose claims decide a date's slots: from the day before to the day after, in the tenant's calendar
/// (a slot may start late and its buffer run past midnight).
pub fn window_of(tenant: &TenantInfo, date: NaiveDate, now: DateTime<Utc>) -> Window {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    let from = chrono::TimeZone::from_local_datetime(&tenant.time_zone, &midnight)
        .earliest()
        .map_or(now, |d| d.with_timezone(&Utc))
        - Duration::days(1);
    (from, from + Duration::days(3))
}

/// Claims on cells starting in `[from, to)` that still hold at `now` (paid, or unpaid within their window).
pub fn live(q: Select<slot_claim::Entity>, window: Window, now: DateTime<Utc>) -> Select<slot_claim::Entity> {
    within(q, window).filter(
        Condition::any().add(slot_claim::Column::ExpiresAt.is_null()).add(slot_claim::Column::ExpiresAt.gt(now)),
    )
}

/// Claims on cells starting in `[from, to)`, lapsed or not.
pub fn within(q: Select<slot_claim::Entity>, (from, to): Window) -> Select<slot_claim::Entity> {
    q.filter(slot_claim::Column::CellStart.gte(from)).filter(slot_claim::Column::CellStart.lt(to))
}

/// Whether a claim still holds its cell at `now`.
pub fn holds(claim: &slot_claim::Model, now: DateTime<Utc>) -> bool {
    claim.expires_at.is_none_or(|lapses| lapses > now)
}

/// A claim as read: its therapist, cell start, lapse and order.
type ClaimRow = (Uuid, DateTime<Utc>, Option<DateTime<Utc>>, Uuid);

/// A claimed cell: its start, when its hold lapses (`None`: held for good), and the order holding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    start: DateTime<Utc>,
    lapses: Option<DateTime<Utc>>,
    order: Uuid,
}

/// One tenant's claims on cells in `[from, to)`.
#[derive(Clone)]
pub struct TenantClaims {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// The first lapse of an unpaid hold among them: from then on they are read again.
    valid_until: Option<DateTime<Utc>>,
    /// Each therapist's claimed cells; shared between generations, so that a change copies one therapist's.
    by_therapist: HashMap<Uuid, Arc<[Cell]>>,
}

impl TenantClaims {
    /// Whether these claims answer for `window` at `now`.
    fn answers(&self, (from, to): Window, now: DateTime<Utc>) -> bool {
        self.from <= from && to <= self.to && self.valid_until.is_none_or(|until| now < until)
    }

    /// The cells in the window that the therapists hold at `now`.
    pub fn held(&self, therapists: impl IntoIterator<Item = Uuid>, (from, to): Window, now: DateTime<Utc>) -> Held {
        therapists
            .into_iter()
            .flat_map(|t| self.by_therapist.get(&t).into_iter().flat_map(|cells| cells.iter()).map(move |c| (t, c)))
            .filter(|(_, c)| from <= c.start && c.start < to && c.lapses.is_none_or(|at| at > now))
            .map(|(t, c)| (t, c.start))
            .collect()
    }

    /// A copy in which `change` made the therapist's cells.
    fn changed(&self, therapist: Uuid, change: impl FnOnce(&[Cell]) -> Vec<Cell>) -> TenantClaims {
        let mut next = self.clone();
        let cells = change(next.by_therapist.get(&therapist).map_or(&[], |c| c));
        next.valid_until = cells.iter().filter_map(|c| c.lapses).chain(next.valid_until).min();
        next.by_therapist.insert(therapist, cells.into());
        next
    }

    /// Every claim of the tenant on cells in `window` and on to the end of the booking horizon, with a day's
    /// margin either side.
    async fn load(
        state: &AppState,
        tenant: &TenantInfo,
        window: Window,
        now: DateTime<Utc>,
    ) -> AppResult<TenantClaims> {
        let rules = BookingRules::for_tenant(tenant);
        let (today, _) = window_of(tenant, now.with_timezone(&tenant.time_zone).date_naive(), now);
        let (from, to) = (today.min(window.0), (today + Duration::days(rules.horizon_days + 3)).max(window.1));
        let tx = state.db.read(tenant.id).await?;
        // A busy tenant has thousands: read by place, only what a cell needs.
        use slot_claim::Column as C;
        let q = tx.select::<slot_claim::Entity>().map(|q| live(q, (from, to), now));
        let rows: Vec<ClaimRow> = tx.tuples(q, [C::TherapistId, C::CellStart, C::ExpiresAt, C::OrderId]).await?;
        tx.commit().await?;
        let valid_until = rows.iter().filter_map(|c| c.2).min();
        let mut by_therapist: HashMap<Uuid, Vec<_>> = HashMap::new();
        for (therapist, start, lapses, order) in rows {
            by_therapist.entry(therapist).or_default().push(Cell { start, lapses, order });
        }
        let by_therapist = by_therapist.into_iter().map(|(t, c)| (t, c.into())).collect();
        Ok(TenantClaims { from, to, valid_until, by_therapist })
    }
}

/// The state's claims (a part that `app::state` puts in).
pub fn of(state: &AppState) -> &Claims {
    state.part::<Claims>()
}

/// Each tenant's claims at its booking generation.
#[derive(Default)]
pub struct Claims(Snapshots<TenantClaims>);

impl Claims {
    /// The tenant's claims at the booking generation the request saw (or newer), covering `window`, none of
    /// whose unpaid holds has lapsed at `now`.
    pub async fn get(
        &self,
        state: &AppState,
        tenant: &TenantInfo,
        window: Window,
        now: DateTime<Utc>,
    ) -> AppResult<Arc<TenantClaims>> {
        let generation = tenant.generations.booking;
        self.0
            .get(tenant.id, generation, |c| c.answers(window, now), || TenantClaims::load(state, tenant, window, now))
            .await
    }

    /// Commits this process's booking (`generation` is the one its transaction raised the tenant to): the
    /// therapist's cells are held for the order, until its payment window lapses.
    pub async fn booked<E>(
        &self,
        commit: impl Future<Output = Result<(), E>>,
        tenant: TenantId,
        generation: i64,
        therapist: Uuid,
        cells: &[DateTime<Utc>],
        hold: Hold,
    ) -> Result<(), E> {
        let cells: Vec<Cell> =
            cells.iter().map(|&start| Cell { start, lapses: hold.lapses, order: hold.order }).collect();
        let change = move |claims: &TenantClaims| claims.changed(therapist, |held| [held, &cells].concat());
        self.0.commit(tenant, generation, commit, change).await
    }

    /// Commits this process's cancellation of `order` (with `therapist`): its cells are free.
    pub async fn released<E>(
        &self,
        commit: impl Future<Output = Result<(), E>>,
        tenant: TenantId,
        generation: i64,
        therapist: Uuid,
        order: Uuid,
    ) -> Result<(), E> {
        let change = move |claims: &TenantClaims| {
            claims.changed(therapist, |held| held.iter().filter(|c| c.order != order).copied().collect())
        };
        self.0.commit(tenant, generation, commit, change).await
    }
}

/// Who holds booked cells, and until when.
#[derive(Clone, Copy)]
pub struct Hold {
    pub order: Uuid,
    pub lapses: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_unpaid_hold_counts_until_its_window_lapses_and_only_inside_the_window() {
        let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2030, 1, 2, h, m, 0).unwrap();
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (o, p) = (Uuid::now_v7(), Uuid::now_v7());
        let cell = |start, lapses, order| Cell { start, lapses, order };
        let claims = TenantClaims {
            from: at(0, 0),
            to: at(23, 0),
            valid_until: Some(at(9, 30)),
            by_therapist: HashMap::from([
                (a, [cell(at(10, 0), None, o), cell(at(10, 15), Some(at(9, 30)), p), cell(at(20, 0), None, o)].into()),
                (b, [cell(at(10, 0), Some(at(9, 30)), p)].into()),
            ]),
        };
        let window = (at(9, 0), at(12, 0));
        let before = claims.held([a, b, c], window, at(9, 29));
        assert_eq!(before, Held::from_iter([(a, at(10, 0)), (a, at(10, 15)), (b, at(10, 0))]));
        let after = claims.held([a, b, c], window, at(9, 30));
        assert_eq!(after, Held::from_iter([(a, at(10, 0))]), "lapsed holds are free; 20:00 is outside the window");
        assert!(claims.held([b], window, at(9, 0)).contains(&(b, at(10, 0))));
        assert!(claims.held([c], window, at(9, 0)).is_empty());
        assert!(claims.answers(window, at(9, 29)) && !claims.answers((at(22, 0), at(23, 30)), at(9, 29)));
        assert!(!claims.answers(window, at(9, 30)), "read again once an unpaid hold lapsed");
    }

    #[tokio::test]
    async fn holds_count_from_booking_to_lapse_or_release_and_a_lapse_reads_the_payments_made_meanwhile() {
        use std::sync::Mutex;
        let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2030, 1, 2, h, m, 0).unwrap();
        let tenant = TenantId(Uuid::now_v7());
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let (o, p) = (Uuid::now_v7(), Uuid::now_v7());
        let window = (at(0, 0), at(23, 0));
        let claims = Claims::default();
        // What the database holds; every build reads it.
        let database = Mutex::new(HashMap::<Uuid, Arc<[Cell]>>::new());
        let builds = std::sync::atomic::AtomicUsize::new(0);
        let held_at = |generation: i64, now: DateTime<Utc>| {
            let (claims, database, builds) = (&claims, &database, &builds);
            async move {
                let build = || async {
                    builds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    // Held claims only, as `live` reads them.
                    let by_therapist: HashMap<Uuid, Arc<[Cell]>> = (database.lock().unwrap().iter())
                        .map(|(t, cells)| {
                            (*t, cells.iter().filter(|c| c.lapses.is_none_or(|l| l > now)).copied().collect())
                        })
                        .collect();
                    let valid_until = by_therapist.values().flat_map(|c| c.iter()).filter_map(|c| c.lapses).min();
                    Ok::<_, ()>(TenantClaims { from: window.0, to: window.1, valid_until, by_therapist })
                };
                claims.0.get(tenant, generation, |c| c.answers(window, now), build).await.unwrap().held(
                    [a, b],
                    window,
                    now,
                )
            }
        };
        assert!(held_at(1, at(9, 0)).await.is_empty());
        // Two bookings in this process, unpaid until 9:30 (and written to the database).
        let lapses = Some(at(9, 30));
        let booked = |order, therapist, starts: &[DateTime<Utc>]| {
            let cells: Vec<Cell> = starts.iter().map(|&start| Cell { start, lapses, order }).collect();
            database.lock().unwrap().insert(therapist, cells.into());
        };
        booked(o, a, &[at(10, 0), at(10, 15)]);
        claims
            .booked(async { Ok::<_, ()>(()) }, tenant, 2, a, &[at(10, 0), at(10, 15)], Hold { order: o, lapses })
            .await
            .unwrap();
        booked(p, b, &[at(10, 0)]);
        claims.booked(async { Ok::<_, ()>(()) }, tenant, 3, b, &[at(10, 0)], Hold { order: p, lapses }).await.unwrap();
        let both = Held::from_iter([(a, at(10, 0)), (a, at(10, 15)), (b, at(10, 0))]);
        assert_eq!(held_at(3, at(9, 29)).await, both);
        // Order o is paid (its cells held for good); the generation stays.
        let paid: Vec<Cell> = database.lock().unwrap()[&a].iter().map(|&c| Cell { lapses: None, ..c }).collect();
        database.lock().unwrap().insert(a, paid.into());
        assert_eq!(held_at(3, at(9, 29)).await, both);
        assert_eq!(builds.load(std::sync::atomic::Ordering::Relaxed), 1, "no read while nothing lapsed");
        // 9:30: p's hold lapses; the claims are read again, with o's cells held for good.
        let paid_only = Held::from_iter([(a, at(10, 0)), (a, at(10, 15))]);
        assert_eq!(held_at(3, at(9, 30)).await, paid_only);
        assert_eq!(builds.load(std::sync::atomic::Ordering::Relaxed), 2);
        // o is cancelled in this process: its cells are free.
        database.lock().unwrap().remove(&a);
        claims.released(async { Ok::<_, ()>(()) }, tenant, 4, a, o).await.unwrap();
        assert!(held_at(4, at(9, 31)).await.is_empty());
        assert_eq!(builds.load(std::sync::atomic::Ordering::Relaxed), 2);
    }
}

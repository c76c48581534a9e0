//! Which start times can be booked: pure computation over working hours, closed dates, claims and the rules.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::rules::BookingRules;
use crate::storefront::hours::Week;

/// A therapist who performs the service, with the weekly hours they work.
pub struct Candidate {
    pub therapist_id: Uuid,
    pub name: String,
    pub hours: Week,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub therapist_id: Uuid,
    pub therapist_name: String,
}

/// The grid cells `[start, end)` covers, on an absolute grid (so that overlapping bookings share a cell).
pub fn cells(start: DateTime<Utc>, end: DateTime<Utc>, grid_minutes: i64) -> Vec<DateTime<Utc>> {
    cell_starts(start, end, grid_minutes).collect()
}

fn cell_starts(start: DateTime<Utc>, end: DateTime<Utc>, grid_minutes: i64) -> impl Iterator<Item = DateTime<Utc>> {
    let grid = grid_minutes * 60;
    let first = start.timestamp().div_euclid(grid) * grid;
    (0..)
        .map(move |i| first + i * grid)
        .take_while(move |t| *t < end.timestamp())
        .filter_map(|t| DateTime::from_timestamp(t, 0))
}

pub struct Day<'a> {
    pub rules: &'a BookingRules,
    pub tz: Tz,
    pub date: NaiveDate,
    pub now: DateTime<Utc>,
    pub duration_minutes: i64,
    pub closed_dates: &'a [NaiveDate],
    /// Held cells: (therapist, cell start).
    pub claimed: &'a Held,
}

/// Held cells, (therapist, cell start): looked up for every cell of every candidate slot, so hashed with a fast
/// hasher (the keys are our own ids and times, nothing a caller chooses).
pub type Held = HashSet<(Uuid, DateTime<Utc>), foldhash::fast::RandomState>;

impl Day<'_> {
    /// The bookable slots of the day, one per start time, each with the first free candidate.
    pub fn slots(&self, candidates: &[Candidate]) -> Vec<Slot> {
        let today = self.now.with_timezone(&self.tz).date_naive();
        if self.date < today
            || self.date > today + Duration::days(self.rules.horizon_days)
            || self.closed_dates.contains(&self.date)
        {
            return vec![];
        }
        let weekday = chrono::Datelike::weekday(&self.date).number_from_monday() as u8;
        let grid = Duration::minutes(self.rules.slot_minutes);
        let length = Duration::minutes(self.duration_minutes);
        let hold = length + Duration::minutes(self.rules.buffer_minutes);
        let earliest = self.now + Duration::minutes(self.rules.lead_minutes);
        let mut by_start: std::collections::BTreeMap<DateTime<Utc>, &Candidate> = Default::default();
        for c in candidates {
            for interval in c.hours.0.iter().filter(|i| i.weekday == weekday) {
                let (Some(opens), Some(closes)) = (self.local(interval.opens), self.local(interval.closes)) else {
                    continue;
                };
                // The first start on the grid at or after opening.
                let mut start = cells(opens, opens + Duration::seconds(1), self.rules.slot_minutes)[0];
                if start < opens {
                    start += grid;
                }
                while start + length <= closes {
                    // Most of a day's starts are checked against no claim at all.
                    let free = self.claimed.is_empty()
                        || cell_starts(start, start + hold, self.rules.slot_minutes)
                            .all(|cell| !self.claimed.contains(&(c.therapist_id, cell)));
                    if start >= earliest && free {
                        by_start.entry(start).or_insert(c);
                    }
                    start += grid;
                }
            }
        }
        by_start
            .into_iter()
            .map(|(start, c)| Slot {
                start,
                end: start + length,
                therapist_id: c.therapist_id,
                therapist_name: c.name.clone(),
            })
            .collect()
    }

    fn local(&self, t: chrono::NaiveTime) -> Option<DateTime<Utc>> {
        self.tz.from_local_datetime(&self.date.and_time(t)).earliest().map(|d| d.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storefront::hours::Week;

    fn week(opens: &str, closes: &str) -> Week {
        Week::parse(&(1..=7).map(|d| (d, opens.to_owned(), closes.to_owned())).collect::<Vec<_>>()).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn slots_follow_hours_lead_duration_buffer_and_claims() {
        let rules = BookingRules::default();
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let date = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let now = at("2026-11-25T10:05:00+08:00");
        let mut claimed = Held::default();
        let day =
            |claimed: &Held| {
                Day { rules: &rules, tz, date, now, duration_minutes: 60, closed_dates: &[], claimed }
                    .slots(&[Candidate { therapist_id: a, name: String::new(), hours: week("10:00", "13:00") }])
            };
        let starts: Vec<_> = day(&claimed).iter().map(|s| s.start).collect();
        // Lead 30 min from 10:05 → 10:45 first; last start 12:00 (ends 13:00, closing).
        assert_eq!(starts.first(), Some(&at("2026-11-25T10:45:00+08:00")));
        assert_eq!(starts.last(), Some(&at("2026-11-25T12:00:00+08:00")));
        assert_eq!(starts.len(), 6);
        // A booking 11:00–12:00 holds 11:00–12:10 with the buffer: 10:45 (would end 11:55) and 11:00–12:00 go.
        for cell in cells(at("2026-11-25T11:00:00+08:00"), at("2026-11-25T12:10:00+08:00"), 15) {
            claimed.insert((a, cell));
        }
        let starts: Vec<_> =
            day(&claimed).iter().map(|s| s.start.with_timezone(&tz).format("%H:%M").to_string()).collect();
        // Every start from 10:45 to 12:00 would hold 70 minutes overlapping 11:00–12:10: none is left.
        assert!(starts.is_empty(), "{starts:?}");
        // With another free therapist, every start is offered again, assigned to them.
        let both = Day { rules: &rules, tz, date, now, duration_minutes: 60, closed_dates: &[], claimed: &claimed }
            .slots(&[
                Candidate { therapist_id: a, name: String::new(), hours: week("10:00", "13:00") },
                Candidate { therapist_id: b, name: String::new(), hours: week("10:00", "13:00") },
            ]);
        assert_eq!(both.len(), 6);
        assert!(both.iter().any(|s| s.therapist_id == b));
    }

    #[test]
    fn no_slots_in_the_past_beyond_the_horizon_or_on_closed_dates() {
        let rules = BookingRules::default();
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let now = at("2026-11-25T10:00:00+08:00");
        let claimed = Held::default();
        let c = [Candidate { therapist_id: Uuid::from_u128(1), name: String::new(), hours: week("10:00", "22:00") }];
        let slots = |date: NaiveDate, closed: &[NaiveDate]| {
            Day { rules: &rules, tz, date, now, duration_minutes: 60, closed_dates: closed, claimed: &claimed }
                .slots(&c)
                .len()
        };
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(slots(d("2026-11-24"), &[]), 0, "yesterday");
        assert!(slots(d("2026-12-09"), &[]) > 0, "14 days ahead");
        assert_eq!(slots(d("2026-12-10"), &[]), 0, "15 days ahead");
        assert_eq!(slots(d("2026-11-26"), &[d("2026-11-26")]), 0, "closed");
        let late = at("2026-11-25T21:45:00+08:00");
        assert_eq!(
            Day {
                rules: &rules,
                tz,
                date: d("2026-11-25"),
                now: late,
                duration_minutes: 60,
                closed_dates: &[],
                claimed: &claimed
            }
            .slots(&c)
            .len(),
            0,
            "past closing"
        );
    }
}

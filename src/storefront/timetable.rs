//! When the published storefront changes by itself, with nothing written: promotions start and end. Everything
//! else consumers read changes only by a write, which raises the storefront generation (`kernel::tenant`).
//! An answer made from the storefront therefore holds until the tenant's next such moment, or until a write.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Storefront answers are kept at most this long: an answer also ends when a promotion of its tenant starts or
/// ends, and sooner after any write (a new generation, a new key).
pub const STOREFRONT_TTL: Duration = Duration::from_secs(300);

/// The moments a tenant's storefront changes by itself, in order.
#[derive(Debug, Default)]
pub struct Timetable(Vec<DateTime<Utc>>);

impl Timetable {
    pub fn new(moments: impl IntoIterator<Item = DateTime<Utc>>) -> Timetable {
        let mut moments: Vec<_> = moments.into_iter().collect();
        moments.sort_unstable();
        moments.dedup();
        Timetable(moments)
    }

    /// How long what is read at `now` stays as it is: until the next moment after `now`, and at most `most`.
    pub fn holds(&self, now: DateTime<Utc>, most: Duration) -> Duration {
        let next = self.0.partition_point(|m| *m <= now);
        self.0.get(next).map_or(most, |m| (*m - now).to_std().unwrap_or_default().min(most))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_answer_holds_until_the_next_start_or_end_and_at_most_the_limit() {
        let at = |s: i64| Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap();
        let most = Duration::from_secs(300);
        // Starts at 100, ends at 1,000; another from 40 to 100 (one moment, twice).
        let t = Timetable::new([at(100), at(1_000), at(40), at(100)]);
        assert_eq!(t.holds(at(0), most), Duration::from_secs(40));
        assert_eq!(t.holds(at(40), most), Duration::from_secs(60), "a moment passed is not waited for");
        assert_eq!(t.holds(at(99), most), Duration::from_secs(1));
        assert_eq!(t.holds(at(100), most), most, "the next is 900 s away");
        assert_eq!(t.holds(at(999), most), Duration::from_secs(1));
        assert_eq!(t.holds(at(1_000), most), most, "nothing more changes");
        assert_eq!(Timetable::default().holds(at(0), most), most);
        // Between whole seconds.
        let t = Timetable::new([at(10) + chrono::Duration::milliseconds(250)]);
        assert_eq!(t.holds(at(10), most), Duration::from_millis(250));
    }
}

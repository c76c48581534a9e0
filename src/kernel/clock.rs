//! The clock every service and job reads "now" from. In production it is the system's; tests move it forward
//! (`Clock::advance`) instead of sleeping or ageing rows by hand.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Utc};

/// The system clock plus an offset that only tests move. Cloning shares the offset.
#[derive(Clone, Default, Debug)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_ms.load(Ordering::Relaxed);
        let now = Utc::now();
        if offset == 0 { now } else { now + chrono::Duration::milliseconds(offset) }
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn an_advanced_clock_runs_ahead_for_every_clone() {
        let clock = Clock::system();
        let other = clock.clone();
        clock.advance(chrono::Duration::hours(2));
        let ahead = other.now() - chrono::Utc::now();
        assert!(ahead >= chrono::Duration::minutes(119) && ahead <= chrono::Duration::minutes(121), "{ahead}");
    }
}

//! The filter behind `Cache::asked_before`: which keys were asked for lately.

use std::{
    hash::BuildHasher,
    sync::atomic::{AtomicU64, Ordering},
};

/// The keys asked for lately: a Bloom filter (3 bits a key) cleared after `SEEN_KEYS` keys, so that it says
/// "asked before" wrongly for about one key in a hundred, and forgets everything now and then (the next ask
/// of a forgotten key is then taken for a first one).
pub(super) struct Seen {
    bits: Box<[AtomicU64]>,
    added: AtomicU64,
    hasher: std::hash::RandomState,
}

/// Keys remembered before the filter is cleared; and its size in bits (about ten a key).
const SEEN_KEYS: u64 = 200_000;
const SEEN_BITS: usize = 1 << 21;

impl Seen {
    pub(super) fn new() -> Seen {
        let bits = (0..SEEN_BITS / 64).map(|_| AtomicU64::new(0)).collect();
        Seen { bits, added: AtomicU64::new(0), hasher: std::hash::RandomState::new() }
    }

    /// Whether `key` was seen since the last clearing; remembers it.
    pub(super) fn check_and_add(&self, key: &str) -> bool {
        let hash = self.hasher.hash_one(key);
        let (h1, h2) = (hash as u32 as usize, (hash >> 32) as usize | 1);
        let mut seen = true;
        for i in 0..3 {
            let bit = h1.wrapping_add(i * h2) % SEEN_BITS;
            let (word, mask) = (&self.bits[bit / 64], 1u64 << (bit % 64));
            // Read first: a key asked often writes nothing, so the cores do not pass its words back and forth.
            seen &= word.load(Ordering::Relaxed) & mask != 0 || word.fetch_or(mask, Ordering::Relaxed) & mask != 0;
        }
        if !seen && self.added.fetch_add(1, Ordering::Relaxed) + 1 >= SEEN_KEYS {
            self.added.store(0, Ordering::Relaxed);
            self.bits.iter().for_each(|w| w.store(0, Ordering::Relaxed));
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_asked_before_from_its_second_ask_until_the_filter_is_cleared() {
        let seen = Seen::new();
        assert!(!seen.check_and_add("t:1:-:anon:aa"));
        assert!(seen.check_and_add("t:1:-:anon:aa"));
        assert!(!seen.check_and_add("t:1:-:anon:bb"), "another key is new");
        // Among many new keys, few are wrongly taken for repeats.
        let wrong = (0..20_000).filter(|i| seen.check_and_add(&format!("k{i}"))).count();
        assert!(wrong < 400, "{wrong} of 20,000 new keys taken for repeats");
        // Full: cleared, and every key is new again.
        (0..SEEN_KEYS).for_each(|i| {
            seen.check_and_add(&format!("fill{i}"));
        });
        assert!(!seen.check_and_add("t:1:-:anon:aa"));
    }
}

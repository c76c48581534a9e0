//! The memory that decoding uploads may take at once, shared by every upload in the process.
//!
//! A decoded image takes far more memory than its file (a 38 KB PNG can decode to 160 MB), so each upload
//! reserves what its decode will take, estimated from its header, before any pixel is decoded. When the budget
//! is taken, an upload waits a short while for it and is then told to come back later; an upload that needs more
//! than the whole budget is refused at once and never waits.

use std::{sync::Arc, time::Duration};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const MIB: u64 = 1024 * 1024;

/// Memory for decoding, counted in MiB.
#[derive(Clone, Debug)]
pub struct DecodeBudget {
    permits: Arc<Semaphore>,
    total_mib: u32,
    wait: Duration,
}

/// A part of the budget, given back when dropped.
#[derive(Debug)]
pub struct Reserved(#[allow(dead_code)] OwnedSemaphorePermit);

/// Why no part of the budget was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// More than the whole budget: this image is never decoded here.
    TooLarge,
    /// The budget stayed taken by other uploads for the whole wait.
    Busy,
}

impl DecodeBudget {
    /// `total_mib` MiB, at least 1; an upload waits at most `wait` for its share.
    pub fn new(total_mib: u32, wait: Duration) -> DecodeBudget {
        let total_mib = total_mib.max(1);
        DecodeBudget { permits: Arc::new(Semaphore::new(total_mib as usize)), total_mib, wait }
    }

    /// Reserves `bytes` (rounded up to whole MiB), waiting at most the configured time. Waiters are served in
    /// turn, so a large image is not passed over forever by small ones.
    pub async fn reserve(&self, bytes: u64) -> Result<Reserved, Refused> {
        let mib = bytes.div_ceil(MIB).max(1);
        if mib > u64::from(self.total_mib) {
            return Err(Refused::TooLarge);
        }
        let acquire = self.permits.clone().acquire_many_owned(mib as u32);
        match tokio::time::timeout(self.wait, acquire).await {
            Ok(Ok(permit)) => Ok(Reserved(permit)),
            // The semaphore is never closed; a timeout is the only other way out.
            Ok(Err(_)) | Err(_) => Err(Refused::Busy),
        }
    }

    /// MiB not reserved now (for metrics).
    pub fn available_mib(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reservations_share_the_budget_and_give_it_back() {
        let budget = DecodeBudget::new(10, Duration::from_millis(20));
        let six = budget.reserve(6 * MIB).await.unwrap();
        assert_eq!(budget.reserve(5 * MIB).await.unwrap_err(), Refused::Busy);
        let four = budget.reserve(4 * MIB - 1).await.unwrap();
        assert_eq!(budget.available_mib(), 0);
        drop((six, four));
        assert_eq!(budget.available_mib(), 10);
        assert_eq!(budget.reserve(11 * MIB).await.unwrap_err(), Refused::TooLarge);
        assert_eq!(budget.reserve(0).await.map(|_| ()), Ok(()), "anything takes at least 1 MiB");
    }
}

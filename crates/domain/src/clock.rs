//! Time as a dependency: pure code asks a [`Clock`], it never reads the wall clock itself.

use crate::TimestampMs;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of "now" in epoch milliseconds. Live code uses the system clock (in the engine);
/// tests and backtests use [`ManualClock`] or a historical clock.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> TimestampMs;
}

/// A clock that only moves when told to: for tests and replays.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    pub fn new(start_ms: TimestampMs) -> Self {
        Self {
            now: AtomicI64::new(start_ms),
        }
    }

    pub fn set(&self, ms: TimestampMs) {
        self.now.store(ms, Ordering::SeqCst);
    }

    pub fn advance(&self, ms: i64) -> TimestampMs {
        self.now.fetch_add(ms, Ordering::SeqCst) + ms
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> TimestampMs {
        self.now.load(Ordering::SeqCst)
    }
}

use keel_domain::{Clock, TimestampMs};
use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock, for live trading. Pure crates never see it directly.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> TimestampMs {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

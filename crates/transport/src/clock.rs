//! The venue's server time as an offset from the local wall clock.
//!
//! Rules:
//! - **RTT midpoint.** A fetch is bracketed by two local readings `t0` and `t1`; the server's
//!   time is taken to correspond to `(t0 + t1) / 2`, so `offset = server - (t0 + t1) / 2`.
//! - **Single flight.** Concurrent [`ServerClock::resync`] callers queue behind one fetch; a
//!   caller that finds a fetch finished after it asked shares that result (50 concurrent -1021
//!   errors cause one fetch).
//! - **Minimum interval.** A successful resync younger than `min_interval` (default 5 s) is
//!   reused without fetching. Failed fetches do not count toward the interval, but concurrent
//!   waiters share the failure rather than each retrying.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use keel_exchange::ExchangeResult;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::budget::unix_now_ms;

#[derive(Debug, Default)]
struct Last {
    /// When the last successful fetch finished.
    success: Option<Instant>,
    /// When the last fetch (successful or not) finished, and its result.
    attempt: Option<(Instant, ExchangeResult<i64>)>,
}

/// Server-time offset with single-flight resync. See the module docs.
#[derive(Debug)]
pub struct ServerClock {
    offset_ms: AtomicI64,
    synced: AtomicBool,
    min_interval: Duration,
    gate: Mutex<Last>,
}

impl Default for ServerClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerClock {
    /// A clock with offset 0 (not yet synced) and a 5 s minimum resync interval.
    pub fn new() -> ServerClock {
        Self::with_min_interval(Duration::from_secs(5))
    }

    /// A clock whose resyncs are at least `min_interval` apart.
    pub fn with_min_interval(min_interval: Duration) -> ServerClock {
        ServerClock {
            offset_ms: AtomicI64::new(0),
            synced: AtomicBool::new(false),
            min_interval,
            gate: Mutex::new(Last::default()),
        }
    }

    /// Venue time minus local time, in ms (0 until the first sync).
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Whether a resync has succeeded at least once.
    pub fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Relaxed)
    }

    /// The venue's current time: the local wall clock plus the offset.
    pub fn venue_now_ms(&self) -> i64 {
        unix_now_ms() + self.offset_ms()
    }

    /// Sets the offset directly (e.g. from a time the venue reported elsewhere).
    pub fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::Relaxed);
        self.synced.store(true, Ordering::Relaxed);
    }

    /// Resync after the venue refused a request signed at `signed_at` for its timestamp
    /// (Binance -1021): fetches unless a resync already succeeded after that request was
    /// signed, so a burst of refusals costs one fetch, and a skew that appears right after a
    /// sync is still corrected (the minimum interval does not apply: the offset in force is
    /// known to be wrong).
    pub async fn resync_after<F, Fut>(&self, signed_at: Instant, fetch: F) -> ExchangeResult<i64>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ExchangeResult<i64>>,
    {
        let mut last = self.gate.lock().await;
        if let Some(finished) = last.success
            && finished > signed_at
        {
            return Ok(self.offset_ms());
        }
        self.fetch_locked(&mut last, fetch).await
    }

    /// Resyncs the offset with `fetch` (which returns the server time in ms), single-flight and
    /// at most once per `min_interval`. Returns the offset in force afterwards.
    pub async fn resync<F, Fut>(&self, fetch: F) -> ExchangeResult<i64>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ExchangeResult<i64>>,
    {
        let asked = Instant::now();
        let mut last = self.gate.lock().await;
        if let Some((finished, result)) = &last.attempt
            && *finished > asked
        {
            return result.clone();
        }
        if let Some(finished) = last.success
            && finished.elapsed() < self.min_interval
        {
            return Ok(self.offset_ms());
        }
        self.fetch_locked(&mut last, fetch).await
    }

    async fn fetch_locked<F, Fut>(&self, last: &mut Last, fetch: F) -> ExchangeResult<i64>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ExchangeResult<i64>>,
    {
        let t0 = unix_now_ms();
        let fetched = fetch().await;
        let t1 = unix_now_ms();
        let result = fetched.map(|server_ms| {
            let offset = server_ms - (t0 + (t1 - t0) / 2);
            self.set_offset_ms(offset);
            tracing::debug!(
                offset_ms = offset,
                rtt_ms = t1 - t0,
                "server clock resynced"
            );
            offset
        });
        let now = Instant::now();
        if result.is_ok() {
            last.success = Some(now);
        }
        last.attempt = Some((now, result.clone()));
        result
    }
}

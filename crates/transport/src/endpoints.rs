//! A pool of interchangeable base URLs (e.g. `api.binance.com`, `api1.binance.com`, ...) with
//! health scores.
//!
//! Rules:
//! - Each endpoint keeps an EWMA of its latency and an EWMA failure score (1 per failure, 0 per
//!   success, weight [`EWMA_ALPHA`]).
//! - A failure (not reachable, timeout) puts the endpoint in a cooldown that doubles with each
//!   consecutive failure ([`EndpointPool::with_cooldown`]: 1 s, 2 s, 4 s ... capped at 60 s by
//!   default); a 429 cools it down for at least the venue's Retry-After. A success ends the
//!   streak.
//! - [`EndpointPool::pick`] takes the endpoint with the lowest score (latency plus a penalty per
//!   failure score) among those not cooling down; ties go to the earlier one in the list, so an
//!   untried pool starts with the first URL. When every endpoint is cooling down it takes the one
//!   whose cooldown ends first rather than refusing.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use keel_exchange::EndpointReport;
use tokio::time::Instant;

/// Weight of the newest sample in the latency and failure averages.
pub const EWMA_ALPHA: f64 = 0.3;
/// Score penalty (milliseconds of latency) of a failure score of 1.
const FAILURE_PENALTY_MS: f64 = 5_000.0;

#[derive(Debug, Clone)]
struct Health {
    url: String,
    latency_ms: Option<f64>,
    failure_score: f64,
    consecutive_failures: u32,
    cooldown_until: Option<Instant>,
    last_error: Option<String>,
}

/// Interchangeable base URLs with health scores. See the module docs.
#[derive(Debug)]
pub struct EndpointPool {
    health: Mutex<Vec<Health>>,
    cooldown_base: Duration,
    cooldown_max: Duration,
}

fn ms_f64(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl EndpointPool {
    /// A pool of `urls` (trailing slashes are dropped), default cooldowns 1 s doubling to 60 s.
    pub fn new(urls: &[String]) -> EndpointPool {
        EndpointPool {
            health: Mutex::new(
                urls.iter()
                    .map(|u| Health {
                        url: u.trim_end_matches('/').to_string(),
                        latency_ms: None,
                        failure_score: 0.0,
                        consecutive_failures: 0,
                        cooldown_until: None,
                        last_error: None,
                    })
                    .collect(),
            ),
            cooldown_base: Duration::from_secs(1),
            cooldown_max: Duration::from_secs(60),
        }
    }

    /// Changes the cooldown after a failure: `base` doubling per consecutive failure up to `max`.
    pub fn with_cooldown(mut self, base: Duration, max: Duration) -> EndpointPool {
        self.cooldown_base = base;
        self.cooldown_max = max.max(base);
        self
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Health>> {
        self.health
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of endpoints.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the pool has no endpoints.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Every base URL, in configured order.
    pub fn urls(&self) -> Vec<String> {
        self.lock().iter().map(|h| h.url.clone()).collect()
    }

    /// The healthiest endpoint: `(index, base URL)`, or `None` for an empty pool.
    pub fn pick(&self) -> Option<(usize, String)> {
        self.pick_excluding(&[])
    }

    /// Like [`EndpointPool::pick`] but skipping `tried` while any other endpoint is left.
    pub fn pick_excluding(&self, tried: &[usize]) -> Option<(usize, String)> {
        let now = Instant::now();
        let health = self.lock();
        let candidates: Vec<(usize, &Health)> = health
            .iter()
            .enumerate()
            .filter(|(i, _)| !tried.contains(i))
            .collect();
        let candidates = if candidates.is_empty() {
            health.iter().enumerate().collect()
        } else {
            candidates
        };
        let score = |h: &Health| h.latency_ms.unwrap_or(0.0) + h.failure_score * FAILURE_PENALTY_MS;
        let ready = candidates
            .iter()
            .filter(|(_, h)| h.cooldown_until.is_none_or(|until| until <= now))
            .min_by(|a, b| score(a.1).total_cmp(&score(b.1)));
        let chosen = match ready {
            Some(c) => Some(*c),
            None => candidates
                .iter()
                .min_by_key(|(_, h)| h.cooldown_until)
                .copied(),
        };
        chosen.map(|(i, h)| (i, h.url.clone()))
    }

    /// A request on endpoint `index` got an answer after `latency`.
    pub fn record_success(&self, index: usize, latency: Duration) {
        let mut health = self.lock();
        if let Some(h) = health.get_mut(index) {
            let sample = ms_f64(latency);
            h.latency_ms = Some(match h.latency_ms {
                Some(avg) => avg + EWMA_ALPHA * (sample - avg),
                None => sample,
            });
            h.failure_score *= 1.0 - EWMA_ALPHA;
            h.consecutive_failures = 0;
            h.cooldown_until = None;
            h.last_error = None;
        }
    }

    /// A request on endpoint `index` failed (not reachable, timed out): cool it down.
    pub fn record_failure(&self, index: usize, reason: &str) {
        let mut health = self.lock();
        if let Some(h) = health.get_mut(index) {
            h.failure_score += EWMA_ALPHA * (1.0 - h.failure_score);
            h.consecutive_failures = h.consecutive_failures.saturating_add(1);
            let cooldown = self.cooldown_for(h.consecutive_failures);
            h.cooldown_until = Some(Instant::now() + cooldown);
            h.last_error = Some(reason.to_string());
        }
    }

    /// The venue rate-limited a request on endpoint `index`: cool it down for at least
    /// `retry_after`.
    pub fn record_rate_limited(&self, index: usize, retry_after: Duration) {
        let mut health = self.lock();
        if let Some(h) = health.get_mut(index) {
            h.consecutive_failures = h.consecutive_failures.saturating_add(1);
            let cooldown = self.cooldown_for(h.consecutive_failures).max(retry_after);
            h.cooldown_until = Some(Instant::now() + cooldown);
            h.last_error = Some("rate limited".to_string());
        }
    }

    fn cooldown_for(&self, consecutive_failures: u32) -> Duration {
        let doublings = consecutive_failures.saturating_sub(1).min(20);
        self.cooldown_base
            .saturating_mul(1u32 << doublings)
            .min(self.cooldown_max)
    }

    /// Whether endpoint `index` is cooling down now.
    pub fn is_cooling_down(&self, index: usize) -> bool {
        let now = Instant::now();
        self.lock()
            .get(index)
            .and_then(|h| h.cooldown_until)
            .is_some_and(|until| until > now)
    }

    /// Every endpoint's state, as the UI shows it (latency is the running average).
    pub fn reports(&self) -> Vec<EndpointReport> {
        let now = Instant::now();
        self.lock()
            .iter()
            .map(|h| {
                let cooling_down = h.cooldown_until.is_some_and(|until| until > now);
                EndpointReport {
                    url: h.url.clone(),
                    healthy: !cooling_down && h.last_error.is_none(),
                    latency_ms: h.latency_ms.map(|l| l.round().max(0.0) as u64),
                    error: h.last_error.clone(),
                    cooling_down,
                }
            })
            .collect()
    }
}

//! The request-weight budget of one venue and IP, shared by every client in the process.
//!
//! Rules:
//! - **One budget per key, process-wide.** Venues count weight per IP, so two accounts on the
//!   same venue share one budget: [`RateBudget::shared`] hands out the same instance for the
//!   same key. Budgets live for the whole process, so a ban outlives the client that caused it.
//! - **Fixed windows aligned to the wall clock** (Binance counts REQUEST_WEIGHT per calendar
//!   minute). Between responses the budget counts locally: every [`RateBudget::acquire`] adds
//!   its weight. The venue's used-weight header ([`RateBudget::observe_used`]) can only raise
//!   the estimate within a window (it also sees other processes on the same IP); the estimate
//!   drops to zero when the window rolls over.
//! - **Headroom for trading.** [`Priority::Background`] may fill the window only up to
//!   [`BACKGROUND_SHARE_PERCENT`], [`Priority::Interactive`] up to
//!   [`INTERACTIVE_SHARE_PERCENT`]; beyond that they wait for the next window.
//!   [`Priority::Trading`] waits only for hard limits: a full window or a block.
//! - **Never provoke a ban.** After a 429 ([`RateBudget::on_too_many_requests`]) every request
//!   waits until Retry-After has passed instead of being sent (repeated 429s are what earn a
//!   418). After a 418 ([`RateBudget::on_banned`]) nothing is sent until the ban ends: acquire
//!   fails at once with [`ExchangeError::Transient`] carrying the remaining time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use keel_exchange::{ExchangeError, ExchangeResult};
use tokio::time::Instant;

use crate::rest::Priority;

/// Extra wait beyond a venue's Retry-After.
pub const BLOCK_MARGIN: Duration = Duration::from_millis(1_000);
/// Share of the window (percent) that background requests may use.
pub const BACKGROUND_SHARE_PERCENT: u32 = 70;
/// Share of the window (percent) that interactive requests may use.
pub const INTERACTIVE_SHARE_PERCENT: u32 = 90;

/// What the UI shows as the budget's headroom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetSnapshot {
    /// Weight used in the current window (local count or the venue's header, whichever is
    /// higher).
    pub used: u32,
    /// The window's limit.
    pub limit: u32,
    /// While blocked by a 429 or 418: when the block ends (Unix ms, local clock).
    pub blocked_until_ms: Option<i64>,
    /// Whether the block is a ban (418).
    pub banned: bool,
}

#[derive(Debug)]
struct State {
    limit: u32,
    /// Index of the current window (Unix ms / window ms).
    window_index: i64,
    used: u32,
    blocked_until: Option<Instant>,
    banned: bool,
}

/// A venue's request-weight budget. See the module docs for the rules.
#[derive(Debug)]
pub struct RateBudget {
    key: String,
    window: Duration,
    /// A monotonic instant and the Unix time it corresponds to: windows are aligned to the wall
    /// clock, but time is measured with tokio's clock (so paused-time tests work).
    origin: Instant,
    origin_unix_ms: i64,
    state: Mutex<State>,
}

fn registry() -> &'static Mutex<HashMap<String, Arc<RateBudget>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<RateBudget>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl RateBudget {
    /// A budget that is not registered anywhere (tests, single-use tools). Most code wants
    /// [`RateBudget::shared`].
    pub fn standalone(key: &str, limit: u32, window: Duration) -> RateBudget {
        let window = window.max(Duration::from_millis(1));
        let origin = Instant::now();
        let origin_unix_ms = unix_now_ms();
        RateBudget {
            key: key.to_string(),
            window,
            origin,
            origin_unix_ms,
            state: Mutex::new(State {
                limit: limit.max(1),
                window_index: origin_unix_ms / ms(window).max(1),
                used: 0,
                blocked_until: None,
                banned: false,
            }),
        }
    }

    /// The process-wide budget for `key` (e.g. `binance-spot`), created on first use. A later
    /// call with a different `limit` updates the limit (the venue's exchangeInfo is the truth);
    /// the window stays as first configured.
    pub fn shared(key: &str, limit: u32, window: Duration) -> Arc<RateBudget> {
        let mut map = lock(registry());
        if let Some(existing) = map.get(key) {
            lock(&existing.state).limit = limit.max(1);
            return Arc::clone(existing);
        }
        let budget = Arc::new(RateBudget::standalone(key, limit, window));
        map.insert(key.to_string(), Arc::clone(&budget));
        budget
    }

    /// The key this budget was registered under.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        self.window
    }

    fn window_ms(&self) -> i64 {
        ms(self.window).max(1)
    }

    fn unix_at(&self, at: Instant) -> i64 {
        self.origin_unix_ms + ms(at.saturating_duration_since(self.origin))
    }

    /// Rolls the window over when the wall clock entered a new one.
    fn roll(&self, st: &mut State, now: Instant) {
        let index = self.unix_at(now) / self.window_ms();
        if index != st.window_index {
            st.window_index = index;
            st.used = 0;
        }
        if st.blocked_until.is_some_and(|until| until <= now) {
            st.blocked_until = None;
            st.banned = false;
        }
    }

    /// When the current window ends.
    fn next_window_start(&self, st: &State) -> Instant {
        let start_unix = (st.window_index + 1) * self.window_ms();
        let wait = start_unix - self.unix_at(self.origin);
        self.origin + Duration::from_millis(u64::try_from(wait).unwrap_or(0))
    }

    /// How much of the window `priority` may fill.
    fn cap(limit: u32, priority: Priority) -> u32 {
        let share = match priority {
            Priority::Trading => 100,
            Priority::Interactive => INTERACTIVE_SHARE_PERCENT,
            Priority::Background => BACKGROUND_SHARE_PERCENT,
        };
        let cap = u64::from(limit) * u64::from(share) / 100;
        u32::try_from(cap).unwrap_or(limit).max(1)
    }

    /// Takes `weight` from the budget, waiting while the window is too full for `priority` or
    /// a 429 block lasts. Fails at once with `Transient` while banned (418): nothing may be
    /// sent, and a ban lasts minutes to days.
    pub async fn acquire(&self, weight: u32, priority: Priority) -> ExchangeResult<()> {
        loop {
            let wake = {
                let now = Instant::now();
                let mut st = lock(&self.state);
                self.roll(&mut st, now);
                match st.blocked_until {
                    Some(until) if st.banned => {
                        let remaining = until.saturating_duration_since(now);
                        return Err(ExchangeError::Transient {
                            message: format!(
                                "{}: banned by the venue (HTTP 418) for another {} s",
                                self.key,
                                remaining.as_secs()
                            ),
                            retry_after_ms: Some(
                                u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX),
                            ),
                        });
                    }
                    Some(until) => until,
                    None => {
                        let cap = Self::cap(st.limit, priority);
                        // A request heavier than the cap may still go into an empty window.
                        if st.used.saturating_add(weight) <= cap || st.used == 0 {
                            st.used = st.used.saturating_add(weight);
                            return Ok(());
                        }
                        self.next_window_start(&st)
                    }
                }
            };
            tracing::debug!(key = %self.key, ?priority, weight, "waiting for rate budget");
            tokio::time::sleep_until(wake).await;
        }
    }

    /// The venue's used-weight header of a response. Raises the estimate for this window.
    pub fn observe_used(&self, used: u32) {
        let now = Instant::now();
        let mut st = lock(&self.state);
        self.roll(&mut st, now);
        st.used = st.used.max(used);
    }

    /// A 429: nothing is sent until `retry_after` has passed (the venue's Retry-After says
    /// when its window resets; the local count is not touched).
    pub fn on_too_many_requests(&self, retry_after: Duration) {
        self.block(retry_after, false);
    }

    /// A 418 (banned): nothing is sent until `retry_after` has passed; acquire fails meanwhile.
    pub fn on_banned(&self, retry_after: Duration) {
        self.block(retry_after, true);
    }

    fn block(&self, retry_after: Duration, banned: bool) {
        let now = Instant::now();
        let mut st = lock(&self.state);
        self.roll(&mut st, now);
        // Retry-After is whole seconds, counted by the venue from when it answered: wait a
        // margin beyond it, so the first request after the wait never lands inside the window.
        let until = now + retry_after + BLOCK_MARGIN;
        st.blocked_until = Some(st.blocked_until.map_or(until, |u| u.max(until)));
        st.banned |= banned;
        tracing::warn!(key = %self.key, banned, retry_after_ms = retry_after.as_millis() as u64, "rate budget blocked");
    }

    /// Whether a 429 or 418 block is in force.
    pub fn is_blocked(&self) -> bool {
        let now = Instant::now();
        let mut st = lock(&self.state);
        self.roll(&mut st, now);
        st.blocked_until.is_some()
    }

    /// The budget as the UI shows it.
    pub fn snapshot(&self) -> BudgetSnapshot {
        let now = Instant::now();
        let mut st = lock(&self.state);
        self.roll(&mut st, now);
        BudgetSnapshot {
            used: st.used,
            limit: st.limit,
            blocked_until_ms: st
                .blocked_until
                .map(|until| unix_now_ms() + ms(until.saturating_duration_since(now))),
            banned: st.banned,
        }
    }
}

//! The fault script: what goes wrong, where, and on which occurrence.
//!
//! A [`Fault`] is a [`Trigger`] plus an [`Action`]. Triggers count occurrences from the moment the
//! fault is armed (pushed), so a script is deterministic given the sequence of requests/events.

use crate::config::Market;
use crate::rng::SplitMix64;

/// Matches REST requests: the `nth` (1-based) matching request after arming fires the fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestMatch {
    /// Product whose REST server receives the request.
    pub market: Market,
    /// HTTP method (`GET`, `POST`, ...) or `*`.
    pub method: String,
    /// Exact path (`/api/v3/order`) or `*`.
    pub path: String,
    /// Which matching occurrence fires (1 = the next one).
    pub nth: u32,
}

impl RestMatch {
    /// The next `method path` request on `market`.
    pub fn new(market: Market, method: &str, path: &str) -> Self {
        Self {
            market,
            method: method.to_owned(),
            path: path.to_owned(),
            nth: 1,
        }
    }

    /// Fire on the `nth` matching request instead of the next one.
    pub fn nth(mut self, nth: u32) -> Self {
        self.nth = nth.max(1);
        self
    }

    pub(crate) fn matches(&self, market: Market, method: &str, path: &str) -> bool {
        self.market == market
            && (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && (self.path == "*" || self.path == path)
    }
}

/// When a fault fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Immediately when pushed.
    Now,
    /// On a REST request.
    Rest(RestMatch),
    /// On the `nth` (1-based, counted after arming) user-data event of `market` (executionReport,
    /// outboundAccountPosition, balanceUpdate / ORDER_TRADE_UPDATE, ACCOUNT_UPDATE).
    UserEvent {
        /// Product of the user stream.
        market: Market,
        /// Which event fires.
        nth: u32,
    },
}

/// A WebSocket connection family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StreamKind {
    /// Spot market streams (`/ws`, `/stream`).
    SpotMarket,
    /// Futures market streams.
    FuturesMarket,
    /// Spot WebSocket API connections (`/ws-api/v3`, user data subscriptions).
    SpotUser,
    /// Futures listenKey user streams (`/ws/<listenKey>`).
    FuturesUser,
}

impl StreamKind {
    pub(crate) fn idx(self) -> usize {
        match self {
            StreamKind::SpotMarket => 0,
            StreamKind::FuturesMarket => 1,
            StreamKind::SpotUser => 2,
            StreamKind::FuturesUser => 3,
        }
    }
}

/// What happens when a fault fires.
///
/// Request actions (`Delay` .. `RateLimit429`) only act under a [`Trigger::Rest`]; event actions
/// (`DropEvent`, `DuplicateEvent`, `ReorderEvent`) only under [`Trigger::UserEvent`]; the others
/// act under any trigger (a REST or event trigger then proceeds normally). A request/event action
/// under the wrong trigger is counted in `Stats::faults_ignored` and does nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Sleep `ms` before handling the request.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Handle the request (the ledger changes), then hold the response `hold_ms` and break the
    /// connection mid-response: the client sees a timeout or a reset, never the result.
    AcceptThenTimeout {
        /// Milliseconds to hold before breaking the connection.
        hold_ms: u64,
    },
    /// Handle the request (the ledger changes), then answer `status` (500/502/503/504).
    ServerErrorAfterAccept {
        /// HTTP status.
        status: u16,
    },
    /// Answer `status` without handling the request (the ledger does not change).
    ServerError {
        /// HTTP status.
        status: u16,
    },
    /// Answer 429 + `Retry-After: retry_after_secs`; any request on that market inside the window
    /// gets a 418 ban (`Retry-After: ban_secs`) and is counted in `Stats::requests_while_limited`.
    RateLimit429 {
        /// Retry-After seconds (window length).
        retry_after_secs: u64,
    },
    /// The triggering user event is never sent (it stays in the ledger: REST shows it).
    DropEvent,
    /// The triggering user event is sent twice.
    DuplicateEvent,
    /// The triggering user event is held back and sent right after the next user event of the
    /// same market (or at [`crate::MockBinance::flush_held_events`]).
    ReorderEvent,
    /// Set the server clock skew (ms, added to wall-clock time).
    ClockSkew {
        /// Skew in milliseconds.
        ms: i64,
    },
    /// Every open connection of `stream` stops sending frames and answering pings for `ms`, then
    /// resumes; what was published meanwhile is lost.
    WsStall {
        /// Connection family.
        stream: StreamKind,
        /// Milliseconds.
        ms: u64,
    },
    /// Every open connection of `stream` is dropped (TCP close, no close frame).
    ForcedDisconnect {
        /// Connection family.
        stream: StreamKind,
    },
    /// The next depth diff of `symbol` is applied to the book but never published (a real gap:
    /// the following diff's `U` skips ahead and, on futures, its `pu` no longer matches).
    DepthGap {
        /// Product.
        market: Market,
        /// Symbol, e.g. `BTCUSDT`.
        symbol: String,
    },
    /// Every futures listenKey expires now: `listenKeyExpired` (with `E` as a string) is pushed on
    /// its streams, they are closed, and keepalive answers -1125.
    ListenKeyExpire,
    /// Every spot user-data subscription ends with `eventStreamTerminated`.
    UserStreamTerminated,
}

impl Action {
    pub(crate) fn is_request_action(&self) -> bool {
        matches!(
            self,
            Action::Delay { .. }
                | Action::AcceptThenTimeout { .. }
                | Action::ServerErrorAfterAccept { .. }
                | Action::ServerError { .. }
                | Action::RateLimit429 { .. }
        )
    }

    pub(crate) fn is_event_action(&self) -> bool {
        matches!(
            self,
            Action::DropEvent | Action::DuplicateEvent | Action::ReorderEvent
        )
    }
}

/// One scripted fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// When it fires.
    pub trigger: Trigger,
    /// What it does.
    pub action: Action,
}

impl Fault {
    /// `action` fires immediately.
    pub fn now(action: Action) -> Self {
        Self {
            trigger: Trigger::Now,
            action,
        }
    }
    /// `action` fires on the matching request.
    pub fn on(at: RestMatch, action: Action) -> Self {
        Self {
            trigger: Trigger::Rest(at),
            action,
        }
    }
    /// Delay the matching request by `ms`.
    pub fn delay(at: RestMatch, ms: u64) -> Self {
        Self::on(at, Action::Delay { ms })
    }
    /// Apply the matching request, then time out / break the connection after `hold_ms`.
    pub fn accept_then_timeout(at: RestMatch, hold_ms: u64) -> Self {
        Self::on(at, Action::AcceptThenTimeout { hold_ms })
    }
    /// Apply the matching request, then answer `status`.
    pub fn server_error_after_accept(at: RestMatch, status: u16) -> Self {
        Self::on(at, Action::ServerErrorAfterAccept { status })
    }
    /// Answer `status` without applying the request.
    pub fn server_error(at: RestMatch, status: u16) -> Self {
        Self::on(at, Action::ServerError { status })
    }
    /// Answer 429 to the matching request (418 for anything inside the window).
    pub fn rate_limit_429(at: RestMatch, retry_after_secs: u64) -> Self {
        Self::on(at, Action::RateLimit429 { retry_after_secs })
    }
    /// Apply `action` to the `nth` user event of `market`.
    pub fn on_user_event(market: Market, nth: u32, action: Action) -> Self {
        Self {
            trigger: Trigger::UserEvent {
                market,
                nth: nth.max(1),
            },
            action,
        }
    }
    /// Drop the `nth` user event of `market`.
    pub fn drop_event(market: Market, nth: u32) -> Self {
        Self::on_user_event(market, nth, Action::DropEvent)
    }
    /// Send the `nth` user event of `market` twice.
    pub fn duplicate_event(market: Market, nth: u32) -> Self {
        Self::on_user_event(market, nth, Action::DuplicateEvent)
    }
    /// Swap the `nth` user event of `market` with the one after it.
    pub fn reorder_event(market: Market, nth: u32) -> Self {
        Self::on_user_event(market, nth, Action::ReorderEvent)
    }
}

/// A deterministic list of faults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FaultScript {
    /// The faults, in arming order.
    pub faults: Vec<Fault>,
}

impl FaultScript {
    /// `n` faults drawn from `seed`: a mix of delays, accept-then-timeouts, 5xx after accept,
    /// plain 5xx, one-off 429s on order endpoints (spot and futures), dropped / duplicated /
    /// reordered user events, stalls, forced disconnects, depth gaps (on `symbols`, which may be
    /// empty), listenKey expiries and small clock skews (|skew| <= 700 ms, inside the default
    /// recvWindow). Same seed, same script.
    pub fn seeded(seed: u64, n: usize, symbols: &[(Market, &str)]) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x5EED_FA17);
        let mut faults = Vec::with_capacity(n);
        while faults.len() < n {
            let market = if rng.below(2) == 0 {
                Market::Spot
            } else {
                Market::Futures
            };
            let order_path = match market {
                Market::Spot => "/api/v3/order",
                Market::Futures => "/fapi/v1/order",
            };
            let method = ["POST", "POST", "DELETE", "GET"][rng.below(4) as usize];
            let at = RestMatch::new(market, method, order_path).nth(rng.range(1, 4) as u32);
            let nth = rng.range(1, 6) as u32;
            let kind = match market {
                Market::Spot => [StreamKind::SpotMarket, StreamKind::SpotUser],
                Market::Futures => [StreamKind::FuturesMarket, StreamKind::FuturesUser],
            }[rng.below(2) as usize];
            let fault = match rng.below(13) {
                0 => Fault::delay(at, rng.range(50, 400)),
                1 => Fault::accept_then_timeout(at, rng.range(500, 3000)),
                2 => Fault::server_error_after_accept(at, [500, 502, 503][rng.below(3) as usize]),
                3 => Fault::server_error(at, [500, 503][rng.below(2) as usize]),
                4 => Fault::rate_limit_429(at, rng.range(1, 2)),
                5 => Fault::drop_event(market, nth),
                6 => Fault::duplicate_event(market, nth),
                7 => Fault::reorder_event(market, nth),
                8 => Fault::on(
                    at,
                    Action::WsStall {
                        stream: kind,
                        ms: rng.range(200, 2000),
                    },
                ),
                9 => Fault::on(at, Action::ForcedDisconnect { stream: kind }),
                10 => {
                    if symbols.is_empty() {
                        continue;
                    }
                    let (m, s) = symbols[rng.below(symbols.len() as u64) as usize];
                    Fault::on(
                        at,
                        Action::DepthGap {
                            market: m,
                            symbol: s.to_owned(),
                        },
                    )
                }
                11 => Fault::on(at, Action::ListenKeyExpire),
                _ => Fault::on(
                    at,
                    Action::ClockSkew {
                        ms: rng.range(0, 1400) as i64 - 700,
                    },
                ),
            };
            faults.push(fault);
        }
        Self { faults }
    }
}

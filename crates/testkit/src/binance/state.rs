//! Shared state of one mock: the ledger, books, tapes, fault list, stats, and the channels that
//! carry stream frames to WebSocket connections. One std mutex; never held across an await.

use crate::binance::book::{Book, Tape};
use crate::config::{Market, MockConfig};
use crate::fault::{Action, Fault, StreamKind, Trigger};
use crate::ledger::Ledger;
use crate::rng::SplitMix64;
use crate::stats::Stats;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast;

/// A frame for market-stream subscribers.
#[derive(Debug, Clone)]
pub(crate) struct MarketMsg {
    /// Canonical stream name, e.g. `btcusdt@depth`.
    pub stream: String,
    pub payload: Arc<Value>,
}

/// A frame for user-stream connections.
#[derive(Debug, Clone)]
pub(crate) enum UserMsg {
    Event(Arc<Value>),
    ListenKeyExpired(String),
    Terminated,
}

/// A command to every connection of one family.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Control {
    Stall(u64),
    Disconnect,
}

/// The mock's clock: wall time plus a settable skew.
#[derive(Debug, Clone, Default)]
pub(crate) struct Clock {
    skew: Arc<AtomicI64>,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        wall + self.skew.load(Ordering::SeqCst)
    }
    pub fn set_skew(&self, ms: i64) {
        self.skew.store(ms, Ordering::SeqCst);
    }
    pub fn skew(&self) -> i64 {
        self.skew.load(Ordering::SeqCst)
    }
}

/// Senders to connections.
#[derive(Debug, Clone)]
pub(crate) struct Emitter {
    pub market: [broadcast::Sender<MarketMsg>; 2],
    pub user: [broadcast::Sender<UserMsg>; 2],
    pub control: [broadcast::Sender<Control>; 4],
}

impl Emitter {
    fn new() -> Self {
        Self {
            market: [broadcast::channel(8192).0, broadcast::channel(8192).0],
            user: [broadcast::channel(4096).0, broadcast::channel(4096).0],
            control: [
                broadcast::channel(64).0,
                broadcast::channel(64).0,
                broadcast::channel(64).0,
                broadcast::channel(64).0,
            ],
        }
    }
}

/// Per-market REST limiter state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Limit {
    pub minute: i64,
    pub used: u32,
    /// Wall-clock ms until which a 429 window is active (a request inside it -> 418, unless it
    /// was already on its way when the 429 went out: see `IN_FLIGHT_GRACE_MS`).
    pub limited_until: i64,
    /// Wall-clock ms at which the last 429 went out.
    pub limited_since: i64,
    /// Wall-clock ms until which the IP is banned.
    pub banned_until: i64,
}

/// A futures listenKey.
#[derive(Debug, Clone)]
pub(crate) struct ListenKey {
    pub expires_at: i64,
    pub expired: bool,
}

/// A fault waiting for its trigger.
#[derive(Debug, Clone)]
pub(crate) struct Armed {
    pub fault: Fault,
    pub seen: u32,
}

/// What a REST request must do because of a fault.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestFault {
    pub delay_ms: u64,
    pub hold_ms: Option<u64>,
    pub status_after: Option<u16>,
    pub status_before: Option<u16>,
    pub rate_limit_secs: Option<u64>,
}

pub(crate) struct State {
    pub cfg: MockConfig,
    pub clock: Clock,
    pub rng: SplitMix64,
    pub ledger: Ledger,
    pub books: BTreeMap<(Market, String), Book>,
    pub tapes: BTreeMap<(Market, String), Tape>,
    /// Futures mark price, index price, funding rate, next funding time.
    pub marks: BTreeMap<String, (Decimal, Decimal, Decimal, i64)>,
    pub faults: Vec<Armed>,
    pub stats: Stats,
    pub limits: [Limit; 2],
    pub listen_keys: BTreeMap<String, ListenKey>,
    pub held: [Option<Value>; 2],
    pub next_order_id: [u64; 2],
    /// Next USD-M `algoId` (a range of its own, as on Binance: 1000000033225453 vs 88937381063).
    pub next_algo_id: u64,
    pub next_exec_id: u64,
    pub tx: Emitter,
}

pub(crate) struct Shared {
    pub cfg: MockConfig,
    pub clock: Clock,
    pub tx: Emitter,
    state: Mutex<State>,
}

impl Shared {
    pub fn new(cfg: MockConfig) -> Arc<Self> {
        let clock = Clock::default();
        let tx = Emitter::new();
        let mut rng = SplitMix64::new(cfg.seed);
        let now = clock.now_ms();
        let history_end = cfg
            .kline_history_end_ms
            .unwrap_or(now - now.rem_euclid(60_000));
        let mut books = BTreeMap::new();
        let mut tapes = BTreeMap::new();
        let mut marks = BTreeMap::new();
        for spec in &cfg.symbols {
            let key = (spec.market, spec.symbol.clone());
            books.insert(key.clone(), Book::new(1_000_000 + rng.below(1_000_000)));
            tapes.insert(
                key,
                Tape::generate(spec, &mut rng, cfg.kline_history_bars, history_end),
            );
            if spec.market == Market::Futures {
                let next_funding = now - now.rem_euclid(8 * 3_600_000) + 8 * 3_600_000;
                marks.insert(
                    spec.symbol.clone(),
                    (
                        spec.initial_price,
                        spec.initial_price,
                        Decimal::new(1, 4),
                        next_funding,
                    ),
                );
            }
        }
        let mut ledger = Ledger::default();
        for b in &cfg.balances {
            match b.market {
                Market::Spot => {
                    ledger
                        .spot_balances
                        .entry(b.asset.clone())
                        .or_default()
                        .free += b.amount;
                }
                Market::Futures => {
                    *ledger.futures_balances.entry(b.asset.clone()).or_default() += b.amount;
                }
            }
        }
        for spec in cfg.symbols.iter().filter(|s| s.market == Market::Futures) {
            ledger
                .leverage
                .insert(spec.symbol.clone(), cfg.default_leverage);
            ledger
                .margin_type
                .insert(spec.symbol.clone(), "cross".to_owned());
        }
        let base_id = 1_000 + rng.below(1_000);
        let state = State {
            cfg: cfg.clone(),
            clock: clock.clone(),
            rng,
            ledger,
            books,
            tapes,
            marks,
            faults: Vec::new(),
            stats: Stats::default(),
            limits: Default::default(),
            listen_keys: BTreeMap::new(),
            held: [None, None],
            next_order_id: [base_id, base_id * 7],
            next_algo_id: 1_000_000_000_000 + base_id,
            next_exec_id: 1,
            tx: tx.clone(),
        };
        Arc::new(Self {
            cfg,
            clock,
            tx,
            state: Mutex::new(state),
        })
    }

    /// The state lock (a poisoned lock is recovered: a panicking test thread must not hide state).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) fn stream_kind_name(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::SpotMarket => "spot_market",
        StreamKind::FuturesMarket => "futures_market",
        StreamKind::SpotUser => "spot_user",
        StreamKind::FuturesUser => "futures_user",
    }
}

impl State {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    // ----- faults -------------------------------------------------------------------------

    /// Arms a fault (or applies it at once for [`Trigger::Now`]).
    pub fn push_fault(&mut self, fault: Fault) {
        if fault.trigger == Trigger::Now {
            if fault.action.is_request_action() || fault.action.is_event_action() {
                self.stats.faults_ignored += 1;
            } else {
                self.stats.faults_fired += 1;
                self.apply_global(&fault.action);
            }
            return;
        }
        let wrong = match &fault.trigger {
            Trigger::Rest(_) => fault.action.is_event_action(),
            Trigger::UserEvent { .. } => fault.action.is_request_action(),
            Trigger::Now => false,
        };
        if wrong {
            self.stats.faults_ignored += 1;
            return;
        }
        self.faults.push(Armed { fault, seen: 0 });
    }

    /// Actions that do not act on one request or event.
    pub fn apply_global(&mut self, action: &Action) {
        match action {
            Action::ClockSkew { ms } => self.clock.set_skew(*ms),
            Action::WsStall { stream, ms } => {
                self.stats.stalls += 1;
                let _ = self.tx.control[stream.idx()].send(Control::Stall(*ms));
            }
            Action::ForcedDisconnect { stream } => {
                self.stats.disconnects_forced +=
                    self.tx.control[stream.idx()].receiver_count() as u64;
                let _ = self.tx.control[stream.idx()].send(Control::Disconnect);
            }
            Action::DepthGap { market, symbol } => {
                if let Some(book) = self.books.get_mut(&(*market, symbol.clone())) {
                    book.gap_pending = true;
                }
            }
            Action::ListenKeyExpire => {
                let keys: Vec<String> = self
                    .listen_keys
                    .iter()
                    .filter(|(_, k)| !k.expired)
                    .map(|(key, _)| key.clone())
                    .collect();
                for key in keys {
                    if let Some(k) = self.listen_keys.get_mut(&key) {
                        k.expired = true;
                    }
                    self.stats.listen_keys_expired += 1;
                    let _ =
                        self.tx.user[Market::Futures.idx()].send(UserMsg::ListenKeyExpired(key));
                }
            }
            Action::UserStreamTerminated => {
                let _ = self.tx.user[Market::Spot.idx()].send(UserMsg::Terminated);
            }
            _ => {}
        }
    }

    /// Counts a REST request against the armed faults; returns what the request must do.
    pub fn request_faults(&mut self, market: Market, method: &str, path: &str) -> RequestFault {
        let mut out = RequestFault::default();
        let mut fired_request = false;
        let mut globals = Vec::new();
        let mut i = 0;
        while i < self.faults.len() {
            let armed = &mut self.faults[i];
            let hit = match &armed.fault.trigger {
                Trigger::Rest(m) if m.matches(market, method, path) => {
                    armed.seen += 1;
                    armed.seen >= m.nth
                }
                _ => false,
            };
            if !hit {
                i += 1;
                continue;
            }
            let action = self.faults[i].fault.action.clone();
            if action.is_request_action() {
                if fired_request {
                    i += 1;
                    continue;
                }
                fired_request = true;
                match action {
                    Action::Delay { ms } => out.delay_ms = ms,
                    Action::AcceptThenTimeout { hold_ms } => out.hold_ms = Some(hold_ms),
                    Action::ServerErrorAfterAccept { status } => out.status_after = Some(status),
                    Action::ServerError { status } => out.status_before = Some(status),
                    Action::RateLimit429 { retry_after_secs } => {
                        out.rate_limit_secs = Some(retry_after_secs)
                    }
                    _ => {}
                }
            } else {
                globals.push(action);
            }
            self.stats.faults_fired += 1;
            self.faults.remove(i);
        }
        for g in globals {
            self.apply_global(&g);
        }
        out
    }

    // ----- user events --------------------------------------------------------------------

    /// Publishes one user-data event through the event faults.
    pub fn user_event(&mut self, market: Market, event: Value) {
        self.stats.user_events_produced += 1;
        let mut action = None;
        let mut globals = Vec::new();
        let mut i = 0;
        while i < self.faults.len() {
            let armed = &mut self.faults[i];
            let hit = match &armed.fault.trigger {
                Trigger::UserEvent { market: m, nth } if *m == market => {
                    armed.seen += 1;
                    armed.seen >= *nth
                }
                _ => false,
            };
            if !hit {
                i += 1;
                continue;
            }
            let a = self.faults[i].fault.action.clone();
            if a.is_event_action() {
                if action.is_some() {
                    i += 1;
                    continue;
                }
                action = Some(a);
            } else {
                globals.push(a);
            }
            self.stats.faults_fired += 1;
            self.faults.remove(i);
        }
        for g in globals {
            self.apply_global(&g);
        }
        let held = self.held[market.idx()].take();
        match action {
            Some(Action::DropEvent) => {
                self.stats.user_events_dropped += 1;
            }
            Some(Action::DuplicateEvent) => {
                self.stats.user_events_duplicated += 1;
                self.send_user(market, event.clone());
                self.send_user(market, event);
            }
            Some(Action::ReorderEvent) => {
                self.stats.user_events_reordered += 1;
                self.held[market.idx()] = Some(event);
            }
            _ => self.send_user(market, event),
        }
        if let Some(h) = held {
            self.send_user(market, h);
        }
    }

    /// Releases events held back by ReorderEvent.
    pub fn flush_held(&mut self) {
        for m in [Market::Spot, Market::Futures] {
            if let Some(h) = self.held[m.idx()].take() {
                self.send_user(m, h);
            }
        }
    }

    fn send_user(&mut self, market: Market, event: Value) {
        let _ = self.tx.user[market.idx()].send(UserMsg::Event(Arc::new(event)));
    }

    /// Publishes a market-stream frame.
    pub fn market_event(&self, market: Market, stream: String, payload: Value) {
        let _ = self.tx.market[market.idx()].send(MarketMsg {
            stream,
            payload: Arc::new(payload),
        });
    }

    /// A new listen key (or the still valid one, extended), as Binance does.
    pub fn listen_key_create(&mut self) -> String {
        let now = self.now();
        let validity = self.cfg.listen_key_validity_ms;
        if let Some((key, lk)) = self
            .listen_keys
            .iter_mut()
            .find(|(_, k)| !k.expired && k.expires_at > now)
        {
            lk.expires_at = now + validity;
            return key.clone();
        }
        let key = self.rng.alnum(64);
        self.listen_keys.insert(
            key.clone(),
            ListenKey {
                expires_at: now + validity,
                expired: false,
            },
        );
        key
    }

    /// The valid listen key, if any (expiring lazily on time).
    pub fn listen_key_valid(&mut self, key: &str) -> bool {
        let now = self.now();
        match self.listen_keys.get_mut(key) {
            Some(k) if !k.expired && k.expires_at > now => true,
            Some(k) => {
                k.expired = true;
                false
            }
            None => false,
        }
    }

    /// Formats the standard `{"code","msg"}` error body.
    pub fn error_body(code: i64, msg: &str) -> Value {
        json!({"code": code, "msg": msg})
    }
}

//! [`PaperVenue`]: paper trading against the live market of a real venue. Market data is the
//! real venue's (every [`MarketData`] call is passed through); orders never reach it. They are
//! matched by one [`SimVenue`] per symbol, fed by the real venue's public trade prints and book
//! snapshots, so fills follow the live prints by the simulated venue's fill model (see
//! [`crate::venue`]: limits fill when a print trades through them, market orders take at the
//! last print or walk a fresher book).
//!
//! # Account model (spot)
//!
//! - **Balances** are the paper account's own, per asset, with free and locked parts. A fresh
//!   paper account holds [`DEFAULT_START_BALANCE`] (10,000) of the main quote asset of the real
//!   venue's instruments (`USDT` when any instrument is quoted in it, else the most common quote
//!   asset) and nothing else, unless [`PaperConfig::balances`] says otherwise.
//! - **Funds are checked at submit.** A buy needs, free, the quote cost of what fills at once
//!   (`price * qty + fee`, exactly) plus a reserve for the rest: `qty * limit * (1 + max(maker,
//!   taker))` for limit-priced orders, or, for market-priced ones, the last price (the stop price
//!   of a stop or take-profit) plus [`MARKET_RESERVE`] (2 %), taker fee included. A sell needs the
//!   base quantity. Otherwise the order is refused with `InsufficientBalance` and nothing changes.
//! - **Locks.** What an order needs is locked when it is accepted; each fill is paid from the
//!   order's lock first, and what is left of it is released when the order ends (filled,
//!   canceled or expired).
//! - **Fees** are paid in the quote asset at the real venue's maker/taker rates
//!   ([`AccountState::fee_rates`]), or 0.1 % each when the real venue cannot say.
//! - **Amounts in quote** are converted to a base quantity at the limit price (limit kinds), the
//!   stop price (stop and take-profit market kinds) or the last price (market orders; a market
//!   buy by quote keeps the taker fee inside the amount).
//!
//! # Market data
//!
//! A background task consumes the real venue's [`MarketData::market_events`]: trades go to
//! [`SimVenue::on_trade`], books to [`SimVenue::on_book`]. Events flow for the symbols someone
//! watches: the paper venue watches a symbol on the real venue while it has working orders there
//! (and passes the trader's own `watch`/`unwatch` through). Before a submit, the latest book
//! (`order_book`) and public print (`recent_trades`) are fetched so an order never meets a stale
//! price. A market order with neither a print nor a book to value it is refused.
//!
//! The paper venue reads no clock of its own: the caller's [`Clock`] times submits and cancels;
//! fills on prints carry the print's time.

use crate::RestoredOrder;
use crate::venue::{Fees, Liquidity, SimConfig, SimEvent, SimOrder, SimReject, SimVenue};
use async_trait::async_trait;
use keel_domain::{
    Amount, Balance, Candle, Clock, Fill, Instrument, OrderBook, OrderKind, OrderStatus, Side,
    SubmitOrder, TimestampMs, Trade,
};
use keel_exchange::{
    AccountState, ExchangeError, ExchangeResult, ExecutionEvent, FeeRates, MarketData, MarketEvent,
    OrderAck, OrderUpdate, RejectReason, Trading, Venue, VenueHealth,
};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// The venue id paper accounts record their orders and fills under.
pub const PAPER_VENUE_ID: &str = "paper";
/// What a fresh paper account holds in its main quote asset.
pub const DEFAULT_START_BALANCE: i64 = 10_000;
/// The reserve above the reference price for the part of a market-priced buy that does not fill
/// at once (2 %).
pub const MARKET_RESERVE: Decimal = Decimal::from_parts(2, 0, 0, false, 2);
const EXECUTION_CHANNEL: usize = 4_096;

/// How a paper venue starts.
#[derive(Debug, Clone, Default)]
pub struct PaperConfig {
    /// The engine's account id, stamped on every fill.
    pub account_id: String,
    /// Starting balances; `None` gives [`DEFAULT_START_BALANCE`] of the main quote asset.
    pub balances: Option<Vec<Balance>>,
    /// New order and trade ids count up from here (ids look like `P<n>` and `PT<n>`), so a later
    /// run never reuses an earlier one.
    pub first_id: u64,
}

/// One symbol's simulated market.
struct Market {
    sim: SimVenue,
    instrument: Instrument,
    fees: Fees,
    /// Time of the latest print the simulation has seen.
    last_trade_ms: TimestampMs,
    /// Best bid and ask of the latest book, and its time.
    touch: (Option<Decimal>, Option<Decimal>),
    last_book_ms: TimestampMs,
}

impl Market {
    /// What a market order is valued at: the last print, else the book's touch on its side.
    fn reference(&self, side: Side) -> Option<Decimal> {
        self.sim.last_price().or(match side {
            Side::Buy => self.touch.1,
            Side::Sell => self.touch.0,
        })
    }
}

/// One order of the paper account, working or finished.
struct PaperOrder {
    update: OrderUpdate,
    sim_id: u64,
    /// Funds still locked for the order: quote for buys, base for sells.
    reserve: Decimal,
    fills: Vec<Fill>,
}

#[derive(Default)]
struct State {
    markets: HashMap<String, Market>,
    /// asset -> (free, locked)
    balances: BTreeMap<String, (Decimal, Decimal)>,
    orders: HashMap<String, PaperOrder>,
    /// (symbol, sim id) -> client order id
    by_sim: HashMap<(String, u64), String>,
    next_id: u64,
}

struct Shared {
    account_id: String,
    clock: Arc<dyn Clock>,
    instruments: Vec<Instrument>,
    state: Mutex<State>,
    execution_tx: broadcast::Sender<ExecutionEvent>,
    /// Symbols the paper venue watches on the real venue because orders work there.
    order_watched: tokio::sync::Mutex<HashSet<String>>,
}

/// A paper account on a real venue's live market. See the [module documentation](self).
pub struct PaperVenue {
    real: Arc<dyn Venue>,
    shared: Arc<Shared>,
    feed: Mutex<Option<JoinHandle<()>>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state is only changed through complete steps; a panic elsewhere leaves it usable.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn rejected(reason: RejectReason, message: impl Into<String>) -> ExchangeError {
    ExchangeError::rejected(reason, message)
}

fn sim_reject(reason: SimReject) -> ExchangeError {
    let code = match reason {
        SimReject::SelfTrade => RejectReason::SelfTrade,
        SimReject::DuplicateId => RejectReason::DuplicateClientOrderId,
        SimReject::UnknownOrder => RejectReason::OrderNotFound,
        SimReject::InvalidQty
        | SimReject::InvalidPrice
        | SimReject::MissingPrice
        | SimReject::MissingStopPrice
        | SimReject::InvalidTimeInForce => RejectReason::FilterViolation,
        _ => RejectReason::Other,
    };
    rejected(code, format!("paper account: {reason}"))
}

/// The main quote asset: USDT when any instrument is quoted in it, else the most common one.
fn main_quote(instruments: &[Instrument]) -> Option<String> {
    if instruments.iter().any(|i| i.quote == "USDT") {
        return Some("USDT".into());
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in instruments {
        *counts.entry(i.quote.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(q, _)| q.to_string())
}

/// The number at the end of an id such as `P123` or `PT123`.
fn id_number(id: &str) -> Option<u64> {
    let digits: String = id
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

fn floor_to(qty: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        qty
    } else {
        (qty / step).floor() * step
    }
}

impl State {
    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn free(&self, asset: &str) -> Decimal {
        self.balances.get(asset).map_or(Decimal::ZERO, |b| b.0)
    }

    fn entry(&mut self, asset: &str) -> &mut (Decimal, Decimal) {
        self.balances.entry(asset.to_string()).or_default()
    }

    fn balances(&self) -> Vec<Balance> {
        self.balances
            .iter()
            .map(|(asset, (free, locked))| Balance {
                asset: asset.clone(),
                free: free.normalize(),
                locked: locked.normalize(),
            })
            .collect()
    }

    fn has_working(&self, symbol: &str) -> bool {
        self.markets.get(symbol).is_some_and(|m| m.sim.has_orders())
    }
}

/// What a buy costs in quote and a sell needs in base, for the fills of one dry run.
fn immediate_need(side: Side, events: &[SimEvent]) -> (Decimal, Decimal, bool) {
    let mut need = Decimal::ZERO;
    let mut filled = Decimal::ZERO;
    let mut done = false;
    for event in events {
        match event {
            SimEvent::Fill(f) => {
                filled += f.qty;
                need += match side {
                    Side::Buy => f.notional() + f.fee,
                    Side::Sell => f.qty,
                };
            }
            SimEvent::Done { .. } | SimEvent::Rejected { .. } => done = true,
            _ => {}
        }
    }
    (need, filled, done)
}

impl Shared {
    /// Applies the simulation's events to the account; returns the execution events to send
    /// (fills first, then one update per touched order, then balances when anything moved).
    fn apply(&self, state: &mut State, symbol: &str, events: &[SimEvent]) -> Vec<ExecutionEvent> {
        let mut out = Vec::new();
        let mut touched: Vec<String> = Vec::new();
        let mut moved = false;
        let Some(market) = state.markets.get(symbol) else {
            return out;
        };
        let (base, quote) = (
            market.instrument.base.clone(),
            market.instrument.quote.clone(),
        );
        for event in events {
            let sim_id = match event {
                SimEvent::Accepted { order_id }
                | SimEvent::Triggered { order_id }
                | SimEvent::Done { order_id, .. }
                | SimEvent::Rejected { order_id, .. } => *order_id,
                SimEvent::Fill(f) => f.order_id,
            };
            let Some(cid) = state.by_sim.get(&(symbol.to_string(), sim_id)).cloned() else {
                continue;
            };
            if !touched.contains(&cid) {
                touched.push(cid.clone());
            }
            match *event {
                SimEvent::Accepted { .. } | SimEvent::Triggered { .. } => {
                    if let Some(o) = state.orders.get_mut(&cid)
                        && o.update.status == OrderStatus::Submitting
                    {
                        o.update.status = OrderStatus::Open;
                    }
                }
                SimEvent::Fill(f) => {
                    let trade_id = format!("PT{}", state.next());
                    let Some(o) = state.orders.get_mut(&cid) else {
                        continue;
                    };
                    let notional = f.notional();
                    let (paid_asset, cost) = match f.side {
                        Side::Buy => (quote.as_str(), notional + f.fee),
                        Side::Sell => (base.as_str(), f.qty),
                    };
                    let from_lock = cost.min(o.reserve);
                    o.reserve -= from_lock;
                    o.update.filled_qty += f.qty;
                    o.update.filled_quote += notional;
                    o.update.status = OrderStatus::PartiallyFilled;
                    o.update.ts_ms = f.time_ms;
                    let fill = Fill {
                        venue: PAPER_VENUE_ID.into(),
                        account_id: self.account_id.clone(),
                        symbol: symbol.to_string(),
                        side: f.side,
                        price: f.price,
                        qty: f.qty,
                        quote_qty: notional,
                        fee: f.fee,
                        fee_asset: quote.clone(),
                        venue_order_id: o.update.venue_order_id.clone(),
                        client_order_id: cid.clone(),
                        trade_id,
                        is_maker: f.liquidity == Liquidity::Maker,
                        ts_ms: f.time_ms,
                    };
                    o.fills.push(fill.clone());
                    let paid = state.entry(paid_asset);
                    paid.1 -= from_lock;
                    paid.0 -= cost - from_lock;
                    match f.side {
                        Side::Buy => state.entry(&base).0 += f.qty,
                        Side::Sell => state.entry(&quote).0 += notional - f.fee,
                    }
                    moved = true;
                    out.push(ExecutionEvent::Fill(fill));
                }
                SimEvent::Done { status, .. } => {
                    let Some(o) = state.orders.get_mut(&cid) else {
                        continue;
                    };
                    o.update.status = status;
                    let release = std::mem::take(&mut o.reserve);
                    let asset = match o.update.side {
                        Side::Buy => quote.as_str(),
                        Side::Sell => base.as_str(),
                    };
                    if !release.is_zero() {
                        let b = state.entry(asset);
                        b.1 -= release;
                        b.0 += release;
                        moved = true;
                    }
                    state.by_sim.remove(&(symbol.to_string(), sim_id));
                }
                SimEvent::Rejected { .. } => {}
            }
        }
        let now = self.clock.now_ms();
        for cid in touched {
            if let Some(o) = state.orders.get_mut(&cid) {
                o.update.ts_ms = o.update.ts_ms.max(now);
                out.push(ExecutionEvent::Order(o.update.clone()));
            }
        }
        if moved {
            out.push(ExecutionEvent::Balances(state.balances()));
        }
        out
    }

    fn send(&self, events: Vec<ExecutionEvent>) {
        for event in events {
            // No subscriber is fine: the account trades whether anyone listens or not.
            let _ = self.execution_tx.send(event);
        }
    }

    /// Feeds one public market event to the symbol's simulation. Returns whether an order
    /// ended.
    fn on_market(&self, event: &MarketEvent) -> bool {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let mut events = Vec::new();
        let symbol = event.symbol();
        let Some(market) = state.markets.get_mut(symbol) else {
            return false;
        };
        match event {
            MarketEvent::Trade { trade, .. } => {
                if trade.ts_ms < market.last_trade_ms {
                    return false;
                }
                market.last_trade_ms = trade.ts_ms;
                market.sim.on_trade(
                    trade.ts_ms,
                    trade.price,
                    trade.qty,
                    trade.taker_side,
                    &mut events,
                );
            }
            MarketEvent::Book { book, .. } => {
                let level = |l: &keel_domain::BookLevel| (l.price, l.qty);
                let bids: Vec<_> = book.bids.iter().map(level).collect();
                let asks: Vec<_> = book.asks.iter().map(level).collect();
                if book.ts_ms < market.last_book_ms {
                    return false;
                }
                market.last_book_ms = book.ts_ms;
                market.touch = (book.best_bid(), book.best_ask());
                market.sim.on_book(book.ts_ms, &bids, &asks);
            }
            MarketEvent::Candle { .. } | MarketEvent::MarkPrice { .. } => {}
        }
        if events.is_empty() {
            return false;
        }
        let ended = events.iter().any(|e| matches!(e, SimEvent::Done { .. }));
        let out = self.apply(state, symbol, &events);
        drop(guard);
        self.send(out);
        ended
    }

    /// The locked part of a submit: funds check, lock, matching, booking.
    #[allow(clippy::type_complexity)]
    fn submit_now(
        &self,
        order: &SubmitOrder,
        now: TimestampMs,
    ) -> ExchangeResult<(Option<OrderAck>, Vec<ExecutionEvent>)> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        if state.orders.contains_key(&order.client_order_id) {
            return Err(rejected(
                RejectReason::DuplicateClientOrderId,
                format!(
                    "paper account: client order id {} is already used",
                    order.client_order_id
                ),
            ));
        }
        let id = state.next();
        let Some(market) = state.markets.get_mut(&order.symbol) else {
            return Err(rejected(
                RejectReason::UnknownSymbol,
                format!("unknown symbol {}", order.symbol),
            ));
        };
        let last = market.reference(order.side);
        let qty = to_qty(order, market, last)?;
        if order.kind == OrderKind::Market && last.is_none() {
            return Err(rejected(
                RejectReason::Other,
                format!(
                    "paper account: no trade or book of {} seen yet to fill a market order at",
                    order.symbol
                ),
            ));
        }
        let sim = sim_order(id, order, qty);
        // A dry run on a copy: what fills at once, and whether the rest keeps working.
        let mut events = Vec::new();
        let mut probe = market.sim.clone();
        probe.submit(now, sim, &mut events);
        if let Some(reason) = events.iter().find_map(|e| match e {
            SimEvent::Rejected { reason, .. } => Some(*reason),
            _ => None,
        }) {
            return Err(sim_reject(reason));
        }
        let (mut need, filled, done) = immediate_need(order.side, &events);
        let rest = if done { Decimal::ZERO } else { qty - filled };
        need += match order.side {
            Side::Buy => rest * reserve_price(order, market, last),
            Side::Sell => rest,
        };
        let asset = match order.side {
            Side::Buy => market.instrument.quote.clone(),
            Side::Sell => market.instrument.base.clone(),
        };
        let free = state.free(&asset);
        if need > free {
            return Err(rejected(
                RejectReason::InsufficientBalance,
                format!(
                    "insufficient {asset} on the paper account: this order needs {} {asset}{}, {} {asset} is free",
                    need.normalize(),
                    if order.side == Side::Buy {
                        " with fees"
                    } else {
                        ""
                    },
                    free.normalize()
                ),
            ));
        }
        // The real thing: lock, match, book the events.
        let balance = state.entry(&asset);
        balance.0 -= need;
        balance.1 += need;
        state
            .by_sim
            .insert((order.symbol.clone(), id), order.client_order_id.clone());
        state.orders.insert(
            order.client_order_id.clone(),
            PaperOrder {
                update: OrderUpdate {
                    client_order_id: order.client_order_id.clone(),
                    venue_order_id: format!("P{id}"),
                    symbol: order.symbol.clone(),
                    side: order.side,
                    kind: order.kind,
                    status: OrderStatus::Submitting,
                    filled_qty: Decimal::ZERO,
                    filled_quote: Decimal::ZERO,
                    ts_ms: now,
                },
                sim_id: id,
                reserve: need,
                fills: Vec::new(),
            },
        );
        events.clear();
        if let Some(market) = state.markets.get_mut(&order.symbol) {
            market.sim.submit(now, sim, &mut events);
        }
        if let Some(reason) = events.iter().find_map(|e| match e {
            SimEvent::Rejected { reason, .. } => Some(*reason),
            _ => None,
        }) {
            // Cannot differ from the dry run; undone all the same.
            let balance = state.entry(&asset);
            balance.0 += need;
            balance.1 -= need;
            state.orders.remove(&order.client_order_id);
            state.by_sim.remove(&(order.symbol.clone(), id));
            return Err(sim_reject(reason));
        }
        let mut out = self.apply(state, &order.symbol, &events);
        if !out.iter().any(|e| matches!(e, ExecutionEvent::Balances(_))) {
            out.push(ExecutionEvent::Balances(state.balances()));
        }
        let ack = state.orders.get(&order.client_order_id).map(|o| OrderAck {
            order: o.update.clone(),
            fills: o.fills.clone(),
        });
        Ok((ack, out))
    }

    /// The locked part of a cancel.
    #[allow(clippy::type_complexity)]
    fn cancel_now(
        &self,
        symbol: &str,
        client_order_id: &str,
        now: TimestampMs,
    ) -> ExchangeResult<(Option<OrderUpdate>, Vec<ExecutionEvent>)> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let Some(order) = state
            .orders
            .get(client_order_id)
            .filter(|o| o.update.symbol == symbol)
        else {
            return Err(rejected(
                RejectReason::OrderNotFound,
                format!("paper account: no order {client_order_id} on {symbol}"),
            ));
        };
        if !order.update.status.is_working() {
            return Err(rejected(
                RejectReason::NotCancelable,
                format!(
                    "paper account: order {client_order_id} is {} and cannot be canceled",
                    order.update.status.as_str()
                ),
            ));
        }
        let sim_id = order.sim_id;
        let mut events = Vec::new();
        if let Some(market) = state.markets.get_mut(symbol) {
            market.sim.cancel(now, sim_id, &mut events);
        }
        let out = self.apply(state, symbol, &events);
        let update = state.orders.get(client_order_id).map(|o| o.update.clone());
        Ok((update, out))
    }
}

impl PaperVenue {
    /// Wraps `real`: loads its instruments, sets up the balances and starts the task that
    /// feeds its public prints to the simulation. Must be called inside a Tokio runtime.
    pub async fn connect(
        real: Arc<dyn Venue>,
        config: PaperConfig,
        clock: Arc<dyn Clock>,
    ) -> ExchangeResult<Arc<PaperVenue>> {
        let instruments = real.instruments().await?;
        let balances = config.balances.unwrap_or_else(|| {
            main_quote(&instruments)
                .map(|asset| {
                    vec![Balance {
                        asset,
                        free: Decimal::from(DEFAULT_START_BALANCE),
                        locked: Decimal::ZERO,
                    }]
                })
                .unwrap_or_default()
        });
        let mut state = State {
            next_id: config.first_id,
            ..State::default()
        };
        for b in balances {
            state.balances.insert(b.asset, (b.free, b.locked));
        }
        let (execution_tx, _) = broadcast::channel(EXECUTION_CHANNEL);
        let shared = Arc::new(Shared {
            account_id: config.account_id,
            clock,
            instruments,
            state: Mutex::new(state),
            execution_tx,
            order_watched: tokio::sync::Mutex::default(),
        });
        // Subscribe before returning, so no print after `connect` is missed.
        let mut events = real.market_events();
        let feed_shared = shared.clone();
        let feed_real = real.clone();
        let feed = tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => {
                        if feed_shared.on_market(&event) {
                            sync_watch(feed_real.as_ref(), &feed_shared, event.symbol()).await;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(Arc::new(PaperVenue {
            real,
            shared,
            feed: Mutex::new(Some(feed)),
        }))
    }

    /// The real venue whose market this paper account trades on.
    pub fn real_venue(&self) -> &Arc<dyn Venue> {
        &self.real
    }

    /// New order and trade ids will come after the number in `id` (an id an earlier run
    /// recorded).
    pub fn skip_ids_past(&self, id: &str) {
        if let Some(n) = id_number(id) {
            let mut state = lock(&self.shared.state);
            state.next_id = state.next_id.max(n);
        }
    }

    /// Restores what the engine recorded before a restart: balances exactly as given (they
    /// include what resting orders lock) and the working orders, re-entered into the simulation
    /// without locking funds again. Market orders are not restored.
    pub async fn restore(
        &self,
        balances: Vec<Balance>,
        orders: Vec<RestoredOrder>,
    ) -> ExchangeResult<()> {
        for o in &orders {
            self.ensure_market(&o.order.symbol).await?;
        }
        let symbols = self.restore_now(balances, orders);
        for symbol in symbols {
            self.sync_watch(&symbol).await;
        }
        Ok(())
    }

    /// The locked part of a restore; returns the symbols of the markets.
    fn restore_now(&self, balances: Vec<Balance>, orders: Vec<RestoredOrder>) -> Vec<String> {
        let mut guard = lock(&self.shared.state);
        let state = &mut *guard;
        state.balances = balances
            .into_iter()
            .map(|b| (b.asset, (b.free, b.locked)))
            .collect();
        for restored in orders {
            let submit = &restored.order;
            if submit.kind == OrderKind::Market {
                continue;
            }
            let Some(sim_id) = id_number(&restored.venue_order_id) else {
                continue;
            };
            state.next_id = state.next_id.max(sim_id);
            let Some(market) = state.markets.get_mut(&submit.symbol) else {
                continue;
            };
            let Ok(qty) = to_qty(submit, market, None) else {
                continue;
            };
            let remaining = qty - restored.filled_qty;
            if remaining <= Decimal::ZERO {
                continue;
            }
            let order = SimOrder {
                qty: remaining,
                ..sim_order(sim_id, submit, qty)
            };
            let reserve = match submit.side {
                Side::Sell => remaining,
                Side::Buy => remaining * reserve_price(submit, market, None),
            };
            let mut events = Vec::new();
            market
                .sim
                .submit(self.shared.clock.now_ms(), order, &mut events);
            if events
                .iter()
                .any(|e| matches!(e, SimEvent::Rejected { .. }))
            {
                continue;
            }
            state.by_sim.insert(
                (submit.symbol.clone(), sim_id),
                submit.client_order_id.clone(),
            );
            state.orders.insert(
                submit.client_order_id.clone(),
                PaperOrder {
                    update: OrderUpdate {
                        client_order_id: submit.client_order_id.clone(),
                        venue_order_id: restored.venue_order_id.clone(),
                        symbol: submit.symbol.clone(),
                        side: submit.side,
                        kind: submit.kind,
                        status: if restored.filled_qty > Decimal::ZERO {
                            OrderStatus::PartiallyFilled
                        } else {
                            OrderStatus::Open
                        },
                        filled_qty: restored.filled_qty,
                        filled_quote: restored.filled_quote,
                        ts_ms: self.shared.clock.now_ms(),
                    },
                    sim_id,
                    reserve,
                    fills: Vec::new(),
                },
            );
        }
        state.markets.keys().cloned().collect()
    }

    /// Creates the symbol's simulation on first use (fees from the real venue, else 0.1 %), and
    /// brings its last price up to the latest public print.
    async fn ensure_market(&self, symbol: &str) -> ExchangeResult<()> {
        let instrument = self
            .shared
            .instruments
            .iter()
            .find(|i| i.symbol == symbol)
            .cloned()
            .ok_or_else(|| {
                rejected(
                    RejectReason::UnknownSymbol,
                    format!("unknown symbol {symbol}"),
                )
            })?;
        let known = lock(&self.shared.state).markets.contains_key(symbol);
        if !known {
            let fees = match self.real.fee_rates(symbol).await {
                Ok(FeeRates { maker, taker }) => Fees { maker, taker },
                Err(_) => Fees::default(),
            };
            let sim = SimVenue::new(SimConfig {
                fees,
                tick_size: instrument.tick_size,
                step_size: instrument.step_size,
                ..SimConfig::default()
            });
            lock(&self.shared.state)
                .markets
                .entry(symbol.to_string())
                .or_insert(Market {
                    sim,
                    instrument,
                    fees,
                    last_trade_ms: i64::MIN,
                    touch: (None, None),
                    last_book_ms: i64::MIN,
                });
        }
        // The latest book and print, in case the symbol's stream was not flowing.
        if let Ok(book) = self.real.order_book(symbol, 20).await
            && !(book.bids.is_empty() && book.asks.is_empty())
        {
            self.shared.on_market(&MarketEvent::Book {
                symbol: symbol.to_string(),
                book,
            });
        }
        if let Ok(trades) = self.real.recent_trades(symbol, 1).await
            && let Some(trade) = trades.first()
        {
            let event = MarketEvent::Trade {
                symbol: symbol.to_string(),
                trade: trade.clone(),
            };
            if self.shared.on_market(&event) {
                self.sync_watch(symbol).await;
            }
        }
        Ok(())
    }

    /// Watches the symbol on the real venue while orders work there, and stops after.
    async fn sync_watch(&self, symbol: &str) {
        sync_watch(self.real.as_ref(), &self.shared, symbol).await;
    }
}

/// Watches `symbol` on the real venue while the paper account has orders working there.
async fn sync_watch(real: &dyn Venue, shared: &Shared, symbol: &str) {
    let mut watched = shared.order_watched.lock().await;
    let wants = lock(&shared.state).has_working(symbol);
    if wants && !watched.contains(symbol) {
        if real.watch(symbol).await.is_ok() {
            watched.insert(symbol.to_string());
        }
    } else if !wants && watched.remove(symbol) {
        real.unwatch(symbol).await;
    }
}

/// The base quantity an order asks for (see the module documentation on quote amounts).
fn to_qty(order: &SubmitOrder, market: &Market, last: Option<Decimal>) -> ExchangeResult<Decimal> {
    let step = market.instrument.step_size;
    let qty = match order.amount {
        Amount::Base(qty) => qty,
        Amount::Quote(quote) => {
            let price = if order.kind.has_limit_price() {
                order.price
            } else if order.kind.is_conditional() {
                order.options.stop_price
            } else {
                last.map(|p| match order.side {
                    Side::Buy => p * (Decimal::ONE + market.fees.taker),
                    Side::Sell => p,
                })
            };
            match price.filter(|p| *p > Decimal::ZERO) {
                Some(p) => quote / p,
                None => {
                    return Err(rejected(
                        RejectReason::Other,
                        format!(
                            "no price for {} yet: cannot turn a quote amount into a quantity",
                            order.symbol
                        ),
                    ));
                }
            }
        }
    };
    Ok(floor_to(qty, step))
}

/// The quote price per unit a buy's not-yet-filled part reserves, fee included.
fn reserve_price(order: &SubmitOrder, market: &Market, last: Option<Decimal>) -> Decimal {
    let fees = market.fees;
    if order.kind.has_limit_price() {
        let price = order.price.unwrap_or_default();
        return price * (Decimal::ONE + fees.maker.max(fees.taker));
    }
    let reference = if order.kind.is_conditional() {
        order.options.stop_price
    } else {
        last
    }
    .unwrap_or_default();
    reference * (Decimal::ONE + MARKET_RESERVE) * (Decimal::ONE + fees.taker)
}

fn sim_order(id: u64, order: &SubmitOrder, qty: Decimal) -> SimOrder {
    SimOrder {
        id,
        side: order.side,
        kind: order.kind,
        qty,
        price: order.price,
        stop_price: order.options.stop_price,
        tif: order.options.time_in_force,
        reduce_only: order.options.reduce_only,
    }
}

#[async_trait]
impl MarketData for PaperVenue {
    async fn instruments(&self) -> ExchangeResult<Vec<Instrument>> {
        Ok(self.shared.instruments.clone())
    }

    async fn candles(
        &self,
        symbol: &str,
        interval_ms: i64,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        self.real.candles(symbol, interval_ms, limit).await
    }

    async fn candles_since(
        &self,
        symbol: &str,
        interval_ms: i64,
        start_ms: TimestampMs,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        self.real
            .candles_since(symbol, interval_ms, start_ms, limit)
            .await
    }

    async fn order_book(&self, symbol: &str, depth: usize) -> ExchangeResult<OrderBook> {
        self.real.order_book(symbol, depth).await
    }

    async fn recent_trades(&self, symbol: &str, limit: usize) -> ExchangeResult<Vec<Trade>> {
        self.real.recent_trades(symbol, limit).await
    }

    fn market_events(&self) -> broadcast::Receiver<MarketEvent> {
        self.real.market_events()
    }

    async fn watch(&self, symbol: &str) -> ExchangeResult<()> {
        self.real.watch(symbol).await
    }

    async fn unwatch(&self, symbol: &str) {
        self.real.unwatch(symbol).await
    }
}

#[async_trait]
impl Trading for PaperVenue {
    /// Checks and locks the funds, then matches the order in the symbol's simulation at once
    /// (no latency). The ack's fills are also broadcast, then the order and the balances.
    async fn submit_order(&self, order: &SubmitOrder) -> ExchangeResult<OrderAck> {
        self.ensure_market(&order.symbol).await?;
        let now = self.shared.clock.now_ms();
        let (ack, out) = self.shared.submit_now(order, now)?;
        self.shared.send(out);
        self.sync_watch(&order.symbol).await;
        ack.ok_or_else(|| ExchangeError::Unknown {
            message: "paper order vanished after submit".into(),
        })
    }

    /// Cancels a working order; what it locked is released at once.
    async fn cancel_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<OrderUpdate> {
        let now = self.shared.clock.now_ms();
        let (update, out) = self.shared.cancel_now(symbol, client_order_id, now)?;
        self.shared.send(out);
        self.sync_watch(symbol).await;
        update.ok_or_else(|| {
            rejected(
                RejectReason::OrderNotFound,
                format!("paper account: no order {client_order_id}"),
            )
        })
    }

    async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<Option<OrderUpdate>> {
        Ok(lock(&self.shared.state)
            .orders
            .get(client_order_id)
            .filter(|o| o.update.symbol == symbol)
            .map(|o| o.update.clone()))
    }

    async fn open_orders(&self) -> ExchangeResult<Vec<OrderUpdate>> {
        let state = lock(&self.shared.state);
        let mut open: Vec<OrderUpdate> = state
            .orders
            .values()
            .filter(|o| o.update.status.is_working())
            .map(|o| o.update.clone())
            .collect();
        open.sort_by(|a, b| a.venue_order_id.cmp(&b.venue_order_id));
        Ok(open)
    }

    async fn order_fills(&self, symbol: &str, venue_order_id: &str) -> ExchangeResult<Vec<Fill>> {
        Ok(lock(&self.shared.state)
            .orders
            .values()
            .find(|o| o.update.venue_order_id == venue_order_id && o.update.symbol == symbol)
            .map(|o| o.fills.clone())
            .unwrap_or_default())
    }

    fn execution_events(&self) -> broadcast::Receiver<ExecutionEvent> {
        self.shared.execution_tx.subscribe()
    }
}

#[async_trait]
impl AccountState for PaperVenue {
    async fn balances(&self) -> ExchangeResult<Vec<Balance>> {
        Ok(lock(&self.shared.state).balances())
    }

    /// The rates the paper account pays on `symbol` (the real venue's, else 0.1 %).
    async fn fee_rates(&self, symbol: &str) -> ExchangeResult<FeeRates> {
        if let Some(m) = lock(&self.shared.state).markets.get(symbol) {
            return Ok(FeeRates {
                maker: m.fees.maker,
                taker: m.fees.taker,
            });
        }
        Ok(self.real.fee_rates(symbol).await.unwrap_or(FeeRates {
            maker: Fees::default().maker,
            taker: Fees::default().taker,
        }))
    }
}

#[async_trait]
impl Venue for PaperVenue {
    fn venue_id(&self) -> &str {
        PAPER_VENUE_ID
    }

    /// The real venue's connection: the paper account trades on its market data.
    fn health(&self) -> tokio::sync::watch::Receiver<VenueHealth> {
        self.real.health()
    }

    /// Stops the feed and the watches the paper venue made. The real venue stays open: it
    /// belongs to its own account.
    async fn close(&self) {
        let feed = self.feed.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(feed) = feed {
            feed.abort();
        }
        let watched = std::mem::take(&mut *self.shared.order_watched.lock().await);
        for symbol in watched {
            self.real.unwatch(&symbol).await;
        }
    }
}

impl Drop for PaperVenue {
    fn drop(&mut self) {
        if let Some(feed) = self
            .feed
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            feed.abort();
        }
    }
}

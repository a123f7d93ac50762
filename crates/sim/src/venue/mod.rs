//! The simulated venue of backtests and paper trading: one instrument, one account, the
//! account's own orders against replayed or live market data (candles, trade prints, book
//! snapshots). Pure and synchronous: no IO, no wall clock (every call carries its time), no
//! randomness, so the same calls always give the same events. Money is [`Decimal`]. Events go
//! into a caller-owned `Vec<SimEvent>`; orders live in a small `Vec`, so nothing is allocated per
//! market-data event once the buffers have grown. With no working order, [`SimVenue::on_candle`]
//! and [`SimVenue::on_trade`] only record the last price.
//!
//! # Fill model
//!
//! **Prices and quantities.** Fill prices are on the tick grid and quantities on the step grid.
//! On submit, a quantity is rounded down onto the step grid (nothing left: `InvalidQty`), a limit
//! price onto the tick grid in the trader's favour (a buy down, a sell up: never a worse price
//! than asked), a stop price to the nearest tick. Every taker price is rounded against the
//! trader (buys up, sells down).
//!
//! **The last price** is the close of the latest candle, or the latest trade print. A book
//! snapshot ([`SimVenue::on_book`]) is *fresher* when its time is at or after the last price's
//! (a candle's price time is its close, `open_time + interval`).
//!
//! **Latency.** An order reaches the venue `latency_ms` after `submit`. With latency 0 it is
//! handled inside `submit`. Otherwise `submit` only checks its fields and it arrives at the first
//! market-data price after its arrival time: the next trade print on ticks; on candles, the path
//! point whose quarter of the bar it arrives in (the four path points split a bar into four equal
//! slots; an order arriving anywhere in the first quarter meets the open, so a small latency
//! fills at the next bar's open). Cancel and amend act at once (no latency). An order still in
//! flight can be canceled or amended and is then changed before it arrives, without an event.
//!
//! **Arrival.** On arrival the order is checked (post-only, reduce-only, self-trade, fill-or-kill,
//! and for conditional orders whether the trigger is already reached) and either `Rejected` or
//! `Accepted`; then it works:
//!
//! - **Market** orders take liquidity at once: at submit, by walking the latest book when a
//!   fresher one is known (one fill per level, each level's quantity consumed from the stored
//!   snapshot), else in full at the last price; at a market-data arrival, at that price, bounded
//!   by the volume share (below). What cannot be filled now keeps working (GTC) and takes at the
//!   next prices, or expires (IOC). A market order submitted before any price is known waits for
//!   the first one. This is how a backtest "fills at that bar's close": the strategy decides on
//!   the close of a bar and submits with latency 0.
//! - **Limit** orders that are marketable on arrival take as taker, never at a worse price than
//!   their limit: against a fresher book, levels at or better than the limit; otherwise when the
//!   last (or arrival) price is strictly better than the limit (a buy limit above it), in which
//!   case the fill is at that price. The rest rests as a maker. A **post-only**
//!   ([`OrderKind::LimitMaker`]) order that would take is rejected (`PostOnlyWouldTake`).
//! - **Resting limit orders on candles** fill only when the intrabar path trades *through* the
//!   limit: a buy when a path price is strictly below it, a sell strictly above. A touch (low ==
//!   buy limit) does not fill. The fill is at the limit price, except when the bar *opens*
//!   through it (a gap): then at the open, the better price. Maker fee.
//! - **Resting limit orders on ticks** fill at the limit price, maker fee, when a print trades
//!   through the limit (strictly), or, for prints at exactly the limit price whose taker is on
//!   the other side, after the queue ahead: an order's `queue_ahead` is the quantity the latest
//!   book showed at its price when it was placed (0 with no book); prints at the price consume
//!   the queue first, and only what is left of a print can fill the order.
//! - **Volume share.** Fills caused by a market-data event are bounded by `volume_share` times
//!   that candle's or print's volume, a budget shared by all of the account's orders on the same
//!   side in time priority (a candle's budget covers its whole path). Partial fills follow; a GTC
//!   remainder keeps working. A volume of zero (data without volume) means no bound. Fills at
//!   submit are bounded only by the book, when one is walked.
//! - **Conditional orders** ([`OrderKind::StopMarket`], [`OrderKind::StopLimit`],
//!   [`OrderKind::TakeProfitMarket`], [`OrderKind::TakeProfitLimit`]) trigger on their
//!   `stop_price`: a buy stop when price >= stop, a buy take-profit when price <= stop, a sell
//!   stop when price <= stop, a sell take-profit when price >= stop (touch triggers). One whose
//!   trigger is already reached on arrival is rejected (`WouldTriggerImmediately`), as real venues
//!   do. When it triggers (`Triggered`), it becomes a market (stop-market, take-profit-market) or
//!   a limit order at `price` (the limit kinds) that arrives at the trigger price: on candles,
//!   the stop price when the path crossed it between two points, or the **open when the bar
//!   gapped through the stop** (a stop-market then fills at the open, not at the stop); on ticks,
//!   the triggering print's price. From there it follows the market or limit rules above,
//!   including time in force; a triggered limit that is not marketable rests and fills later in
//!   the same bar only if the rest of the path trades through it.
//! - **Candle path.** Each candle is walked as four points, [`CandlePath`]: open, high, low,
//!   close; open, low, high, close; or (the default) open, the extreme nearer the open, the
//!   farther extreme, close (ties: low first). Between points the price moves monotonically, so
//!   every price in between trades. Fill times are the point's quarter-slot start (or the
//!   order's arrival, if later).
//!
//! **Time in force.** GTC rests until filled or canceled. IOC takes what it can on arrival (or on
//! trigger) and the rest ends `Done { Expired }`. FOK fills completely at once or nothing: it is
//! rejected (`FokNotFillable`) on arrival, or ends `Expired` with nothing filled when a triggered
//! FOK cannot fill whole. Post-only orders must be GTC.
//!
//! **Reduce-only.** The venue keeps a net base position from its own fills ([`SimVenue::position`],
//! settable with [`SimVenue::set_position`]). A reduce-only order that would open or grow the
//! position is rejected (`ReduceOnlyWouldIncrease`); at each fill its quantity is clamped to the
//! position, and when the position is gone it ends `Expired` (at its next fill opportunity; the
//! venue does not cancel it early, so a strategy cancels the other leg of a bracket itself).
//!
//! **Self-trade prevention** (Binance `EXPIRE_TAKER`): an order that would take liquidity at a
//! price reaching one of the account's own resting orders on the other side (a buy reaching a
//! resting sell priced at or below the buy's worst fill price, and the mirror for sells) is
//! expired as the taker, with nothing filled: `Rejected { SelfTrade }` when it had not been
//! acknowledged yet (on arrival or amend), `Done { Expired }` when it had (a triggered stop, a
//! working market remainder). The resting order stays.
//!
//! **Fees and slippage.** Each fill pays `price * qty * rate` in quote, with the maker rate for
//! resting fills and the taker rate otherwise ([`Fees`]). Slippage ([`Slippage`]) moves every
//! taker price against the trader (also when walking a book) and is capped at a limit order's
//! price; maker fills have none. Funding of perpetuals: [`funding_payment`].
//!
//! **Cancel and amend.** Cancel ends a working or in-flight order with `Done { Canceled }`
//! (`Rejected { UnknownOrder }` if none). Amend keeps the id, changes the limit price (the stop
//! price of a stop-market or take-profit-market; see also [`SimVenue::amend_stop`]) and/or the
//! total quantity (must stay above what has filled), and moves the order to the back of the
//! queue (time priority and queue position are lost). An amended limit that became marketable
//! takes at once (a post-only one is refused instead). A refused amend changes nothing. A
//! successful one is acknowledged with `Accepted` again.
//!
//! **Not modelled.** Balances and margin (the caller's portfolio checks funds), liquidation, the
//! market impact of the account's own fills on later prices.

mod config;
mod engine;
mod funding;
mod rounding;
mod types;

pub use config::{CandlePath, Fees, SimConfig, Slippage};
pub use funding::funding_payment;
pub use keel_domain::{OrderKind, OrderStatus, Side, TimeInForce};
pub use types::{Liquidity, OpenOrder, SimEvent, SimFill, SimOrder, SimReject};

use engine::{Budget, Point, Src, Tape, triggers};
use rounding::{favour, floor_to};
use rust_decimal::Decimal;

/// The latest book snapshot: bids best first, asks best first.
#[derive(Debug, Clone, Default)]
struct Book {
    bids: Vec<(Decimal, Decimal)>,
    asks: Vec<(Decimal, Decimal)>,
    t_ms: i64,
}

/// The simulated venue. See the [module documentation](self) for the fill model.
#[derive(Debug, Clone)]
pub struct SimVenue {
    cfg: SimConfig,
    position: Decimal,
    last_price: Option<Decimal>,
    /// When the last price traded (a candle's close time).
    last_price_ms: i64,
    book: Book,
    orders: Vec<OpenOrder>,
    next_seq: u64,
}

impl SimVenue {
    /// A venue with no position, no orders and no market data yet. A non-positive tick or step
    /// size falls back to 1e-8.
    pub fn new(mut cfg: SimConfig) -> Self {
        let fallback = Decimal::new(1, 8);
        if cfg.tick_size <= Decimal::ZERO {
            cfg.tick_size = fallback;
        }
        if cfg.step_size <= Decimal::ZERO {
            cfg.step_size = fallback;
        }
        Self {
            cfg,
            position: Decimal::ZERO,
            last_price: None,
            last_price_ms: i64::MIN,
            book: Book {
                t_ms: i64::MIN,
                ..Book::default()
            },
            orders: Vec::with_capacity(8),
            next_seq: 0,
        }
    }

    /// The run's fill model.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// Net base position from the venue's own fills (positive long).
    pub fn position(&self) -> Decimal {
        self.position
    }

    /// Starts from an existing position (paper trading a real account's position).
    pub fn set_position(&mut self, position: Decimal) {
        self.position = position;
    }

    /// The latest candle close or trade price.
    pub fn last_price(&self) -> Option<Decimal> {
        self.last_price
    }

    /// Whether any order is working or in flight.
    pub fn has_orders(&self) -> bool {
        !self.orders.is_empty()
    }

    /// Working and in-flight orders, in time priority.
    pub fn open_orders(&self) -> &[OpenOrder] {
        &self.orders
    }

    /// One working or in-flight order.
    pub fn order(&self, order_id: u64) -> Option<&OpenOrder> {
        self.orders.iter().find(|o| o.order.id == order_id)
    }

    /// Puts an order onto the grids, or says why it cannot be.
    fn normalize(&self, mut order: SimOrder) -> Result<SimOrder, SimReject> {
        if self.order(order.id).is_some() {
            return Err(SimReject::DuplicateId);
        }
        let (tick, step) = (self.cfg.tick_size, self.cfg.step_size);
        if order.qty <= Decimal::ZERO {
            return Err(SimReject::InvalidQty);
        }
        order.qty = floor_to(order.qty, step);
        if order.qty <= Decimal::ZERO {
            return Err(SimReject::InvalidQty);
        }
        order.price = if order.kind.has_limit_price() {
            let price = order.price.ok_or(SimReject::MissingPrice)?;
            Some(positive(favour(order.side, price, tick))?)
        } else {
            None
        };
        order.stop_price = if order.kind.is_conditional() {
            let stop = order.stop_price.ok_or(SimReject::MissingStopPrice)?;
            Some(positive(nearest(stop, tick))?)
        } else {
            None
        };
        if order.kind == OrderKind::LimitMaker && order.tif != TimeInForce::Gtc {
            return Err(SimReject::InvalidTimeInForce);
        }
        Ok(order)
    }

    /// Submits an order at `now_ms`. Without latency its acknowledgement (or refusal) and any
    /// immediate fills are pushed to `out` now; with latency only a refusal of its fields is.
    pub fn submit(&mut self, now_ms: i64, order: SimOrder, out: &mut Vec<SimEvent>) {
        let order = match self.normalize(order) {
            Ok(order) => order,
            Err(reason) => {
                out.push(SimEvent::Rejected {
                    order_id: order.id,
                    reason,
                });
                return;
            }
        };
        let active_ms = now_ms.saturating_add(self.cfg.latency_ms.max(0));
        let mut o = OpenOrder {
            order,
            filled: Decimal::ZERO,
            active_ms,
            accepted: false,
            triggered: false,
            queue_ahead: Decimal::ZERO,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        if active_ms > now_ms {
            self.orders.push(o);
            return;
        }
        let mut budget = Budget::UNBOUNDED;
        if !self.activate(&mut o, Src::Submit { time: now_ms }, &mut budget, out) {
            self.orders.push(o);
        }
    }

    /// Cancels a working or in-flight order: `Done { Canceled }`, or `Rejected { UnknownOrder }`.
    pub fn cancel(&mut self, _now_ms: i64, order_id: u64, out: &mut Vec<SimEvent>) {
        match self.orders.iter().position(|o| o.order.id == order_id) {
            Some(i) => {
                self.orders.remove(i);
                out.push(SimEvent::Done {
                    order_id,
                    status: OrderStatus::Canceled,
                });
            }
            None => out.push(SimEvent::Rejected {
                order_id,
                reason: SimReject::UnknownOrder,
            }),
        }
    }

    /// Amends an order's limit price (a stop-market's or take-profit-market's stop price) and/or
    /// total quantity. Keeps the id, loses the queue position. See the module documentation.
    pub fn amend(
        &mut self,
        now_ms: i64,
        order_id: u64,
        price: Option<Decimal>,
        qty: Option<Decimal>,
        out: &mut Vec<SimEvent>,
    ) {
        self.amend_with(now_ms, order_id, price, None, qty, out);
    }

    /// Amends a conditional order's stop price (for a trailing stop). Refused with
    /// `WouldTriggerImmediately` when the last price already reaches the new stop.
    pub fn amend_stop(
        &mut self,
        now_ms: i64,
        order_id: u64,
        stop_price: Decimal,
        out: &mut Vec<SimEvent>,
    ) {
        self.amend_with(now_ms, order_id, None, Some(stop_price), None, out);
    }

    fn amended(
        &self,
        o: &OpenOrder,
        price: Option<Decimal>,
        stop: Option<Decimal>,
        qty: Option<Decimal>,
    ) -> Result<SimOrder, SimReject> {
        let (tick, step) = (self.cfg.tick_size, self.cfg.step_size);
        let mut new = o.order;
        if let Some(qty) = qty {
            let qty = floor_to(qty.max(Decimal::ZERO), step);
            if qty <= o.filled || qty <= Decimal::ZERO {
                return Err(SimReject::InvalidQty);
            }
            new.qty = qty;
        }
        let mut stop = stop;
        if let Some(price) = price {
            if new.kind.has_limit_price() {
                new.price = Some(positive(favour(new.side, price, tick))?);
            } else if new.kind.is_conditional() {
                stop = Some(price);
            } else {
                return Err(SimReject::NotAmendable);
            }
        }
        if let Some(stop) = stop {
            if !new.kind.is_conditional() {
                return Err(SimReject::NotAmendable);
            }
            new.stop_price = Some(positive(nearest(stop, tick))?);
        }
        Ok(new)
    }

    fn amend_with(
        &mut self,
        now_ms: i64,
        order_id: u64,
        price: Option<Decimal>,
        stop: Option<Decimal>,
        qty: Option<Decimal>,
        out: &mut Vec<SimEvent>,
    ) {
        let reject = |out: &mut Vec<SimEvent>, reason| {
            out.push(SimEvent::Rejected { order_id, reason });
        };
        let Some(i) = self.orders.iter().position(|o| o.order.id == order_id) else {
            return reject(out, SimReject::UnknownOrder);
        };
        let mut o = self.orders[i];
        o.order = match self.amended(&o, price, stop, qty) {
            Ok(order) => order,
            Err(reason) => return reject(out, reason),
        };
        if !o.accepted {
            self.orders[i] = o;
            return;
        }
        o.seq = self.next_seq;
        o.queue_ahead = Decimal::ZERO;
        let src = Src::Submit { time: now_ms };
        let mut budget = Budget::UNBOUNDED;
        if o.awaits_trigger() || o.working_limit().is_none() {
            if o.awaits_trigger() && self.last_price.is_some_and(|p| triggers(&o, p)) {
                return reject(out, SimReject::WouldTriggerImmediately);
            }
            self.next_seq += 1;
            self.orders.remove(i);
            out.push(SimEvent::Accepted { order_id });
            self.orders.push(o);
            return;
        }
        let quote = match self.check_fresh(&o, src, &budget) {
            Ok(q) => q,
            Err(reason) => return reject(out, reason),
        };
        self.next_seq += 1;
        self.orders.remove(i);
        out.push(SimEvent::Accepted { order_id });
        if !self.run_fresh(&mut o, quote, src, &mut budget, out) {
            self.orders.push(o);
        }
    }

    /// A candle `[open_time_ms, open_time_ms + interval_ms)`: walks its path (see the module
    /// documentation) against every working order and records its close as the last price.
    /// Without orders this only records the close.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn on_candle(
        &mut self,
        open_time_ms: i64,
        interval_ms: i64,
        o: Decimal,
        h: Decimal,
        l: Decimal,
        c: Decimal,
        v: Decimal,
        out: &mut Vec<SimEvent>,
    ) {
        let end = open_time_ms.saturating_add(interval_ms);
        if !self.orders.is_empty() {
            self.walk_candle(open_time_ms, interval_ms, [o, h, l, c], v, out);
        }
        self.last_price = Some(c);
        self.last_price_ms = end;
    }

    /// Records `price` at `t_ms` as the last price without matching anything. For a caller
    /// that knows no order is working ([`SimVenue::has_orders`] is false), e.g. a backtest about
    /// to submit at a bar's close: the same as [`SimVenue::on_candle`] then, without building
    /// the candle.
    #[inline]
    pub fn set_last_price(&mut self, t_ms: i64, price: Decimal) {
        debug_assert!(self.orders.is_empty(), "set_last_price with working orders");
        self.last_price = Some(price);
        self.last_price_ms = t_ms;
    }

    #[inline(never)]
    fn walk_candle(
        &mut self,
        open_time_ms: i64,
        interval_ms: i64,
        [o, h, l, c]: [Decimal; 4],
        v: Decimal,
        out: &mut Vec<SimEvent>,
    ) {
        let end = open_time_ms.saturating_add(interval_ms);
        // Most bars touch no order (a stop far away, a limit below the low): skip the walk.
        let touched = self.orders.iter().any(|r| {
            if !r.accepted {
                r.active_ms < end
            } else if r.awaits_trigger() {
                triggers(r, h) || triggers(r, l)
            } else {
                match (r.working_limit(), r.order.side) {
                    (None, _) => true,
                    (Some(limit), Side::Buy) => l < limit,
                    (Some(limit), Side::Sell) => h > limit,
                }
            }
        });
        if !touched {
            return;
        }
        let points = self.cfg.path.points(o, h, l, c);
        let mut budget = Budget::of(v, self.cfg.volume_share);
        let quarter = interval_ms.max(0) / 4;
        for (k, price) in (0i64..).zip(points) {
            let start = open_time_ms.saturating_add(k * quarter);
            let slot_end = if k == 3 { end } else { start + quarter };
            let pt = Point {
                price,
                time: start,
                tape: Tape::Candle { first: k == 0 },
            };
            self.process_point(pt, slot_end.saturating_sub(1), &mut budget, out);
        }
    }

    /// A public trade print of `qty` at `price` whose aggressor was `taker_side`.
    #[inline]
    pub fn on_trade(
        &mut self,
        t_ms: i64,
        price: Decimal,
        qty: Decimal,
        taker_side: Side,
        out: &mut Vec<SimEvent>,
    ) {
        if !self.orders.is_empty() {
            self.walk_trade(t_ms, price, qty, taker_side, out);
        }
        self.last_price = Some(price);
        self.last_price_ms = t_ms;
    }

    #[inline(never)]
    fn walk_trade(
        &mut self,
        t_ms: i64,
        price: Decimal,
        qty: Decimal,
        taker_side: Side,
        out: &mut Vec<SimEvent>,
    ) {
        let touched = self.orders.iter().any(|r| {
            if !r.accepted {
                r.active_ms <= t_ms
            } else if r.awaits_trigger() {
                triggers(r, price)
            } else {
                match (r.working_limit(), r.order.side) {
                    (None, _) => true,
                    (Some(limit), Side::Buy) => price <= limit,
                    (Some(limit), Side::Sell) => price >= limit,
                }
            }
        });
        if !touched {
            return;
        }
        let mut budget = Budget::of(qty, self.cfg.volume_share);
        let pt = Point {
            price,
            time: t_ms,
            tape: Tape::Trade {
                qty,
                taker: taker_side,
            },
        };
        self.process_point(pt, t_ms, &mut budget, out);
    }

    /// A book snapshot (each side best first). Market and marketable orders submitted while it
    /// is the freshest data walk it. Nothing fills here.
    pub fn on_book(&mut self, t_ms: i64, bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]) {
        self.book.bids.clear();
        self.book.bids.extend_from_slice(bids);
        self.book.asks.clear();
        self.book.asks.extend_from_slice(asks);
        self.book.t_ms = t_ms;
    }
}

/// A positive price, or `InvalidPrice`.
fn positive(price: Decimal) -> Result<Decimal, SimReject> {
    if price > Decimal::ZERO {
        Ok(price)
    } else {
        Err(SimReject::InvalidPrice)
    }
}

/// `price` rounded to the nearest tick.
fn nearest(price: Decimal, tick: Decimal) -> Decimal {
    if (price % tick).is_zero() {
        price
    } else {
        (price / tick).round() * tick
    }
}

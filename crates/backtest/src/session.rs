//! The session core: one strategy, one simulated venue, one ledger, stepped by market events.
//!
//! A backtest steps it through history as fast as the CPU allows; a paper run steps it through a
//! live or recorded market at the market's pace. The same events in the same order give the same
//! fills, whichever drives it.
//!
//! Per event: (1) the venue matches working orders against the new price(s) and the fills are
//! booked; (2) the strategy sees the event and the account; (3) its intents pass the risk check,
//! are sized and rounded onto the grids, and go to the venue, which fills marketable ones at once
//! (latency permitting) at the price the strategy just saw.

use keel_domain::{Candle, Side, Trade};
use keel_sim::venue::{Liquidity, SimConfig, SimEvent, SimOrder, SimVenue};
use keel_strategy::{Action, Bar, Ctx, FillView, OrderIntent, Sizing, Strategy, Tick};
use rust_decimal::Decimal;

use crate::ledger::Ledger;
use crate::num::{to_f64, to_grid};
use crate::report::FillRecord;

/// Rejections kept verbatim in a report (all are counted).
const REJECTIONS_KEPT: usize = 50;
/// Actions a strategy may chain from fills within one event before the runner stops it.
const MAX_CHAIN: usize = 64;

/// Limits every intent is checked against before it reaches the venue.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RiskLimits {
    /// Whether sells may open or grow a short position (futures). Spot runs leave it off.
    pub allow_short: bool,
    /// Largest absolute position in base units, if any.
    pub max_position: Option<Decimal>,
}

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub initial_cash: Decimal,
    pub venue: SimConfig,
    pub risk: RiskLimits,
    /// Decimal places of the price grid (intent prices are rounded onto it).
    pub price_dp: u32,
}

#[derive(Debug, Clone, Copy)]
struct Working {
    tag: u32,
    id: u64,
}

/// See the module docs.
pub struct Session {
    venue: SimVenue,
    ledger: Ledger,
    strategy: Box<dyn Strategy>,
    risk: RiskLimits,
    price_dp: u32,
    step: Decimal,
    actions: Vec<Action>,
    events: Vec<SimEvent>,
    working: Vec<Working>,
    next_id: u64,
    fills: Vec<FillRecord>,
    rejections: Vec<String>,
    rejected: usize,
    /// Index of the current event (bar or trade).
    index: usize,
    now_ms: i64,
    last_price: f64,
    taker_fee_f64: f64,
}

impl Session {
    /// A session running `strategy` on an account of `cfg.initial_cash`.
    pub fn new(strategy: Box<dyn Strategy>, cfg: SessionConfig) -> Session {
        Session {
            step: cfg.venue.step_size,
            venue: SimVenue::new(cfg.venue),
            ledger: Ledger::new(cfg.initial_cash),
            strategy,
            risk: cfg.risk,
            price_dp: cfg.price_dp,
            actions: Vec::with_capacity(8),
            events: Vec::with_capacity(8),
            working: Vec::with_capacity(8),
            next_id: 1,
            fills: Vec::new(),
            rejections: Vec::new(),
            rejected: 0,
            index: 0,
            now_ms: 0,
            last_price: 0.0,
            taker_fee_f64: to_f64(cfg.venue.fees.taker),
        }
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    pub fn fills(&self) -> &[FillRecord] {
        &self.fills
    }
    pub fn rejected(&self) -> usize {
        self.rejected
    }
    pub fn rejections(&self) -> &[String] {
        &self.rejections
    }
    pub fn venue(&self) -> &SimVenue {
        &self.venue
    }
    /// The ledger, the fills, the kept rejections and the number of rejections, for a report.
    pub fn into_parts(self) -> (Ledger, Vec<FillRecord>, Vec<String>, usize) {
        (self.ledger, self.fills, self.rejections, self.rejected)
    }

    /// The last price any event carried.
    pub fn last_price(&self) -> f64 {
        self.last_price
    }

    /// A closed bar `bar` at event `index`. `candle` gives its exact Decimal prices; it is only
    /// called when the venue needs them (working orders, or a new intent).
    #[inline]
    pub fn on_bar(
        &mut self,
        index: usize,
        bar: &Bar,
        interval_ms: i64,
        candle: impl FnOnce() -> Candle,
    ) {
        self.index = index;
        self.now_ms = bar.close_time_ms;
        self.last_price = bar.close;
        let mut candle = Some(candle);
        if self.venue.has_orders() {
            if let Some(make) = candle.take() {
                self.feed_candle(&make(), interval_ms);
            }
            self.drain_events();
        }
        self.show_bar(bar);
        if !self.actions.is_empty() {
            if candle.is_some() {
                // No working orders: only tell the venue the price the strategy saw.
                self.venue
                    .set_last_price(bar.close_time_ms, to_grid(bar.close, self.price_dp));
            }
            self.handle_actions();
        }
    }

    /// A trade print at event `index` (tick-level runs).
    pub fn on_trade(&mut self, index: usize, trade: &Trade) {
        self.index = index;
        self.now_ms = trade.ts_ms;
        let price = to_f64(trade.price);
        self.last_price = price;
        self.venue.on_trade(
            trade.ts_ms,
            trade.price,
            trade.qty,
            trade.taker_side,
            &mut self.events,
        );
        self.drain_events();
        let tick = Tick {
            t_ms: trade.ts_ms,
            price,
            qty: to_f64(trade.qty),
            taker_side: trade.taker_side,
        };
        {
            let mut ctx = Ctx::new(&mut self.actions);
            fill_ctx(
                &mut ctx,
                &self.ledger,
                self.now_ms,
                price,
                self.working.len(),
            );
            self.strategy.on_tick(&tick, &mut ctx);
        }
        self.handle_actions();
    }

    /// A bar built from trades closed (tick-level runs): the strategy sees it, the venue has
    /// already seen its trades.
    pub fn on_built_bar(&mut self, index: usize, bar: &Bar) {
        self.index = index;
        self.now_ms = bar.close_time_ms;
        self.show_bar(bar);
        self.handle_actions();
    }

    /// The strategy decides on a closed bar; its actions wait in `self.actions`.
    #[inline]
    fn show_bar(&mut self, bar: &Bar) {
        let mut ctx = Ctx::new(&mut self.actions);
        fill_ctx(
            &mut ctx,
            &self.ledger,
            self.now_ms,
            bar.close,
            self.working.len(),
        );
        self.strategy.on_bar(bar, &mut ctx);
    }

    /// A book snapshot: market orders walk it while it is the freshest price.
    pub fn on_book(&mut self, t_ms: i64, bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]) {
        self.venue.on_book(t_ms, bids, asks);
    }

    fn feed_candle(&mut self, c: &Candle, interval_ms: i64) {
        self.venue.on_candle(
            c.open_time_ms,
            interval_ms,
            c.open,
            c.high,
            c.low,
            c.close,
            c.volume,
            &mut self.events,
        );
    }

    fn drain_events(&mut self) {
        let mut i = 0;
        while i < self.events.len() {
            match self.events[i] {
                SimEvent::Fill(ref f) => {
                    let f = *f;
                    self.ledger
                        .apply_fill(self.index, f.time_ms, f.side, f.price, f.qty, f.fee);
                    let tag = self.tag_of(f.order_id);
                    self.fills.push(FillRecord {
                        bar: self.index,
                        t_ms: f.time_ms,
                        tag,
                        side: f.side,
                        price: f.price,
                        qty: f.qty,
                        fee: f.fee,
                        maker: matches!(f.liquidity, Liquidity::Maker),
                    });
                    let view = FillView {
                        tag,
                        side: f.side,
                        price: to_f64(f.price),
                        qty: to_f64(f.qty),
                        t_ms: f.time_ms,
                    };
                    let mut ctx = Ctx::new(&mut self.actions);
                    fill_ctx(
                        &mut ctx,
                        &self.ledger,
                        self.now_ms,
                        self.last_price,
                        self.working.len(),
                    );
                    self.strategy.on_fill(&view, &mut ctx);
                }
                SimEvent::Done { order_id, .. } => self.forget(order_id),
                SimEvent::Rejected {
                    order_id,
                    ref reason,
                } => {
                    let msg = format!("order {order_id}: the venue refused it: {reason}");
                    // A refused cancel leaves the order working; a refused order is gone.
                    if self.venue.order(order_id).is_none() {
                        self.forget(order_id);
                    }
                    self.reject(msg);
                }
                _ => {}
            }
            i += 1;
        }
        self.events.clear();
    }

    fn handle_actions(&mut self) {
        let mut rounds = 0;
        while !self.actions.is_empty() {
            rounds += 1;
            if rounds > MAX_CHAIN {
                self.actions.clear();
                self.reject(format!(
                    "the strategy chained more than {MAX_CHAIN} rounds of orders from fills; stopped"
                ));
                return;
            }
            let batch: Vec<Action> = std::mem::take(&mut self.actions);
            for action in &batch {
                match *action {
                    Action::Submit(intent) => self.submit(intent),
                    Action::Cancel(tag) => {
                        let ids: Vec<u64> = self
                            .working
                            .iter()
                            .filter(|w| w.tag == tag)
                            .map(|w| w.id)
                            .collect();
                        for id in ids {
                            self.venue.cancel(self.now_ms, id, &mut self.events);
                        }
                    }
                    Action::CancelAll => {
                        let ids: Vec<u64> = self.working.iter().map(|w| w.id).collect();
                        for id in ids {
                            self.venue.cancel(self.now_ms, id, &mut self.events);
                        }
                    }
                }
                self.drain_events();
            }
            // Reuse the batch's allocation for the next round.
            let mut batch = batch;
            batch.clear();
            if self.actions.is_empty() {
                self.actions = batch;
            }
        }
    }

    fn submit(&mut self, intent: OrderIntent) {
        let order = match self.check(&intent) {
            Ok(o) => o,
            Err(why) => {
                self.reject(why);
                return;
            }
        };
        self.working.push(Working {
            tag: intent.tag,
            id: order.id,
        });
        self.venue.submit(self.now_ms, order, &mut self.events);
    }

    /// Sizes and rounds an intent and checks it against the account and the limits.
    fn check(&mut self, intent: &OrderIntent) -> Result<SimOrder, String> {
        let price_ref = intent.price.unwrap_or(self.last_price);
        let price_dec = to_grid(price_ref, self.price_dp);
        let position = self.ledger.position();
        let raw = match intent.sizing {
            Sizing::Units(q) => q,
            Sizing::Quote(amount) if price_dec > Decimal::ZERO => amount / price_dec,
            Sizing::EquityFraction(f) if price_dec > Decimal::ZERO => {
                let equity = self.ledger.equity(price_dec);
                Decimal::try_from(f).unwrap_or_default() * equity / price_dec
            }
            Sizing::Position => position.abs(),
            _ => Decimal::ZERO,
        };
        let qty = floor_to_step(raw, self.step);
        let what = || {
            format!(
                "bar {}: {} {:?} {}",
                self.index,
                intent.side.as_str(),
                intent.kind,
                qty
            )
        };
        if qty <= Decimal::ZERO {
            return Err(format!("{}: the size rounds to zero", what()));
        }
        let signed = match intent.side {
            Side::Buy => qty,
            Side::Sell => -qty,
        };
        let after = position + signed;
        // Reduces: moves towards zero without crossing it.
        let reduces = after.abs() <= position.abs()
            && (after.is_zero() || after.is_sign_negative() == position.is_sign_negative());
        if intent.reduce_only && !reduces {
            return Err(format!(
                "{}: reduce-only but it would not reduce the position {position}",
                what()
            ));
        }
        if !self.risk.allow_short && after < Decimal::ZERO {
            return Err(format!(
                "{}: would open a short position ({after}) and shorts are off",
                what()
            ));
        }
        if let Some(max) = self.risk.max_position
            && after.abs() > max
            && !reduces
        {
            return Err(format!(
                "{}: position {after} would exceed the limit {max}",
                what()
            ));
        }
        if intent.side == Side::Buy && !reduces && !self.clearly_affordable(qty, price_ref) {
            let cost = qty * price_dec;
            let fee = cost * self.venue_taker_fee();
            if cost + fee > self.ledger.cash() {
                return Err(format!(
                    "{}: insufficient cash: needs {} with fees, has {}",
                    what(),
                    (cost + fee).round_dp(8),
                    self.ledger.cash().round_dp(8)
                ));
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let needs_price = intent.kind.has_limit_price();
        Ok(SimOrder {
            id,
            side: intent.side,
            kind: intent.kind,
            qty,
            price: if needs_price {
                intent.price.map(|p| to_grid(p, self.price_dp))
            } else {
                None
            },
            stop_price: intent.stop_price.map(|p| to_grid(p, self.price_dp)),
            tif: intent.tif,
            reduce_only: intent.reduce_only || matches!(intent.sizing, Sizing::Position),
        })
    }

    /// Whether cash covers `qty` at `price` with the taker fee by a margin no rounding can
    /// erase (1e-9 of the cost): the exact Decimal check runs only near the edge.
    #[inline]
    fn clearly_affordable(&self, qty: Decimal, price: f64) -> bool {
        let cost = to_f64(qty) * price * (1.0 + self.taker_fee_f64);
        cost.is_finite() && cost * (1.0 + 1e-9) + 1e-9 < self.ledger.cash_f64()
    }

    fn venue_taker_fee(&self) -> Decimal {
        self.venue.config().fees.taker
    }

    fn tag_of(&self, order_id: u64) -> u32 {
        self.working
            .iter()
            .find(|w| w.id == order_id)
            .map_or(0, |w| w.tag)
    }

    fn forget(&mut self, order_id: u64) {
        self.working.retain(|w| w.id != order_id);
    }

    fn reject(&mut self, why: String) {
        self.rejected += 1;
        if self.rejections.len() < REJECTIONS_KEPT {
            self.rejections.push(why);
        }
    }
}

fn fill_ctx(ctx: &mut Ctx<'_>, ledger: &Ledger, now_ms: i64, price: f64, open_orders: usize) {
    ctx.now_ms = now_ms;
    ctx.position = ledger.position_f64();
    ctx.cash = ledger.cash_f64();
    ctx.equity = ledger.equity_f64(price);
    ctx.entry_price = ledger.avg_entry_f64();
    ctx.open_orders = open_orders;
}

/// `q` rounded down to a multiple of `step` (a zero step leaves it as is).
pub fn floor_to_step(q: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return q;
    }
    if step.mantissa() == 1 {
        // A power of ten (0.001, 1, ...): truncating the decimals is the floor.
        if q.scale() <= step.scale() {
            return q;
        }
        return q.round_dp_with_strategy(step.scale(), rust_decimal::RoundingStrategy::ToZero);
    }
    ((q / step).floor() * step).normalize()
}

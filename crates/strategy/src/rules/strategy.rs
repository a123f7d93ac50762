//! The compiled form of a rule spec and the [`Strategy`] that runs it.
//!
//! Every value a condition reads lives in a slot of a `Vec<f64>`: the bar's price fields, each
//! indicator output, and the constants. Conditions are a flat list of nodes naming slots by
//! index. A bar costs: write the price slots, update each indicator into its slots, evaluate the
//! entry or exit tree, copy the slots into the previous-bar vector. No allocation, hashing or
//! string lookup.

use keel_domain::{OrderKind, Side, TimeInForce};
use keel_indicators::{CloseVolume, Hlc, Indicator, PriceVolume, Tick as IndTick};

use super::kinds::Ind;
use crate::{Bar, Ctx, FillView, OrderIntent, Sizing, Strategy};

/// Slots of the bar's price fields (the first slots of every program).
pub(crate) const PRICE_FIELDS: [&str; 8] = [
    "open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4",
];
const OPEN: usize = 0;
const HIGH: usize = 1;
const LOW: usize = 2;
const CLOSE: usize = 3;
const VOLUME: usize = 4;
/// First of the derived price slots (hl2, hlc3, ohlc4), computed only when something reads them.
pub(crate) const DERIVED_START: usize = 5;

/// An indicator, the slot it reads and the first slot it writes.
#[derive(Debug, Clone)]
pub(crate) struct IndSlot {
    pub ind: Ind,
    pub src: usize,
    pub out: usize,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A compiled condition; children of `All`/`Any` are `children[start..end]`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Node {
    All(u32, u32),
    Any(u32, u32),
    Not(u32),
    Cmp(CmpOp, u32, u32),
    CrossUp(u32, u32),
    CrossDown(u32, u32),
    Between(u32, u32, u32),
}

/// Everything [`RuleStrategy`] needs, built by the compiler.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    pub inds: Vec<IndSlot>,
    pub nodes: Vec<Node>,
    pub children: Vec<u32>,
    /// Whether the derived price slots are read.
    pub derived: bool,
    /// Initial slot values: NaN for bar and indicator slots, the value for constants.
    pub init: Vec<f64>,
    /// Slots written by indicators (`start..end`): conditions run once all hold a value.
    pub ind_start: usize,
    pub ind_end: usize,
    pub entry: u32,
    pub exit: Option<u32>,
    pub long: bool,
    pub sizing: Sizing,
    /// Fractions (0.02 = 2 %).
    pub stop_loss: Option<f64>,
    pub take_profit: Option<f64>,
    pub trailing: Option<f64>,
}

/// A compiled rule strategy. See the module docs of [`crate::rules`] for its behaviour.
#[derive(Debug, Clone)]
pub struct RuleStrategy {
    p: Program,
    cur: Vec<f64>,
    prev: Vec<f64>,
    /// Entry price of the protected position (0 when none).
    entry_price: f64,
    /// Best price since entry: highest high (long) / lowest low (short).
    best: f64,
    /// Trigger of the working protective stop (NaN when none is working).
    stop_level: f64,
    tp_live: bool,
}

impl RuleStrategy {
    /// Tag of entry orders.
    pub const ENTRY: u32 = 1;
    /// Tag of market exits from the exit condition.
    pub const EXIT: u32 = 2;
    /// Tag of the protective stop (stop-loss and trailing stop combined).
    pub const STOP: u32 = 3;
    /// Tag of the take-profit order.
    pub const TAKE_PROFIT: u32 = 4;

    pub(crate) fn new(p: Program) -> RuleStrategy {
        RuleStrategy {
            cur: p.init.clone(),
            prev: p.init.clone(),
            p,
            entry_price: 0.0,
            best: f64::NAN,
            stop_level: f64::NAN,
            tp_live: false,
        }
    }

    /// Evaluates node `i` over the current and previous slot values.
    fn eval(&self, i: u32) -> bool {
        let (c, p) = (&self.cur, &self.prev);
        match self.p.nodes[i as usize] {
            Node::All(s, e) => self.p.children[s as usize..e as usize]
                .iter()
                .all(|&n| self.eval(n)),
            Node::Any(s, e) => self.p.children[s as usize..e as usize]
                .iter()
                .any(|&n| self.eval(n)),
            Node::Not(n) => !self.eval(n),
            Node::Cmp(op, a, b) => {
                let (a, b) = (c[a as usize], c[b as usize]);
                match op {
                    CmpOp::Gt => a > b,
                    CmpOp::Gte => a >= b,
                    CmpOp::Lt => a < b,
                    CmpOp::Lte => a <= b,
                }
            }
            Node::CrossUp(a, b) => {
                let (a, b) = (a as usize, b as usize);
                p[a] <= p[b] && c[a] > c[b]
            }
            Node::CrossDown(a, b) => {
                let (a, b) = (a as usize, b as usize);
                p[a] >= p[b] && c[a] < c[b]
            }
            Node::Between(v, lo, hi) => {
                let v = c[v as usize];
                c[lo as usize] <= v && v <= c[hi as usize]
            }
        }
    }

    fn update_indicators(&mut self, bar: &Bar) {
        let cur = &mut self.cur;
        for s in &mut self.p.inds {
            let x = cur[s.src];
            let o = s.out;
            let one = |v: Option<f64>| v.unwrap_or(f64::NAN);
            let fresh = !x.is_nan();
            match &mut s.ind {
                Ind::Sma(i) => cur[o] = one(fresh.then(|| i.update(x)).flatten()),
                Ind::Ema(i) => cur[o] = one(fresh.then(|| i.update(x)).flatten()),
                Ind::Wma(i) => cur[o] = one(fresh.then(|| i.update(x)).flatten()),
                Ind::Rsi(i) => cur[o] = one(fresh.then(|| i.update(x)).flatten()),
                Ind::Macd(i) => {
                    let v = fresh.then(|| i.update(x)).flatten();
                    cur[o] = v.map_or(f64::NAN, |m| m.macd);
                    cur[o + 1] = v.map_or(f64::NAN, |m| m.signal);
                    cur[o + 2] = v.map_or(f64::NAN, |m| m.hist);
                }
                Ind::Bollinger(i) => {
                    let v = fresh.then(|| i.update(x)).flatten();
                    cur[o] = v.map_or(f64::NAN, |b| b.upper);
                    cur[o + 1] = v.map_or(f64::NAN, |b| b.middle);
                    cur[o + 2] = v.map_or(f64::NAN, |b| b.lower);
                }
                Ind::Atr(i) => {
                    cur[o] = one(i.update(Hlc {
                        high: bar.high,
                        low: bar.low,
                        close: bar.close,
                    }))
                }
                Ind::Stoch(i) => {
                    let v = i.update(Hlc {
                        high: bar.high,
                        low: bar.low,
                        close: bar.close,
                    });
                    cur[o] = v.map_or(f64::NAN, |s| s.k);
                    cur[o + 1] = v.map_or(f64::NAN, |s| s.d);
                }
                Ind::Vwap(i) => {
                    let input = PriceVolume {
                        price: x,
                        volume: bar.volume,
                    };
                    cur[o] = one(fresh.then(|| i.update(input)).flatten());
                }
                Ind::Obv(i) => {
                    let input = CloseVolume {
                        close: x,
                        volume: bar.volume,
                    };
                    cur[o] = one(fresh.then(|| i.update(input)).flatten());
                }
                Ind::Twp(i) => cur[o] = one(fresh.then(|| i.update(tick(bar, x))).flatten()),
                Ind::Velocity(i) => cur[o] = one(fresh.then(|| i.update(tick(bar, x))).flatten()),
                Ind::VolumeSurge(i) => {
                    cur[o] = one(fresh.then(|| i.update(tick(bar, x))).flatten())
                }
            }
        }
    }

    fn exit_side(&self) -> Side {
        if self.p.long { Side::Sell } else { Side::Buy }
    }

    fn in_position(&self, position: f64) -> bool {
        if self.p.long {
            position > 0.0
        } else {
            position < 0.0
        }
    }

    /// The protective stop level for the current entry and best price (NaN when the spec has
    /// neither a stop-loss nor a trailing stop).
    fn stop_target(&self) -> f64 {
        let (e, b) = (self.entry_price, self.best);
        let (sl, tr) = (self.p.stop_loss, self.p.trailing);
        if self.p.long {
            let sl = sl.map_or(f64::NAN, |f| e * (1.0 - f));
            let tr = tr.map_or(f64::NAN, |f| b * (1.0 - f));
            sl.max(tr)
        } else {
            let sl = sl.map_or(f64::NAN, |f| e * (1.0 + f));
            let tr = tr.map_or(f64::NAN, |f| b * (1.0 + f));
            sl.min(tr)
        }
    }

    fn place_stop(&mut self, level: f64, ctx: &mut Ctx<'_>) {
        if !self.stop_level.is_nan() {
            ctx.cancel(Self::STOP);
        }
        ctx.submit(OrderIntent {
            tag: Self::STOP,
            side: self.exit_side(),
            kind: OrderKind::StopMarket,
            sizing: Sizing::Position,
            price: None,
            stop_price: Some(level),
            tif: TimeInForce::Gtc,
            reduce_only: true,
        });
        self.stop_level = level;
    }

    /// (Re)places every protective order for the current entry price.
    fn protect(&mut self, ctx: &mut Ctx<'_>) {
        let level = self.stop_target();
        if !level.is_nan() {
            self.place_stop(level, ctx);
        }
        if let Some(f) = self.p.take_profit {
            if self.tp_live {
                ctx.cancel(Self::TAKE_PROFIT);
            }
            let target = if self.p.long {
                self.entry_price * (1.0 + f)
            } else {
                self.entry_price * (1.0 - f)
            };
            ctx.submit(OrderIntent {
                tag: Self::TAKE_PROFIT,
                side: self.exit_side(),
                kind: OrderKind::TakeProfitMarket,
                sizing: Sizing::Position,
                price: None,
                stop_price: Some(target),
                tif: TimeInForce::Gtc,
                reduce_only: true,
            });
            self.tp_live = true;
        }
    }

    /// Cancels the working protective orders and forgets the position.
    fn unprotect(&mut self, ctx: &mut Ctx<'_>) {
        if !self.stop_level.is_nan() {
            ctx.cancel(Self::STOP);
        }
        if self.tp_live {
            ctx.cancel(Self::TAKE_PROFIT);
        }
        self.stop_level = f64::NAN;
        self.tp_live = false;
        self.entry_price = 0.0;
        self.best = f64::NAN;
    }

    /// Ratchets the trailing stop after a bar in the position.
    fn trail(&mut self, bar: &Bar, ctx: &mut Ctx<'_>) {
        if self.p.trailing.is_none() || self.entry_price == 0.0 {
            return;
        }
        let better = if self.p.long {
            bar.high > self.best
        } else {
            bar.low < self.best
        };
        if !better {
            return;
        }
        self.best = if self.p.long { bar.high } else { bar.low };
        let level = self.stop_target();
        let moved = if self.p.long {
            level > self.stop_level
        } else {
            level < self.stop_level
        };
        if moved || self.stop_level.is_nan() {
            self.place_stop(level, ctx);
        }
    }
}

#[inline]
fn tick(bar: &Bar, price: f64) -> IndTick {
    IndTick {
        t_ms: bar.close_time_ms,
        price,
        volume: bar.volume,
    }
}

impl Strategy for RuleStrategy {
    fn on_bar(&mut self, bar: &Bar, ctx: &mut Ctx<'_>) {
        let c = &mut self.cur;
        c[OPEN] = bar.open;
        c[HIGH] = bar.high;
        c[LOW] = bar.low;
        c[CLOSE] = bar.close;
        c[VOLUME] = bar.volume;
        if self.p.derived {
            c[DERIVED_START] = (bar.high + bar.low) * 0.5;
            c[DERIVED_START + 1] = (bar.high + bar.low + bar.close) / 3.0;
            c[DERIVED_START + 2] = (bar.open + bar.high + bar.low + bar.close) * 0.25;
        }
        self.update_indicators(bar);

        let in_position = self.in_position(ctx.position);
        if in_position {
            self.trail(bar, ctx);
        }
        let ready = self.cur[self.p.ind_start..self.p.ind_end]
            .iter()
            .all(|v| !v.is_nan());
        if ready {
            if in_position {
                if self.p.exit.is_some_and(|e| self.eval(e)) {
                    self.unprotect(ctx);
                    let mut o = OrderIntent::market(Self::EXIT, self.exit_side(), Sizing::Position);
                    o.reduce_only = true;
                    ctx.submit(o);
                }
            } else if ctx.is_flat() && self.eval(self.p.entry) {
                let side = if self.p.long { Side::Buy } else { Side::Sell };
                ctx.submit(OrderIntent::market(Self::ENTRY, side, self.p.sizing));
            }
        }
        self.prev.copy_from_slice(&self.cur);
    }

    fn on_fill(&mut self, fill: &FillView, ctx: &mut Ctx<'_>) {
        match fill.tag {
            Self::ENTRY => {
                let first = self.entry_price == 0.0;
                self.entry_price = if ctx.entry_price > 0.0 {
                    ctx.entry_price
                } else {
                    fill.price
                };
                if first {
                    self.best = fill.price;
                }
                self.protect(ctx);
            }
            // The position is closed: cancel what protected it (the filled order is gone).
            Self::EXIT | Self::STOP | Self::TAKE_PROFIT if !self.in_position(ctx.position) => {
                if fill.tag == Self::STOP {
                    self.stop_level = f64::NAN;
                }
                if fill.tag == Self::TAKE_PROFIT {
                    self.tp_live = false;
                }
                self.unprotect(ctx);
            }
            _ => {}
        }
    }
}

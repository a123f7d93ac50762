//! The strategy trait and what flows through it.

use keel_domain::{OrderKind, Side, TimeInForce};
use rust_decimal::Decimal;

/// A closed candle as strategies see it. Prices are `f64`: indicators compute in floating
/// point; money is handled in `Decimal` by the runner's ledger, never here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Start of the bar's interval (epoch ms).
    pub open_time_ms: i64,
    /// When the bar closed: the time a decision on it is taken.
    pub close_time_ms: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// Base-asset volume.
    pub volume: f64,
}

/// A public trade print.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tick {
    pub t_ms: i64,
    pub price: f64,
    pub qty: f64,
    pub taker_side: Side,
}

/// One of the strategy's own fills, as the runner reports it back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FillView {
    /// The intent's tag.
    pub tag: u32,
    pub side: Side,
    pub price: f64,
    pub qty: f64,
    pub t_ms: i64,
}

/// How much to trade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sizing {
    /// A fixed quantity of the base asset.
    Units(Decimal),
    /// A quote-asset amount, converted at the reference price and rounded down to the step.
    Quote(Decimal),
    /// A fraction (0..=1) of the account's equity in quote, converted like `Quote`.
    EquityFraction(f64),
    /// The whole current position (for exits; the side must reduce it).
    Position,
}

/// An order the strategy wants. Prices are `f64` and are rounded onto the instrument's tick grid
/// by the runner (buys down, sells up for limits; against the trader for stops).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderIntent {
    /// The strategy's own handle for this order (for cancels and fills).
    pub tag: u32,
    pub side: Side,
    pub kind: OrderKind,
    pub sizing: Sizing,
    pub price: Option<f64>,
    pub stop_price: Option<f64>,
    pub tif: TimeInForce,
    pub reduce_only: bool,
}

impl OrderIntent {
    /// A market order of `sizing`.
    pub fn market(tag: u32, side: Side, sizing: Sizing) -> OrderIntent {
        OrderIntent {
            tag,
            side,
            kind: OrderKind::Market,
            sizing,
            price: None,
            stop_price: None,
            tif: TimeInForce::Gtc,
            reduce_only: false,
        }
    }
}

/// What a strategy asks of its runner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Submit(OrderIntent),
    /// Cancel the working order with this tag (no-op if none).
    Cancel(u32),
    /// Cancel every working order of the strategy.
    CancelAll,
}

/// The account as the strategy sees it at an event, and the place its actions go.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// Event time (epoch ms).
    pub now_ms: i64,
    /// Net base position (positive long, negative short).
    pub position: f64,
    /// Quote cash.
    pub cash: f64,
    /// Cash plus the position marked at the last price.
    pub equity: f64,
    /// Average entry price of the open position (0 when flat).
    pub entry_price: f64,
    /// Working orders of this strategy.
    pub open_orders: usize,
    actions: &'a mut Vec<Action>,
}

impl<'a> Ctx<'a> {
    /// A context whose actions are appended to `actions`.
    pub fn new(actions: &'a mut Vec<Action>) -> Ctx<'a> {
        Ctx {
            now_ms: 0,
            position: 0.0,
            cash: 0.0,
            equity: 0.0,
            entry_price: 0.0,
            open_orders: 0,
            actions,
        }
    }

    /// Whether the account holds no position.
    pub fn is_flat(&self) -> bool {
        self.position == 0.0
    }

    /// Asks for an order.
    pub fn submit(&mut self, intent: OrderIntent) {
        self.actions.push(Action::Submit(intent));
    }

    /// Cancels the working order tagged `tag`.
    pub fn cancel(&mut self, tag: u32) {
        self.actions.push(Action::Cancel(tag));
    }

    /// Cancels every working order.
    pub fn cancel_all(&mut self) {
        self.actions.push(Action::CancelAll);
    }
}

/// A trading strategy: pure state plus event handlers. See the crate docs.
pub trait Strategy: Send {
    /// A bar closed. Decisions taken here are executed at the bar's close (latency permitting).
    fn on_bar(&mut self, bar: &Bar, ctx: &mut Ctx<'_>);

    /// A trade printed (tick-level runs only).
    fn on_tick(&mut self, _tick: &Tick, _ctx: &mut Ctx<'_>) {}

    /// One of the strategy's orders filled (wholly or partly).
    fn on_fill(&mut self, _fill: &FillView, _ctx: &mut Ctx<'_>) {}
}

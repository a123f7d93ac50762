//! The simulated venue's orders, fills, events and refusals.

use keel_domain::{OrderKind, OrderStatus, Side, TimeInForce};
use rust_decimal::Decimal;
use std::fmt;

/// An order as the strategy sends it to the simulated venue. `id` is the caller's and must be
/// unique among the venue's working orders. [`OrderKind::LimitMaker`] is post-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimOrder {
    pub id: u64,
    pub side: Side,
    pub kind: OrderKind,
    /// Base quantity (rounded down onto the step grid on submit).
    pub qty: Decimal,
    /// The limit price of limit-priced kinds ([`OrderKind::has_limit_price`]); ignored otherwise.
    pub price: Option<Decimal>,
    /// The trigger of conditional kinds ([`OrderKind::is_conditional`]); ignored otherwise.
    pub stop_price: Option<Decimal>,
    pub tif: TimeInForce,
    /// The order may only shrink the venue's net position.
    pub reduce_only: bool,
}

impl SimOrder {
    /// A GTC market order.
    pub fn market(id: u64, side: Side, qty: Decimal) -> Self {
        Self {
            id,
            side,
            kind: OrderKind::Market,
            qty,
            price: None,
            stop_price: None,
            tif: TimeInForce::Gtc,
            reduce_only: false,
        }
    }

    /// A GTC limit order.
    pub fn limit(id: u64, side: Side, qty: Decimal, price: Decimal) -> Self {
        Self {
            kind: OrderKind::Limit,
            price: Some(price),
            ..Self::market(id, side, qty)
        }
    }

    /// A GTC conditional order of `kind` with trigger `stop` and, for the limit kinds, `price`.
    pub fn conditional(
        id: u64,
        side: Side,
        kind: OrderKind,
        qty: Decimal,
        stop: Decimal,
        price: Option<Decimal>,
    ) -> Self {
        Self {
            kind,
            price,
            stop_price: Some(stop),
            ..Self::market(id, side, qty)
        }
    }

    /// The same order with another time in force.
    pub fn with_tif(self, tif: TimeInForce) -> Self {
        Self { tif, ..self }
    }

    /// The same order, reduce-only.
    pub fn reduce_only(self) -> Self {
        Self {
            reduce_only: true,
            ..self
        }
    }
}

/// A working (or latency-pending) order inside the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOrder {
    /// The order as accepted (prices and quantity on the grids; amends update it).
    pub order: SimOrder,
    /// Base quantity filled so far.
    pub filled: Decimal,
    /// When the order reaches the venue (`submit` time + latency).
    pub active_ms: i64,
    /// Whether the venue has acknowledged it ([`SimEvent::Accepted`] was sent).
    pub accepted: bool,
    /// Whether a conditional order's trigger has fired.
    pub triggered: bool,
    /// Tick fills: quantity ahead of the order at its limit price that must trade first.
    pub queue_ahead: Decimal,
    /// Time priority (larger is later; an amend moves the order to the back).
    pub seq: u64,
}

impl OpenOrder {
    /// Base quantity still to fill.
    pub fn remaining(&self) -> Decimal {
        self.order.qty - self.filled
    }

    /// The limit price the order works at now: limit kinds, and stop-limits once triggered.
    pub fn working_limit(&self) -> Option<Decimal> {
        if !self.order.kind.has_limit_price() {
            return None;
        }
        if self.order.kind.is_conditional() && !self.triggered {
            return None;
        }
        self.order.price
    }

    /// Whether the order sits in the (virtual) book as a maker: an acknowledged limit order or a
    /// triggered stop-limit.
    pub fn rests_on_book(&self) -> bool {
        self.accepted && self.working_limit().is_some()
    }

    /// Whether the order waits for its trigger.
    pub fn awaits_trigger(&self) -> bool {
        self.order.kind.is_conditional() && !self.triggered
    }
}

/// Whether a fill added liquidity (a resting order was hit) or took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Liquidity {
    Maker,
    Taker,
}

/// One execution of a simulated order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimFill {
    pub order_id: u64,
    pub side: Side,
    /// On the tick grid.
    pub price: Decimal,
    /// On the step grid.
    pub qty: Decimal,
    /// In the quote asset: `price * qty * rate` of the liquidity's fee rate.
    pub fee: Decimal,
    pub liquidity: Liquidity,
    pub time_ms: i64,
}

impl SimFill {
    /// `price * qty`.
    pub fn notional(&self) -> Decimal {
        self.price * self.qty
    }
}

/// What the venue reports. A successful submit yields `Accepted`, then any `Fill`s, then `Done`
/// when the order ends; a refused one yields only `Rejected`. A successful amend is acknowledged
/// with `Accepted` again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimEvent {
    Accepted {
        order_id: u64,
    },
    Fill(SimFill),
    /// A conditional order's trigger fired; it now works as a market or limit order.
    Triggered {
        order_id: u64,
    },
    /// The order ended: `Filled`, `Canceled` or `Expired`.
    Done {
        order_id: u64,
        status: OrderStatus,
    },
    /// The order (or an amend or cancel request for it) was refused; nothing changed.
    Rejected {
        order_id: u64,
        reason: SimReject,
    },
}

/// Why the venue refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimReject {
    /// A post-only order would have taken liquidity.
    PostOnlyWouldTake,
    /// A fill-or-kill order could not be filled whole at once.
    FokNotFillable,
    /// A reduce-only order would have opened or grown the position.
    ReduceOnlyWouldIncrease,
    /// A limit-priced order without a price.
    MissingPrice,
    /// A conditional order without a stop price.
    MissingStopPrice,
    /// Quantity not positive after rounding onto the step grid, or an amend to at most the
    /// quantity already filled.
    InvalidQty,
    /// A price or stop price that is not positive.
    InvalidPrice,
    /// No working order with that id.
    UnknownOrder,
    /// The order would have traded against one of the trader's own resting orders.
    SelfTrade,
    /// An order with this id is already working.
    DuplicateId,
    /// A conditional order whose trigger is already reached (real venues refuse these too).
    WouldTriggerImmediately,
    /// A post-only order with IOC or FOK.
    InvalidTimeInForce,
    /// A market order's price cannot be amended.
    NotAmendable,
}

impl fmt::Display for SimReject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SimReject::PostOnlyWouldTake => {
                "post-only order would take liquidity (its price crosses the market)"
            }
            SimReject::FokNotFillable => {
                "fill-or-kill order cannot be filled completely at once; nothing was filled"
            }
            SimReject::ReduceOnlyWouldIncrease => {
                "reduce-only order would open or increase the position"
            }
            SimReject::MissingPrice => "limit-priced order has no price",
            SimReject::MissingStopPrice => "stop or take-profit order has no stop price",
            SimReject::InvalidQty => {
                "quantity must be positive on the step grid (and above the filled quantity when amending)"
            }
            SimReject::InvalidPrice => "price and stop price must be positive",
            SimReject::UnknownOrder => "no working order with this id",
            SimReject::SelfTrade => {
                "order would trade against the account's own resting order (self-trade prevention expired it)"
            }
            SimReject::DuplicateId => "an order with this id is already working",
            SimReject::WouldTriggerImmediately => {
                "stop price is already reached; the order would trigger immediately"
            }
            SimReject::InvalidTimeInForce => "post-only orders must be GTC",
            SimReject::NotAmendable => "a market order's price cannot be amended",
        })
    }
}

impl std::error::Error for SimReject {}

//! Keel's domain: the vocabulary every other crate speaks.
//!
//! Money is [`Decimal`], never `f64`. Nothing here does IO or reads the wall clock: time is passed
//! in as epoch milliseconds, or read from a [`Clock`] the caller chose.

pub mod clock;
pub mod instrument;
pub mod market;
pub mod order;

pub use clock::{Clock, ManualClock};
pub use instrument::{FilterError, Instrument};
pub use market::{BookLevel, Candle, CandleBuilder, MarkPrice, OrderBook, Trade};
pub use order::{
    Amount, Balance, Fill, MarginType, OrderKind, OrderOptions, OrderRecord, OrderStatus, Position,
    PositionSide, Side, SubmitOrder, TimeInForce,
};
pub use rust_decimal::Decimal;

/// Epoch milliseconds, UTC. The one time unit that crosses crate boundaries.
pub type TimestampMs = i64;

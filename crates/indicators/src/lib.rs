//! Keel's streaming indicators: pure state machines, O(1) per update, `f64` inside.
//!
//! Every indicator implements [`Indicator`]: feed one input at a time with
//! [`Indicator::update`]; it returns `None` until the indicator is warm and then one output per
//! input. The classic indicators ([`Sma`], [`Ema`], [`Wma`], [`Rsi`], [`Macd`], [`Bollinger`],
//! [`Atr`], [`Stoch`], [`Obv`]) produce their first value at exactly the input where TA-Lib's
//! batch function produces its first non-NaN value, and the same values within 1e-9 relative
//! (checked against committed TA-Lib fixtures in `tests/`). [`Vwap`] and the time-window family
//! ([`TimeWeightedPrice`], [`Velocity`], [`VolumeSurge`]) have no TA-Lib counterpart; their
//! doc comments define them precisely and the tests check them against brute-force references.
//!
//! Performance: recurrences are written in multiply-add form with divides kept off the
//! loop-carried dependency chain; no allocation after construction (the time-window family
//! keeps a deque of the ticks inside its longest window).
//!
//! No IO, no wall clock: time only ever comes from the inputs.

mod error;
mod ma;
mod oscillators;
mod ring;
mod smooth;
mod volatility;
mod volume;
mod window;

pub use error::IndicatorError;
pub use ma::{Ema, Sma, Wma};
pub use oscillators::{Macd, MacdOut, Rsi, Stoch, StochOut};
pub use volatility::{Atr, BandsOut, Bollinger};
pub use volume::{Obv, Vwap};
pub use window::{TimeWeightedPrice, Velocity, VolumeSurge};

/// A streaming indicator: one input in, at most one output out, O(1) per update.
pub trait Indicator {
    /// What one update consumes (a price, a candle's high/low/close, a tick, ...).
    type Input;
    /// What one update produces once warm.
    type Output;

    /// Feeds one input. Returns `None` while the indicator is warming up (aligned exactly like
    /// the first non-NaN value of the matching TA-Lib function), then one output per input.
    fn update(&mut self, input: Self::Input) -> Option<Self::Output>;

    /// Forgets every input: the indicator is as freshly constructed.
    fn reset(&mut self);

    /// How many inputs are consumed before the first output: the first `Some` is returned by
    /// the update of input number `warmup()` (zero-based), TA-Lib's "lookback". Indicators whose
    /// warm-up depends on time or data rather than a count return 0 and say so in their docs.
    fn warmup(&self) -> usize;
}

/// One candle's high, low and close: the input of [`Atr`] and [`Stoch`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hlc {
    /// Highest price of the bar.
    pub high: f64,
    /// Lowest price of the bar.
    pub low: f64,
    /// Last price of the bar.
    pub close: f64,
}

/// A price and the volume traded at it: the input of [`Vwap`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceVolume {
    /// Price (for candles, usually the typical price or the close).
    pub price: f64,
    /// Volume traded at that price (base units).
    pub volume: f64,
}

/// A close and the bar's volume: the input of [`Obv`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CloseVolume {
    /// Closing price of the bar.
    pub close: f64,
    /// Volume of the bar.
    pub volume: f64,
}

/// One trade print or price update: the input of the time-window family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tick {
    /// Event time, epoch milliseconds (any fixed origin works; only differences matter).
    pub t_ms: i64,
    /// Price from this instant until the next tick.
    pub price: f64,
    /// Volume traded at this instant.
    pub volume: f64,
}

//! How a simulation run fills orders: intrabar path, fees, slippage, latency, volume share and
//! the instrument's grids.

use rust_decimal::Decimal;

/// The order in which a candle's prices are assumed to trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CandlePath {
    /// Open, high, low, close.
    OpenHighLowClose,
    /// Open, low, high, close.
    OpenLowHighClose,
    /// Open, the extreme nearer to the open, the farther one, close. When both are equally far
    /// the low comes first.
    #[default]
    NearestExtremeFirst,
}

impl CandlePath {
    /// The four path points of a candle.
    pub fn points(self, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> [Decimal; 4] {
        let high_first = match self {
            CandlePath::OpenHighLowClose => true,
            CandlePath::OpenLowHighClose => false,
            CandlePath::NearestExtremeFirst => h - o < o - l,
        };
        if high_first {
            [o, h, l, c]
        } else {
            [o, l, h, c]
        }
    }
}

/// Price slippage of taker fills, always against the trader (buys pay more, sells get less).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Slippage {
    #[default]
    None,
    /// Basis points of the price (1 bp = 0.01 %), then rounded onto the tick grid against the
    /// trader.
    Bps(Decimal),
    /// Whole ticks.
    Ticks(u32),
}

/// Fee rates as fractions of notional (0.001 = 0.1 %), charged in the quote asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    pub maker: Decimal,
    pub taker: Decimal,
}

impl Default for Fees {
    fn default() -> Self {
        Self {
            maker: Decimal::new(1, 3),
            taker: Decimal::new(1, 3),
        }
    }
}

/// One run's fill model. See the [module documentation](super) for what each knob does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimConfig {
    pub path: CandlePath,
    pub fees: Fees,
    pub slippage: Slippage,
    /// Milliseconds from `submit` until the order reaches the venue.
    pub latency_ms: i64,
    /// The largest share of one candle's or one trade's volume one order side may take
    /// (1 = all of it).
    pub volume_share: Decimal,
    pub tick_size: Decimal,
    pub step_size: Decimal,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            path: CandlePath::NearestExtremeFirst,
            fees: Fees::default(),
            slippage: Slippage::None,
            latency_ms: 0,
            volume_share: Decimal::ONE,
            tick_size: Decimal::new(1, 2),
            step_size: Decimal::new(1, 8),
        }
    }
}

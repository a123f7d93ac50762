//! Moving averages: simple, exponential, weighted.

use crate::Indicator;
use crate::error::{IndicatorError, period};
use crate::ring::Ring;
use crate::smooth::Smoother;

/// Simple moving average: the mean of the last `period` inputs.
///
/// Matches TA-Lib `SMA(period)`: first output at input `period - 1`. The running sum is
/// updated in TA-Lib's order (add the new value, output, subtract the oldest), so the values
/// agree with TA-Lib to the last bit or two.
#[derive(Debug, Clone)]
pub struct Sma {
    period: usize,
    inv: f64,
    seen: usize,
    total: f64,
    ring: Ring,
}

impl Sma {
    /// An SMA over `period >= 1` inputs.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = self::period("period", period)?;
        Ok(Self {
            period,
            inv: 1.0 / period as f64,
            seen: 0,
            total: 0.0,
            ring: Ring::new(period),
        })
    }

    /// The period.
    pub fn period(&self) -> usize {
        self.period
    }
}

impl Indicator for Sma {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> Option<f64> {
        self.ring.push(x);
        let with_new = self.total + x;
        if self.seen + 1 < self.period {
            self.seen += 1;
            self.total = with_new;
            return None;
        }
        self.total = with_new - self.ring.oldest();
        Some(with_new * self.inv)
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.total = 0.0;
        self.ring.clear();
    }

    fn warmup(&self) -> usize {
        self.period - 1
    }
}

/// Exponential moving average with smoothing `k = 2 / (period + 1)`.
///
/// Matches TA-Lib `EMA(period)` (default compatibility): the first output, at input
/// `period - 1`, is the SMA of the first `period` inputs; afterwards
/// `ema = x * k + ema * (1 - k)` (the multiply-add form of TA-Lib's `(x - ema) * k + ema`),
/// evaluated as two interleaved chains (`Smoother`): the values agree with TA-Lib within a few
/// ulps.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    seen: usize,
    /// The running sum while seeding.
    sum: f64,
    /// Whether the first (plain) step after seeding was taken.
    stepped: bool,
    smooth: Smoother,
}

impl Ema {
    /// An EMA over `period >= 1` inputs.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = self::period("period", period)?;
        let k = 2.0 / (period as f64 + 1.0);
        Ok(Self {
            period,
            k,
            seen: 0,
            sum: 0.0,
            stepped: false,
            smooth: Smoother::new(1.0 - k, k),
        })
    }

    /// The period.
    pub fn period(&self) -> usize {
        self.period
    }

    /// The smoothing factor `k = 2 / (period + 1)`.
    pub fn k(&self) -> f64 {
        self.k
    }

    /// One step of a seeded EMA (the caller knows it is): the hot path of [`crate::Macd`].
    #[inline(always)]
    pub(crate) fn step(&mut self, x: f64) -> f64 {
        if self.stepped {
            self.smooth.step(x)
        } else {
            self.stepped = true;
            self.smooth.first(x)
        }
    }
}

impl Indicator for Ema {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> Option<f64> {
        if self.seen >= self.period {
            return Some(self.step(x));
        }
        // Seeding: the running sum of the first `period` inputs, then their mean.
        self.sum += x;
        self.seen += 1;
        if self.seen == self.period {
            let seed = self.sum / self.period as f64;
            self.smooth.seed(seed);
            Some(seed)
        } else {
            None
        }
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.sum = 0.0;
        self.stepped = false;
    }

    fn warmup(&self) -> usize {
        self.period - 1
    }
}

/// Linearly weighted moving average: weights `1, 2, ..., period` from the oldest to the newest
/// of the last `period` inputs, divided by `period * (period + 1) / 2`.
///
/// Matches TA-Lib `WMA(period)`: first output at input `period - 1`; O(1) with TA-Lib's two
/// running sums (the plain sum of the window and the weighted sum), updated in its order.
#[derive(Debug, Clone)]
pub struct Wma {
    period: usize,
    period_f: f64,
    inv_divider: f64,
    seen: usize,
    sum: f64,
    weighted: f64,
    ring: Ring,
}

impl Wma {
    /// A WMA over `period >= 1` inputs.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = self::period("period", period)?;
        let p = period as f64;
        Ok(Self {
            period,
            period_f: p,
            inv_divider: 2.0 / (p * (p + 1.0)),
            seen: 0,
            sum: 0.0,
            weighted: 0.0,
            ring: Ring::new(period),
        })
    }

    /// The period.
    pub fn period(&self) -> usize {
        self.period
    }
}

impl Indicator for Wma {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> Option<f64> {
        // The value that leaves the window (0.0 until `period` values were seen).
        let leaving = self.ring.push(x);
        if self.seen + 1 < self.period {
            self.seen += 1;
            self.sum += x;
            self.weighted += x * self.seen as f64;
            return None;
        }
        self.sum += x;
        self.sum -= leaving;
        self.weighted += x * self.period_f;
        let out = self.weighted * self.inv_divider;
        self.weighted -= self.sum;
        Some(out)
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.sum = 0.0;
        self.weighted = 0.0;
        self.ring.clear();
    }

    fn warmup(&self) -> usize {
        self.period - 1
    }
}

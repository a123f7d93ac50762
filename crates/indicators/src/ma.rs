//! Moving averages: simple, exponential, weighted.

use crate::Indicator;
use crate::error::{IndicatorError, period};
use crate::ring::Ring;

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
/// `ema = x * k + ema * (1 - k)` (the multiply-add form of TA-Lib's `(x - ema) * k + ema`:
/// one multiply and one add on the loop-carried chain instead of a subtract, a multiply and an
/// add; the two agree within a few ulps).
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    one_minus_k: f64,
    seen: usize,
    value: f64,
}

impl Ema {
    /// An EMA over `period >= 1` inputs.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = self::period("period", period)?;
        let k = 2.0 / (period as f64 + 1.0);
        Ok(Self {
            period,
            k,
            one_minus_k: 1.0 - k,
            seen: 0,
            value: 0.0,
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
}

impl Indicator for Ema {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> Option<f64> {
        if self.seen >= self.period {
            self.value = x * self.k + self.value * self.one_minus_k;
            return Some(self.value);
        }
        // Seeding: the running sum of the first `period` inputs, then their mean.
        self.value += x;
        self.seen += 1;
        if self.seen == self.period {
            self.value /= self.period as f64;
            Some(self.value)
        } else {
            None
        }
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.value = 0.0;
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

/// EMA in TA-Lib's exact operations, `ema = fma(x - ema, k, ema)` (TA-Lib 0.6+ fuses the
/// multiply-add; one more operation on the loop-carried chain than [`Ema`]). Used where the output is a difference of nearly equal
/// EMAs (MACD): there only identical rounding stays within 1e-9 relative near zero crossings.
#[derive(Debug, Clone)]
pub(crate) struct TalibEma {
    period: usize,
    k: f64,
    seen: usize,
    value: f64,
}

impl TalibEma {
    /// `period >= 1` (checked by the caller).
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            k: 2.0 / (period as f64 + 1.0),
            seen: 0,
            value: 0.0,
        }
    }

    /// One step of a warm EMA.
    #[inline(always)]
    pub(crate) fn step(&mut self, x: f64) -> f64 {
        self.value = (x - self.value).mul_add(self.k, self.value);
        self.value
    }

    #[inline(always)]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        if self.seen >= self.period {
            self.value = (x - self.value).mul_add(self.k, self.value);
            return Some(self.value);
        }
        self.value += x;
        self.seen += 1;
        if self.seen == self.period {
            self.value /= self.period as f64;
            Some(self.value)
        } else {
            None
        }
    }

    pub(crate) fn reset(&mut self) {
        self.seen = 0;
        self.value = 0.0;
    }
}

//! Volatility: Bollinger Bands and the average true range.

use crate::error::{IndicatorError, period};
use crate::ring::Ring;
use crate::smooth::Smoother;
use crate::{Hlc, Indicator};

/// One Bollinger Bands output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandsOut {
    /// `middle + k_up * stddev`.
    pub upper: f64,
    /// The SMA of the last `period` inputs.
    pub middle: f64,
    /// `middle - k_down * stddev`.
    pub lower: f64,
}

/// Bollinger Bands: the SMA of the last `period` inputs and the bands `k_up` / `k_down`
/// population standard deviations above / below it.
///
/// Matches TA-Lib `BBANDS(period, k_up, k_down, matype=SMA)`: first output at input
/// `period - 1`; the middle band is [`crate::Sma`]'s. The variance comes from
/// running sums of the deviations from a shift near the mean, `mean((x - s)^2) - mean(x - s)^2`;
/// the shift moves to the current mean and the sums are recomputed from the window every
/// `period` inputs (O(1) amortised). That avoids the cancellation of the textbook
/// `mean(x^2) - mean(x)^2` in flat windows, where it loses most digits of a tiny variance.
#[derive(Debug, Clone)]
pub struct Bollinger {
    period: usize,
    inv: f64,
    k_up: f64,
    k_down: f64,
    seen: usize,
    total: f64,
    shift: f64,
    dev_sum: f64,
    dev_sq: f64,
    since_shift: usize,
    ring: Ring,
}

impl Bollinger {
    /// Bands over `period >= 1` inputs, `k_up` and `k_down` standard deviations wide (finite).
    pub fn new(period: usize, k_up: f64, k_down: f64) -> Result<Self, IndicatorError> {
        let period = self::period("period", period)?;
        for (param, k) in [("k_up", k_up), ("k_down", k_down)] {
            if !k.is_finite() {
                return Err(IndicatorError::InvalidParameter {
                    param,
                    reason: "must be finite",
                });
            }
        }
        Ok(Self {
            period,
            inv: 1.0 / period as f64,
            k_up,
            k_down,
            seen: 0,
            total: 0.0,
            shift: 0.0,
            dev_sum: 0.0,
            dev_sq: 0.0,
            since_shift: 0,
            ring: Ring::new(period),
        })
    }

    /// Moves the shift to `to` and recomputes the deviation sums from the (full) window.
    #[cold]
    fn reshift(&mut self, to: f64) {
        self.shift = to;
        let (mut sum, mut sq) = (0.0, 0.0);
        for &v in self.ring.values() {
            let d = v - to;
            sum += d;
            sq += d * d;
        }
        self.dev_sum = sum;
        self.dev_sq = sq;
        self.since_shift = 0;
    }
}

impl Indicator for Bollinger {
    type Input = f64;
    type Output = BandsOut;

    #[inline]
    fn update(&mut self, x: f64) -> Option<BandsOut> {
        let leaving = self.ring.push(x);
        if self.seen == 0 {
            self.shift = x;
        }
        let d = x - self.shift;
        self.dev_sum += d;
        self.dev_sq += d * d;
        let with_new = self.total + x;
        if self.seen + 1 < self.period {
            self.seen += 1;
            self.total = with_new;
            return None;
        }
        if self.seen >= self.period {
            let d_old = leaving - self.shift;
            self.dev_sum -= d_old;
            self.dev_sq -= d_old * d_old;
        } else {
            self.seen += 1;
        }
        self.total = with_new - self.ring.oldest();
        // TA-Lib's SMA running sum, bit for bit, times 1 / period (within 1 ulp of its divide).
        let middle = with_new * self.inv;
        let mean_dev = self.dev_sum * self.inv;
        let variance = self.dev_sq * self.inv - mean_dev * mean_dev;
        let sd = if variance > 0.0 { variance.sqrt() } else { 0.0 };
        self.since_shift += 1;
        if self.since_shift >= self.period {
            self.reshift(middle);
        }
        Some(BandsOut {
            upper: middle + sd * self.k_up,
            middle,
            lower: middle - sd * self.k_down,
        })
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.total = 0.0;
        self.shift = 0.0;
        self.dev_sum = 0.0;
        self.dev_sq = 0.0;
        self.since_shift = 0;
        self.ring.clear();
    }

    fn warmup(&self) -> usize {
        self.period - 1
    }
}

/// Average true range with Wilder's smoothing.
///
/// True range of bar `i >= 1`: `max(high - low, |high - close[i-1]|, |low - close[i-1]|)`
/// (bar 0 has none). The first ATR, at bar `period`, is the mean of the true ranges of bars
/// `1..=period`; then `atr = atr * (period - 1) / period + tr / period` (multiply-add form,
/// evaluated as two interleaved chains: see `Smoother`). Matches TA-Lib `ATR(period)`.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    seen: usize,
    prev_close: f64,
    atr: f64,
    smooth: Smoother,
}

impl Atr {
    /// An ATR over `period >= 1` bars.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = self::period("period", period)?;
        let p = period as f64;
        Ok(Self {
            period,
            seen: 0,
            prev_close: 0.0,
            atr: 0.0,
            smooth: Smoother::new((p - 1.0) / p, 1.0 / p),
        })
    }
}

/// `a` if greater than `b`, else `b` (TA-Lib's compare-and-replace; a single `maxsd`).
#[inline(always)]
fn greater(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

impl Indicator for Atr {
    type Input = Hlc;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlc) -> Option<f64> {
        let range = bar.high - bar.low;
        let tr = greater((self.prev_close - bar.high).abs(), range);
        let tr = greater((self.prev_close - bar.low).abs(), tr);
        self.prev_close = bar.close;
        // `seen` counts bars up to `period + 2`, then stays: the hot path is one compare.
        if self.seen > self.period + 1 {
            return Some(self.smooth.step(tr));
        }
        if self.seen == 0 {
            self.seen = 1;
            return None;
        }
        self.seen += 1;
        if self.seen > self.period + 1 {
            return Some(self.smooth.first(tr));
        }
        self.atr += tr;
        if self.seen <= self.period {
            return None;
        }
        self.atr /= self.period as f64;
        self.smooth.seed(self.atr);
        Some(self.atr)
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.prev_close = 0.0;
        self.atr = 0.0;
    }

    fn warmup(&self) -> usize {
        self.period
    }
}

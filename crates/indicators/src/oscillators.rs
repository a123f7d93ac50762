//! Oscillators: RSI, MACD, Stochastic.

use crate::error::{IndicatorError, period};
use crate::ma::{Ema, Sma};
use crate::ring::HighLow;
use crate::{Hlc, Indicator};

/// Relative strength index with Wilder's smoothing, 0 to 100.
///
/// Matches TA-Lib `RSI(period)`: with `d = x[i] - x[i-1]`, gains `max(d, 0)` and losses
/// `max(-d, 0)` are averaged over the first `period` differences (simple mean), then smoothed
/// as `avg = avg * (period - 1) / period + new / period` (multiply-add form, no divide on the
/// chain). Output `100 * gain / (gain + loss)`, or 0 when both averages are 0. The first output
/// is at input `period` (it needs `period` differences).
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    keep: f64,
    take: f64,
    seen: usize,
    prev: f64,
    gain: f64,
    loss: f64,
}

impl Rsi {
    /// An RSI over `period >= 1` differences.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = self::period("period", period)?;
        let p = period as f64;
        Ok(Self {
            period,
            keep: (p - 1.0) / p,
            take: 1.0 / p,
            seen: 0,
            prev: 0.0,
            gain: 0.0,
            loss: 0.0,
        })
    }

    #[inline(always)]
    fn value(gain: f64, loss: f64) -> f64 {
        let sum = gain + loss;
        if sum > 0.0 { 100.0 * (gain / sum) } else { 0.0 }
    }
}

impl Indicator for Rsi {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> Option<f64> {
        // The gain and loss chains are not the bottleneck here (the output's divide is):
        // unrolling them like `Atr`'s measured slower.
        let d = x - self.prev;
        self.prev = x;
        let up = if d > 0.0 { d } else { 0.0 };
        let down = if d < 0.0 { -d } else { 0.0 };
        if self.seen > self.period {
            self.gain = self.gain * self.keep + up * self.take;
            self.loss = self.loss * self.keep + down * self.take;
            return Some(Self::value(self.gain, self.loss));
        }
        if self.seen == 0 {
            self.seen = 1;
            return None;
        }
        self.gain += up;
        self.loss += down;
        self.seen += 1;
        if self.seen <= self.period {
            return None;
        }
        let p = self.period as f64;
        self.gain /= p;
        self.loss /= p;
        Some(Self::value(self.gain, self.loss))
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.prev = 0.0;
        self.gain = 0.0;
        self.loss = 0.0;
    }

    fn warmup(&self) -> usize {
        self.period
    }
}

/// One MACD output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdOut {
    /// Fast EMA minus slow EMA.
    pub macd: f64,
    /// EMA of `macd` over the signal period.
    pub signal: f64,
    /// `macd - signal`.
    pub hist: f64,
}

/// Moving average convergence/divergence: `EMA(fast) - EMA(slow)` of the input, its signal
/// line `EMA(signal)` and the histogram `macd - signal`.
///
/// Matches TA-Lib `MACD(fast, slow, signal)` including its alignment: TA-Lib starts both EMAs so
/// that their first values fall on the same input (`slow - 1`); the fast EMA therefore ignores
/// the first `slow - fast` inputs and is seeded with the mean of inputs `slow - fast ..= slow - 1`
/// (not the first `fast` inputs). The signal EMA is seeded with the mean of the first `signal`
/// MACD values, and the first output (all three lines together) is at input
/// `slow + signal - 2`. Requires `fast <= slow` (TA-Lib silently swaps them; this returns an
/// error instead).
///
/// Precision: the three EMAs are [`crate::Ema`]'s multiply-add recurrence
/// `ema = x * k + ema * (1 - k)` (two interleaved chains), each within a few ulps of TA-Lib's
/// EMA. TA-Lib 0.8 evaluates
/// `(x - ema) * k + ema` with a fused multiply-add (one rounding); reproducing that bit for bit
/// needs a hardware FMA, which the baseline x86-64 target Keel ships for does not have (the
/// software `f64::mul_add` fallback tripled MACD's cost). The MACD line is the difference of
/// two nearly equal EMAs, so its error is measured against the size of those EMAs (the price
/// level), not against the line itself: every value is within `1e-9 * max(|talib|, |ema_slow|)`
/// of TA-Lib (in practice about 1e-15 of the price level). Near a zero crossing the line is
/// tiny and a few ulps of the price are a large fraction of it (up to about 1e-7 of the line
/// on the test data), so a relative comparison against the line itself carries no information
/// there.
#[derive(Debug, Clone)]
pub struct Macd {
    skip: usize,
    seen: usize,
    warm: bool,
    fast: Ema,
    slow: Ema,
    signal: Ema,
    warmup: usize,
}

impl Macd {
    /// MACD with EMA periods `fast <= slow` and a `signal` period, all at least 1.
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Self, IndicatorError> {
        let fast = period("fast", fast)?;
        let slow = period("slow", slow)?;
        let signal = period("signal", signal)?;
        if fast > slow {
            return Err(IndicatorError::InvalidParameter {
                param: "fast",
                reason: "must not exceed `slow`",
            });
        }
        Ok(Self {
            skip: slow - fast,
            seen: 0,
            warm: false,
            fast: Ema::new(fast)?,
            slow: Ema::new(slow)?,
            signal: Ema::new(signal)?,
            warmup: slow + signal - 2,
        })
    }
}

impl Indicator for Macd {
    type Input = f64;
    type Output = MacdOut;

    #[inline]
    fn update(&mut self, x: f64) -> Option<MacdOut> {
        if self.warm {
            // Hot path once warm: three EMA steps, no warm-up bookkeeping.
            let slow = self.slow.step(x);
            let macd = self.fast.step(x) - slow;
            let signal = self.signal.step(macd);
            return Some(MacdOut {
                macd,
                signal,
                hist: macd - signal,
            });
        }
        let slow = self.slow.update(x);
        let fast = if self.seen >= self.skip {
            self.fast.update(x)
        } else {
            self.seen += 1;
            None
        };
        let macd = fast? - slow?;
        let signal = self.signal.update(macd)?;
        self.warm = true;
        Some(MacdOut {
            macd,
            signal,
            hist: macd - signal,
        })
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.warm = false;
        self.fast.reset();
        self.slow.reset();
        self.signal.reset();
    }

    fn warmup(&self) -> usize {
        self.warmup
    }
}

/// One stochastic output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochOut {
    /// Slow %K: the SMA of fast %K over `slowk` bars.
    pub k: f64,
    /// Slow %D: the SMA of slow %K over `slowd` bars.
    pub d: f64,
}

/// Stochastic oscillator (slow), 0 to 100.
///
/// Fast %K = `100 * (close - lowest low) / (highest high - lowest low)` over the last `fastk`
/// bars (0 when the range is 0); %K = SMA(`slowk`) of fast %K; %D = SMA(`slowd`) of %K.
/// Matches TA-Lib `STOCH(fastk, slowk, SMA, slowd, SMA)`: first output at bar
/// `fastk + slowk + slowd - 3`, bit for bit (the same operations as TA-Lib).
///
/// Cost: O(1) amortised per update. The highest high and lowest low of the window come from a
/// van Herk / Gil-Werman block scheme (a running prefix extreme of the current block of
/// `fastk` bars and the suffix extremes of the previous block, recomputed once per block: three
/// comparisons per bar and side, O(`fastk`) work on the one bar in `fastk` that closes a
/// block); %K and %D are O(1) running sums.
#[derive(Debug, Clone)]
pub struct Stoch {
    window: HighLow,
    fastk: usize,
    seen: usize,
    k: Sma,
    d: Sma,
    warmup: usize,
}

impl Stoch {
    /// A stochastic with periods `fastk`, `slowk`, `slowd`, all at least 1.
    pub fn new(fastk: usize, slowk: usize, slowd: usize) -> Result<Self, IndicatorError> {
        let fastk = period("fastk", fastk)?;
        let slowk = period("slowk", slowk)?;
        let slowd = period("slowd", slowd)?;
        Ok(Self {
            window: HighLow::new(fastk),
            fastk,
            seen: 0,
            k: Sma::new(slowk)?,
            d: Sma::new(slowd)?,
            warmup: fastk + slowk + slowd - 3,
        })
    }
}

impl Indicator for Stoch {
    type Input = Hlc;
    type Output = StochOut;

    #[inline]
    fn update(&mut self, bar: Hlc) -> Option<StochOut> {
        let (highest, lowest) = self.window.push(bar.high, bar.low);
        if self.seen + 1 < self.fastk {
            self.seen += 1;
            return None;
        }
        // TA-Lib's exact operations: in flat stretches the smoothed %K is a running-sum residue
        // near 0, which only identical rounding reproduces.
        let range = highest - lowest;
        let fast_k = if range != 0.0 {
            (bar.close - lowest) / range * 100.0
        } else {
            0.0
        };
        let k = self.k.update(fast_k)?;
        let d = self.d.update(k)?;
        Some(StochOut { k, d })
    }

    fn reset(&mut self) {
        self.window.clear();
        self.seen = 0;
        self.k.reset();
        self.d.reset();
    }

    fn warmup(&self) -> usize {
        self.warmup
    }
}

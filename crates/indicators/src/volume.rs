//! Volume indicators: VWAP and on-balance volume.

use crate::{CloseVolume, Indicator, PriceVolume};

/// Session volume-weighted average price: `sum(price * volume) / sum(volume)` over every input
/// since construction or the last [`Indicator::reset`] (reset it at the session start you
/// want, e.g. 00:00 UTC). `None` while the cumulative volume is not positive (no trade yet);
/// [`Indicator::warmup`] is therefore 0. TA-Lib has no VWAP.
#[derive(Debug, Clone, Default)]
pub struct Vwap {
    pv: f64,
    volume: f64,
}

impl Vwap {
    /// A VWAP with an empty session.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Indicator for Vwap {
    type Input = PriceVolume;
    type Output = f64;

    #[inline]
    fn update(&mut self, input: PriceVolume) -> Option<f64> {
        self.pv += input.price * input.volume;
        self.volume += input.volume;
        if self.volume > 0.0 {
            Some(self.pv / self.volume)
        } else {
            None
        }
    }

    fn reset(&mut self) {
        *self = Self::default();
    }

    fn warmup(&self) -> usize {
        0
    }
}

/// On-balance volume: starts at the first bar's volume, then adds the bar's volume when the
/// close rose, subtracts it when the close fell, and keeps it when unchanged. Matches TA-Lib
/// `OBV` (first output at the first bar).
#[derive(Debug, Clone, Default)]
pub struct Obv {
    started: bool,
    prev_close: f64,
    obv: f64,
}

impl Obv {
    /// An OBV before its first bar.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Indicator for Obv {
    type Input = CloseVolume;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: CloseVolume) -> Option<f64> {
        if !self.started {
            self.started = true;
            self.obv = bar.volume;
        } else {
            // Branch-free: the direction of a noisy close is unpredictable, so select the
            // signed volume instead of branching on it. `obv + (-v)` is `obv - v` exactly and
            // `obv + 0.0` is `obv`, so this is TA-Lib's add / subtract / keep bit for bit.
            let up = if bar.close > self.prev_close {
                bar.volume
            } else {
                0.0
            };
            let down = if bar.close < self.prev_close {
                bar.volume
            } else {
                0.0
            };
            self.obv += up - down;
        }
        self.prev_close = bar.close;
        Some(self.obv)
    }

    fn reset(&mut self) {
        *self = Self::default();
    }

    fn warmup(&self) -> usize {
        0
    }
}

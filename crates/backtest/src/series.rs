//! Candles laid out for replay: one column per field, `f64` prices, the tick grid remembered.
//!
//! Strategies and equity marks read `f64`; whenever money moves, a price is turned back into
//! an exact `Decimal` on the series' price grid ([`BarSeries::price`]), so the ledger never sees
//! floating-point noise.

use crate::num::{to_f64, to_grid};
use keel_domain::Candle;
use rust_decimal::Decimal;

/// Why a candle series cannot be replayed. Each variant names the row (0-based index).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeriesError {
    #[error("no candles to replay")]
    Empty,
    #[error("candle {index}: open time {t} is not after the previous candle's {prev}")]
    NotIncreasing { index: usize, t: i64, prev: i64 },
    #[error(
        "candle {index}: open time {t} is not on the {interval_ms} ms grid of the first candle"
    )]
    OffGrid {
        index: usize,
        t: i64,
        interval_ms: i64,
    },
    #[error("candle {index}: high {high} is below low {low}, or open/close lie outside them")]
    BadRange { index: usize, high: f64, low: f64 },
    #[error("candle {index}: {field} {value} is not a finite price")]
    NotFinite {
        index: usize,
        field: &'static str,
        value: Decimal,
    },
}

/// A gap: candles missing between two present ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    /// Open time of the first missing candle.
    pub from_ms: i64,
    /// Open time of the next present candle.
    pub to_ms: i64,
    /// How many candles are missing.
    pub missing: i64,
}

/// Candles in columns. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct BarSeries {
    pub interval_ms: i64,
    pub open_time: Vec<i64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
    /// Decimal places of the price grid (the most any source price used).
    pub price_dp: u32,
    /// Decimal places of the volume grid.
    pub volume_dp: u32,
    /// Gaps found while loading (missing intervals are skipped, not invented).
    pub gaps: Vec<Gap>,
}

impl BarSeries {
    /// Columns from candles of `interval_ms`, checked: open times increase on one grid, high is
    /// the highest and low the lowest price of each candle. Missing candles are recorded in
    /// [`BarSeries::gaps`]; replay goes straight from the candle before a gap to the one after.
    pub fn from_candles(candles: &[Candle], interval_ms: i64) -> Result<BarSeries, SeriesError> {
        let first = candles.first().ok_or(SeriesError::Empty)?;
        let n = candles.len();
        let mut s = BarSeries {
            interval_ms,
            open_time: Vec::with_capacity(n),
            open: Vec::with_capacity(n),
            high: Vec::with_capacity(n),
            low: Vec::with_capacity(n),
            close: Vec::with_capacity(n),
            volume: Vec::with_capacity(n),
            ..BarSeries::default()
        };
        let origin = first.open_time_ms;
        for (index, c) in candles.iter().enumerate() {
            if let Some(&prev) = s.open_time.last() {
                if c.open_time_ms <= prev {
                    return Err(SeriesError::NotIncreasing {
                        index,
                        t: c.open_time_ms,
                        prev,
                    });
                }
                if c.open_time_ms - prev > interval_ms {
                    s.gaps.push(Gap {
                        from_ms: prev + interval_ms,
                        to_ms: c.open_time_ms,
                        missing: (c.open_time_ms - prev) / interval_ms - 1,
                    });
                }
            }
            if (c.open_time_ms - origin) % interval_ms != 0 {
                return Err(SeriesError::OffGrid {
                    index,
                    t: c.open_time_ms,
                    interval_ms,
                });
            }
            let f = |field: &'static str, v: Decimal| {
                Some(to_f64(v))
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or(SeriesError::NotFinite {
                        index,
                        field,
                        value: v,
                    })
            };
            let (o, h, l, cl) = (
                f("open", c.open)?,
                f("high", c.high)?,
                f("low", c.low)?,
                f("close", c.close)?,
            );
            if c.high < c.low
                || c.open > c.high
                || c.open < c.low
                || c.close > c.high
                || c.close < c.low
            {
                return Err(SeriesError::BadRange {
                    index,
                    high: h,
                    low: l,
                });
            }
            s.price_dp = s
                .price_dp
                .max(c.open.scale())
                .max(c.high.scale())
                .max(c.low.scale())
                .max(c.close.scale());
            s.volume_dp = s.volume_dp.max(c.volume.scale());
            s.open_time.push(c.open_time_ms);
            s.open.push(o);
            s.high.push(h);
            s.low.push(l);
            s.close.push(cl);
            s.volume.push(f("volume", c.volume)?);
        }
        Ok(s)
    }

    /// Number of candles.
    pub fn len(&self) -> usize {
        self.close.len()
    }

    /// Whether there are no candles.
    pub fn is_empty(&self) -> bool {
        self.close.is_empty()
    }

    /// The candles `range` as a new series (for walk-forward folds).
    pub fn slice(&self, range: std::ops::Range<usize>) -> BarSeries {
        let (a, b) = (range.start, range.end);
        BarSeries {
            interval_ms: self.interval_ms,
            open_time: self.open_time[a..b].to_vec(),
            open: self.open[a..b].to_vec(),
            high: self.high[a..b].to_vec(),
            low: self.low[a..b].to_vec(),
            close: self.close[a..b].to_vec(),
            volume: self.volume[a..b].to_vec(),
            price_dp: self.price_dp,
            volume_dp: self.volume_dp,
            gaps: self
                .gaps
                .iter()
                .filter(|g| {
                    g.from_ms > self.open_time[a] && g.to_ms <= self.open_time[b.max(a + 1) - 1]
                })
                .copied()
                .collect(),
        }
    }

    /// `x` as an exact Decimal on the price grid.
    #[inline]
    pub fn price(&self, x: f64) -> Decimal {
        to_grid(x, self.price_dp)
    }

    /// Candle `i` with Decimal prices (for the simulated venue).
    pub fn candle(&self, i: usize) -> Candle {
        Candle {
            open_time_ms: self.open_time[i],
            open: self.price(self.open[i]),
            high: self.price(self.high[i]),
            low: self.price(self.low[i]),
            close: self.price(self.close[i]),
            volume: to_grid(self.volume[i], self.volume_dp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn c(t: i64, o: Decimal, h: Decimal, l: Decimal, cl: Decimal) -> Candle {
        Candle {
            open_time_ms: t,
            open: o,
            high: h,
            low: l,
            close: cl,
            volume: dec!(1.5),
        }
    }

    #[test]
    fn prices_round_trip_exactly_through_the_grid() {
        let s = BarSeries::from_candles(
            &[
                c(
                    0,
                    dec!(0.0984),
                    dec!(0.0994766),
                    dec!(0.09828605),
                    dec!(0.0994766),
                ),
                c(60, dec!(0.1), dec!(0.2), dec!(0.05), dec!(0.15)),
            ],
            60,
        )
        .unwrap();
        assert_eq!(s.price_dp, 8);
        assert_eq!(s.candle(0).low, dec!(0.09828605));
        assert_eq!(s.candle(0).high, dec!(0.0994766));
        assert_eq!(to_grid(20000.01, 2), dec!(20000.01));
        assert_eq!(to_grid(0.1 + 0.2, 2), dec!(0.30));
    }

    #[test]
    fn gaps_are_recorded_and_bad_rows_are_refused_with_their_index() {
        let ok = |t| c(t, dec!(1), dec!(2), dec!(1), dec!(1.5));
        let s = BarSeries::from_candles(&[ok(0), ok(60), ok(240)], 60).unwrap();
        assert_eq!(
            s.gaps,
            vec![Gap {
                from_ms: 120,
                to_ms: 240,
                missing: 2
            }]
        );
        let e = BarSeries::from_candles(&[ok(0), ok(0)], 60).unwrap_err();
        assert_eq!(
            e.to_string(),
            "candle 1: open time 0 is not after the previous candle's 0"
        );
        let bad = c(60, dec!(1), dec!(1), dec!(2), dec!(1));
        assert!(matches!(
            BarSeries::from_candles(&[ok(0), bad], 60),
            Err(SeriesError::BadRange { index: 1, .. })
        ));
        assert!(matches!(
            BarSeries::from_candles(&[ok(0), ok(90)], 60),
            Err(SeriesError::OffGrid { index: 1, .. })
        ));
        assert_eq!(
            BarSeries::from_candles(&[], 60).unwrap_err(),
            SeriesError::Empty
        );
    }
}

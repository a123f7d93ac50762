//! One symbol's one-minute candle history: closed candles plus the open one, aggregated on demand
//! to any multiple of a minute.

use keel_domain::{Candle, CandleBuilder, TimestampMs};
use rust_decimal::Decimal;
use std::collections::VecDeque;

/// The base interval the Demo exchange keeps.
pub const MINUTE_MS: i64 = 60_000;
/// Closed one-minute candles kept per symbol (30 days).
pub const MAX_CLOSED: usize = 30 * 24 * 60;

#[derive(Debug, Clone)]
pub struct CandleSeries {
    closed: VecDeque<Candle>,
    current: CandleBuilder,
}

impl CandleSeries {
    /// A series whose open candle is `current`.
    pub fn new(current: Candle) -> Self {
        Self {
            closed: VecDeque::new(),
            current: CandleBuilder::resume(MINUTE_MS, current),
        }
    }

    /// Adds a closed candle (older than the open one), e.g. from history or a backfill.
    pub fn push_closed(&mut self, candle: Candle) {
        if self.closed.len() == MAX_CLOSED {
            self.closed.pop_front();
        }
        self.closed.push_back(candle);
    }

    /// Replaces the open candle (after a gap was generated).
    pub fn set_current(&mut self, candle: Candle) {
        self.current = CandleBuilder::resume(MINUTE_MS, candle);
    }

    /// Folds a print into the open candle; returns the candle it closed, if any (already stored).
    pub fn push_trade(
        &mut self,
        ts_ms: TimestampMs,
        price: Decimal,
        qty: Decimal,
    ) -> Option<Candle> {
        let closed = self.current.push(ts_ms, price, qty)?;
        self.push_closed(closed.clone());
        Some(closed)
    }

    /// Closes the open candle, extended by `tail`, a generated stretch of `tail`'s minute.
    /// Returns what was closed (and stored), oldest first: one candle when `tail` belongs to the
    /// open candle's minute, else the open candle as it was and then `tail`.
    pub fn close_current_with(&mut self, tail: &Candle) -> Vec<Candle> {
        let closed = match self.current.current() {
            Some(c) if c.open_time_ms == tail.open_time_ms => vec![Candle {
                open_time_ms: c.open_time_ms,
                open: c.open,
                high: c.high.max(tail.high),
                low: c.low.min(tail.low),
                close: tail.close,
                volume: c.volume + tail.volume,
            }],
            Some(c) if c.open_time_ms < tail.open_time_ms => vec![c.clone(), tail.clone()],
            _ => vec![tail.clone()],
        };
        for candle in &closed {
            self.push_closed(candle.clone());
        }
        closed
    }

    pub fn current(&self) -> Option<&Candle> {
        self.current.current()
    }

    /// The most recent `limit` candles of `interval_ms` (a multiple of a minute), oldest first,
    /// the open one last. Each aggregates the one-minute candles of its interval.
    pub fn aggregate(&self, interval_ms: i64, limit: usize) -> Vec<Candle> {
        if limit == 0 || interval_ms <= 0 {
            return Vec::new();
        }
        let mut out: Vec<Candle> = Vec::with_capacity(limit.min(4_096));
        // Newest first; `out` is reversed at the end.
        for minute in self.current().into_iter().chain(self.closed.iter().rev()) {
            let bucket = minute.open_time_ms - minute.open_time_ms.rem_euclid(interval_ms);
            match out.last_mut() {
                Some(agg) if agg.open_time_ms == bucket => {
                    agg.open = minute.open;
                    agg.high = agg.high.max(minute.high);
                    agg.low = agg.low.min(minute.low);
                    agg.volume += minute.volume;
                }
                _ => {
                    if out.len() == limit {
                        break;
                    }
                    out.push(Candle {
                        open_time_ms: bucket,
                        ..minute.clone()
                    });
                }
            }
        }
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn minute(i: i64, open: Decimal, close: Decimal) -> Candle {
        Candle {
            open_time_ms: i * MINUTE_MS,
            open,
            high: open.max(close) + dec!(1),
            low: open.min(close) - dec!(1),
            close,
            volume: dec!(1),
        }
    }

    #[test]
    fn aggregates_minutes_into_larger_intervals_with_the_open_candle_last() {
        let mut s = CandleSeries::new(minute(10, dec!(20), dec!(21)));
        for i in 0..10 {
            s.push_closed(minute(i, Decimal::from(10 + i), Decimal::from(11 + i)));
        }
        let five = s.aggregate(5 * MINUTE_MS, 10);
        assert_eq!(five.len(), 3);
        assert_eq!(five[0].open_time_ms, 0);
        assert_eq!(five[0].open, dec!(10));
        assert_eq!(five[0].close, dec!(15));
        assert_eq!(five[0].high, dec!(16));
        assert_eq!(five[0].low, dec!(9));
        assert_eq!(five[0].volume, dec!(5));
        assert_eq!(five[2].open_time_ms, 10 * MINUTE_MS);
        assert_eq!(five[2].close, dec!(21));
        let last_two = s.aggregate(MINUTE_MS, 2);
        assert_eq!(last_two.len(), 2);
        assert_eq!(last_two[1].open_time_ms, 10 * MINUTE_MS);
        assert_eq!(s.aggregate(5 * MINUTE_MS, 1).len(), 1);
    }

    #[test]
    fn a_generated_tail_closes_the_open_candle() {
        let mut s = CandleSeries::new(minute(3, dec!(10), dec!(11)));
        let closed = s.close_current_with(&minute(3, dec!(11), dec!(30)));
        assert_eq!(closed.len(), 1);
        assert_eq!(
            (closed[0].open, closed[0].close, closed[0].high),
            (dec!(10), dec!(30), dec!(31))
        );
        assert_eq!(closed[0].volume, dec!(2));
        // An open candle from an earlier minute closes as it was, then the tail.
        let mut s = CandleSeries::new(minute(1, dec!(10), dec!(11)));
        let closed = s.close_current_with(&minute(3, dec!(11), dec!(30)));
        assert_eq!(
            closed.iter().map(|c| c.open_time_ms).collect::<Vec<_>>(),
            [MINUTE_MS, 3 * MINUTE_MS]
        );
    }

    #[test]
    fn a_print_in_the_next_minute_closes_the_open_candle() {
        let mut s = CandleSeries::new(minute(0, dec!(10), dec!(10)));
        assert_eq!(s.push_trade(30_000, dec!(12), dec!(1)), None);
        let closed = s.push_trade(60_000, dec!(11), dec!(1)).expect("closed");
        assert_eq!(closed.close, dec!(12));
        assert_eq!(s.aggregate(MINUTE_MS, 5).len(), 2);
    }
}

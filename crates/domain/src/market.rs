//! Market data: trades, candles, order books, and a pure candle aggregator.

use crate::TimestampMs;
use crate::order::Side;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A public trade print. `taker_side` is the aggressor's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Trade {
    #[ts(type = "number")]
    pub id: u64,
    #[ts(type = "number")]
    pub ts_ms: TimestampMs,
    #[ts(type = "string")]
    pub price: Decimal,
    #[ts(type = "string")]
    pub qty: Decimal,
    pub taker_side: Side,
}

/// An OHLCV candle; `open_time_ms` is the start of its interval. Volume is in the base asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Candle {
    #[ts(type = "number")]
    pub open_time_ms: TimestampMs,
    #[ts(type = "string")]
    pub open: Decimal,
    #[ts(type = "string")]
    pub high: Decimal,
    #[ts(type = "string")]
    pub low: Decimal,
    #[ts(type = "string")]
    pub close: Decimal,
    #[ts(type = "string")]
    pub volume: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BookLevel {
    #[ts(type = "string")]
    pub price: Decimal,
    #[ts(type = "string")]
    pub qty: Decimal,
}

/// A perpetual's mark price and funding (Binance markPriceUpdate / premiumIndex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarkPrice {
    #[ts(type = "number")]
    pub ts_ms: TimestampMs,
    #[ts(type = "string")]
    pub mark_price: Decimal,
    #[ts(type = "string | null")]
    pub index_price: Option<Decimal>,
    /// The funding rate of the next settlement, as a fraction (0.0001 = 0.01 %).
    #[ts(type = "string | null")]
    pub funding_rate: Option<Decimal>,
    #[ts(type = "number | null")]
    pub next_funding_ms: Option<TimestampMs>,
}

/// Top levels of an order book: bids best (highest) first, asks best (lowest) first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrderBook {
    pub bids: Vec<BookLevel>,
    pub asks: Vec<BookLevel>,
    #[ts(type = "number")]
    pub ts_ms: TimestampMs,
}

impl OrderBook {
    pub fn best_bid(&self) -> Option<Decimal> {
        self.bids.first().map(|l| l.price)
    }
    pub fn best_ask(&self) -> Option<Decimal> {
        self.asks.first().map(|l| l.price)
    }
}

/// Folds trades into fixed-interval candles. Returns a closed candle when a trade opens the next
/// interval; an interval with no trades yields no candle.
#[derive(Debug, Clone)]
pub struct CandleBuilder {
    interval_ms: i64,
    current: Option<Candle>,
}

impl CandleBuilder {
    pub fn new(interval_ms: i64) -> Self {
        assert!(interval_ms > 0, "candle interval must be positive");
        Self {
            interval_ms,
            current: None,
        }
    }

    /// Starts from an existing (possibly still open) candle, e.g. the last one stored.
    pub fn resume(interval_ms: i64, current: Candle) -> Self {
        Self {
            interval_ms,
            current: Some(current),
        }
    }

    pub fn interval_ms(&self) -> i64 {
        self.interval_ms
    }

    pub fn bucket(&self, ts_ms: TimestampMs) -> TimestampMs {
        ts_ms - ts_ms.rem_euclid(self.interval_ms)
    }

    pub fn current(&self) -> Option<&Candle> {
        self.current.as_ref()
    }

    /// Adds a trade; returns the candle it closed, if it opened a new interval.
    pub fn push(&mut self, ts_ms: TimestampMs, price: Decimal, qty: Decimal) -> Option<Candle> {
        let open_time_ms = self.bucket(ts_ms);
        match &mut self.current {
            Some(c) if c.open_time_ms == open_time_ms => {
                c.high = c.high.max(price);
                c.low = c.low.min(price);
                c.close = price;
                c.volume += qty;
                None
            }
            Some(c) if open_time_ms < c.open_time_ms => None, // late print: ignored
            slot => slot.replace(Candle {
                open_time_ms,
                open: price,
                high: price,
                low: price,
                close: price,
                volume: qty,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn candle_builder_folds_trades_and_closes_on_the_next_interval() {
        let mut b = CandleBuilder::new(60_000);
        assert_eq!(b.push(60_500, dec!(10), dec!(1)), None);
        assert_eq!(b.push(61_000, dec!(12), dec!(2)), None);
        assert_eq!(b.push(119_999, dec!(9), dec!(1)), None);
        let closed = b.push(120_000, dec!(11), dec!(1)).expect("closed candle");
        assert_eq!(
            closed,
            Candle {
                open_time_ms: 60_000,
                open: dec!(10),
                high: dec!(12),
                low: dec!(9),
                close: dec!(9),
                volume: dec!(4)
            }
        );
        assert_eq!(b.current().map(|c| c.open), Some(dec!(11)));
        assert_eq!(
            b.push(100_000, dec!(1), dec!(1)),
            None,
            "late print ignored"
        );
        assert_eq!(b.current().map(|c| c.low), Some(dec!(11)));
    }
}

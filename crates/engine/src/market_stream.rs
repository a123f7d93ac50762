//! Coalescing a venue's market events into batches for a view: one batch per interval at most,
//! carrying the trades since the last batch, the latest candle state and the latest book.

use crate::api::MarketBatch;
use keel_domain::{Candle, MarkPrice, OrderBook, Trade};
use keel_exchange::MarketEvent;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};

/// Trades kept per batch; the oldest are dropped beyond it (a view shows a tape, not a ledger).
const MAX_TRADES_PER_BATCH: usize = 200;

#[derive(Default)]
pub(crate) struct Pending {
    trades: Vec<Trade>,
    candles: Vec<Candle>,
    book: Option<OrderBook>,
    mark: Option<MarkPrice>,
}

impl Pending {
    pub(crate) fn push(&mut self, event: MarketEvent) {
        match event {
            MarketEvent::Trade { trade, .. } => {
                self.trades.push(trade);
                if self.trades.len() > MAX_TRADES_PER_BATCH {
                    let excess = self.trades.len() - MAX_TRADES_PER_BATCH;
                    self.trades.drain(..excess);
                }
            }
            MarketEvent::Candle {
                candle,
                interval_ms: 60_000,
                ..
            } => match self.candles.last_mut() {
                Some(last) if last.open_time_ms == candle.open_time_ms => *last = candle,
                _ => self.candles.push(candle),
            },
            MarketEvent::Candle { .. } => {}
            MarketEvent::Book { book, .. } => self.book = Some(book),
            MarketEvent::MarkPrice { mark, .. } => self.mark = Some(mark),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.trades.is_empty()
            && self.candles.is_empty()
            && self.book.is_none()
            && self.mark.is_none()
    }

    pub(crate) fn take(&mut self, symbol: &str) -> MarketBatch {
        let pending = std::mem::take(self);
        let last_price = pending
            .trades
            .last()
            .map(|t| t.price)
            .or_else(|| pending.candles.last().map(|c| c.close));
        MarketBatch {
            symbol: symbol.to_string(),
            trades: pending.trades,
            candles: pending.candles,
            book: pending.book,
            mark: pending.mark,
            last_price,
        }
    }
}

pub(crate) async fn coalesce(
    mut events: broadcast::Receiver<MarketEvent>,
    symbol: String,
    interval: Duration,
    out: mpsc::Sender<MarketBatch>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut pending = Pending::default();
    let mut flush = tokio::time::interval(interval);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) if event.symbol() == symbol => pending.push(event),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = flush.tick() => {
                if !pending.is_empty() && out.send(pending.take(&symbol)).await.is_err() {
                    return; // the view went away
                }
                if out.is_closed() {
                    return;
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel_domain::Side;
    use rust_decimal::Decimal;

    fn trade(id: u64) -> MarketEvent {
        MarketEvent::Trade {
            symbol: "BTC/USDT".into(),
            trade: Trade {
                id,
                ts_ms: id as i64,
                price: Decimal::from(100 + id),
                qty: Decimal::ONE,
                taker_side: Side::Buy,
            },
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_of_events_reaches_the_view_as_at_most_twenty_batches_a_second() {
        let (tx, rx) = broadcast::channel(4096);
        let (out_tx, mut out) = mpsc::channel(64);
        let (_stop, stop_rx) = watch::channel(false);
        tokio::spawn(coalesce(
            rx,
            "BTC/USDT".into(),
            Duration::from_millis(50),
            out_tx,
            stop_rx,
        ));
        // 2,000 trades over one second, plus noise from another symbol.
        for i in 0..2_000u64 {
            tx.send(trade(i)).unwrap();
            let mut other = trade(i);
            if let MarketEvent::Trade { symbol, .. } = &mut other {
                *symbol = "ETH/USDT".into();
            }
            tx.send(other).unwrap();
            if i % 100 == 99 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut batches = Vec::new();
        while let Ok(b) = out.try_recv() {
            batches.push(b);
        }
        assert!(batches.len() <= 22, "{} batches in ~1.1 s", batches.len());
        assert!(batches.iter().all(|b| b.symbol == "BTC/USDT"));
        assert!(
            batches
                .iter()
                .all(|b| b.trades.len() <= MAX_TRADES_PER_BATCH)
        );
        let last = batches.last().expect("some batch");
        assert_eq!(last.last_price, Some(Decimal::from(100 + 1_999u64)));
        // Trades inside a batch stay in order.
        assert!(
            batches
                .iter()
                .all(|b| b.trades.windows(2).all(|w| w[0].id < w[1].id))
        );
    }

    #[test]
    fn candle_updates_of_one_interval_collapse_to_the_latest() {
        let candle = |t: i64, close: i64| MarketEvent::Candle {
            symbol: "X".into(),
            interval_ms: 60_000,
            candle: Candle {
                open_time_ms: t,
                open: Decimal::ONE,
                high: Decimal::from(close),
                low: Decimal::ONE,
                close: Decimal::from(close),
                volume: Decimal::ONE,
            },
            closed: false,
        };
        let mut p = Pending::default();
        p.push(candle(0, 2));
        p.push(candle(0, 3));
        p.push(candle(60_000, 4));
        let batch = p.take("X");
        assert_eq!(batch.candles.len(), 2);
        assert_eq!(batch.candles[0].close, Decimal::from(3));
        assert_eq!(batch.last_price, Some(Decimal::from(4)));
        assert!(p.is_empty());
    }
}

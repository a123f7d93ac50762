//! Coalescing a venue's market events into batches for a view: one batch per interval at most,
//! carrying the trades since the last batch, the latest candle state and the latest book.

use crate::api::MarketBatch;
use keel_domain::{Candle, OrderBook, Trade};
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
                candle, interval_ms: 60_000, ..
            } => match self.candles.last_mut() {
                Some(last) if last.open_time_ms == candle.open_time_ms => *last = candle,
                _ => self.candles.push(candle),
            },
            MarketEvent::Candle { .. } => {}
            MarketEvent::Book { book, .. } => self.book = Some(book),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.trades.is_empty() && self.candles.is_empty() && self.book.is_none()
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

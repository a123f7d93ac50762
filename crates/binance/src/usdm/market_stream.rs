//! Public USD-M streams on demand: one `<market ws>/ws` connection, subscribed per watched
//! symbol (counted: the last `unwatch` unsubscribes) to `aggTrade`, `kline_1m`, `depth@100ms`
//! and `markPrice@1s`. Depth diffs feed a local book ([`BookSync`] with the futures `pu`
//! chain) that starts from a REST snapshot and refetches it on any gap.

use super::events::{MarketMsg, parse_market_msg};
use super::venue::Inner;
use async_trait::async_trait;
use keel_exchange::{ConnectionState, ExchangeError, ExchangeResult, MarketEvent};
use keel_transport::{BookStatus, BookSync, SequenceRule, WsControl, WsSender, WsSession};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// Levels per side in a [`MarketEvent::Book`].
pub const BOOK_DEPTH: usize = 20;

/// The streams of one watched symbol.
pub(crate) fn streams(venue_symbol: &str) -> Vec<String> {
    let s = venue_symbol.to_ascii_lowercase();
    vec![
        format!("{s}@aggTrade"),
        format!("{s}@kline_1m"),
        format!("{s}@depth@100ms"),
        format!("{s}@markPrice@1s"),
    ]
}

fn request(method: &str, params: &[String], id: u64) -> String {
    serde_json::json!({"method": method, "params": params, "id": id}).to_string()
}

/// One symbol's local book.
pub(crate) struct LocalBook {
    pub(crate) sync: BookSync,
    pub(crate) fetching: bool,
}

/// What is watched, and the connection's sender.
#[derive(Default)]
pub(crate) struct MarketState {
    /// Venue symbol -> watch count.
    pub(crate) watched: HashMap<String, usize>,
    pub(crate) books: HashMap<String, LocalBook>,
    pub(crate) sender: Option<WsSender>,
    pub(crate) next_id: u64,
}

impl MarketState {
    pub(crate) fn send(&mut self, method: &str, params: &[String]) {
        self.next_id += 1;
        let id = self.next_id;
        if let Some(tx) = &self.sender {
            // A closed sender is fine: on_open resubscribes everything watched.
            let _ = tx.send_text(request(method, params, id));
        }
    }
}

pub(crate) fn lock(m: &Mutex<MarketState>) -> std::sync::MutexGuard<'_, MarketState> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The market stream's half of the WebSocket client.
pub(crate) struct MarketSession {
    pub(crate) inner: Weak<Inner>,
}

#[async_trait]
impl WsSession for MarketSession {
    async fn url(&self) -> ExchangeResult<String> {
        let inner = self
            .inner
            .upgrade()
            .ok_or_else(|| ExchangeError::Transient {
                message: "binance-usdm venue closed".into(),
                retry_after_ms: None,
            })?;
        Ok(format!(
            "{}/ws",
            inner.config.endpoints.market_ws.trim_end_matches('/')
        ))
    }

    async fn on_open(&self, out: &WsSender, _generation: u64) -> ExchangeResult<()> {
        let Some(inner) = self.inner.upgrade() else {
            return Ok(());
        };
        let mut st = lock(&inner.market);
        st.sender = Some(out.clone());
        // A new connection starts every book again from a snapshot.
        for book in st.books.values_mut() {
            *book = LocalBook {
                sync: BookSync::new(SequenceRule::BinanceFutures),
                fetching: false,
            };
        }
        let params: Vec<String> = st.watched.keys().flat_map(|s| streams(s)).collect();
        if !params.is_empty() {
            st.send("SUBSCRIBE", &params);
        }
        Ok(())
    }

    async fn on_text(&self, text: &str, _out: &WsSender) -> WsControl {
        let Some(inner) = self.inner.upgrade() else {
            return WsControl::Continue;
        };
        match parse_market_msg(text) {
            Ok(msg) => inner.apply_market_msg(msg),
            Err(e) => tracing::warn!(error = %e, "binance-usdm market frame not understood"),
        }
        WsControl::Continue
    }

    fn on_state(&self, state: ConnectionState) {
        tracing::debug!(?state, "binance-usdm market stream");
    }
}

impl Inner {
    fn apply_market_msg(self: &Arc<Self>, msg: MarketMsg) {
        let symbols = self.symbols();
        let keel = |v: &str| super::parse::to_keel(&symbols, v);
        let event = match msg {
            MarketMsg::Trade {
                venue_symbol,
                trade,
            } => Some(MarketEvent::Trade {
                symbol: keel(&venue_symbol),
                trade,
            }),
            MarketMsg::Candle {
                venue_symbol,
                interval_ms,
                candle,
                closed,
            } => Some(MarketEvent::Candle {
                symbol: keel(&venue_symbol),
                interval_ms,
                candle,
                closed,
            }),
            MarketMsg::MarkPrice { venue_symbol, mark } => Some(MarketEvent::MarkPrice {
                symbol: keel(&venue_symbol),
                mark,
            }),
            MarketMsg::Depth { venue_symbol, diff } => {
                let mut st = lock(&self.market);
                let Some(book) = st.books.get_mut(&venue_symbol) else {
                    return;
                };
                match book.sync.on_diff(diff) {
                    BookStatus::Synced => Some(MarketEvent::Book {
                        symbol: keel(&venue_symbol),
                        book: book.sync.top(BOOK_DEPTH),
                    }),
                    BookStatus::NeedSnapshot | BookStatus::Gap => {
                        if !book.fetching {
                            book.fetching = true;
                            drop(st);
                            self.fetch_snapshot(venue_symbol);
                        }
                        None
                    }
                }
            }
            MarketMsg::BookTicker { .. } | MarketMsg::Other => None,
        };
        if let Some(ev) = event {
            let _ = self.market_tx.send(ev);
        }
    }

    /// Fetches a depth snapshot in the background and hands it to the local book.
    fn fetch_snapshot(self: &Arc<Self>, venue_symbol: String) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let Some(inner) = weak.upgrade() else { return };
            let snap = inner.depth_snapshot(&venue_symbol, 1000).await;
            let mut st = lock(&inner.market);
            let Some(book) = st.books.get_mut(&venue_symbol) else {
                return;
            };
            book.fetching = false;
            match snap {
                Ok(snap) => {
                    if book.sync.on_snapshot(snap) == BookStatus::Synced {
                        let ev = MarketEvent::Book {
                            symbol: super::parse::to_keel(&inner.symbols(), &venue_symbol),
                            book: book.sync.top(BOOK_DEPTH),
                        };
                        drop(st);
                        let _ = inner.market_tx.send(ev);
                    }
                }
                Err(e) => {
                    // The next diff asks again.
                    tracing::warn!(symbol = %venue_symbol, error = %e, "binance-usdm depth snapshot failed");
                }
            }
        });
    }
}

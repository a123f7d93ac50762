//! The two spot WebSocket sessions: market streams (one combined-stream connection, symbols
//! subscribed on demand, local books kept by `BookSync`) and the user data stream over the
//! WebSocket API (`userDataStream.subscribe.signature`).

use crate::spot::events::{UserEvent, WsApiMessage, parse_ws_api};
use crate::spot::market::{MarketMsg, parse_market, streams_for, subscription_frame};
use crate::spot::venue::Inner;
use crate::spot::wire::{Depth, interval_ms, levels};
use async_trait::async_trait;
use keel_exchange::{ConnectionState, ExchangeResult, ExecutionEvent, MarketEvent};
use keel_transport::{
    BookStatus, BookSync, DepthSnapshot, Priority, SequenceRule, WsControl, WsSender, WsSession,
};
use reqwest::Method;
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Book levels published per update.
pub const BOOK_TOP: usize = 20;
/// Depth of the REST snapshot that seeds a local book.
pub const SNAPSHOT_LIMIT: usize = 1000;

/// One watched symbol.
pub struct Watched {
    pub refs: usize,
    pub book: BookSync,
    pub snapshot_in_flight: bool,
}

/// The watched symbols (by Binance symbol) and the live connection's sender.
#[derive(Default)]
pub struct WatchState {
    pub symbols: HashMap<String, Watched>,
    pub sender: Option<WsSender>,
    pub next_id: u64,
}

impl WatchState {
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn all_streams(&self) -> Vec<String> {
        let mut keys: Vec<&String> = self.symbols.keys().collect();
        keys.sort();
        keys.into_iter().flat_map(|s| streams_for(s)).collect()
    }
}

pub struct MarketSession {
    pub inner: Weak<Inner>,
}

/// Fetches a REST snapshot for `symbol` and feeds it to the book; retries while the book still
/// needs one (a snapshot older than the buffered diffs).
async fn seed_book(inner: Arc<Inner>, symbol: String) {
    for attempt in 0..5u32 {
        let params = [
            ("symbol", symbol.clone()),
            ("limit", SNAPSHOT_LIMIT.to_string()),
        ];
        let snap: ExchangeResult<Depth> = inner
            .rest
            .public(
                Method::GET,
                "/api/v3/depth",
                &params,
                crate::spot::wire::depth_weight(SNAPSHOT_LIMIT),
                Priority::Interactive,
            )
            .await;
        let snap = match snap.and_then(|d| {
            Ok(DepthSnapshot {
                last_update_id: d.last_update_id,
                bids: levels(&d.bids)?,
                asks: levels(&d.asks)?,
                ts_ms: inner.rest.clock().venue_now_ms(),
            })
        }) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(%symbol, error = %e, "depth snapshot failed");
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt + 1))).await;
                continue;
            }
        };
        let published = {
            let mut st = inner.lock_watch();
            let Some(w) = st.symbols.get_mut(&symbol) else {
                return;
            };
            match w.book.on_snapshot(snap) {
                BookStatus::Synced => {
                    w.snapshot_in_flight = false;
                    Some(w.book.top(BOOK_TOP))
                }
                _ => None,
            }
        };
        if let Some(book) = published {
            inner.publish_book(&symbol, book);
            return;
        }
        tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt + 1))).await;
    }
    if let Some(w) = inner.lock_watch().symbols.get_mut(&symbol) {
        w.snapshot_in_flight = false;
    }
}

impl MarketSession {
    fn on_depth(&self, inner: &Arc<Inner>, d: crate::spot::wire::WsDepthUpdate) {
        let Ok(diff) = d.to_diff() else {
            return;
        };
        let (book, fetch) = {
            let mut st = inner.lock_watch();
            let Some(w) = st.symbols.get_mut(&d.s) else {
                return;
            };
            match w.book.on_diff(diff) {
                BookStatus::Synced => (Some(w.book.top(BOOK_TOP)), false),
                BookStatus::NeedSnapshot | BookStatus::Gap => {
                    let fetch = !w.snapshot_in_flight;
                    w.snapshot_in_flight = true;
                    (None, fetch)
                }
            }
        };
        if let Some(book) = book {
            inner.publish_book(&d.s, book);
        }
        if fetch {
            tokio::spawn(seed_book(inner.clone(), d.s));
        }
    }
}

#[async_trait]
impl WsSession for MarketSession {
    async fn url(&self) -> ExchangeResult<String> {
        let inner = self.inner.upgrade().ok_or_else(closed)?;
        let streams = inner.lock_watch().all_streams();
        let base = &inner.config.endpoints.market_ws;
        Ok(if streams.is_empty() {
            format!("{base}/stream")
        } else {
            format!("{base}/stream?streams={}", streams.join("/"))
        })
    }

    async fn on_open(&self, out: &WsSender, generation: u64) -> ExchangeResult<()> {
        let inner = self.inner.upgrade().ok_or_else(closed)?;
        let mut st = inner.lock_watch();
        if generation > 1 {
            // Diffs were missed: every book starts over from a snapshot.
            for w in st.symbols.values_mut() {
                w.book = BookSync::new(SequenceRule::BinanceSpot);
                w.snapshot_in_flight = false;
            }
        }
        let streams = st.all_streams();
        if !streams.is_empty() {
            let id = st.next_id();
            out.send_text(subscription_frame("SUBSCRIBE", &streams, id));
        }
        st.sender = Some(out.clone());
        Ok(())
    }

    async fn on_text(&self, text: &str, _out: &WsSender) -> WsControl {
        let Some(inner) = self.inner.upgrade() else {
            return WsControl::Continue;
        };
        match parse_market(text) {
            Ok(MarketMsg::AggTrade(m)) => {
                if let Some(symbol) = inner.keel_symbol(&m.symbol) {
                    let _ = inner.market_tx.send(MarketEvent::Trade {
                        symbol,
                        trade: m.trade,
                    });
                }
            }
            Ok(MarketMsg::Trade(t)) => {
                if let Some(symbol) = inner.keel_symbol(&t.s) {
                    let _ = inner.market_tx.send(MarketEvent::Trade {
                        symbol,
                        trade: t.to_trade(),
                    });
                }
            }
            Ok(MarketMsg::Kline(k)) => {
                if let (Some(symbol), Some(ms)) = (inner.keel_symbol(&k.s), interval_ms(&k.k.i)) {
                    let _ = inner.market_tx.send(MarketEvent::Candle {
                        symbol,
                        interval_ms: ms,
                        candle: k.candle(),
                        closed: k.k.x,
                    });
                }
            }
            Ok(MarketMsg::DepthDiff(d)) => self.on_depth(&inner, d),
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "unreadable market stream frame"),
        }
        WsControl::Continue
    }

    fn on_state(&self, state: ConnectionState) {
        if let Some(inner) = self.inner.upgrade() {
            inner.market_state(state);
        }
    }
}

fn closed() -> keel_exchange::ExchangeError {
    keel_exchange::ExchangeError::Transient {
        message: "the Binance venue was closed".into(),
        retry_after_ms: None,
    }
}

/// The user data stream over the WebSocket API.
pub struct UserSession {
    pub inner: Weak<Inner>,
}

/// The signed `userDataStream.subscribe.signature` request.
pub fn subscribe_request(inner: &Inner, id: u64) -> Option<String> {
    let auth = inner.rest.auth()?;
    let ts_ms = inner.rest.clock().venue_now_ms();
    let ts = ts_ms.to_string();
    let api_key = auth.api_key.expose();
    let params = [("apiKey", api_key), ("timestamp", ts.as_str())];
    let signature = auth.signer.sign_ws_api(&params);
    Some(
        serde_json::json!({
            "id": format!("keel-uds-{id}"),
            "method": "userDataStream.subscribe.signature",
            "params": {"apiKey": api_key, "timestamp": ts_ms, "signature": signature},
        })
        .to_string(),
    )
}

impl UserSession {
    fn subscribe(inner: &Inner, out: &WsSender) {
        let id = inner.lock_watch().next_id();
        if let Some(req) = subscribe_request(inner, id) {
            out.send_text(req);
        }
    }

    fn on_event(inner: &Arc<Inner>, ev: UserEvent, out: &WsSender) {
        match ev {
            UserEvent::Execution(r) => {
                let Some(symbol) = inner.keel_symbol(&r.s) else {
                    return;
                };
                if let Some(update) = r.to_update(&symbol) {
                    let _ = inner.exec_tx.send(ExecutionEvent::Order(update));
                }
                if let Some(fill) = r.to_fill(&symbol, super::VENUE_ID, &inner.config.account_id) {
                    let _ = inner.exec_tx.send(ExecutionEvent::Fill(fill));
                }
            }
            UserEvent::Account(a) => {
                let _ = inner.exec_tx.send(ExecutionEvent::Balances(a.balances()));
            }
            UserEvent::BalanceDelta(_) | UserEvent::Other(_) => {}
            UserEvent::StreamTerminated => {
                tracing::info!("Binance user data stream terminated: subscribing again");
                Self::subscribe(inner, out);
                let _ = inner.exec_tx.send(ExecutionEvent::Resynced);
            }
        }
    }
}

#[async_trait]
impl WsSession for UserSession {
    async fn url(&self) -> ExchangeResult<String> {
        let inner = self.inner.upgrade().ok_or_else(closed)?;
        Ok(inner.config.endpoints.ws_api.clone())
    }

    async fn on_open(&self, out: &WsSender, generation: u64) -> ExchangeResult<()> {
        let inner = self.inner.upgrade().ok_or_else(closed)?;
        Self::subscribe(&inner, out);
        if generation > 1 {
            let _ = inner.exec_tx.send(ExecutionEvent::Resynced);
        }
        Ok(())
    }

    async fn on_text(&self, text: &str, out: &WsSender) -> WsControl {
        let Some(inner) = self.inner.upgrade() else {
            return WsControl::Continue;
        };
        match parse_ws_api(text) {
            Ok(WsApiMessage::Event(ev)) => Self::on_event(&inner, ev, out),
            Ok(WsApiMessage::Response {
                error: Some((code, msg)),
                status,
                ..
            }) => {
                tracing::warn!(code, status, %msg, "Binance WebSocket API refused a request");
                if code == -1021 {
                    if inner.rest.sync_clock().await.is_ok() {
                        Self::subscribe(&inner, out);
                    }
                } else {
                    inner.user_state(ConnectionState::Down {
                        reason: format!("user data stream refused ({code}): {msg}"),
                    });
                }
            }
            Ok(WsApiMessage::Response { .. }) => {}
            Err(e) => tracing::debug!(error = %e, "unreadable WebSocket API frame"),
        }
        WsControl::Continue
    }

    fn on_state(&self, state: ConnectionState) {
        if let Some(inner) = self.inner.upgrade() {
            inner.user_state(state);
        }
    }
}

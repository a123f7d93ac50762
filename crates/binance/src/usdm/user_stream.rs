//! The USD-M user data stream: a listenKey (`POST /fapi/v1/listenKey`) opens
//! `<user ws>/ws/<listenKey>`; a keepalive (`PUT`) every 30 minutes keeps it valid for 60. On
//! -1125 (the key no longer exists) or a `listenKeyExpired` event the key is dropped, a new one
//! is created and the stream reconnects at once. After every reconnect the engine gets
//! [`ExecutionEvent::Resynced`] and reconciles over REST, so nothing said while the stream was
//! down is lost.

use super::events::{UserEvent, parse_user_event};
use super::venue::Inner;
use async_trait::async_trait;
use keel_exchange::{ConnectionState, ExchangeError, ExchangeResult, ExecutionEvent};
use keel_transport::{WsControl, WsSender, WsSession};
use std::future::Future;
use std::sync::Weak;
use std::time::Duration;

/// How often the listenKey is kept alive (Binance: every 60 minutes at most; Keel: 30).
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30 * 60);

/// Whether an error is Binance's -1125 "This listenKey does not exist."
pub(crate) fn is_missing_listen_key(e: &ExchangeError) -> bool {
    super::venue::has_code(e, -1125)
}

/// Runs `keepalive` every `interval` (first after one interval) until the task is dropped;
/// when it reports the key gone, `on_lost` runs. Separate from the venue so it can be tested
/// on paused time.
pub async fn keepalive_loop<K, KF, L>(interval: Duration, mut keepalive: K, mut on_lost: L)
where
    K: FnMut() -> KF,
    KF: Future<Output = ExchangeResult<()>>,
    L: FnMut(),
{
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match keepalive().await {
            Ok(()) => {}
            Err(e) if is_missing_listen_key(&e) => {
                tracing::warn!("binance-usdm listenKey expired (-1125): creating a new one");
                on_lost();
            }
            Err(e) => tracing::warn!(error = %e, "binance-usdm listenKey keepalive failed"),
        }
    }
}

/// The user stream's half of the WebSocket client.
pub(crate) struct UserSession {
    pub(crate) inner: Weak<Inner>,
}

#[async_trait]
impl WsSession for UserSession {
    async fn url(&self) -> ExchangeResult<String> {
        let inner = self
            .inner
            .upgrade()
            .ok_or_else(|| ExchangeError::Transient {
                message: "binance-usdm venue closed".into(),
                retry_after_ms: None,
            })?;
        let key = inner.listen_key().await?;
        Ok(format!(
            "{}/ws/{key}",
            inner.config.endpoints.user_ws.trim_end_matches('/')
        ))
    }

    async fn on_open(&self, _out: &WsSender, generation: u64) -> ExchangeResult<()> {
        if generation > 1
            && let Some(inner) = self.inner.upgrade()
        {
            // Events may have been missed while the stream was down.
            let _ = inner.exec_tx.send(ExecutionEvent::Resynced);
        }
        Ok(())
    }

    async fn on_text(&self, text: &str, _out: &WsSender) -> WsControl {
        let Some(inner) = self.inner.upgrade() else {
            return WsControl::Continue;
        };
        let event = {
            let symbols = inner.symbols();
            let settings = inner.settings_snapshot();
            parse_user_event(text, &symbols, &inner.ctx, &settings)
        };
        match event {
            Ok(ev) => inner.apply_user_event(ev),
            Err(e) => {
                tracing::warn!(error = %e, "binance-usdm user stream frame not understood");
                WsControl::Continue
            }
        }
    }

    fn on_state(&self, state: ConnectionState) {
        if let Some(inner) = self.inner.upgrade() {
            inner.set_stream_state(state);
        }
    }
}

impl Inner {
    /// Turns a user event into execution events; returns whether the stream must reconnect.
    pub(crate) fn apply_user_event(&self, ev: UserEvent) -> WsControl {
        match ev {
            UserEvent::Order {
                update,
                fill,
                venue_initiated,
            } => {
                if venue_initiated {
                    tracing::warn!(
                        order = %update.client_order_id,
                        symbol = %update.symbol,
                        "binance-usdm venue-initiated order (liquidation, ADL or settlement)"
                    );
                }
                // An order a triggered algo order placed is reported as the algo order (Keel's
                // client id, the algoId), and so are its fills.
                let update = self.adopt(update);
                // The fill first: when the order reads filled, its fills are recorded.
                if let Some(fill) = fill {
                    let _ = self
                        .exec_tx
                        .send(ExecutionEvent::Fill(self.adopt_fill(*fill)));
                }
                let _ = self.exec_tx.send(ExecutionEvent::Order(update));
            }
            UserEvent::Account {
                balances,
                positions,
                ..
            } => {
                if !balances.is_empty() {
                    let _ = self.exec_tx.send(ExecutionEvent::Balances(balances));
                }
                if !positions.is_empty() {
                    let _ = self.exec_tx.send(ExecutionEvent::Positions(positions));
                }
            }
            UserEvent::LeverageChanged {
                venue_symbol,
                leverage,
            } => self.set_leverage_cached(&venue_symbol, leverage),
            UserEvent::TradeLite {
                trade_id,
                latency_ms,
                ..
            } => {
                tracing::trace!(trade = %trade_id, latency_ms, "binance-usdm TRADE_LITE");
            }
            UserEvent::Algo {
                update,
                reject_reason,
                actual_order_id,
            } => {
                self.remember_algo(
                    &update.client_order_id,
                    update.venue_order_id.parse().unwrap_or_default(),
                    actual_order_id,
                );
                if let Some(reason) = reject_reason {
                    tracing::warn!(order = %update.client_order_id, %reason, "binance-usdm algo order");
                }
                let _ = self.exec_tx.send(ExecutionEvent::Order(update));
            }
            UserEvent::ListenKeyExpired { event_ms } => {
                tracing::warn!(
                    event_ms,
                    "binance-usdm listenKeyExpired: new key, reconnecting"
                );
                self.drop_listen_key();
                self.force_user_reconnect("listenKeyExpired");
            }
            UserEvent::Other(kind) => tracing::debug!(%kind, "binance-usdm user event ignored"),
        }
        WsControl::Continue
    }
}

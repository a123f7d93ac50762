//! [`BinanceSpot`]: the spot venue behind Keel's traits.

use crate::common::config::BinanceConfig;
use crate::common::filters::SymbolMap;
use crate::common::rest::{Auth, BinanceRest};
use crate::spot::VENUE_ID;
use crate::spot::market::{streams_for, subscription_frame};
use crate::spot::orders::order_params;
use crate::spot::streams::{MarketSession, UserSession, WatchState, Watched};
use crate::spot::wire::{
    Depth, ExchangeInfo, RestTrade, WireAccount, WireMyTrade, WireOrder, depth_weight, parse_klines,
};
use async_trait::async_trait;
use keel_domain::{Balance, Candle, Fill, Instrument, OrderBook, SubmitOrder, Trade};
use keel_exchange::{
    AccountState, ConnectionState, EndpointReport, ExchangeError, ExchangeResult, ExecutionEvent,
    FeeRates, KeyPermissions, MarketData, MarketEvent, OrderAck, OrderUpdate, RejectReason,
    Trading, Venue, VenueHealth,
};
use keel_transport::{
    BookSync, Priority, RestClient, RestConfig, SequenceRule, ServerClock, WsConfig, WsHandle,
    spawn_ws,
};
use reqwest::Method;
use serde_json::Value;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Binance spot's REQUEST_WEIGHT per minute.
pub const WEIGHT_LIMIT: u32 = 6000;
/// Most klines per request.
const KLINES_PAGE: usize = 1000;

/// State shared by the venue and its stream sessions.
pub struct Inner {
    pub(crate) config: BinanceConfig,
    pub(crate) rest: BinanceRest,
    symbols: RwLock<SymbolMap>,
    instruments: RwLock<Vec<Instrument>>,
    pub(crate) market_tx: broadcast::Sender<MarketEvent>,
    pub(crate) exec_tx: broadcast::Sender<ExecutionEvent>,
    health: watch::Sender<VenueHealth>,
    watch: Mutex<WatchState>,
    market_ws: Mutex<Option<WsHandle>>,
    user_ws: Mutex<Option<WsHandle>>,
    market_conn: Mutex<ConnectionState>,
    user_conn: Mutex<Option<ConnectionState>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    pub(crate) fn lock_watch(&self) -> MutexGuard<'_, WatchState> {
        lock(&self.watch)
    }

    /// `BTCUSDT` -> `BTC/USDT` for listed symbols.
    pub(crate) fn keel_symbol(&self, venue: &str) -> Option<String> {
        self.symbols
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keel(venue)
            .map(str::to_string)
    }

    fn venue_symbol(&self, keel: &str) -> String {
        self.symbols
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .venue(keel)
    }

    fn instrument(&self, keel: &str) -> Option<Instrument> {
        self.instruments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|i| i.symbol == keel)
            .cloned()
    }

    pub(crate) fn publish_book(&self, venue_symbol: &str, book: OrderBook) {
        if let Some(symbol) = self.keel_symbol(venue_symbol) {
            let _ = self.market_tx.send(MarketEvent::Book { symbol, book });
        }
    }

    pub(crate) fn market_state(&self, state: ConnectionState) {
        *lock(&self.market_conn) = state;
        self.refresh_health();
    }

    pub(crate) fn user_state(&self, state: ConnectionState) {
        *lock(&self.user_conn) = Some(state);
        self.refresh_health();
    }

    /// Health = the worse of the user stream (when trading) and the market stream, plus the
    /// budget and clock offset.
    fn refresh_health(&self) {
        let market = lock(&self.market_conn).clone();
        let user = lock(&self.user_conn).clone();
        let state = match user {
            Some(u @ (ConnectionState::Down { .. } | ConnectionState::Reconnecting { .. })) => u,
            Some(u @ ConnectionState::Connecting) => u,
            _ => market,
        };
        let budget = self.rest.client().budget().snapshot();
        let state = match (state, budget.blocked_until_ms) {
            (ConnectionState::Connected, Some(until)) => {
                ConnectionState::RateLimited { until_ms: until }
            }
            (s, _) => s,
        };
        let health = VenueHealth {
            state,
            weight_used: Some(budget.used),
            weight_limit: Some(budget.limit),
            clock_offset_ms: Some(self.rest.clock().offset_ms()),
        };
        self.health.send_replace(health);
    }
}

/// Binance spot for one account. Create with [`BinanceSpot::connect`].
pub struct BinanceSpot {
    inner: Arc<Inner>,
}

impl BinanceSpot {
    /// Loads instruments, syncs the clock and (with credentials) starts the user data stream
    /// over the WebSocket API. Market streams start on the first `watch`.
    pub async fn connect(config: BinanceConfig) -> ExchangeResult<Arc<BinanceSpot>> {
        let client = RestClient::new(RestConfig {
            budget_key: config.budget_key("spot"),
            endpoints: config.endpoints.rest.clone(),
            proxy: config.proxy.clone(),
            timeout: Duration::from_secs(10),
            weight_header: Some("x-mbx-used-weight-1m".into()),
            weight_limit: WEIGHT_LIMIT,
            window: Duration::from_secs(60),
        })?;
        let auth = match &config.credentials {
            Some(c) => Some(Arc::new(Auth::from_credentials(c)?)),
            None => None,
        };
        let rest = BinanceRest::new(client, Arc::new(ServerClock::new()), auth, "/api/v3/time");
        let (market_tx, _) = broadcast::channel(4096);
        let (exec_tx, _) = broadcast::channel(1024);
        let (health, _) = watch::channel(VenueHealth {
            state: ConnectionState::Connecting,
            weight_used: None,
            weight_limit: Some(WEIGHT_LIMIT),
            clock_offset_ms: None,
        });
        let inner = Arc::new(Inner {
            config,
            rest,
            symbols: RwLock::new(SymbolMap::default()),
            instruments: RwLock::new(Vec::new()),
            market_tx,
            exec_tx,
            health,
            watch: Mutex::new(WatchState::default()),
            market_ws: Mutex::new(None),
            user_ws: Mutex::new(None),
            market_conn: Mutex::new(ConnectionState::Connected),
            user_conn: Mutex::new(None),
        });
        let venue = BinanceSpot { inner };
        venue.inner.rest.sync_clock().await?;
        venue.load_instruments().await?;
        if venue.inner.rest.auth().is_some() {
            *lock(&venue.inner.user_conn) = Some(ConnectionState::Connecting);
            let mut cfg = WsConfig::new("binance-spot-user");
            cfg.proxy = venue.inner.config.proxy.clone();
            let handle = spawn_ws(
                cfg,
                Arc::new(UserSession {
                    inner: Arc::downgrade(&venue.inner),
                }),
            );
            *lock(&venue.inner.user_ws) = Some(handle);
        }
        venue.inner.refresh_health();
        Ok(Arc::new(venue))
    }

    async fn load_instruments(&self) -> ExchangeResult<Vec<Instrument>> {
        let info: ExchangeInfo = self
            .inner
            .rest
            .public(
                Method::GET,
                "/api/v3/exchangeInfo",
                &[],
                20,
                Priority::Interactive,
            )
            .await?;
        let instruments = info.instruments();
        *self
            .inner
            .symbols
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            SymbolMap::from_symbols(info.trading());
        *self
            .inner
            .instruments
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = instruments.clone();
        Ok(instruments)
    }

    fn venue_symbol(&self, keel: &str) -> String {
        self.inner.venue_symbol(keel)
    }

    fn keel_symbol_or(&self, venue: &str) -> String {
        self.inner
            .keel_symbol(venue)
            .unwrap_or_else(|| venue.to_string())
    }

    async fn account(&self) -> ExchangeResult<WireAccount> {
        self.inner
            .rest
            .signed(
                Method::GET,
                "/api/v3/account",
                &[("omitZeroBalances", "true".into())],
                20,
                Priority::Interactive,
            )
            .await
    }

    fn start_market_stream(&self) {
        let mut slot = lock(&self.inner.market_ws);
        if slot.is_none() {
            let mut cfg = WsConfig::new("binance-spot-market");
            cfg.proxy = self.inner.config.proxy.clone();
            *slot = Some(spawn_ws(
                cfg,
                Arc::new(MarketSession {
                    inner: Arc::downgrade(&self.inner),
                }),
            ));
        }
    }
}

#[async_trait]
impl MarketData for BinanceSpot {
    async fn instruments(&self) -> ExchangeResult<Vec<Instrument>> {
        let cached = self
            .inner
            .instruments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if cached.is_empty() {
            self.load_instruments().await
        } else {
            Ok(cached)
        }
    }

    async fn candles(
        &self,
        symbol: &str,
        interval_ms: i64,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        let interval = crate::common::interval::kline_interval(interval_ms, true)?;
        let venue = self.venue_symbol(symbol);
        if limit <= KLINES_PAGE {
            let rows: Vec<Vec<Value>> = self
                .inner
                .rest
                .public(
                    Method::GET,
                    "/api/v3/klines",
                    &[
                        ("symbol", venue),
                        ("interval", interval.into()),
                        ("limit", limit.to_string()),
                    ],
                    2,
                    Priority::Interactive,
                )
                .await?;
            return parse_klines(&rows);
        }
        // Backfill: page forward by startTime from where `limit` candles begin.
        let now = self.inner.rest.clock().venue_now_ms();
        let mut start = now - now.rem_euclid(interval_ms) - (limit as i64 - 1) * interval_ms;
        let mut out: Vec<Candle> = Vec::with_capacity(limit);
        while out.len() < limit {
            let rows: Vec<Vec<Value>> = self
                .inner
                .rest
                .public(
                    Method::GET,
                    "/api/v3/klines",
                    &[
                        ("symbol", venue.clone()),
                        ("interval", interval.into()),
                        ("startTime", start.to_string()),
                        ("limit", KLINES_PAGE.to_string()),
                    ],
                    2,
                    Priority::Background,
                )
                .await?;
            let page = parse_klines(&rows)?;
            let Some(last) = page.last() else {
                break;
            };
            start = last.open_time_ms + interval_ms;
            let full = page.len() == KLINES_PAGE;
            out.extend(page);
            if !full {
                break;
            }
        }
        if out.len() > limit {
            out.drain(..out.len() - limit);
        }
        Ok(out)
    }

    /// `GET /api/v3/klines` with `startTime`: one page of at most 1,000 candles, sent at the
    /// budget's background priority (downloads must never crowd out trading).
    async fn candles_since(
        &self,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        let interval = crate::common::interval::kline_interval(interval_ms, true)?;
        let rows: Vec<Vec<Value>> = self
            .inner
            .rest
            .public(
                Method::GET,
                "/api/v3/klines",
                &[
                    ("symbol", self.venue_symbol(symbol)),
                    ("interval", interval.into()),
                    ("startTime", start_ms.to_string()),
                    ("limit", limit.clamp(1, KLINES_PAGE).to_string()),
                ],
                2,
                Priority::Background,
            )
            .await?;
        parse_klines(&rows)
    }

    async fn order_book(&self, symbol: &str, depth: usize) -> ExchangeResult<OrderBook> {
        let limit = depth.clamp(1, 5000);
        let d: Depth = self
            .inner
            .rest
            .public(
                Method::GET,
                "/api/v3/depth",
                &[
                    ("symbol", self.venue_symbol(symbol)),
                    ("limit", limit.to_string()),
                ],
                depth_weight(limit),
                Priority::Interactive,
            )
            .await?;
        d.to_book(depth, self.inner.rest.clock().venue_now_ms())
    }

    async fn recent_trades(&self, symbol: &str, limit: usize) -> ExchangeResult<Vec<Trade>> {
        let rows: Vec<RestTrade> = self
            .inner
            .rest
            .public(
                Method::GET,
                "/api/v3/trades",
                &[
                    ("symbol", self.venue_symbol(symbol)),
                    ("limit", limit.clamp(1, 1000).to_string()),
                ],
                25,
                Priority::Interactive,
            )
            .await?;
        Ok(rows.iter().rev().map(RestTrade::to_trade).collect())
    }

    fn market_events(&self) -> broadcast::Receiver<MarketEvent> {
        self.inner.market_tx.subscribe()
    }

    async fn watch(&self, symbol: &str) -> ExchangeResult<()> {
        let venue = self.venue_symbol(symbol);
        {
            let mut st = self.inner.lock_watch();
            let new = !st.symbols.contains_key(&venue);
            let entry = st.symbols.entry(venue.clone()).or_insert_with(|| Watched {
                refs: 0,
                book: BookSync::new(SequenceRule::BinanceSpot),
                snapshot_in_flight: false,
            });
            entry.refs += 1;
            if new && let Some(out) = st.sender.clone() {
                let id = st.next_id();
                out.send_text(subscription_frame("SUBSCRIBE", &streams_for(&venue), id));
            }
        }
        self.start_market_stream();
        Ok(())
    }

    async fn unwatch(&self, symbol: &str) {
        let venue = self.venue_symbol(symbol);
        let mut st = self.inner.lock_watch();
        let gone = match st.symbols.get_mut(&venue) {
            Some(w) => {
                w.refs = w.refs.saturating_sub(1);
                w.refs == 0
            }
            None => false,
        };
        if gone {
            st.symbols.remove(&venue);
            if let Some(out) = st.sender.clone() {
                let id = st.next_id();
                out.send_text(subscription_frame("UNSUBSCRIBE", &streams_for(&venue), id));
            }
        }
    }
}

#[async_trait]
impl Trading for BinanceSpot {
    async fn submit_order(&self, order: &SubmitOrder) -> ExchangeResult<OrderAck> {
        let venue = self.venue_symbol(&order.symbol);
        let instrument = self.inner.instrument(&order.symbol);
        let params = order_params(order, &venue, instrument.as_ref())?;
        let w: WireOrder = self
            .inner
            .rest
            .signed(Method::POST, "/api/v3/order", &params, 1, Priority::Trading)
            .await?;
        let update = w.to_update(&order.symbol)?;
        let fills = w.to_fills(&update, VENUE_ID, &self.inner.config.account_id);
        Ok(OrderAck {
            order: update,
            fills,
        })
    }

    async fn cancel_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<OrderUpdate> {
        let w: WireOrder = self
            .inner
            .rest
            .signed(
                Method::DELETE,
                "/api/v3/order",
                &[
                    ("symbol", self.venue_symbol(symbol)),
                    ("origClientOrderId", client_order_id.to_string()),
                ],
                1,
                Priority::Trading,
            )
            .await?;
        w.to_update(symbol)
    }

    async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<Option<OrderUpdate>> {
        let res: ExchangeResult<WireOrder> = self
            .inner
            .rest
            .signed(
                Method::GET,
                "/api/v3/order",
                &[
                    ("symbol", self.venue_symbol(symbol)),
                    ("origClientOrderId", client_order_id.to_string()),
                ],
                4,
                Priority::Trading,
            )
            .await;
        match res {
            Ok(w) => w.to_update(symbol).map(Some),
            Err(ExchangeError::Rejected {
                reason: RejectReason::OrderNotFound,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn open_orders(&self) -> ExchangeResult<Vec<OrderUpdate>> {
        let rows: Vec<WireOrder> = self
            .inner
            .rest
            .signed(
                Method::GET,
                "/api/v3/openOrders",
                &[],
                80,
                Priority::Interactive,
            )
            .await?;
        rows.iter()
            .map(|w| w.to_update(&self.keel_symbol_or(&w.symbol)))
            .collect()
    }

    async fn order_fills(&self, symbol: &str, venue_order_id: &str) -> ExchangeResult<Vec<Fill>> {
        let venue = self.venue_symbol(symbol);
        // myTrades does not carry the client order id: read it from the order.
        let order: WireOrder = self
            .inner
            .rest
            .signed(
                Method::GET,
                "/api/v3/order",
                &[
                    ("symbol", venue.clone()),
                    ("orderId", venue_order_id.to_string()),
                ],
                4,
                Priority::Background,
            )
            .await?;
        let rows: Vec<WireMyTrade> = self
            .inner
            .rest
            .signed(
                Method::GET,
                "/api/v3/myTrades",
                &[("symbol", venue), ("orderId", venue_order_id.to_string())],
                5,
                Priority::Background,
            )
            .await?;
        let mut fills: Vec<Fill> = rows
            .iter()
            .map(|t| {
                t.to_fill(
                    symbol,
                    &order.client_order_id,
                    VENUE_ID,
                    &self.inner.config.account_id,
                )
            })
            .collect();
        fills.sort_by_key(|f| f.ts_ms);
        Ok(fills)
    }

    fn execution_events(&self) -> broadcast::Receiver<ExecutionEvent> {
        self.inner.exec_tx.subscribe()
    }
}

#[async_trait]
impl AccountState for BinanceSpot {
    async fn balances(&self) -> ExchangeResult<Vec<Balance>> {
        Ok(self.account().await?.balances())
    }

    async fn fee_rates(&self, _symbol: &str) -> ExchangeResult<FeeRates> {
        let rates = self.account().await?.commission_rates;
        Ok(FeeRates {
            maker: rates.maker,
            taker: rates.taker,
        })
    }
}

#[async_trait]
impl Venue for BinanceSpot {
    fn venue_id(&self) -> &str {
        VENUE_ID
    }

    fn health(&self) -> watch::Receiver<VenueHealth> {
        self.inner.refresh_health();
        self.inner.health.subscribe()
    }

    async fn key_permissions(&self) -> ExchangeResult<Option<KeyPermissions>> {
        if self.inner.rest.auth().is_none() {
            return Ok(None);
        }
        crate::common::permissions::key_permissions(&self.inner.rest, Priority::Interactive)
            .await
            .map(Some)
    }

    async fn test_endpoints(&self) -> Vec<EndpointReport> {
        self.inner
            .rest
            .client()
            .test_endpoints("/api/v3/ping")
            .await
    }

    async fn close(&self) {
        let market = lock(&self.inner.market_ws).take();
        let user = lock(&self.inner.user_ws).take();
        if let Some(h) = market {
            h.stop().await;
        }
        if let Some(h) = user {
            h.stop().await;
        }
        self.inner.lock_watch().sender = None;
    }
}

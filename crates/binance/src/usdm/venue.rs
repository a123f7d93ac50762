//! [`BinanceUsdm`]: the USD-M futures venue behind Keel's traits.

use super::algo::{AlgoIds, AlgoView, parse_algo_order, parse_algo_orders};
use super::market_stream::{self, LocalBook, MarketSession, MarketState};
use super::orders::{is_algo, order_params};
use super::parse::{self, AccountCtx, SymbolSettings};
use super::user_stream::{KEEPALIVE_INTERVAL, UserSession, keepalive_loop};
use crate::common::{Auth, BinanceConfig, BinanceRest, Endpoints, SymbolMap};
use async_trait::async_trait;
use keel_domain::{
    Balance, Candle, Fill, Instrument, MarginType, OrderBook, Position, SubmitOrder, Trade,
};
use keel_exchange::{
    AccountState, ConnectionState, Derivatives, EndpointReport, ExchangeError, ExchangeResult,
    ExecutionEvent, FeeRates, KeyPermissions, MarketData, MarketEvent, OrderAck, OrderUpdate,
    Trading, Venue, VenueHealth,
};
use keel_transport::{
    BookSync, DepthSnapshot, Priority, RestClient, RestConfig, SequenceRule, ServerClock, WsConfig,
    WsHandle, spawn_ws,
};
use reqwest::Method;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// The venue id stored with orders and fills.
pub const VENUE_ID: &str = "binance-usdm";

/// USD-M's REQUEST_WEIGHT per minute (exchangeInfo lists the one in force).
const DEFAULT_WEIGHT_LIMIT: u32 = 2400;

/// Knobs beyond [`BinanceConfig`]; the defaults are what production uses.
#[derive(Debug, Clone)]
pub struct UsdmOptions {
    /// The spot REST hosts, for `key_permissions` (futures keys are described by the spot
    /// API's `/sapi/v1/account/apiRestrictions`). Default: Binance spot of the same network.
    pub spot_rest: Vec<String>,
    /// listenKey keepalive period (30 min).
    pub keepalive_interval: Duration,
    /// WebSocket reconnect backoff bounds (3 s to 60 s).
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// REST request timeout (10 s).
    pub timeout: Duration,
}

impl UsdmOptions {
    pub fn for_config(config: &BinanceConfig) -> UsdmOptions {
        UsdmOptions {
            spot_rest: Endpoints::spot(config.testnet).rest,
            keepalive_interval: KEEPALIVE_INTERVAL,
            backoff_min: Duration::from_secs(3),
            backoff_max: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// Whether `e` is Binance error `code` (common's classification keeps it in the message as
/// `Binance <code>: <msg>`).
pub(crate) fn has_code(e: &ExchangeError, code: i64) -> bool {
    let prefix = format!("Binance {code}:");
    match e {
        ExchangeError::Rejected { message, .. }
        | ExchangeError::Transient { message, .. }
        | ExchangeError::Unknown { message } => message.starts_with(&prefix),
    }
}

/// Depth limits the endpoint accepts, and their weights.
fn depth_limit(depth: usize) -> (usize, u32) {
    match depth {
        0..=5 => (5, 2),
        6..=10 => (10, 2),
        11..=20 => (20, 2),
        21..=50 => (50, 2),
        51..=100 => (100, 5),
        101..=500 => (500, 10),
        _ => (1000, 20),
    }
}

/// The shared state behind [`BinanceUsdm`] (streams hold a weak reference).
pub(crate) struct Inner {
    pub(crate) config: BinanceConfig,
    options: UsdmOptions,
    pub(crate) ctx: AccountCtx,
    rest: BinanceRest,
    spot_rest: Option<BinanceRest>,
    symbols: RwLock<Arc<SymbolMap>>,
    instruments: RwLock<Vec<Instrument>>,
    settings: RwLock<HashMap<String, SymbolSettings>>,
    hedge: RwLock<Option<bool>>,
    pub(crate) exec_tx: broadcast::Sender<ExecutionEvent>,
    pub(crate) market_tx: broadcast::Sender<MarketEvent>,
    health_tx: watch::Sender<VenueHealth>,
    stream_state: Mutex<ConnectionState>,
    listen_key: tokio::sync::Mutex<Option<String>>,
    user_ws: Mutex<Option<WsHandle>>,
    pub(crate) market: Mutex<MarketState>,
    /// Algo orders seen by this session (see [`super::algo`]).
    pub(crate) algos: Mutex<AlgoIds>,
    market_ws: Mutex<Option<WsHandle>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Inner {
    pub(crate) fn remember_algo(&self, view_client: &str, algo_id: u64, actual: Option<u64>) {
        lock(&self.algos).remember(view_client, algo_id, actual);
    }

    /// An update of an order the algo service placed, as Keel's order: the algo order's
    /// client id and `algoId` (unchanged for any other order).
    pub(crate) fn adopt(&self, mut update: OrderUpdate) -> OrderUpdate {
        if let Some((client, algo_id)) = lock(&self.algos).parent_of(&update.venue_order_id) {
            update.client_order_id = client;
            update.venue_order_id = algo_id.to_string();
        }
        update
    }

    /// A fill of an order the algo service placed, attributed to the algo order's client id.
    pub(crate) fn adopt_fill(&self, mut fill: Fill) -> Fill {
        if let Some((client, _)) = lock(&self.algos).parent_of(&fill.venue_order_id) {
            fill.client_order_id = client;
        }
        fill
    }

    pub(crate) fn symbols(&self) -> Arc<SymbolMap> {
        read(&self.symbols).clone()
    }

    pub(crate) fn settings_snapshot(&self) -> HashMap<String, SymbolSettings> {
        read(&self.settings).clone()
    }

    pub(crate) fn set_leverage_cached(&self, venue_symbol: &str, leverage: u32) {
        write(&self.settings)
            .entry(venue_symbol.to_string())
            .and_modify(|s| s.leverage = leverage)
            .or_insert(SymbolSettings {
                leverage,
                margin_type: MarginType::Cross,
            });
    }

    fn venue_symbol(&self, symbol: &str) -> String {
        read(&self.symbols).venue(symbol)
    }

    /// The current listenKey, created when there is none.
    pub(crate) async fn listen_key(&self) -> ExchangeResult<String> {
        let mut key = self.listen_key.lock().await;
        if let Some(k) = key.as_ref() {
            return Ok(k.clone());
        }
        let created: serde_json::Value = self
            .rest
            .keyed(
                Method::POST,
                "/fapi/v1/listenKey",
                &[],
                1,
                Priority::Trading,
            )
            .await?;
        let k = parse::parse_listen_key(created.to_string().as_bytes())?;
        *key = Some(k.clone());
        Ok(k)
    }

    pub(crate) fn drop_listen_key(&self) {
        if let Ok(mut key) = self.listen_key.try_lock() {
            *key = None;
        } else {
            // A creation is in flight: it yields a fresh key anyway.
            tracing::debug!("binance-usdm listenKey busy while dropping");
        }
    }

    pub(crate) fn force_user_reconnect(&self, reason: &str) {
        if let Some(h) = lock(&self.user_ws).as_ref() {
            h.force_reconnect(reason);
        }
    }

    async fn keepalive(&self) -> ExchangeResult<()> {
        let _: serde_json::Value = self
            .rest
            .keyed(Method::PUT, "/fapi/v1/listenKey", &[], 1, Priority::Trading)
            .await?;
        Ok(())
    }

    pub(crate) fn set_stream_state(&self, state: ConnectionState) {
        *lock(&self.stream_state) = state;
        self.refresh_health();
    }

    fn refresh_health(&self) {
        let budget = self.rest.client().budget().snapshot();
        let mut state = lock(&self.stream_state).clone();
        if state == ConnectionState::Connected {
            if budget.banned {
                state = ConnectionState::Down {
                    reason: "Binance banned this IP for exceeding the request limit".into(),
                };
            } else if let Some(until_ms) = budget.blocked_until_ms {
                state = ConnectionState::RateLimited { until_ms };
            }
        }
        let health = VenueHealth {
            state,
            weight_used: Some(budget.used),
            weight_limit: Some(budget.limit),
            clock_offset_ms: Some(self.rest.clock().offset_ms()),
        };
        self.health_tx.send_if_modified(|h| {
            let changed = *h != health;
            *h = health;
            changed
        });
    }

    pub(crate) async fn depth_snapshot(
        &self,
        venue_symbol: &str,
        depth: usize,
    ) -> ExchangeResult<DepthSnapshot> {
        let (limit, weight) = depth_limit(depth);
        let v: serde_json::Value = self
            .rest
            .public(
                Method::GET,
                "/fapi/v1/depth",
                &[
                    ("symbol", venue_symbol.to_string()),
                    ("limit", limit.to_string()),
                ],
                weight,
                Priority::Interactive,
            )
            .await?;
        parse::parse_depth(v.to_string().as_bytes())
    }

    /// A signed request, its body as raw bytes for the usdm parsers.
    async fn signed(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
        priority: Priority,
    ) -> ExchangeResult<bytes::Bytes> {
        self.rest
            .signed_raw(method, path, params, weight, priority)
            .await
    }

    async fn public(
        &self,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
    ) -> ExchangeResult<Vec<u8>> {
        let v: serde_json::Value = self
            .rest
            .public(Method::GET, path, params, weight, Priority::Interactive)
            .await?;
        serde_json::to_vec(&v).map_err(|e| ExchangeError::Unknown {
            message: e.to_string(),
        })
    }

    async fn load_settings(&self) -> ExchangeResult<()> {
        let body = self
            .signed(
                Method::GET,
                "/fapi/v1/symbolConfig",
                &[],
                5,
                Priority::Background,
            )
            .await?;
        *write(&self.settings) = parse::parse_symbol_config(&body)?;
        Ok(())
    }

    async fn hedge_mode(&self) -> ExchangeResult<bool> {
        if let Some(h) = *read(&self.hedge) {
            return Ok(h);
        }
        let body = self
            .signed(
                Method::GET,
                "/fapi/v1/positionSide/dual",
                &[],
                30,
                Priority::Trading,
            )
            .await?;
        let h =
            parse::decode::<super::wire::DualSide>("positionSide/dual", &body)?.dual_side_position;
        *write(&self.hedge) = Some(h);
        Ok(h)
    }
}

/// Binance USD-M futures for one account.
#[derive(Clone)]
pub struct BinanceUsdm {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for BinanceUsdm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinanceUsdm")
            .field("account_id", &self.inner.ctx.account_id)
            .field("rest", &self.inner.config.endpoints.rest)
            .finish()
    }
}

fn rest_for(
    config: &BinanceConfig,
    options: &UsdmOptions,
    endpoints: Vec<String>,
    product: &str,
    weight_limit: u32,
    time_path: &str,
) -> ExchangeResult<BinanceRest> {
    let client = RestClient::new(RestConfig {
        budget_key: config.budget_key(product),
        endpoints,
        proxy: config.proxy.clone(),
        timeout: options.timeout,
        weight_header: Some("x-mbx-used-weight-1m".into()),
        weight_limit,
        window: Duration::from_secs(60),
    })?;
    let auth = config
        .credentials
        .as_ref()
        .map(Auth::from_credentials)
        .transpose()?
        .map(Arc::new);
    Ok(BinanceRest::new(
        client,
        Arc::new(ServerClock::new()),
        auth,
        time_path,
    ))
}

impl BinanceUsdm {
    /// Connects with production defaults: see [`BinanceUsdm::connect_with`].
    pub async fn connect(config: BinanceConfig) -> ExchangeResult<BinanceUsdm> {
        let options = UsdmOptions::for_config(&config);
        Self::connect_with(config, options).await
    }

    /// Syncs the clock, loads the contracts and, with a key, the symbol settings and position
    /// mode, then starts the user data stream and its keepalive.
    pub async fn connect_with(
        config: BinanceConfig,
        options: UsdmOptions,
    ) -> ExchangeResult<BinanceUsdm> {
        let rest = rest_for(
            &config,
            &options,
            config.endpoints.rest.clone(),
            "usdm",
            DEFAULT_WEIGHT_LIMIT,
            "/fapi/v1/time",
        )?;
        let spot_rest = if config.credentials.is_some() && !options.spot_rest.is_empty() {
            Some(rest_for(
                &config,
                &options,
                options.spot_rest.clone(),
                "spot",
                6000,
                "/api/v3/time",
            )?)
        } else {
            None
        };
        let (exec_tx, _) = broadcast::channel(4096);
        let (market_tx, _) = broadcast::channel(4096);
        let (health_tx, _) = watch::channel(VenueHealth {
            state: ConnectionState::Connecting,
            weight_used: None,
            weight_limit: None,
            clock_offset_ms: None,
        });
        let inner = Arc::new(Inner {
            ctx: AccountCtx {
                venue: VENUE_ID.into(),
                account_id: config.account_id.clone(),
            },
            config,
            options,
            rest,
            spot_rest,
            symbols: RwLock::new(Arc::new(SymbolMap::default())),
            instruments: RwLock::new(Vec::new()),
            settings: RwLock::new(HashMap::new()),
            hedge: RwLock::new(None),
            exec_tx,
            market_tx,
            health_tx,
            stream_state: Mutex::new(ConnectionState::Connecting),
            listen_key: tokio::sync::Mutex::new(None),
            user_ws: Mutex::new(None),
            market: Mutex::new(MarketState::default()),
            algos: Mutex::new(AlgoIds::default()),
            market_ws: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
        });
        let venue = BinanceUsdm { inner };
        venue.inner.rest.sync_clock().await?;
        venue.reload_instruments().await?;
        if venue.inner.config.credentials.is_some() {
            if let Err(e) = venue.inner.load_settings().await {
                tracing::warn!(error = %e, "binance-usdm symbolConfig unavailable; leverage derived from positions");
            }
            venue.inner.hedge_mode().await?;
            venue.start_user_stream();
        } else {
            venue.inner.set_stream_state(ConnectionState::Connected);
        }
        venue.start_health_ticker();
        Ok(venue)
    }

    /// Reloads exchangeInfo: instruments and the symbol map.
    pub async fn reload_instruments(&self) -> ExchangeResult<Vec<Instrument>> {
        let body = self.inner.public("/fapi/v1/exchangeInfo", &[], 1).await?;
        let info = parse::parse_exchange_info(&body)?;
        let mut map = SymbolMap::default();
        for i in &info.instruments {
            map.insert(&i.instrument.symbol, &i.venue_symbol);
        }
        let instruments: Vec<Instrument> =
            info.instruments.into_iter().map(|i| i.instrument).collect();
        *write(&self.inner.symbols) = Arc::new(map);
        *write(&self.inner.instruments) = instruments.clone();
        Ok(instruments)
    }

    fn start_user_stream(&self) {
        let o = &self.inner.options;
        let cfg = WsConfig {
            proxy: self.inner.config.proxy.clone(),
            backoff_min: o.backoff_min,
            backoff_max: o.backoff_max,
            ..WsConfig::new("binance-usdm-user")
        };
        let session = Arc::new(UserSession {
            inner: Arc::downgrade(&self.inner),
        });
        *lock(&self.inner.user_ws) = Some(spawn_ws(cfg, session));
        let weak = Arc::downgrade(&self.inner);
        let weak2 = weak.clone();
        let interval = o.keepalive_interval;
        let task = tokio::spawn(keepalive_loop(
            interval,
            move || {
                let weak = weak.clone();
                async move {
                    match weak.upgrade() {
                        Some(inner) => inner.keepalive().await,
                        None => Ok(()),
                    }
                }
            },
            move || {
                if let Some(inner) = weak2.upgrade() {
                    inner.drop_listen_key();
                    inner.force_user_reconnect("listenKey expired (-1125)");
                }
            },
        ));
        lock(&self.inner.tasks).push(task);
    }

    fn start_health_ticker(&self) {
        let weak = Arc::downgrade(&self.inner);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(inner) => inner.refresh_health(),
                    None => return,
                }
            }
        });
        lock(&self.inner.tasks).push(task);
    }

    fn ensure_market_ws(&self) {
        let mut ws = lock(&self.inner.market_ws);
        if ws.is_some() {
            return;
        }
        let o = &self.inner.options;
        let cfg = WsConfig {
            proxy: self.inner.config.proxy.clone(),
            backoff_min: o.backoff_min,
            backoff_max: o.backoff_max,
            ..WsConfig::new("binance-usdm-market")
        };
        *ws = Some(spawn_ws(
            cfg,
            Arc::new(MarketSession {
                inner: Arc::downgrade(&self.inner),
            }),
        ));
    }

    /// Settled funding rates of a contract, oldest first (`GET /fapi/v1/fundingRate`).
    pub async fn funding_history(
        &self,
        symbol: &str,
        limit: usize,
    ) -> ExchangeResult<Vec<parse::FundingRate>> {
        let body = self
            .inner
            .public(
                "/fapi/v1/fundingRate",
                &[
                    ("symbol", self.inner.venue_symbol(symbol)),
                    ("limit", limit.clamp(1, 1000).to_string()),
                ],
                1,
            )
            .await?;
        parse::parse_funding_history(&body)
    }

    /// The current mark price and funding of a contract (`GET /fapi/v1/premiumIndex`).
    pub async fn mark_price(&self, symbol: &str) -> ExchangeResult<keel_domain::MarkPrice> {
        let body = self
            .inner
            .public(
                "/fapi/v1/premiumIndex",
                &[("symbol", self.inner.venue_symbol(symbol))],
                1,
            )
            .await?;
        Ok(parse::parse_premium_index(&body)?.1)
    }

    /// `GET /fapi/v1/algoOrder` (by `algoId` or `clientAlgoId`), remembered.
    async fn algo_query(&self, by: (&'static str, String)) -> ExchangeResult<AlgoView> {
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v1/algoOrder",
                &[by],
                1,
                Priority::Trading,
            )
            .await?;
        let view = parse_algo_order(&body, &self.inner.symbols())?;
        self.inner.remember_algo(
            &view.update.client_order_id,
            view.update.venue_order_id.parse().unwrap_or_default(),
            view.actual_order_id,
        );
        Ok(view)
    }

    /// The order a triggered algo order placed (`GET /fapi/v1/order?orderId=`).
    async fn actual_order(&self, view: &AlgoView, actual: u64) -> ExchangeResult<OrderUpdate> {
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v1/order",
                &[
                    ("symbol", view.venue_symbol.clone()),
                    ("orderId", actual.to_string()),
                ],
                1,
                Priority::Trading,
            )
            .await?;
        parse::parse_order(&body, &self.inner.symbols())
    }

    /// An algo order as Keel's order: its own status before the trigger, the triggered order's
    /// status and executed quantity after.
    async fn algo_order(&self, by: (&'static str, String)) -> ExchangeResult<OrderUpdate> {
        let view = self.algo_query(by).await?;
        match view.actual_order_id {
            Some(actual) => Ok(view.with_actual(&self.actual_order(&view, actual).await?)),
            None => Ok(view.update),
        }
    }

    /// Cancels an algo order: `DELETE /fapi/v1/algoOrder` while it waits for its trigger; once
    /// triggered (the algo service answers -2011), its order on `/fapi/v1/order`.
    async fn cancel_algo(&self, client_order_id: &str) -> ExchangeResult<OrderUpdate> {
        let by = ("clientAlgoId", client_order_id.to_string());
        match self
            .inner
            .signed(
                Method::DELETE,
                "/fapi/v1/algoOrder",
                std::slice::from_ref(&by),
                1,
                Priority::Trading,
            )
            .await
        {
            Ok(_) => {}
            Err(e) if has_code(&e, -2011) => {
                let view = self.algo_query(by.clone()).await?;
                let Some(actual) = view.actual_order_id else {
                    return Err(e);
                };
                let cancelled = self
                    .inner
                    .signed(
                        Method::DELETE,
                        "/fapi/v1/order",
                        &[
                            ("symbol", view.venue_symbol.clone()),
                            ("orderId", actual.to_string()),
                        ],
                        1,
                        Priority::Trading,
                    )
                    .await;
                match cancelled {
                    Ok(body) => {
                        let o = parse::parse_order(&body, &self.inner.symbols())?;
                        return Ok(view.with_actual(&o));
                    }
                    Err(e2) if has_code(&e2, -2011) => return Err(e),
                    Err(e2) => return Err(e2),
                }
            }
            Err(e) => return Err(e),
        }
        self.algo_order(by).await
    }

    async fn order_request(
        &self,
        method: Method,
        symbol: &str,
        client_order_id: &str,
        weight: u32,
    ) -> ExchangeResult<OrderUpdate> {
        let body = self
            .inner
            .signed(
                method,
                "/fapi/v1/order",
                &[
                    ("symbol", self.inner.venue_symbol(symbol)),
                    ("origClientOrderId", client_order_id.to_string()),
                ],
                weight,
                Priority::Trading,
            )
            .await?;
        parse::parse_order(&body, &self.inner.symbols())
    }
}

impl BinanceUsdm {
    /// (client id, triggered order id) of algo order `algo_id`; `None` before its trigger.
    async fn algo_fills_target(&self, algo_id: &str) -> ExchangeResult<Option<(String, String)>> {
        let view = self.algo_query(("algoId", algo_id.to_string())).await?;
        Ok(view
            .actual_order_id
            .map(|id| (view.update.client_order_id, id.to_string())))
    }
}

#[async_trait]
impl MarketData for BinanceUsdm {
    async fn instruments(&self) -> ExchangeResult<Vec<Instrument>> {
        Ok(read(&self.inner.instruments).clone())
    }

    async fn candles(
        &self,
        symbol: &str,
        interval_ms: i64,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        let interval = crate::common::interval::kline_interval(interval_ms, false)?;
        let limit = limit.clamp(1, 1500);
        let weight = match limit {
            0..100 => 1,
            100..500 => 2,
            500..=1000 => 5,
            _ => 10,
        };
        let body = self
            .inner
            .public(
                "/fapi/v1/klines",
                &[
                    ("symbol", self.inner.venue_symbol(symbol)),
                    ("interval", interval.to_string()),
                    ("limit", limit.to_string()),
                ],
                weight,
            )
            .await?;
        parse::parse_klines(&body)
    }

    /// `GET /fapi/v1/klines` with `startTime`: one page of at most 1,000 candles (weight 5), sent
    /// at the budget's background priority.
    async fn candles_since(
        &self,
        symbol: &str,
        interval_ms: i64,
        start_ms: i64,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        let interval = crate::common::interval::kline_interval(interval_ms, false)?;
        let limit = limit.clamp(1, 1000);
        let weight = match limit {
            0..100 => 1,
            100..500 => 2,
            _ => 5,
        };
        let v: serde_json::Value = self
            .inner
            .rest
            .public(
                Method::GET,
                "/fapi/v1/klines",
                &[
                    ("symbol", self.inner.venue_symbol(symbol)),
                    ("interval", interval.to_string()),
                    ("startTime", start_ms.to_string()),
                    ("limit", limit.to_string()),
                ],
                weight,
                Priority::Background,
            )
            .await?;
        let body = serde_json::to_vec(&v).map_err(|e| ExchangeError::Unknown {
            message: e.to_string(),
        })?;
        parse::parse_klines(&body)
    }

    async fn order_book(&self, symbol: &str, depth: usize) -> ExchangeResult<OrderBook> {
        let snap = self
            .inner
            .depth_snapshot(&self.inner.venue_symbol(symbol), depth)
            .await?;
        let mut sync = BookSync::new(SequenceRule::BinanceFutures);
        sync.on_snapshot(snap);
        Ok(sync.top(depth))
    }

    async fn recent_trades(&self, symbol: &str, limit: usize) -> ExchangeResult<Vec<Trade>> {
        let body = self
            .inner
            .public(
                "/fapi/v1/trades",
                &[
                    ("symbol", self.inner.venue_symbol(symbol)),
                    ("limit", limit.clamp(1, 1000).to_string()),
                ],
                5,
            )
            .await?;
        let mut trades = parse::parse_trades(&body)?;
        trades.reverse();
        Ok(trades)
    }

    fn market_events(&self) -> broadcast::Receiver<MarketEvent> {
        self.inner.market_tx.subscribe()
    }

    async fn watch(&self, symbol: &str) -> ExchangeResult<()> {
        let venue = self.inner.venue_symbol(symbol);
        self.ensure_market_ws();
        let mut st = market_stream::lock(&self.inner.market);
        let count = st.watched.entry(venue.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            st.books.insert(
                venue.clone(),
                LocalBook {
                    sync: BookSync::new(SequenceRule::BinanceFutures),
                    fetching: false,
                },
            );
            st.send("SUBSCRIBE", &market_stream::streams(&venue));
        }
        Ok(())
    }

    async fn unwatch(&self, symbol: &str) {
        let venue = self.inner.venue_symbol(symbol);
        let mut st = market_stream::lock(&self.inner.market);
        let Some(count) = st.watched.get_mut(&venue) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            st.watched.remove(&venue);
            st.books.remove(&venue);
            st.send("UNSUBSCRIBE", &market_stream::streams(&venue));
        }
    }
}

#[async_trait]
impl Trading for BinanceUsdm {
    async fn submit_order(&self, order: &SubmitOrder) -> ExchangeResult<OrderAck> {
        let hedge = self.inner.hedge_mode().await?;
        let params = order_params(order, &self.inner.venue_symbol(&order.symbol), hedge)?;
        if is_algo(order.kind) {
            let body = self
                .inner
                .signed(
                    Method::POST,
                    "/fapi/v1/algoOrder",
                    &params,
                    0,
                    Priority::Trading,
                )
                .await?;
            let view = parse_algo_order(&body, &self.inner.symbols())?;
            self.inner.remember_algo(
                &view.update.client_order_id,
                view.update.venue_order_id.parse().unwrap_or_default(),
                view.actual_order_id,
            );
            return Ok(OrderAck {
                order: view.update,
                fills: Vec::new(),
            });
        }
        let body = self
            .inner
            .signed(
                Method::POST,
                "/fapi/v1/order",
                &params,
                0,
                Priority::Trading,
            )
            .await?;
        Ok(OrderAck {
            order: parse::parse_order(&body, &self.inner.symbols())?,
            // USD-M answers without fills; they come on the user stream (and userTrades).
            fills: Vec::new(),
        })
    }

    async fn cancel_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<OrderUpdate> {
        if lock(&self.inner.algos).is_algo_client(client_order_id) {
            return self.cancel_algo(client_order_id).await;
        }
        match self
            .order_request(Method::DELETE, symbol, client_order_id, 1)
            .await
        {
            Ok(o) => Ok(self.inner.adopt(o)),
            // Not a regular order: it may be an algo order placed before this session.
            Err(e) if has_code(&e, -2011) || has_code(&e, -2013) => {
                match self.cancel_algo(client_order_id).await {
                    Err(e2) if has_code(&e2, -2013) => Err(e),
                    r => r,
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<Option<OrderUpdate>> {
        // Regular orders first (a triggered algo order's order may carry the same client id),
        // then the algo service; an algo order this session placed is asked there first.
        let by = ("clientAlgoId", client_order_id.to_string());
        if lock(&self.inner.algos).is_algo_client(client_order_id) {
            match self.algo_order(by.clone()).await {
                Ok(o) => return Ok(Some(o)),
                Err(e) if has_code(&e, -2013) => {}
                Err(e) => return Err(e),
            }
        }
        match self
            .order_request(Method::GET, symbol, client_order_id, 1)
            .await
        {
            Ok(o) => return Ok(Some(self.inner.adopt(o))),
            Err(e) if has_code(&e, -2013) => {}
            Err(e) => return Err(e),
        }
        match self.algo_order(by).await {
            Ok(o) => Ok(Some(o)),
            Err(e) if has_code(&e, -2013) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn open_orders(&self) -> ExchangeResult<Vec<OrderUpdate>> {
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v1/openOrders",
                &[],
                40,
                Priority::Interactive,
            )
            .await?;
        let regular = parse::parse_orders(&body, &self.inner.symbols())?;
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v1/openAlgoOrders",
                &[],
                40,
                Priority::Interactive,
            )
            .await?;
        let algos = parse_algo_orders(&body, &self.inner.symbols())?;
        for a in &algos {
            self.inner.remember_algo(
                &a.update.client_order_id,
                a.update.venue_order_id.parse().unwrap_or_default(),
                a.actual_order_id,
            );
        }
        // A triggered algo order and the order it placed are one Keel order: the placed
        // order's state, under the algo order's ids.
        let mut out: Vec<OrderUpdate> = Vec::new();
        let mut placed: Vec<String> = Vec::new();
        for o in regular {
            let adopted = self.inner.adopt(o);
            placed.push(adopted.client_order_id.clone());
            out.push(adopted);
        }
        out.extend(
            algos
                .into_iter()
                .filter(|a| !placed.contains(&a.update.client_order_id))
                .map(|a| a.update),
        );
        Ok(out)
    }

    async fn order_fills(&self, symbol: &str, venue_order_id: &str) -> ExchangeResult<Vec<Fill>> {
        let venue_symbol = self.inner.venue_symbol(symbol);
        let known_algo = venue_order_id
            .parse()
            .is_ok_and(|id| lock(&self.inner.algos).is_algo_id(id));
        // userTrades rows carry no client order id: read it from the order. An algo order's
        // fills are those of the order its trigger placed (`actualOrderId`).
        let (client_order_id, order_id) = if known_algo {
            match self.algo_fills_target(venue_order_id).await? {
                Some(t) => t,
                None => return Ok(Vec::new()),
            }
        } else {
            let params = [
                ("symbol", venue_symbol.clone()),
                ("orderId", venue_order_id.to_string()),
            ];
            match self
                .inner
                .signed(
                    Method::GET,
                    "/fapi/v1/order",
                    &params,
                    1,
                    Priority::Interactive,
                )
                .await
            {
                Ok(body) => {
                    let order = parse::parse_order(&body, &self.inner.symbols())?;
                    let cid = self.inner.adopt(order.clone()).client_order_id;
                    (cid, order.venue_order_id)
                }
                Err(e) if has_code(&e, -2013) => {
                    match self.algo_fills_target(venue_order_id).await {
                        Ok(Some(t)) => t,
                        Ok(None) => return Ok(Vec::new()),
                        Err(e2) if has_code(&e2, -2013) => return Err(e),
                        Err(e2) => return Err(e2),
                    }
                }
                Err(e) => return Err(e),
            }
        };
        let params = [("symbol", venue_symbol), ("orderId", order_id)];
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v1/userTrades",
                &params,
                5,
                Priority::Interactive,
            )
            .await?;
        let mut fills = parse::parse_user_trades(
            &body,
            &self.inner.symbols(),
            &self.inner.ctx,
            &client_order_id,
        )?;
        fills.sort_by_key(|f| f.ts_ms);
        Ok(fills)
    }

    fn execution_events(&self) -> broadcast::Receiver<ExecutionEvent> {
        self.inner.exec_tx.subscribe()
    }
}

#[async_trait]
impl AccountState for BinanceUsdm {
    async fn balances(&self) -> ExchangeResult<Vec<Balance>> {
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v3/balance",
                &[],
                5,
                Priority::Interactive,
            )
            .await?;
        parse::parse_balances_v3(&body)
    }

    async fn fee_rates(&self, symbol: &str) -> ExchangeResult<FeeRates> {
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v1/commissionRate",
                &[("symbol", self.inner.venue_symbol(symbol))],
                20,
                Priority::Background,
            )
            .await?;
        parse::parse_commission_rate(&body)
    }
}

#[async_trait]
impl Derivatives for BinanceUsdm {
    async fn positions(&self) -> ExchangeResult<Vec<Position>> {
        let body = self
            .inner
            .signed(
                Method::GET,
                "/fapi/v3/positionRisk",
                &[],
                5,
                Priority::Interactive,
            )
            .await?;
        let settings = self.inner.settings_snapshot();
        parse::parse_position_risk(&body, &self.inner.symbols(), &settings)
    }

    async fn set_leverage(&self, symbol: &str, leverage: u32) -> ExchangeResult<()> {
        let venue = self.inner.venue_symbol(symbol);
        self.inner
            .signed(
                Method::POST,
                "/fapi/v1/leverage",
                &[
                    ("symbol", venue.clone()),
                    ("leverage", leverage.to_string()),
                ],
                1,
                Priority::Trading,
            )
            .await?;
        self.inner.set_leverage_cached(&venue, leverage);
        Ok(())
    }

    async fn set_margin_type(&self, symbol: &str, margin_type: MarginType) -> ExchangeResult<()> {
        let venue = self.inner.venue_symbol(symbol);
        let wire = match margin_type {
            MarginType::Cross => "CROSSED",
            MarginType::Isolated => "ISOLATED",
        };
        match self
            .inner
            .signed(
                Method::POST,
                "/fapi/v1/marginType",
                &[("symbol", venue.clone()), ("marginType", wire.to_string())],
                1,
                Priority::Trading,
            )
            .await
        {
            Ok(_) => {}
            // -4046 "No need to change margin type.": already so.
            Err(e) if has_code(&e, -4046) => {}
            Err(e) => return Err(e),
        }
        if let Some(s) = write(&self.inner.settings).get_mut(&venue) {
            s.margin_type = margin_type;
        }
        Ok(())
    }

    async fn hedge_mode(&self) -> ExchangeResult<bool> {
        *write(&self.inner.hedge) = None;
        self.inner.hedge_mode().await
    }

    async fn set_hedge_mode(&self, hedge: bool) -> ExchangeResult<()> {
        match self
            .inner
            .signed(
                Method::POST,
                "/fapi/v1/positionSide/dual",
                &[("dualSidePosition", hedge.to_string())],
                1,
                Priority::Trading,
            )
            .await
        {
            Ok(_) => {}
            // -4059 "No need to change position side.": already so.
            Err(e) if has_code(&e, -4059) => {}
            Err(e) => return Err(e),
        }
        *write(&self.inner.hedge) = Some(hedge);
        Ok(())
    }
}

#[async_trait]
impl Venue for BinanceUsdm {
    fn venue_id(&self) -> &str {
        VENUE_ID
    }

    fn health(&self) -> watch::Receiver<VenueHealth> {
        self.inner.refresh_health();
        self.inner.health_tx.subscribe()
    }

    fn derivatives(&self) -> Option<&dyn Derivatives> {
        Some(self)
    }

    async fn key_permissions(&self) -> ExchangeResult<Option<KeyPermissions>> {
        let Some(spot) = &self.inner.spot_rest else {
            return Ok(None);
        };
        crate::common::permissions::key_permissions(spot, Priority::Background)
            .await
            .map(Some)
    }

    async fn test_endpoints(&self) -> Vec<EndpointReport> {
        self.inner
            .rest
            .client()
            .test_endpoints("/fapi/v1/ping")
            .await
    }

    async fn close(&self) {
        let user = lock(&self.inner.user_ws).take();
        if let Some(h) = user {
            h.stop().await;
        }
        let market = lock(&self.inner.market_ws).take();
        if let Some(h) = market {
            h.stop().await;
        }
        for t in lock(&self.inner.tasks).drain(..) {
            t.abort();
        }
        let key = self.inner.listen_key.lock().await.take();
        if key.is_some() {
            let closed: ExchangeResult<serde_json::Value> = self
                .inner
                .rest
                .keyed(
                    Method::DELETE,
                    "/fapi/v1/listenKey",
                    &[],
                    1,
                    Priority::Background,
                )
                .await;
            if let Err(e) = closed {
                tracing::debug!(error = %e, "binance-usdm listenKey close failed");
            }
        }
    }
}

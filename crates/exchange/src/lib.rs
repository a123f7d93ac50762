//! The venue contract. Every exchange Keel trades on (the Demo exchange, paper and backtest
//! venues, Binance and the others) implements these traits; the engine sees venues only through
//! them. Errors carry a retry class: transient (retry with backoff), rejected (never retry) and
//! unknown (the outcome must be resolved from the venue, never assumed).

use async_trait::async_trait;
use keel_domain::{
    Balance, Candle, Fill, Instrument, MarginType, MarkPrice, OrderBook, OrderKind, OrderStatus,
    Position, Side, SubmitOrder, TimestampMs, Trade,
};
use rust_decimal::Decimal;
use tokio::sync::broadcast;

/// Why a venue refused a request. Refusals are final: the same request would be refused again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    InsufficientBalance,
    FilterViolation,
    UnknownSymbol,
    DuplicateClientOrderId,
    OrderNotFound,
    /// The order would have traded against the same account's resting order.
    SelfTrade,
    NotCancelable,
    /// The API key or signature was refused, or the key lacks the permission.
    Unauthorized,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// The request did not take effect; retrying after `retry_after_ms` (or a backoff) is safe.
    #[error("venue temporarily unavailable: {message}")]
    Transient {
        message: String,
        retry_after_ms: Option<u64>,
    },
    /// The venue refused the request. Never retry it unchanged.
    #[error("{message}")]
    Rejected {
        reason: RejectReason,
        message: String,
    },
    /// The request may or may not have taken effect (a timeout after sending, a 5xx after
    /// accept). Resolve by querying the venue; never resend blindly.
    #[error("outcome unknown: {message}")]
    Unknown { message: String },
}

impl ExchangeError {
    pub fn rejected(reason: RejectReason, message: impl Into<String>) -> Self {
        ExchangeError::Rejected {
            reason,
            message: message.into(),
        }
    }
}

pub type ExchangeResult<T> = Result<T, ExchangeError>;

/// The venue's view of one order after a request or an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderUpdate {
    pub client_order_id: String,
    pub venue_order_id: String,
    pub symbol: String,
    pub side: Side,
    pub kind: OrderKind,
    pub status: OrderStatus,
    pub filled_qty: Decimal,
    pub filled_quote: Decimal,
    pub ts_ms: TimestampMs,
}

/// The answer to a submit: the order's state and any fills that happened at once (Binance's FULL
/// response). The same fills also arrive on the execution stream; fills are applied once, by
/// trade id, whichever path brings them first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAck {
    pub order: OrderUpdate,
    pub fills: Vec<Fill>,
}

/// A push from the venue's user stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionEvent {
    Order(OrderUpdate),
    Fill(Fill),
    Balances(Vec<Balance>),
    /// Futures positions that changed (Binance ACCOUNT_UPDATE).
    Positions(Vec<Position>),
    /// The user stream was down and is back: events may have been missed, so the engine
    /// reconciles orders, fills and balances over REST.
    Resynced,
}

/// A push from the venue's public market streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketEvent {
    Trade {
        symbol: String,
        trade: Trade,
    },
    /// The candle of the current interval, updated (closed = false) or final (closed = true).
    Candle {
        symbol: String,
        interval_ms: i64,
        candle: Candle,
        closed: bool,
    },
    Book {
        symbol: String,
        book: OrderBook,
    },
    /// Perpetual futures: mark price and funding.
    MarkPrice {
        symbol: String,
        mark: MarkPrice,
    },
}

impl MarketEvent {
    pub fn symbol(&self) -> &str {
        match self {
            MarketEvent::Trade { symbol, .. }
            | MarketEvent::Candle { symbol, .. }
            | MarketEvent::Book { symbol, .. }
            | MarketEvent::MarkPrice { symbol, .. } => symbol,
        }
    }
}

/// How a venue connection is doing, for the trader's connection indicator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ConnectionState {
    Connecting,
    Connected,
    /// Streams dropped; reconnecting with backoff.
    Reconnecting {
        attempt: u32,
        reason: String,
    },
    /// The venue asked Keel to slow down: requests wait until `until_ms`.
    RateLimited {
        until_ms: TimestampMs,
    },
    /// Keel cannot reach or use the venue (bad key, banned, no network); `reason` says why.
    Down {
        reason: String,
    },
}

/// A venue connection's health: its state and how much of the request budget is left.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VenueHealth {
    pub state: ConnectionState,
    /// Request weight used in the venue's current window, and the window's limit (Binance
    /// REQUEST_WEIGHT per minute). `None` where the venue has no such budget.
    pub weight_used: Option<u32>,
    pub weight_limit: Option<u32>,
    /// Milliseconds between Keel's clock and the venue's (venue minus local).
    pub clock_offset_ms: Option<i64>,
}

impl VenueHealth {
    pub fn connected() -> Self {
        VenueHealth {
            state: ConnectionState::Connected,
            weight_used: None,
            weight_limit: None,
            clock_offset_ms: None,
        }
    }
}

#[async_trait]
pub trait MarketData: Send + Sync {
    async fn instruments(&self) -> ExchangeResult<Vec<Instrument>>;
    /// The most recent `limit` candles of `interval_ms`, oldest first.
    async fn candles(
        &self,
        symbol: &str,
        interval_ms: i64,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>>;
    /// Ranged history for downloads: candles of `interval_ms` whose `open_time_ms >= start_ms`,
    /// oldest first, at most `limit` (a venue may return fewer per call, and the last one may
    /// still be open). An empty answer means the venue has nothing from `start_ms` on. Callers
    /// page forward from the last open time plus one interval. Venues that cannot page history
    /// refuse with `Rejected`.
    async fn candles_since(
        &self,
        _symbol: &str,
        interval_ms: i64,
        start_ms: TimestampMs,
        _limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        Err(ExchangeError::rejected(
            RejectReason::Other,
            format!(
                "this venue cannot page candle history ({interval_ms} ms candles from {start_ms})"
            ),
        ))
    }
    async fn order_book(&self, symbol: &str, depth: usize) -> ExchangeResult<OrderBook>;
    /// The most recent `limit` trades, newest first.
    async fn recent_trades(&self, symbol: &str, limit: usize) -> ExchangeResult<Vec<Trade>>;
    /// Public events of the watched symbols.
    fn market_events(&self) -> broadcast::Receiver<MarketEvent>;
    /// Starts streaming a symbol's trades, candles and book into `market_events` (counted: each
    /// `watch` needs one `unwatch`). A venue that streams everything anyway ignores it.
    async fn watch(&self, _symbol: &str) -> ExchangeResult<()> {
        Ok(())
    }
    async fn unwatch(&self, _symbol: &str) {}
}

#[async_trait]
pub trait Trading: Send + Sync {
    async fn submit_order(&self, order: &SubmitOrder) -> ExchangeResult<OrderAck>;
    async fn cancel_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<OrderUpdate>;
    /// Looks an order up by Keel's client order id; `None` when the venue never saw it.
    async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<Option<OrderUpdate>>;
    async fn open_orders(&self) -> ExchangeResult<Vec<OrderUpdate>>;
    /// Every fill of one order (Binance myTrades by orderId), oldest first. Reconciliation
    /// applies the ones the user stream missed.
    async fn order_fills(&self, symbol: &str, venue_order_id: &str) -> ExchangeResult<Vec<Fill>>;
    fn execution_events(&self) -> broadcast::Receiver<ExecutionEvent>;
}

/// Futures accounts: positions and their settings.
#[async_trait]
pub trait Derivatives: Send + Sync {
    async fn positions(&self) -> ExchangeResult<Vec<Position>>;
    async fn set_leverage(&self, symbol: &str, leverage: u32) -> ExchangeResult<()>;
    async fn set_margin_type(&self, symbol: &str, margin_type: MarginType) -> ExchangeResult<()>;
    /// Hedge mode (a long and a short position per symbol) or one-way mode.
    async fn hedge_mode(&self) -> ExchangeResult<bool>;
    async fn set_hedge_mode(&self, hedge: bool) -> ExchangeResult<()>;
}

/// The account's commission rates, as fractions of the notional (0.001 = 0.1 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeRates {
    pub maker: Decimal,
    pub taker: Decimal,
}

#[async_trait]
pub trait AccountState: Send + Sync {
    async fn balances(&self) -> ExchangeResult<Vec<Balance>>;
    async fn fee_rates(&self, symbol: &str) -> ExchangeResult<FeeRates>;
}

/// What an API key may do, as the venue reports it (Binance GET /sapi/v1/account/apiRestrictions).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyPermissions {
    pub can_read: bool,
    pub can_trade_spot: bool,
    pub can_trade_futures: bool,
    /// Keel refuses keys that can withdraw.
    pub can_withdraw: bool,
    /// Whether the key only works from listed IP addresses (Keel warns when it does not).
    pub ip_restricted: bool,
}

/// The result of testing one REST endpoint of a venue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointReport {
    pub url: String,
    pub healthy: bool,
    pub latency_ms: Option<u64>,
    pub error: Option<String>,
    /// Whether the pool is currently avoiding the endpoint after failures or rate limits.
    pub cooling_down: bool,
}

/// A whole venue connection for one account.
#[async_trait]
pub trait Venue: MarketData + Trading + AccountState {
    /// The venue's id as stored with orders and fills, e.g. `demo`, `binance`.
    fn venue_id(&self) -> &str;

    /// The connection's health, updated as it changes. A venue without a connection (the Demo
    /// exchange) is always connected.
    fn health(&self) -> tokio::sync::watch::Receiver<VenueHealth> {
        tokio::sync::watch::channel(VenueHealth::connected()).1
    }

    /// The futures side of the venue, where it has one.
    fn derivatives(&self) -> Option<&dyn Derivatives> {
        None
    }

    /// What the account's API key may do; `None` for venues without keys.
    async fn key_permissions(&self) -> ExchangeResult<Option<KeyPermissions>> {
        Ok(None)
    }

    /// Tests every REST endpoint of the venue (latency and health), for the trader's "test
    /// endpoint" action. Empty for venues without a network.
    async fn test_endpoints(&self) -> Vec<EndpointReport> {
        Vec::new()
    }

    /// Stops streams and background tasks. The venue must not be used afterwards.
    async fn close(&self) {}
}

//! The venue contract. Every exchange Keel trades on (the Demo exchange, paper and backtest
//! venues, Binance and the others) implements these traits; the engine sees venues only through
//! them. Errors carry a retry class: transient (retry with backoff), rejected (never retry) and
//! unknown (the outcome must be resolved from the venue, never assumed).

use async_trait::async_trait;
use keel_domain::{
    Balance, Candle, Fill, Instrument, OrderBook, OrderKind, OrderStatus, Side, SubmitOrder,
    TimestampMs, Trade,
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
}

impl MarketEvent {
    pub fn symbol(&self) -> &str {
        match self {
            MarketEvent::Trade { symbol, .. }
            | MarketEvent::Candle { symbol, .. }
            | MarketEvent::Book { symbol, .. } => symbol,
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
    async fn order_book(&self, symbol: &str, depth: usize) -> ExchangeResult<OrderBook>;
    /// The most recent `limit` trades, newest first.
    async fn recent_trades(&self, symbol: &str, limit: usize) -> ExchangeResult<Vec<Trade>>;
    fn market_events(&self) -> broadcast::Receiver<MarketEvent>;
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
    fn execution_events(&self) -> broadcast::Receiver<ExecutionEvent>;
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

/// A whole venue connection for one account.
pub trait Venue: MarketData + Trading + AccountState {
    /// The venue's id as stored with orders and fills, e.g. `demo`, `binance`.
    fn venue_id(&self) -> &str;
}

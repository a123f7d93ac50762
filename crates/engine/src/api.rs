//! What crosses IPC: request and view types, market batches, account events and the closed
//! error-code enum. The TypeScript bindings in `ui/src/ipc/bindings.ts` are generated from these
//! (see `bindings::render`), committed, and checked by a test that fails when they are stale.

use keel_domain::{
    Amount, Balance, Candle, Fill, MarkPrice, OrderBook, OrderKind, OrderRecord, Position, Side,
    Trade,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use keel_store::FillFilter;

/// Every error the UI can receive. The UI switches on `code`, never on `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    QuantityTooSmall,
    QuantityTooLarge,
    QuantityOffStep,
    PriceInvalid,
    PriceOffTick,
    NotionalTooSmall,
    InsufficientBalance,
    SelfTrade,
    UnknownSymbol,
    UnknownAccount,
    OrderNotFound,
    OrderNotCancelable,
    TradingPaused,
    VenueRejected,
    VenueUnavailable,
    OutcomeUnknown,
    AlreadyRunning,
    Storage,
    Io,
    Internal,
}

/// An error as the UI and CLI see it: a closed code plus a specific, human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub trading_paused: bool,
    pub default_account_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: String,
    pub venue: String,
    pub market: String,
    pub label: String,
}

/// A balance valued in the account's quote currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BalanceView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub balance: Balance,
    #[ts(type = "string")]
    pub total: Decimal,
    /// Value of `total` in the valuation asset at the last price; null when no price is known.
    #[ts(type = "string | null")]
    pub value: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EquityView {
    pub account_id: String,
    pub valuation_asset: String,
    #[ts(type = "string")]
    pub equity: Decimal,
    pub balances: Vec<BalanceView>,
}

/// An order ticket as the trader filled it in. Prices and amounts are decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOrderRequest {
    pub account_id: String,
    pub symbol: String,
    pub side: Side,
    pub kind: OrderKind,
    #[ts(type = "string | null")]
    pub price: Option<Decimal>,
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub path: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// What a market subscription delivers, coalesced: at most one batch per ~50 ms per stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarketBatch {
    pub symbol: String,
    /// Trades since the previous batch, oldest first (capped; the newest are kept).
    pub trades: Vec<Trade>,
    /// The latest state of the current 1-minute candle (and any candles closed since).
    pub candles: Vec<Candle>,
    /// The latest book, when it changed.
    pub book: Option<OrderBook>,
    /// Perpetual futures: the latest mark price and funding, when they changed.
    pub mark: Option<MarkPrice>,
    #[ts(type = "string | null")]
    pub last_price: Option<Decimal>,
}

/// Changes to the trader's own state, pushed as they happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AccountEvent {
    Order {
        order: OrderRecord,
    },
    Fill {
        fill: Fill,
    },
    Balances {
        account_id: String,
    },
    Positions {
        account_id: String,
        positions: Vec<Position>,
    },
    TradingPaused {
        paused: bool,
    },
}

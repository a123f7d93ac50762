//! What crosses IPC: request and view types, market batches, account events and the closed
//! error-code enum. The TypeScript bindings in `ui/src/ipc/bindings.ts` are generated from these
//! (see `bindings::render`), committed, and checked by a test that fails when they are stale.

use keel_domain::{
    Amount, Balance, Candle, Fill, MarkPrice, OrderBook, OrderKind, OrderOptions, OrderRecord,
    Position, Side, Trade,
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
    /// The account is read-only until the trader switches it to live trading.
    AccountNotLive,
    /// The API key can withdraw funds: Keel refuses such keys.
    KeyCanWithdraw,
    /// The API key lacks a permission the action needs (e.g. spot trading).
    KeyPermissionMissing,
    /// The key or secret was refused by the venue.
    KeyInvalid,
    /// No keychain, and the encrypted vault file is not set up or not unlocked.
    SecretsUnavailable,
    WrongPassword,
    /// Keel is locked: unlock it with the app password first.
    AppLocked,
    /// The action needs the account's open orders to be closed first.
    HasOpenOrders,
    VenueRejected,
    VenueUnavailable,
    OutcomeUnknown,
    AlreadyRunning,
    Storage,
    Io,
    /// The trader stopped it (a sweep, a download).
    Canceled,
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

/// An account as the Accounts page and the account pickers show it. No secret, ever: only the
/// last four characters of the API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: String,
    /// `demo`, `binance`.
    pub venue: String,
    /// `spot` or `futures`.
    pub market: String,
    pub label: String,
    pub testnet: bool,
    pub proxy: Option<String>,
    pub api_key_hint: Option<String>,
    /// `none`, `keychain` or `vault_file`.
    pub secret_store: String,
    /// Orders are refused until the account is switched to live trading.
    pub live: bool,
    pub permissions: Option<KeyPermissionsView>,
    /// Things the trader should know, e.g. "the key has no IP restriction".
    pub warnings: Vec<String>,
    pub connection: ConnectionView,
}

/// What the account's API key may do, from the venue's permission probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyPermissionsView {
    pub can_read: bool,
    pub can_trade_spot: bool,
    pub can_trade_futures: bool,
    pub can_withdraw: bool,
    pub ip_restricted: bool,
}

/// The connection indicator: `connecting`, `connected`, `reconnecting`, `rate_limited` or
/// `down`, with the detail a trader needs and the request budget's headroom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub state: String,
    pub detail: Option<String>,
    pub weight_used: Option<u32>,
    pub weight_limit: Option<u32>,
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
}

/// A new real-venue account. The secret fields travel from the form to Rust once, and never
/// back.
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewAccountRequest {
    pub venue: String,
    pub market: String,
    pub label: String,
    pub api_key: SecretInput,
    pub secret: SecretInput,
    pub passphrase: Option<SecretInput>,
    pub testnet: bool,
    pub proxy: Option<String>,
}

/// Changes to an account. Key fields left out keep the stored key.
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAccountRequest {
    pub id: String,
    pub label: String,
    pub testnet: bool,
    pub proxy: Option<String>,
    pub api_key: Option<SecretInput>,
    pub secret: Option<SecretInput>,
    pub passphrase: Option<SecretInput>,
}

/// A secret typed by the trader: deserialised straight into a redacted, zeroed-on-drop value.
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(from = "String")]
#[ts(type = "string")]
pub struct SecretInput(pub keel_vault::Secret);

impl From<String> for SecretInput {
    fn from(value: String) -> Self {
        SecretInput(keel_vault::Secret::new(value))
    }
}

impl std::fmt::Debug for NewAccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccountRequest")
            .field("venue", &self.venue)
            .field("market", &self.market)
            .field("label", &self.label)
            .field("testnet", &self.testnet)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for UpdateAccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateAccountRequest")
            .field("id", &self.id)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// One use of a secret, from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    pub account_id: String,
    #[ts(type = "number")]
    pub ts_ms: i64,
    pub action: String,
    pub purpose: String,
}

/// Where secrets are kept and whether Keel is locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SecurityView {
    /// `keychain`, `vault_file`, `unavailable`, or `checking` while the keychain is probed.
    pub secret_store: String,
    /// Why the OS keychain cannot be used, when it cannot.
    pub keychain_error: Option<String>,
    pub vault_file_exists: bool,
    pub vault_unlocked: bool,
    pub app_lock_enabled: bool,
    pub app_locked: bool,
}

/// The result of testing one venue endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    pub url: String,
    pub healthy: bool,
    #[ts(type = "number | null")]
    pub latency_ms: Option<u64>,
    pub error: Option<String>,
    pub cooling_down: bool,
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
    /// Stop price, time in force and the futures flags; plain GTC when left out.
    #[serde(default)]
    #[ts(optional)]
    pub options: Option<OrderOptions>,
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

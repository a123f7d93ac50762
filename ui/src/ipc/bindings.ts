// Generated from Rust (crates/engine/src/bindings.rs) by ts-rs. Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p keel-engine bindings` after changing an IPC type.

export type Side = "buy" | "sell";

export type OrderKind = "market" | "limit" | "limit_maker" | "stop_market" | "stop_limit" | "take_profit_market" | "take_profit_limit";

export type TimeInForce = "gtc" | "ioc" | "fok";

export type PositionSide = "both" | "long" | "short";

export type OrderOptions = { 
/**
 * The trigger of a conditional order (see [`OrderKind::is_conditional`]).
 */
stopPrice: string | null, timeInForce: TimeInForce, 
/**
 * Futures: the order may only shrink the position.
 */
reduceOnly: boolean, 
/**
 * Futures: a stop or take-profit that closes the whole position (no amount is sent).
 */
closePosition: boolean, positionSide: PositionSide, };

export type Amount = { "unit": "base", "value": string } | { "unit": "quote", "value": string };

export type OrderStatus = "intent" | "submitting" | "open" | "partially_filled" | "pending_cancel" | "filled" | "canceled" | "expired" | "rejected" | "unknown";

export type Instrument = { 
/**
 * Keel's symbol, `BASE/QUOTE`, e.g. `BTC/USDT`.
 */
symbol: string, base: string, quote: string, tickSize: string, stepSize: string, minQty: string, maxQty: string, minNotional: string, };

export type OrderRecord = { id: number, accountId: string, venue: string, clientOrderId: string, venueOrderId: string | null, symbol: string, side: Side, kind: OrderKind, price: string | null, amount: Amount, filledQty: string, filledQuote: string, status: OrderStatus, reason: string | null, createdMs: number, updatedMs: number, options: OrderOptions, };

export type Fill = { venue: string, accountId: string, symbol: string, side: Side, price: string, qty: string, quoteQty: string, fee: string, feeAsset: string, venueOrderId: string, clientOrderId: string, tradeId: string, isMaker: boolean, tsMs: number, };

export type Balance = { asset: string, free: string, locked: string, };

export type MarginType = "cross" | "isolated";

export type Position = { symbol: string, positionSide: PositionSide, 
/**
 * Signed: positive long, negative short.
 */
qty: string, entryPrice: string, markPrice: string | null, unrealizedPnl: string, leverage: number, marginType: MarginType, liquidationPrice: string | null, updatedMs: number, };

export type MarkPrice = { tsMs: number, markPrice: string, indexPrice: string | null, 
/**
 * The funding rate of the next settlement, as a fraction (0.0001 = 0.01 %).
 */
fundingRate: string | null, nextFundingMs: number | null, };

export type Trade = { id: number, tsMs: number, price: string, qty: string, takerSide: Side, };

export type Candle = { openTimeMs: number, open: string, high: string, low: string, close: string, volume: string, };

export type BookLevel = { price: string, qty: string, };

export type OrderBook = { bids: Array<BookLevel>, asks: Array<BookLevel>, tsMs: number, };

export type ErrorCode = "invalid_input" | "quantity_too_small" | "quantity_too_large" | "quantity_off_step" | "price_invalid" | "price_off_tick" | "notional_too_small" | "insufficient_balance" | "self_trade" | "unknown_symbol" | "unknown_account" | "order_not_found" | "order_not_cancelable" | "trading_paused" | "account_not_live" | "key_can_withdraw" | "key_permission_missing" | "key_invalid" | "secrets_unavailable" | "wrong_password" | "app_locked" | "has_open_orders" | "venue_rejected" | "venue_unavailable" | "outcome_unknown" | "already_running" | "storage" | "io" | "internal";

export type AppError = { code: ErrorCode, message: string, };

export type AppInfo = { version: string, dataDir: string, tradingPaused: boolean, defaultAccountId: string, };

export type AccountView = { id: string, 
/**
 * `demo`, `binance`.
 */
venue: string, 
/**
 * `spot` or `futures`.
 */
market: string, label: string, testnet: boolean, proxy: string | null, apiKeyHint: string | null, 
/**
 * `none`, `keychain` or `vault_file`.
 */
secretStore: string, 
/**
 * Orders are refused until the account is switched to live trading.
 */
live: boolean, permissions: KeyPermissionsView | null, 
/**
 * Things the trader should know, e.g. "the key has no IP restriction".
 */
warnings: Array<string>, connection: ConnectionView, };

export type KeyPermissionsView = { canRead: boolean, canTradeSpot: boolean, canTradeFutures: boolean, canWithdraw: boolean, ipRestricted: boolean, };

export type ConnectionView = { state: string, detail: string | null, weightUsed: number | null, weightLimit: number | null, clockOffsetMs: number | null, };

export type SecretInput = string;

export type NewAccountRequest = { venue: string, market: string, label: string, apiKey: SecretInput, secret: SecretInput, passphrase: SecretInput | null, testnet: boolean, proxy: string | null, };

export type UpdateAccountRequest = { id: string, label: string, testnet: boolean, proxy: string | null, apiKey: SecretInput | null, secret: SecretInput | null, passphrase: SecretInput | null, };

export type AuditView = { accountId: string, tsMs: number, action: string, purpose: string, };

export type SecurityView = { 
/**
 * `keychain`, `vault_file`, `unavailable`, or `checking` while the keychain is probed.
 */
secretStore: string, 
/**
 * Why the OS keychain cannot be used, when it cannot.
 */
keychainError: string | null, vaultFileExists: boolean, vaultUnlocked: boolean, appLockEnabled: boolean, appLocked: boolean, };

export type EndpointView = { url: string, healthy: boolean, latencyMs: number | null, error: string | null, coolingDown: boolean, };

export type BalanceView = { total: string, 
/**
 * Value of `total` in the valuation asset at the last price; null when no price is known.
 */
value: string | null, asset: string, free: string, locked: string, };

export type EquityView = { accountId: string, valuationAsset: string, equity: string, balances: Array<BalanceView>, };

export type PlaceOrderRequest = { accountId: string, symbol: string, side: Side, kind: OrderKind, price: string | null, amount: Amount, 
/**
 * Stop price, time in force and the futures flags; plain GTC when left out.
 */
options?: OrderOptions, };

export type FillFilter = { accountId?: string, symbol?: string, side?: Side, 
/**
 * Inclusive lower bound, epoch ms.
 */
fromMs?: number, 
/**
 * Exclusive upper bound, epoch ms.
 */
toMs?: number, 
/**
 * At most this many (the newest); none means all.
 */
limit?: number, };

export type ExportResult = { path: string, rows: number, };

export type MarketBatch = { symbol: string, 
/**
 * Trades since the previous batch, oldest first (capped; the newest are kept).
 */
trades: Array<Trade>, 
/**
 * The latest state of the current 1-minute candle (and any candles closed since).
 */
candles: Array<Candle>, 
/**
 * The latest book, when it changed.
 */
book: OrderBook | null, 
/**
 * Perpetual futures: the latest mark price and funding, when they changed.
 */
mark: MarkPrice | null, lastPrice: string | null, };

export type AccountEvent = { "kind": "order", order: OrderRecord, } | { "kind": "fill", fill: Fill, } | { "kind": "balances", accountId: string, } | { "kind": "positions", accountId: string, positions: Array<Position>, } | { "kind": "tradingPaused", paused: boolean, };


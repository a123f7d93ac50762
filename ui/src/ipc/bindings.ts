// Generated from Rust (crates/engine/src/bindings.rs) by ts-rs. Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p keel-engine bindings` after changing an IPC type.

export type Side = "buy" | "sell";

export type OrderKind = "market" | "limit" | "limit_maker" | "stop_market" | "stop_limit" | "take_profit_market" | "take_profit_limit";

export type Amount = { "unit": "base", "value": string } | { "unit": "quote", "value": string };

export type OrderStatus = "intent" | "submitting" | "open" | "partially_filled" | "pending_cancel" | "filled" | "canceled" | "expired" | "rejected" | "unknown";

export type Instrument = { 
/**
 * Keel's symbol, `BASE/QUOTE`, e.g. `BTC/USDT`.
 */
symbol: string, base: string, quote: string, tickSize: string, stepSize: string, minQty: string, maxQty: string, minNotional: string, };

export type OrderRecord = { id: number, accountId: string, venue: string, clientOrderId: string, venueOrderId: string | null, symbol: string, side: Side, kind: OrderKind, price: string | null, amount: Amount, filledQty: string, filledQuote: string, status: OrderStatus, reason: string | null, createdMs: number, updatedMs: number, };

export type Fill = { venue: string, accountId: string, symbol: string, side: Side, price: string, qty: string, quoteQty: string, fee: string, feeAsset: string, venueOrderId: string, clientOrderId: string, tradeId: string, isMaker: boolean, tsMs: number, };

export type Balance = { asset: string, free: string, locked: string, };

export type Position = { symbol: string, positionSide: PositionSide, 
/**
 * Signed: positive long, negative short.
 */
qty: string, entryPrice: string, markPrice: string | null, unrealizedPnl: string, leverage: number, marginType: MarginType, liquidationPrice: string | null, updatedMs: number, };

export type Trade = { id: number, tsMs: number, price: string, qty: string, takerSide: Side, };

export type Candle = { openTimeMs: number, open: string, high: string, low: string, close: string, volume: string, };

export type BookLevel = { price: string, qty: string, };

export type OrderBook = { bids: Array<BookLevel>, asks: Array<BookLevel>, tsMs: number, };

export type ErrorCode = "invalid_input" | "quantity_too_small" | "quantity_too_large" | "quantity_off_step" | "price_invalid" | "price_off_tick" | "notional_too_small" | "insufficient_balance" | "self_trade" | "unknown_symbol" | "unknown_account" | "order_not_found" | "order_not_cancelable" | "trading_paused" | "venue_rejected" | "venue_unavailable" | "outcome_unknown" | "already_running" | "storage" | "io" | "internal";

export type AppError = { code: ErrorCode, message: string, };

export type AppInfo = { version: string, dataDir: string, tradingPaused: boolean, defaultAccountId: string, };

export type AccountView = { id: string, venue: string, market: string, label: string, };

export type BalanceView = { total: string, 
/**
 * Value of `total` in the valuation asset at the last price; null when no price is known.
 */
value: string | null, asset: string, free: string, locked: string, };

export type EquityView = { accountId: string, valuationAsset: string, equity: string, balances: Array<BalanceView>, };

export type PlaceOrderRequest = { accountId: string, symbol: string, side: Side, kind: OrderKind, price: string | null, amount: Amount, };

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


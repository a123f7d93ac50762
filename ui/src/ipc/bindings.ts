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

export type ErrorCode = "invalid_input" | "quantity_too_small" | "quantity_too_large" | "quantity_off_step" | "price_invalid" | "price_off_tick" | "notional_too_small" | "insufficient_balance" | "self_trade" | "unknown_symbol" | "unknown_account" | "order_not_found" | "order_not_cancelable" | "trading_paused" | "account_not_live" | "key_can_withdraw" | "key_permission_missing" | "key_invalid" | "secrets_unavailable" | "wrong_password" | "app_locked" | "has_open_orders" | "venue_rejected" | "venue_unavailable" | "outcome_unknown" | "already_running" | "storage" | "io" | "canceled" | "internal";

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

export type ParamSet = { [key in string]?: number };

export type ParamSpec = { name: string, min: number, max: number, step: number, };

export type StrategyParamView = { name: string, default: number, min: number, max: number, step: number, description: string | null, };

export type TemplateView = { 
/**
 * Stable id (`sma_cross`, `rsi_mean_reversion`, ...).
 */
id: string, name: string, description: string, category: string, 
/**
 * `long` or `short`.
 */
direction: string, 
/**
 * The spec as JSON.
 */
spec: string, parameters: Array<StrategyParamView>, };

export type CurvePoint = { tMs: number, value: number, };

export type Gap = { 
/**
 * Open time of the first missing candle.
 */
fromMs: number, 
/**
 * Open time of the next present candle.
 */
toMs: number, 
/**
 * How many candles are missing.
 */
missing: number, };

export type FillRecord = { 
/**
 * Bar (or event) index.
 */
bar: number, tMs: number, tag: number, side: Side, price: string, qty: string, fee: string, 
/**
 * Whether the fill added liquidity.
 */
maker: boolean, };

export type TradeRecord = { 
/**
 * Index of the bar (or event) of the first fill.
 */
entryBar: number, entryTimeMs: number, 
/**
 * Long (`buy`) or short (`sell`).
 */
side: Side, 
/**
 * Largest absolute position held during the trade.
 */
qty: string, 
/**
 * Average entry price.
 */
entryPrice: string, exitBar: number | null, exitTimeMs: number | null, 
/**
 * Average exit price (None while open).
 */
exitPrice: string | null, 
/**
 * Fees of every fill of the trade.
 */
fees: string, 
/**
 * Realised PnL after fees (for a trade still open at the end: marked at the last close).
 */
pnl: string, };

export type Metrics = { totalReturn: number, annualReturn: number | null, maxDrawdown: number, sharpe: number | null, sortino: number | null, calmar: number | null, winRate: number | null, profitFactor: number | null, avgTrade: string | null, exposure: number, fees: string, trades: number, fills: number, 
/**
 * Intents the risk check or the venue refused.
 */
rejectedOrders: number, };

export type Report = { bars: number, startMs: number, endMs: number, intervalMs: number, initialCash: string, finalEquity: string, metrics: Metrics, 
/**
 * Equity at the bar closes, thinned (see [`CURVE_POINTS`]; the last bar of each bucket).
 */
equity: Array<CurvePoint>, 
/**
 * Drawdown from the running peak (a fraction, <= 0), the deepest of each bucket.
 */
drawdown: Array<CurvePoint>, trades: Array<TradeRecord>, 
/**
 * A trade still open at the end, marked at the last close.
 */
openTrade: TradeRecord | null, fills: Array<FillRecord>, 
/**
 * Missing candles in the data (skipped, not invented).
 */
gaps: Array<Gap>, 
/**
 * The first refusals, for the trader to read ("bar 812: insufficient cash ...").
 */
rejections: Array<string>, };

export type Search = { "kind": "grid" } | { "kind": "random", samples: number, seed: number, };

export type Objective = "total_return" | "sharpe" | "sortino" | "calmar" | "profit_factor" | "max_drawdown";

export type SweepSpec = { 
/**
 * The parameters that vary.
 */
params: Array<ParamSpec>, 
/**
 * Parameters held constant (e.g. quantity).
 */
fixed: ParamSet, search: Search, objective: Objective, };

export type SweepRow = { params: ParamSet, metrics: Metrics | null, score: number | null, 
/**
 * Why this set could not run (e.g. fast >= slow).
 */
error: string | null, };

export type Heatmap = { x: string, y: string, xs: Array<number>, ys: Array<number>, 
/**
 * `cells[y][x]`.
 */
cells: Array<Array<number | null>>, };

export type SweepResult = { objective: Objective, 
/**
 * In the order the sets were generated.
 */
rows: Array<SweepRow>, 
/**
 * Index of the best row.
 */
best: number | null, heatmap: Heatmap | null, };

export type StrategyRef = { "kind": "builtin", name: string, } | { "kind": "saved", id: string, } | { "kind": "spec", spec: string, };

export type DataRef = { "kind": "candles", venue: string, symbol: string, intervalMs: number, fromMs: number | null, toMs: number | null, } | { "kind": "csv", path: string, intervalMs: number, } | { "kind": "session", sessionId: number, symbol: string, intervalMs: number, };

export type FillPath = "nearest_extreme_first" | "open_high_low_close" | "open_low_high_close";

export type BacktestSettings = { initialCash: string, takerFee: string, makerFee: string, slippageBps: string, latencyMs: number, fillPath: FillPath, 
/**
 * Largest share of a bar's or a trade's volume one order may take (0 to 1).
 */
volumeShare: string, allowShort: boolean, };

export type BacktestRequest = { name: string | null, strategy: StrategyRef, params: ParamSet, data: DataRef, settings: BacktestSettings, };

export type SweepRequest = { name: string | null, strategy: StrategyRef, data: DataRef, settings: BacktestSettings, spec: SweepSpec, 
/**
 * Worker threads; 0 or absent = every core.
 */
threads: number, };

export type BacktestRunView = { id: number, name: string, createdMs: number, strategyLabel: string, params: ParamSet, dataLabel: string, bars: number, totalReturn: number, maxDrawdown: number, sharpe: number | null, trades: number, };

export type SweepRunView = { id: number, name: string, createdMs: number, strategyLabel: string, dataLabel: string, sets: number, };

export type SweepProgress = { done: number, total: number, };

export type PaperSource = { "kind": "live", accountId: string, } | { "kind": "replay", sessionId: number, speed: number, };

export type PaperRequest = { name: string | null, source: PaperSource, symbol: string, intervalMs: number, strategy: StrategyRef, params: ParamSet, settings: BacktestSettings, };

export type PaperRunView = { id: number, name: string, symbol: string, running: boolean, tradesSeen: number, 
/**
 * Market events lost because the run fell behind (its fills may differ from the market's).
 */
eventsMissed: number, fills: number, position: string, equity: number, 
/**
 * The saved report, once the run has stopped.
 */
reportId: number | null, error: string | null, };

export type GapRange = { startMs: number, endMs: number, missing: number, };

export type DatasetRef = { "kind": "candles", venue: string, symbol: string, intervalMs: number, } | { "kind": "session", sessionId: number, };

export type DatasetUsage = { dataset: DatasetRef, 
/**
 * Session name, or `venue symbol interval` for candles.
 */
label: string, rows: number, firstMs: number | null, lastMs: number | null, 
/**
 * Estimated: text lengths plus a per-row overhead.
 */
approxBytes: number, };

export type DownloadStatus = "running" | "completed" | "failed" | "cancelled";

export type DownloadRequest = { accountId: string, symbol: string, intervalMs: number, startMs: number, endMs: number, };

export type DownloadProgress = { jobId: number, fraction: number, 
/**
 * Candles of the range that were stored before this run.
 */
storedBefore: number, fetched: number, requests: number, 
/**
 * Open times the venue had no candle for so far.
 */
venueMissing: number, status: DownloadStatus, };

export type DownloadJob = { id: number, accountId: string, venue: string, symbol: string, intervalMs: number, startMs: number, endMs: number, storedBefore: number, fetched: number, requests: number, progress: number, status: DownloadStatus, error: string | null, venueGaps: Array<GapRange>, createdMs: number, updatedMs: number, };

export type ImportSummary = { 
/**
 * `candles` or `trades`.
 */
kind: string, rows: number, 
/**
 * Candles: the interval used (given, or the smallest step in the file).
 */
intervalMs: number | null, 
/**
 * Candles: missing intervals (warnings, not errors).
 */
gaps: Array<GapRange>, 
/**
 * Trades: the session the trades were stored as.
 */
sessionId: number | null, };

export type RecordKind = "trades" | "candles" | "books";

export type RecordRequest = { accountId: string, symbols: Array<string>, kinds: Array<RecordKind>, 
/**
 * Default: the symbols and the start time.
 */
name?: string, 
/**
 * At most one book snapshot per symbol per this many ms (default 1,000).
 */
bookEveryMs?: number, };

export type SessionStatus = "recording" | "stopped" | "interrupted" | "imported";

export type RecordingSession = { id: number, name: string, accountId: string, venue: string, symbols: Array<string>, 
/**
 * `trades`, `candles`, `books`.
 */
kinds: Array<string>, status: SessionStatus, startMs: number, endMs: number | null, tradeCount: number, candleCount: number, bookCount: number, };


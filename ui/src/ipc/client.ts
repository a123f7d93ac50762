// The one IPC client: every call into Rust goes through here. Each function maps to one Tauri
// command (snake_case name, camelCase args) and rejects with an `AppError {code, message}`.

import { Channel, invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type {
  AccountEvent,
  BacktestRequest,
  BacktestRunView,
  DatasetRef,
  DatasetUsage,
  DownloadJob,
  DownloadProgress,
  DownloadRequest,
  GapRange,
  ImportSummary,
  PaperRequest,
  PaperRunView,
  RecordingSession,
  RecordRequest,
  Report,
  SweepProgress,
  SweepRequest,
  SweepResult,
  SweepRunView,
  TemplateView,
  AccountView,
  AppError,
  AppInfo,
  AuditView,
  Candle,
  EndpointView,
  EquityView,
  ErrorCode,
  ExportResult,
  Fill,
  FillFilter,
  Instrument,
  MarketBatch,
  OrderBook,
  OrderRecord,
  NewAccountRequest,
  PlaceOrderRequest,
  Position,
  SecurityView,
  Trade,
  UpdateAccountRequest,
} from './bindings';

export type { AppError, ErrorCode };

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_input',
  'quantity_too_small',
  'quantity_too_large',
  'quantity_off_step',
  'price_invalid',
  'price_off_tick',
  'notional_too_small',
  'insufficient_balance',
  'self_trade',
  'unknown_symbol',
  'unknown_account',
  'order_not_found',
  'order_not_cancelable',
  'trading_paused',
  'account_not_live',
  'key_can_withdraw',
  'key_permission_missing',
  'key_invalid',
  'secrets_unavailable',
  'wrong_password',
  'app_locked',
  'has_open_orders',
  'venue_rejected',
  'venue_unavailable',
  'outcome_unknown',
  'already_running',
  'storage',
  'io',
  'canceled',
  'internal',
]);

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && ERROR_CODES.has(code);
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v.code) && typeof v.message === 'string';
}

/**
 * Whatever a command rejected with, as an AppError. Rust sends `{code, message}`; anything else
 * (a Tauri-level failure such as an unknown command or a denied permission arrives as a string)
 * becomes `internal` with its text kept.
 */
export function toAppError(reason: unknown): AppError {
  if (isAppError(reason)) return { code: reason.code, message: reason.message };
  if (typeof reason === 'object' && reason !== null) {
    const r = reason as Record<string, unknown>;
    if (typeof r.message === 'string' && r.message.length > 0) {
      return { code: 'internal', message: r.message };
    }
  }
  if (typeof reason === 'string' && reason.length > 0) return { code: 'internal', message: reason };
  return { code: 'internal', message: 'Unexpected error from the engine' };
}

const lockListeners = new Set<() => void>();

/** Called whenever a command is refused with `app_locked` (the lock screen listens). */
export function onAppLocked(fn: () => void): () => void {
  lockListeners.add(fn);
  return () => lockListeners.delete(fn);
}

async function call<T>(cmd: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (reason) {
    const error = toAppError(reason);
    if (error.code === 'app_locked') for (const fn of lockListeners) fn();
    throw error;
  }
}

export const appInfo = (): Promise<AppInfo> => call('app_info');

export const listAccounts = (): Promise<AccountView[]> => call('list_accounts');

/** Connects, checks the key's permissions and stores the key; the secret is not kept here. */
export const addAccount = (request: NewAccountRequest): Promise<AccountView> => call('add_account', { request });

/** Null key fields keep the stored key. */
export const updateAccount = (request: UpdateAccountRequest): Promise<AccountView> =>
  call('update_account', { request });

export const removeAccount = (accountId: string): Promise<void> => call('remove_account', { accountId });

/** Opens (or returns) the paper account of a connected account. */
export const openPaperAccount = (accountId: string): Promise<AccountView> => call('open_paper_account', { accountId });

/** Going live needs the app password when an app lock is set. */
export const setAccountLive = (accountId: string, live: boolean, password: string | null = null): Promise<AccountView> =>
  call('set_account_live', { accountId, live, password });

export const testEndpoints = (accountId: string): Promise<EndpointView[]> => call('test_endpoints', { accountId });

export const listPositions = (accountId: string): Promise<Position[]> => call('list_positions', { accountId });

/** Newest first; every account when `accountId` is null. */
export const secretAudit = (accountId: string | null): Promise<AuditView[]> => call('secret_audit', { accountId });

export const securityStatus = (): Promise<SecurityView> => call('security_status');

/** Sets (`current` null), changes or removes (`next` null) the app password. */
export const setAppLock = (current: string | null, next: string | null): Promise<SecurityView> =>
  call('set_app_lock', { current, new: next });

export const unlockApp = (password: string): Promise<SecurityView> => call('unlock_app', { password });

export const createVault = (password: string): Promise<SecurityView> => call('create_vault', { password });

export const unlockVault = (password: string): Promise<SecurityView> => call('unlock_vault', { password });

export const listInstruments = (accountId: string): Promise<Instrument[]> =>
  call('list_instruments', { accountId });

export const getEquity = (accountId: string): Promise<EquityView> =>
  call('get_equity', { accountId });

/** 1-minute candles, oldest first. */
export const getCandles = (accountId: string, symbol: string, limit: number): Promise<Candle[]> =>
  call('get_candles', { accountId, symbol, limit });

export const getOrderBook = (accountId: string, symbol: string, depth: number): Promise<OrderBook> =>
  call('get_order_book', { accountId, symbol, depth });

/** Newest first. */
export const getRecentTrades = (accountId: string, symbol: string, limit: number): Promise<Trade[]> =>
  call('get_recent_trades', { accountId, symbol, limit });

export const placeOrder = (request: PlaceOrderRequest): Promise<OrderRecord> =>
  call('place_order', { request });

export const cancelOrder = (accountId: string, orderId: number): Promise<OrderRecord> =>
  call('cancel_order', { accountId, orderId });

export const listOpenOrders = (accountId: string): Promise<OrderRecord[]> =>
  call('list_open_orders', { accountId });

/** Newest first. */
export const listFills = (filter: FillFilter): Promise<Fill[]> => call('list_fills', { filter });

/**
 * Rust asks where to save with the native dialog when `path` is null; resolves null when the
 * trader canceled that dialog.
 */
export const exportFillsCsv = (filter: FillFilter, path: string | null = null): Promise<ExportResult | null> =>
  call('export_fills_csv', { filter, path });

export const setTradingPaused = (paused: boolean): Promise<boolean> =>
  call('set_trading_paused', { paused });

/** Once, after the Dashboard first painted with data (the cold-start measurement). */
export const uiReady = (): Promise<void> => call('ui_ready');

export const unsubscribe = (subscriptionId: number): Promise<void> =>
  call('unsubscribe', { subscriptionId });

/** A live stream from Rust; `close()` stops it (idempotent, never rejects). */
export interface Subscription {
  readonly id: number;
  close(): Promise<void>;
}

function subscription(id: number, channel: Channel<unknown>): Subscription {
  let closed = false;
  return {
    id,
    async close() {
      if (closed) return;
      closed = true;
      channel.onmessage = () => {};
      try {
        await unsubscribe(id);
      } catch {
        // The stream is gone either way.
      }
    },
  };
}

/** Market batches for one symbol, at most ~20 a second. */
export async function subscribeMarket(
  accountId: string,
  symbol: string,
  onBatch: (batch: MarketBatch) => void,
): Promise<Subscription> {
  const channel = new Channel<MarketBatch>(onBatch);
  const id = await call<number>('subscribe_market', { accountId, symbol, onBatch: channel });
  return subscription(id, channel as Channel<unknown>);
}

/** Orders, fills, balance changes and the trading-paused switch, for every account. */
export async function subscribeAccount(onEvent: (event: AccountEvent) => void): Promise<Subscription> {
  const channel = new Channel<AccountEvent>(onEvent);
  const id = await call<number>('subscribe_account', { onEvent: channel });
  return subscription(id, channel as Channel<unknown>);
}

// ---- Backtests and sweeps ------------------------------------------------------------------

/** The engine sends reports and sweep results as JSON text; a broken one is an engine error. */
function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw { code: 'internal', message: `The saved ${what} could not be read` } satisfies AppError;
  }
}

/** Runs a backtest and saves its report. */
export const runBacktest = (request: BacktestRequest): Promise<BacktestRunView> => call('run_backtest', { request });

/** Saved backtests, newest first. */
export const listBacktests = (): Promise<BacktestRunView[]> => call('list_backtests');

/** The built-in rule templates, with their parameters. */
export const strategyTemplates = (): Promise<TemplateView[]> => call('strategy_templates');

export const backtestReport = async (id: number): Promise<Report> =>
  parseJson<Report>(await call<string>('backtest_report', { id }), 'report');

export const deleteBacktest = (id: number): Promise<void> => call('delete_backtest', { id });

/** A finished sweep: the saved run and its results. */
export interface SweepOutcome {
  run: SweepRunView;
  result: SweepResult;
}

/** Runs a sweep on every core; `onProgress` about ten times a second. */
export async function runSweep(request: SweepRequest, onProgress: (p: SweepProgress) => void): Promise<SweepOutcome> {
  const channel = new Channel<SweepProgress>(onProgress);
  try {
    const [run, json] = await call<[SweepRunView, string]>('run_sweep', { request, onProgress: channel });
    return { run, result: parseJson<SweepResult>(json, 'sweep') };
  } finally {
    channel.onmessage = () => {};
  }
}

/** Stops every running sweep (the running call then rejects). */
export const cancelSweeps = (): Promise<void> => call('cancel_sweeps');

export const listSweeps = (): Promise<SweepRunView[]> => call('list_sweeps');

export const sweepResult = async (id: number): Promise<SweepResult> =>
  parseJson<SweepResult>(await call<string>('sweep_result', { id }), 'sweep');

// ---- Paper runs ------------------------------------------------------------------------------

/** Starts a strategy on a simulated account fed by a live market or a replay; orders never reach a venue. */
export const startPaper = (request: PaperRequest): Promise<PaperRunView> => call('start_paper', { request });

/** This session's paper runs, running and stopped, oldest first. */
export const paperRuns = (): Promise<PaperRunView[]> => call('paper_runs');

/** Stops a paper run; resolves once its report is saved (`reportId`). */
export const stopPaper = (id: number): Promise<PaperRunView> => call('stop_paper', { id });

/** Stored candles for a chart; long ranges come merged into at most `maxCandles` wider bars. */
export const chartCandles = (
  venue: string,
  symbol: string,
  intervalMs: number,
  startMs: number,
  endMs: number,
  maxCandles = 3000,
): Promise<Candle[]> => call('chart_candles', { venue, symbol, intervalMs, startMs, endMs, maxCandles });

// ---- Market data -----------------------------------------------------------------------------

export const listDatasets = (): Promise<DatasetUsage[]> => call('list_datasets');

/** Resolves with the number of rows deleted. */
export const deleteDataset = (dataset: DatasetRef): Promise<number> => call('delete_dataset', { dataset });

export const candleGaps = (venue: string, symbol: string, intervalMs: number, startMs: number, endMs: number): Promise<GapRange[]> =>
  call('candle_gaps', { venue, symbol, intervalMs, startMs, endMs });

/** Downloads candles with progress after each page; resolves with the finished job. */
export async function downloadCandles(request: DownloadRequest, onProgress: (p: DownloadProgress) => void): Promise<DownloadJob> {
  const channel = new Channel<DownloadProgress>(onProgress);
  try {
    return await call<DownloadJob>('download_candles', { request, onProgress: channel });
  } finally {
    channel.onmessage = () => {};
  }
}

export const cancelDownload = (jobId: number): Promise<void> => call('cancel_download', { jobId });

/** Newest first. */
export const listDownloads = (limit = 20): Promise<DownloadJob[]> => call('list_downloads', { limit });

/** `intervalMs` null: the smallest step in the file. */
export const importCsv = (path: string, venue: string, symbol: string, intervalMs: number | null): Promise<ImportSummary> =>
  call('import_csv', { path, venue, symbol, intervalMs });

/** The native open dialog; null when canceled. */
export const pickCsvFile = (): Promise<string | null> => call('pick_csv_file');

export const startRecording = (request: RecordRequest): Promise<RecordingSession> => call('start_recording', { request });

export const stopRecording = (sessionId: number): Promise<RecordingSession> => call('stop_recording', { sessionId });

/** Newest first. */
export const listRecordings = (): Promise<RecordingSession[]> => call('list_recordings');

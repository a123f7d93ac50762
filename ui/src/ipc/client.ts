// The one IPC client: every call into Rust goes through here. Each function maps to one Tauri
// command (snake_case name, camelCase args) and rejects with an `AppError {code, message}`.

import { Channel, invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type {
  AccountEvent,
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

// The one IPC client: every call into Rust goes through here. Each function maps to one Tauri
// command (snake_case name, camelCase args) and rejects with an `AppError {code, message}`.

import { Channel, invoke, type InvokeArgs } from '@tauri-apps/api/core';
import type {
  AccountEvent,
  AccountView,
  AppError,
  AppInfo,
  Candle,
  EquityView,
  ErrorCode,
  ExportResult,
  Fill,
  FillFilter,
  Instrument,
  MarketBatch,
  OrderBook,
  OrderRecord,
  PlaceOrderRequest,
  Trade,
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

async function call<T>(cmd: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (reason) {
    throw toAppError(reason);
  }
}

export const appInfo = (): Promise<AppInfo> => call('app_info');

export const listAccounts = (): Promise<AccountView[]> => call('list_accounts');

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

// Display formatting: prices to the instrument's tick, quantities to its step, times local with a
// UTC tooltip. Everything here is for the eye only.

import type { Instrument, Side } from '../ipc/bindings';
import { decimalsOf, formatDecimal, isDecimal } from './decimal';

export const DASH = '—';

/** The instrument's filters that matter for display. */
export type Precision = Pick<Instrument, 'tickSize' | 'stepSize'>;

export const priceDp = (p: Precision): number => decimalsOf(p.tickSize);
export const qtyDp = (p: Precision): number => decimalsOf(p.stepSize);

/** "65,012.30" for a 0.01 tick. */
export function formatPrice(value: string | null | undefined, p: Precision | null): string {
  if (value == null || !isDecimal(value)) return DASH;
  return formatDecimal(value, p ? priceDp(p) : 2);
}

/** "0.00150" for a 0.00001 step. */
export function formatQty(value: string | null | undefined, p: Precision | null): string {
  if (value == null || !isDecimal(value)) return DASH;
  return p ? formatDecimal(value, qtyDp(p)) : formatAmount(value);
}

/** A quote-currency value such as USDT: two decimals. */
export function formatQuote(value: string | null | undefined, dp = 2): string {
  if (value == null || !isDecimal(value)) return DASH;
  return formatDecimal(value, dp);
}

/** An amount of unknown precision: up to 8 decimals, trailing zeros dropped. */
export function formatAmount(value: string | null | undefined, maxDp = 8): string {
  if (value == null || !isDecimal(value)) return DASH;
  return formatDecimal(value, maxDp, { minDp: 0 });
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Local "2025-11-21 19:00:05". */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** Local "19:00:05". */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Today: "19:00:05"; earlier: "11-20 19:00". */
export function formatShortTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return formatClock(ms);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "2025-11-21 19:00:05.123 UTC" for tooltips. */
export function formatUtcTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export function sideLabel(side: Side): string {
  return side === 'buy' ? 'Buy' : 'Sell';
}

export function integer(n: number): string {
  return n.toLocaleString('en-US');
}

/** Decimals to show an asset with: a base asset's step, a quote asset's cents, else up to 8. */
export function assetDecimals(asset: string, instruments: readonly Instrument[]): number | null {
  const asBase = instruments.find((i) => i.base === asset);
  if (asBase) return qtyDp(asBase);
  if (instruments.some((i) => i.quote === asset)) return 2;
  return null;
}

export function formatAsset(value: string, asset: string, instruments: readonly Instrument[]): string {
  const dp = assetDecimals(asset, instruments);
  return dp === null ? formatAmount(value) : formatQuote(value, dp);
}

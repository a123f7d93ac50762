// The Data page's logic, free of any UI: sizes and durations, the download and import forms'
// checks and the exact requests they send.

import type { DatasetUsage, DownloadRequest, GapRange, RecordingSession, RecordKind } from '../../ipc/bindings';
import { intervalLabel, localDateMs, parseInterval } from '../backtest/report';

/** 1536 -> "1.5 KB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** 3_725_000 ms -> "1h 2m 5s"; under a second -> "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = d ? [`${d}d`, `${h}h`] : h ? [`${h}h`, `${m}m`] : m ? [`${m}m`, `${sec}s`] : [`${sec}s`];
  return parts.join(' ');
}

/** How long a session recorded (until now while it still records). */
export function sessionDuration(s: Pick<RecordingSession, 'startMs' | 'endMs' | 'status'>, now = Date.now()): number {
  return (s.endMs ?? (s.status === 'recording' ? now : s.startMs)) - s.startMs;
}

/** Missing candles summed over gaps. */
export const missingCandles = (gaps: readonly GapRange[]): number => gaps.reduce((a, g) => a + g.missing, 0);

/** A candle dataset's row: where the gap query should look. */
export function gapQuery(u: DatasetUsage): { venue: string; symbol: string; intervalMs: number; startMs: number; endMs: number } | null {
  if (u.dataset.kind !== 'candles' || u.firstMs == null || u.lastMs == null) return null;
  const { venue, symbol, intervalMs } = u.dataset;
  return { venue, symbol, intervalMs, startMs: u.firstMs, endMs: u.lastMs + intervalMs };
}

export function datasetTitle(u: DatasetUsage): string {
  if (u.dataset.kind === 'candles') return `${u.dataset.symbol}`;
  return u.label;
}

export function datasetKind(u: DatasetUsage): string {
  return u.dataset.kind === 'candles' ? `Candles ${intervalLabel(u.dataset.intervalMs)}` : 'Session';
}

export type Errors = Partial<Record<string, string>>;

export interface DownloadForm {
  accountId: string;
  symbol: string;
  interval: string;
  /** Local dates `YYYY-MM-DD`; `to` is inclusive. */
  from: string;
  to: string;
}

const DAY = 86_400_000;

/** The request the download form describes, or its fields' messages. */
export function buildDownload(form: DownloadForm, now = Date.now()): { request: DownloadRequest } | { errors: Errors } {
  const errors: Errors = {};
  if (!form.accountId) errors.accountId = 'Choose an account';
  if (!form.symbol.trim()) errors.symbol = 'Choose a symbol';
  const interval = parseInterval(form.interval);
  if (interval === null) errors.interval = 'Use an interval like 1m, 5m, 1h or 1d';
  const from = localDateMs(form.from);
  const to = localDateMs(form.to);
  if (from === null) errors.from = 'Choose the first day';
  if (to === null) errors.to = 'Choose the last day';
  if (from !== null && to !== null && to < from) errors.to = 'The last day is before the first';
  if (from !== null && from > now) errors.from = 'The first day is in the future';
  if (Object.keys(errors).length > 0 || interval === null || from === null || to === null) return { errors };
  return {
    request: {
      accountId: form.accountId,
      symbol: form.symbol.trim(),
      intervalMs: interval,
      startMs: from,
      endMs: Math.min(to + DAY, now),
    },
  };
}

export interface ImportForm {
  path: string;
  venue: string;
  symbol: string;
  /** Empty: the smallest step in the file. */
  interval: string;
}

/** The import's arguments, or its fields' messages. */
export function buildImport(form: ImportForm): { path: string; venue: string; symbol: string; intervalMs: number | null } | { errors: Errors } {
  const errors: Errors = {};
  if (!form.path.trim()) errors.path = 'Enter the path of a CSV file (or Browse…)';
  if (!form.venue.trim()) errors.venue = 'Name the venue the data is from, e.g. binance';
  if (!form.symbol.trim()) errors.symbol = 'Name the symbol, e.g. ETH/BTC';
  let intervalMs: number | null = null;
  if (form.interval.trim()) {
    intervalMs = parseInterval(form.interval);
    if (intervalMs === null) errors.interval = 'Use an interval like 1m, 5m or 1h, or leave it empty';
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { path: form.path.trim(), venue: form.venue.trim().toLowerCase(), symbol: form.symbol.trim().toUpperCase(), intervalMs };
}

export const RECORD_KINDS: readonly { id: RecordKind; label: string }[] = [
  { id: 'trades', label: 'Trades' },
  { id: 'candles', label: 'Candles' },
  { id: 'books', label: 'Book snapshots' },
];

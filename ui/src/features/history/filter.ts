// The History screen's filter form -> the FillFilter Rust takes.

import type { Fill, FillFilter, Side } from '../../ipc/bindings';

/** Most rows the History table fetches at once (it is virtualised; the cap guards memory). */
export const MAX_ROWS = 250_000;

export interface HistoryFilterForm {
  /** '' = all symbols. */
  symbol: string;
  /** '' = both sides. */
  side: '' | Side;
  /** <input type="date"> values, 'YYYY-MM-DD' or ''. Days are local days. */
  from: string;
  to: string;
}

export const emptyFilterForm = (): HistoryFilterForm => ({ symbol: '', side: '', from: '', to: '' });

/** Local midnight at the start of a 'YYYY-MM-DD' day, epoch ms; null when not a date. */
export function localDayStartMs(day: string, addDays = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays);
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/**
 * `from` is inclusive from the start of that local day; `to` includes the whole of its day
 * (toMs is exclusive: the next local midnight). Empty fields are left out.
 */
export function buildFillFilter(accountId: string, form: HistoryFilterForm, limit?: number): FillFilter {
  const filter: FillFilter = { accountId };
  if (form.symbol) filter.symbol = form.symbol;
  if (form.side) filter.side = form.side;
  const fromMs = localDayStartMs(form.from);
  if (fromMs !== null) filter.fromMs = fromMs;
  const toMs = localDayStartMs(form.to, 1);
  if (toMs !== null) filter.toMs = toMs;
  if (limit !== undefined) filter.limit = limit;
  return filter;
}

/** A to-date before the from-date matches nothing: say so instead of showing an empty table. */
export function rangeError(form: HistoryFilterForm): string | null {
  const from = localDayStartMs(form.from);
  const to = localDayStartMs(form.to);
  return from !== null && to !== null && to < from ? 'The "to" date is before the "from" date' : null;
}

/** Whether a fill belongs in a list fetched with `filter` (for live prepends). */
export function matchesFilter(fill: Fill, filter: FillFilter): boolean {
  return (
    (filter.accountId === undefined || fill.accountId === filter.accountId) &&
    (filter.symbol === undefined || fill.symbol === filter.symbol) &&
    (filter.side === undefined || fill.side === filter.side) &&
    (filter.fromMs === undefined || fill.tsMs >= filter.fromMs) &&
    (filter.toMs === undefined || fill.tsMs < filter.toMs)
  );
}

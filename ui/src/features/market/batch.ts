// Pure merging of market data: history + live batches. The reactive feed wraps these.

import type { Candle, MarkPrice, MarketBatch, OrderBook, Trade } from '../../ipc/bindings';
import { cmp, isDecimal } from '../../lib/decimal';

export const MAX_CANDLES = 1500;
export const MAX_TRADES = 80;

export type Direction = 'up' | 'down' | null;

/**
 * Merges candles (oldest first) into a series (oldest first): a candle with the same open time
 * replaces the one there, newer ones append. Returns the new series and the candles that changed,
 * so a chart can `update()` just those. Out-of-order older candles land in place.
 */
export function mergeCandles(
  series: readonly Candle[],
  incoming: readonly Candle[],
  max = MAX_CANDLES,
): { series: Candle[]; changed: Candle[]; rewound: boolean } {
  const out = series.slice();
  const changed: Candle[] = [];
  let rewound = false;
  for (const c of incoming) {
    const last = out[out.length - 1];
    if (!last || c.openTimeMs > last.openTimeMs) {
      out.push(c);
      changed.push(c);
    } else if (c.openTimeMs === last.openTimeMs) {
      out[out.length - 1] = c;
      changed.push(c);
    } else {
      // Older than the newest: find its slot (rare: history arriving after live candles).
      const i = out.findIndex((x) => x.openTimeMs >= c.openTimeMs);
      if (i !== -1 && out[i]?.openTimeMs === c.openTimeMs) out[i] = c;
      else if (i !== -1) out.splice(i, 0, c);
      rewound = true;
    }
  }
  if (out.length > max) out.splice(0, out.length - max);
  return { series: out, changed, rewound };
}

/** Newest-first tape: batch trades arrive oldest first. */
export function mergeTrades(tape: readonly Trade[], incoming: readonly Trade[], max = MAX_TRADES): Trade[] {
  if (incoming.length === 0) return tape as Trade[];
  const fresh = incoming.slice().reverse();
  const seen = new Set(fresh.map((t) => t.id));
  return fresh.concat(tape.filter((t) => !seen.has(t.id))).slice(0, max);
}

export function direction(prev: string | null, next: string | null, was: Direction): Direction {
  if (prev === null || next === null || !isDecimal(prev) || !isDecimal(next)) return was;
  const c = cmp(next, prev);
  return c > 0 ? 'up' : c < 0 ? 'down' : was;
}

export interface MarketSnapshot {
  candles: Candle[];
  trades: Trade[];
  book: OrderBook | null;
  lastPrice: string | null;
  direction: Direction;
  /** Perpetual futures: the latest mark price and funding. */
  mark: MarkPrice | null;
}

export function emptySnapshot(): MarketSnapshot {
  return { candles: [], trades: [], book: null, lastPrice: null, direction: null, mark: null };
}

/** Applies one batch; `changed` lists candles to push to a chart, `rewound` asks for a full reset. */
export function applyBatch(
  s: MarketSnapshot,
  batch: MarketBatch,
): { next: MarketSnapshot; changed: Candle[]; rewound: boolean } {
  const merged = mergeCandles(s.candles, batch.candles);
  const newestTrade = batch.trades[batch.trades.length - 1];
  const newestCandle = merged.series[merged.series.length - 1];
  const lastPrice = batch.lastPrice ?? newestTrade?.price ?? newestCandle?.close ?? s.lastPrice;
  return {
    next: {
      candles: merged.series,
      trades: mergeTrades(s.trades, batch.trades),
      book: batch.book ?? s.book,
      lastPrice,
      direction: direction(s.lastPrice, lastPrice, s.direction),
      // Older engines leave the field out: keep what we have.
      mark: batch.mark ?? s.mark,
    },
    changed: merged.changed,
    rewound: merged.rewound,
  };
}

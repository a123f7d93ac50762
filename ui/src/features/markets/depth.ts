// Order book rows with cumulative depth, for the depth bars.

import type { BookLevel, OrderBook } from '../../ipc/bindings';
import * as D from '../../lib/decimal';

export interface DepthRow {
  price: string;
  qty: string;
  /** Cumulative base quantity from the touch outward (exact). */
  cum: string;
  /** 0..1 share of the deepest cumulative quantity on either side (bar width only). */
  width: number;
}

function side(levels: readonly BookLevel[], n: number): { price: string; qty: string; cum: string }[] {
  let cum: D.Dec = { int: 0n, scale: 0 };
  const out: { price: string; qty: string; cum: string }[] = [];
  for (const l of levels.slice(0, n)) {
    if (!D.isDecimal(l.qty)) continue;
    cum = D.add(cum, l.qty);
    out.push({ price: l.price, qty: l.qty, cum: D.toString(cum) });
  }
  return out;
}

/** Top `n` levels each side, best first (the view shows asks reversed, best at the bottom). */
export function depthRows(book: OrderBook | null, n = 12): { asks: DepthRow[]; bids: DepthRow[] } {
  if (!book) return { asks: [], bids: [] };
  const asks = side(book.asks, n);
  const bids = side(book.bids, n);
  const deepest = (rows: { cum: string }[]) => D.toNumber(rows[rows.length - 1]?.cum ?? '0');
  const max = Math.max(deepest(asks), deepest(bids)) || 1;
  const withWidth = (r: { price: string; qty: string; cum: string }): DepthRow => ({
    ...r,
    width: Math.min(1, D.toNumber(r.cum) / max),
  });
  return { asks: asks.map(withWidth), bids: bids.map(withWidth) };
}

/** Best ask minus best bid, exact; null without both sides. */
export function spreadOf(book: OrderBook | null): string | null {
  const a = book?.asks[0]?.price;
  const b = book?.bids[0]?.price;
  if (!a || !b || !D.isDecimal(a) || !D.isDecimal(b)) return null;
  return D.toString(D.sub(a, b));
}

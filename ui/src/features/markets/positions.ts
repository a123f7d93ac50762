// Futures positions and funding, for the eye: side from the signed quantity, PnL tone, funding text.

import type { MarkPrice, Position } from '../../ipc/bindings';
import * as D from '../../lib/decimal';

/** "Long" / "Short": hedge mode says so; one-way mode signs the quantity. */
export function positionSideLabel(p: Pick<Position, 'qty' | 'positionSide'>): 'Long' | 'Short' {
  if (p.positionSide === 'long') return 'Long';
  if (p.positionSide === 'short') return 'Short';
  return D.isDecimal(p.qty) && D.sign(p.qty) < 0 ? 'Short' : 'Long';
}

/** The size without its sign. */
export function absQty(qty: string): string {
  if (!D.isDecimal(qty)) return qty;
  return D.sign(qty) < 0 ? D.toString(D.sub('0', qty)) : qty;
}

export function pnlTone(pnl: string): 'up' | 'down' | '' {
  if (!D.isDecimal(pnl)) return '';
  const s = D.sign(pnl);
  return s > 0 ? 'up' : s < 0 ? 'down' : '';
}

/** Open positions only, biggest notional first is not knowable without prices: by symbol. */
export function openPositions(list: readonly Position[]): Position[] {
  return list.filter((p) => D.isDecimal(p.qty) && D.sign(p.qty) !== 0).sort((a, b) => a.symbol.localeCompare(b.symbol));
}

/** "0.0100%" from a fraction such as "0.0001". */
export function fundingPercent(rate: string | null): string | null {
  if (rate === null || !D.isDecimal(rate)) return null;
  return `${D.formatDecimal(D.mul(rate, '100'), 4)}%`;
}

/** "2h 05m" until the next funding; null when unknown or past. */
export function untilText(targetMs: number | null, nowMs: number): string | null {
  if (targetMs === null || targetMs <= nowMs) return null;
  const mins = Math.floor((targetMs - nowMs) / 60_000);
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}

export function fundingText(mark: MarkPrice, nowMs: number): string | null {
  const pct = fundingPercent(mark.fundingRate);
  if (pct === null) return null;
  const until = untilText(mark.nextFundingMs, nowMs);
  return until ? `${pct} in ${until}` : pct;
}

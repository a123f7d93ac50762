// The Paper tab's logic, free of any UI: the source form and the request it sends (the
// strategy, parameters and settings come from the Backtest form, built by `buildRunParts`), and
// how a paper run is listed.

import type { AccountView, PaperRequest, PaperRunView, PaperSource, RecordingSession } from '../../ipc/bindings';
import { buildRunParts, parseInterval, type BacktestForm, type FormErrors, type StrategyChoice } from './report';

/** Replay speeds the tab offers: the engine's `speed` (0 = as fast as possible). */
export const SPEEDS: readonly { id: number; label: string }[] = [
  { id: 1, label: '1x' },
  { id: 10, label: '10x' },
  { id: 0, label: 'Max' },
];

export interface PaperForm {
  source: 'live' | 'replay';
  /** A connected account whose market feeds the run. */
  accountId: string;
  symbol: string;
  /** A recorded session's id (replay). */
  sessionId: string;
  sessionSymbol: string;
  /** Bar interval, `1s`, `1m`, `5m`... */
  interval: string;
  speed: number;
}

export function defaultPaperForm(): PaperForm {
  return { source: 'live', accountId: '', symbol: 'BTC/USDT', sessionId: '', sessionSymbol: '', interval: '1m', speed: 1 };
}

/** The accounts a live paper run can watch: the connected ones. */
export function connectedAccounts(accounts: readonly AccountView[]): AccountView[] {
  return accounts.filter((a) => a.connection.state === 'connected');
}

/**
 * The paper request of the Backtest form's strategy, parameters and settings on the source the
 * paper form describes, or the messages of the wrong fields (the strategy's and settings' keys
 * as `buildRequest` names them; the source's as `paper.account`, `paper.symbol`, `paper.session`,
 * `paper.sessionSymbol`, `paper.interval`).
 * The engine checks everything again.
 */
export function buildPaperRequest(
  form: BacktestForm,
  paper: PaperForm,
  strategies: readonly StrategyChoice[],
  sessions: readonly RecordingSession[],
): { request: PaperRequest } | { errors: FormErrors } {
  const errors: FormErrors = {};
  const run = buildRunParts(form, strategies, errors);
  const intervalMs = parseInterval(paper.interval);
  if (intervalMs === null) errors['paper.interval'] = 'Use an interval like 1s, 1m or 5m';
  else if (intervalMs < 1_000) errors['paper.interval'] = 'Bars of at least 1s';
  let source: PaperSource | null = null;
  let symbol = '';
  if (paper.source === 'live') {
    symbol = paper.symbol.trim();
    if (!paper.accountId) errors['paper.account'] = 'Choose a connected account';
    if (!symbol) errors['paper.symbol'] = 'Enter a symbol, like BTC/USDT';
    source = { kind: 'live', accountId: paper.accountId };
  } else {
    symbol = paper.sessionSymbol.trim();
    const session = sessions.find((s) => String(s.id) === paper.sessionId);
    if (!session) errors['paper.session'] = 'Choose a recorded session';
    else if (!symbol) errors['paper.sessionSymbol'] = 'Choose the symbol to replay';
    source = { kind: 'replay', sessionId: Number(paper.sessionId), speed: paper.speed };
  }
  if (!run || intervalMs === null || Object.keys(errors).length > 0) return { errors };
  return { request: { ...run, source, symbol, intervalMs } };
}

/** Whether any run is still running (the list is then refreshed every second). */
export function anyRunning(runs: readonly PaperRunView[]): boolean {
  return runs.some((r) => r.running);
}

/**
 * Merges a fresh list from the engine with the runs the page knows: the engine's views win, a
 * run the engine does not list (yet) is kept. Oldest first, like the engine.
 */
export function mergeRuns(known: readonly PaperRunView[], fresh: readonly PaperRunView[]): PaperRunView[] {
  const byId = new Map<number, PaperRunView>();
  for (const r of known) byId.set(r.id, r);
  for (const r of fresh) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** The status word of a run: running, stopped, or failed when its report could not be saved. */
export function runStatus(r: PaperRunView): 'running' | 'stopped' | 'failed' {
  if (r.running) return 'running';
  return r.error ? 'failed' : 'stopped';
}

/** The warning of a run that fell behind its market, or null. */
export function missedWarning(r: PaperRunView): string | null {
  if (r.eventsMissed <= 0) return null;
  const n = r.eventsMissed.toLocaleString('en-US');
  return `Missed ${n} market ${r.eventsMissed === 1 ? 'event' : 'events'}: the run fell behind, its fills may differ from the market's`;
}

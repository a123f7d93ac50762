// The Backtest page's logic, free of any UI: metric formatting, the cards of a report, the
// comparison table of two runs, trade markers for the candle chart, the form's checks and the
// exact requests it sends.

import type {
  BacktestRequest,
  BacktestRunView,
  BacktestSettings,
  DataRef,
  DatasetUsage,
  FillPath,
  Metrics,
  ParamSet,
  Report,
  TemplateView,
  TradeRecord,
} from '../../ipc/bindings';
import { DASH } from '../../lib/format';

// ---- numbers -------------------------------------------------------------------------------

/** 0.1234 -> "12.34 %"; null/NaN -> dash. */
export function formatPct(x: number | null | undefined, dp = 2): string {
  if (x == null || !Number.isFinite(x)) return DASH;
  return `${(x * 100).toLocaleString('en-US', { minimumFractionDigits: dp, maximumFractionDigits: dp })} %`;
}

/** A ratio such as Sharpe: two decimals. */
export function formatRatio(x: number | null | undefined, dp = 2): string {
  if (x == null || !Number.isFinite(x)) return DASH;
  return x.toLocaleString('en-US', { minimumFractionDigits: dp, maximumFractionDigits: dp });
}

/** A decimal string shown with up to `dp` decimals (trailing zeros kept to `minDp`). */
export function formatMoney(text: string | null | undefined, dp = 2): string {
  if (text == null) return DASH;
  const n = Number(text);
  if (!Number.isFinite(n)) return DASH;
  const abs = Math.abs(n);
  const digits = abs !== 0 && abs < 1 ? Math.max(dp, Math.min(8, 2 - Math.floor(Math.log10(abs)) + 1)) : dp;
  return n.toLocaleString('en-US', { minimumFractionDigits: Math.min(dp, digits), maximumFractionDigits: digits });
}

/** `60000` -> `1m`, `300000` -> `5m`, `3600000` -> `1h` (the engine's interval labels). */
export function intervalLabel(ms: number): string {
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `5m` -> 300000; null for anything else than a positive number and one of s, m, h, d, w. */
export function parseInterval(name: string): number | null {
  const m = /^\s*(\d+)\s*([smhdw])\s*$/.exec(name);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return n > 0 ? n * unit : null;
}

export const INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '1w'] as const;

// ---- report cards and comparison ------------------------------------------------------------

export type Tone = 'up' | 'down' | null;

export interface MetricCard {
  key: string;
  label: string;
  value: string;
  tone: Tone;
}

const sign = (x: number | null | undefined): Tone => (x == null || !Number.isFinite(x) || x === 0 ? null : x > 0 ? 'up' : 'down');

interface MetricDef {
  key: string;
  label: string;
  show: (m: Metrics) => string;
  tone: (m: Metrics) => Tone;
  /** Which way is better when two runs are compared (null: neither). */
  better: 'higher' | 'lower' | null;
  value: (m: Metrics) => number | null;
}

const num = (s: string | null): number | null => (s == null ? null : Number.isFinite(Number(s)) ? Number(s) : null);

export const METRICS: readonly MetricDef[] = [
  { key: 'totalReturn', label: 'Total return', show: (m) => formatPct(m.totalReturn), tone: (m) => sign(m.totalReturn), better: 'higher', value: (m) => m.totalReturn },
  { key: 'annualReturn', label: 'Annual return', show: (m) => formatPct(m.annualReturn), tone: (m) => sign(m.annualReturn), better: 'higher', value: (m) => m.annualReturn },
  { key: 'maxDrawdown', label: 'Max drawdown', show: (m) => formatPct(m.maxDrawdown === 0 ? 0 : -m.maxDrawdown), tone: (m) => (m.maxDrawdown > 0 ? 'down' : null), better: 'lower', value: (m) => m.maxDrawdown },
  { key: 'sharpe', label: 'Sharpe', show: (m) => formatRatio(m.sharpe), tone: (m) => sign(m.sharpe), better: 'higher', value: (m) => m.sharpe },
  { key: 'sortino', label: 'Sortino', show: (m) => formatRatio(m.sortino), tone: (m) => sign(m.sortino), better: 'higher', value: (m) => m.sortino },
  { key: 'calmar', label: 'Calmar', show: (m) => formatRatio(m.calmar), tone: (m) => sign(m.calmar), better: 'higher', value: (m) => m.calmar },
  { key: 'winRate', label: 'Win rate', show: (m) => formatPct(m.winRate, 1), tone: () => null, better: 'higher', value: (m) => m.winRate },
  { key: 'profitFactor', label: 'Profit factor', show: (m) => formatRatio(m.profitFactor), tone: (m) => (m.profitFactor == null ? null : m.profitFactor >= 1 ? 'up' : 'down'), better: 'higher', value: (m) => m.profitFactor },
  { key: 'avgTrade', label: 'Avg trade', show: (m) => formatMoney(m.avgTrade), tone: (m) => sign(num(m.avgTrade)), better: 'higher', value: (m) => num(m.avgTrade) },
  { key: 'exposure', label: 'Exposure', show: (m) => formatPct(m.exposure, 1), tone: () => null, better: null, value: (m) => m.exposure },
  { key: 'fees', label: 'Fees paid', show: (m) => formatMoney(m.fees), tone: () => null, better: 'lower', value: (m) => num(m.fees) },
  { key: 'trades', label: 'Trades', show: (m) => m.trades.toLocaleString('en-US'), tone: () => null, better: null, value: (m) => m.trades },
];

/** The cards above a report, in a fixed order. */
export function metricCards(m: Metrics): MetricCard[] {
  return METRICS.map((d) => ({ key: d.key, label: d.label, value: d.show(m), tone: d.tone(m) }));
}

export interface CompareRow {
  key: string;
  label: string;
  a: string;
  b: string;
  /** The better run on this metric, when both have a value and they differ. */
  better: 'a' | 'b' | null;
}

/** Both runs' metrics side by side, with the better one marked where "better" means something. */
export function compareRows(a: Metrics, b: Metrics): CompareRow[] {
  return METRICS.map((d) => {
    const va = d.value(a);
    const vb = d.value(b);
    let better: 'a' | 'b' | null = null;
    if (d.better && va != null && vb != null && Number.isFinite(va) && Number.isFinite(vb) && va !== vb) {
      const aWins = d.better === 'higher' ? va > vb : va < vb;
      better = aWins ? 'a' : 'b';
    }
    return { key: d.key, label: d.label, a: d.show(a), b: d.show(b), better };
  });
}

// ---- chart data -----------------------------------------------------------------------------

export interface TradeMarker {
  /** Seconds (the chart's time). */
  time: number;
  position: 'belowBar' | 'aboveBar';
  shape: 'arrowUp' | 'arrowDown';
  color: string;
  text: string;
}

const UP = '#16c784';
const DOWN = '#ea3943';

/**
 * Entry and exit markers of the trades, on the bar that holds each time when the candles were
 * merged into `barMs`-wide bars (aligned like the engine's merge). Sorted by time, as the chart
 * needs. Beyond `labelUpTo` trades the arrows go without words, which would only overlap.
 */
export function tradeMarkers(trades: readonly TradeRecord[], barMs: number, labelUpTo = 20): TradeMarker[] {
  const bar = (t: number) => Math.floor(Math.floor(t / barMs) * barMs / 1000);
  const words = trades.length <= labelUpTo;
  const out: TradeMarker[] = [];
  for (const t of trades) {
    const long = t.side === 'buy';
    out.push({
      time: bar(t.entryTimeMs),
      position: long ? 'belowBar' : 'aboveBar',
      shape: long ? 'arrowUp' : 'arrowDown',
      color: long ? UP : DOWN,
      text: words ? (long ? 'Buy' : 'Sell') : '',
    });
    if (t.exitTimeMs != null) {
      out.push({
        time: bar(t.exitTimeMs),
        position: long ? 'aboveBar' : 'belowBar',
        shape: long ? 'arrowDown' : 'arrowUp',
        color: long ? DOWN : UP,
        text: words ? 'Exit' : '',
      });
    }
  }
  return out.sort((x, y) => x.time - y.time);
}

/** The bar width of a merged candle series: the smallest step between bars, at least `intervalMs`. */
export function barWidth(openTimesMs: readonly number[], intervalMs: number): number {
  let step = Infinity;
  for (let i = 1; i < openTimesMs.length; i++) {
    const d = (openTimesMs[i] as number) - (openTimesMs[i - 1] as number);
    if (d > 0 && d < step) step = d;
  }
  return Number.isFinite(step) ? Math.max(step, intervalMs) : intervalMs;
}

/** Curve points as chart data: seconds, strictly increasing (later duplicates win). */
export function curveData(points: readonly { tMs: number; value: number }[], scale = 1): { time: number; value: number }[] {
  const out: { time: number; value: number }[] = [];
  for (const p of points) {
    const time = Math.floor(p.tMs / 1000);
    const value = p.value * scale;
    const last = out[out.length - 1];
    if (last && last.time >= time) {
      if (last.time === time) last.value = value;
      continue;
    }
    out.push({ time, value });
  }
  return out;
}

/** An equity curve as a return from its start (for two runs on one chart), in percent. */
export function returnCurve(report: Report): { time: number; value: number }[] {
  const start = Number(report.initialCash);
  if (!(start > 0)) return [];
  return curveData(report.equity.map((p) => ({ tMs: p.tMs, value: (p.value / start - 1) * 100 })));
}

// ---- the form -------------------------------------------------------------------------------

/** A strategy the picker offers, with its parameters and their defaults. */
export interface StrategyChoice {
  id: string;
  label: string;
  params: readonly { name: string; label: string; default: number; step: number; min: number }[];
  /** A rule strategy's JSON (templates); absent for the built-in strategies. */
  spec?: string;
}

/** A rule template as a picker choice: its id prefixed `template:`, its parameters' defaults. */
export function templateChoice(t: TemplateView): StrategyChoice {
  return {
    id: `template:${t.id}`,
    label: `${t.name} (template)`,
    spec: t.spec,
    params: t.parameters.map((p) => ({
      name: p.name,
      label: p.description ?? p.name,
      default: p.default,
      step: p.step,
      min: p.min,
    })),
  };
}

export const BUILTIN_STRATEGIES: readonly StrategyChoice[] = [
  {
    id: 'sma_cross',
    label: 'SMA cross (built-in)',
    params: [
      { name: 'fast', label: 'Fast SMA', default: 10, step: 1, min: 1 },
      { name: 'slow', label: 'Slow SMA', default: 30, step: 1, min: 2 },
      { name: 'qty', label: 'Quantity', default: 1, step: 0.1, min: 0 },
    ],
  },
];

export const FILL_PATHS: readonly { id: FillPath; label: string }[] = [
  { id: 'nearest_extreme_first', label: 'Open, nearer extreme, farther, close' },
  { id: 'open_high_low_close', label: 'Open, high, low, close' },
  { id: 'open_low_high_close', label: 'Open, low, high, close' },
];

export interface BacktestForm {
  name: string;
  strategy: string;
  params: Record<string, string>;
  source: 'dataset' | 'session';
  /** A candle dataset key (`datasetKey`). */
  dataset: string;
  /** Local dates `YYYY-MM-DD`, empty for open ends. */
  from: string;
  to: string;
  sessionId: string;
  sessionSymbol: string;
  sessionInterval: string;
  settings: BacktestSettings;
}

export const DEFAULT_SETTINGS: BacktestSettings = {
  initialCash: '10000',
  takerFee: '0.001',
  makerFee: '0.001',
  slippageBps: '0',
  latencyMs: 0,
  fillPath: 'nearest_extreme_first',
  volumeShare: '1',
  allowShort: false,
};

export function defaultParams(strategy: StrategyChoice): Record<string, string> {
  return Object.fromEntries(strategy.params.map((p) => [p.name, String(p.default)]));
}

export function emptyForm(): BacktestForm {
  const sma = BUILTIN_STRATEGIES[0] as StrategyChoice;
  return {
    name: '',
    strategy: sma.id,
    params: defaultParams(sma),
    source: 'dataset',
    dataset: '',
    from: '',
    to: '',
    sessionId: '',
    sessionSymbol: '',
    sessionInterval: '1m',
    settings: { ...DEFAULT_SETTINGS },
  };
}

/** The key of a candle dataset in pickers. */
export function datasetKey(d: { venue: string; symbol: string; intervalMs: number }): string {
  return `${d.venue}|${d.symbol}|${d.intervalMs}`;
}

export interface CandleDataset {
  key: string;
  venue: string;
  symbol: string;
  intervalMs: number;
  rows: number;
  firstMs: number | null;
  lastMs: number | null;
  /** What the engine calls it in a run's data label: `binance ETH/BTC 5m`. */
  label: string;
}

export function candleDatasets(usage: readonly DatasetUsage[]): CandleDataset[] {
  const out: CandleDataset[] = [];
  for (const u of usage) {
    if (u.dataset.kind !== 'candles') continue;
    const { venue, symbol, intervalMs } = u.dataset;
    out.push({
      key: datasetKey({ venue, symbol, intervalMs }),
      venue,
      symbol,
      intervalMs,
      rows: u.rows,
      firstMs: u.firstMs,
      lastMs: u.lastMs,
      label: `${venue} ${symbol} ${intervalLabel(intervalMs)}`,
    });
  }
  return out;
}

/** Local midnight of a `YYYY-MM-DD` date, or null. */
export function localDateMs(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, day] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const d = new Date(y, mo, day);
  // No rollover: 2018-13-45 is not a date.
  if (Number.isNaN(d.getTime()) || d.getFullYear() !== y || d.getMonth() !== mo || d.getDate() !== day) return null;
  return d.getTime();
}

/** `YYYY-MM-DD` of a time, local. */
export function localDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export type FormErrors = Partial<Record<string, string>>;

const DAY = 86_400_000;

/**
 * The request the form describes, or the messages of the fields that are wrong. The engine
 * checks everything again (settings, parameters, data); this only catches what is plainly not
 * a number or missing, so the trader sees it before a round trip.
 */
export function buildRequest(
  form: BacktestForm,
  strategies: readonly StrategyChoice[],
  datasets: readonly CandleDataset[],
): { request: BacktestRequest } | { errors: FormErrors } {
  const errors: FormErrors = {};
  const run = buildRunParts(form, strategies, errors);
  let data: DataRef | null = null;
  if (form.source === 'dataset') {
    const d = datasets.find((x) => x.key === form.dataset);
    if (!d) errors.dataset = 'Choose a dataset (import or download one on the Data page)';
    const from = form.from.trim() ? localDateMs(form.from) : null;
    const to = form.to.trim() ? localDateMs(form.to) : null;
    if (form.from.trim() && from === null) errors.from = 'Use a date like 2018-01-10';
    if (form.to.trim() && to === null) errors.to = 'Use a date like 2018-01-31';
    if (from !== null && to !== null && to < from) errors.to = 'The end is before the start';
    if (d) data = { kind: 'candles', venue: d.venue, symbol: d.symbol, intervalMs: d.intervalMs, fromMs: from, toMs: to === null ? null : to + DAY };
  } else {
    const id = Number(form.sessionId);
    const interval = parseInterval(form.sessionInterval);
    if (!form.sessionId || !Number.isInteger(id)) errors.session = 'Choose a recorded session';
    if (!form.sessionSymbol.trim()) errors.sessionSymbol = 'Choose the symbol to replay';
    if (interval === null) errors.sessionInterval = 'Use an interval like 1m, 5m or 1h';
    if (!errors.session && !errors.sessionSymbol && interval !== null)
      data = { kind: 'session', sessionId: id, symbol: form.sessionSymbol.trim(), intervalMs: interval };
  }
  if (Object.keys(errors).length > 0 || !data || !run) return { errors };
  return { request: { ...run, data } };
}

/** What every run of the form shares, whatever its data: a backtest's, a sweep's, a paper run's. */
export type RunParts = Pick<BacktestRequest, 'name' | 'strategy' | 'params' | 'settings'>;

/**
 * The form's name, strategy, parameters and settings, or null with the wrong fields' messages
 * added to `errors` (keys `strategy`, `param.<name>` and the settings' names).
 */
export function buildRunParts(form: BacktestForm, strategies: readonly StrategyChoice[], errors: FormErrors): RunParts | null {
  const before = Object.keys(errors).length;
  const strategy = strategies.find((s) => s.id === form.strategy);
  const params: ParamSet = {};
  if (!strategy) errors.strategy = 'Choose a strategy';
  for (const p of strategy?.params ?? []) {
    const text = (form.params[p.name] ?? '').trim();
    const v = Number(text);
    if (text === '' || !Number.isFinite(v)) errors[`param.${p.name}`] = `${p.label}: enter a number`;
    else params[p.name] = v;
  }
  const s = form.settings;
  for (const [key, label] of [
    ['initialCash', 'Starting cash'],
    ['takerFee', 'Taker fee'],
    ['makerFee', 'Maker fee'],
    ['slippageBps', 'Slippage'],
  ] as const) {
    if (!Number.isFinite(Number(s[key])) || String(s[key]).trim() === '') errors[key] = `${label}: enter a number`;
  }
  if (!Number.isInteger(Number(s.latencyMs))) errors.latencyMs = 'Latency: whole milliseconds';
  if (!strategy || Object.keys(errors).length > before) return null;
  return {
    name: form.name.trim() || null,
    strategy: strategy.spec ? { kind: 'spec', spec: strategy.spec } : { kind: 'builtin', name: form.strategy },
    params,
    settings: { ...s, latencyMs: Number(s.latencyMs) },
  };
}

/** The candle dataset a saved run was made on, found by the engine's data label. */
export function datasetOfRun(run: Pick<BacktestRunView, 'dataLabel'>, datasets: readonly CandleDataset[]): CandleDataset | null {
  return datasets.find((d) => d.label === run.dataLabel) ?? null;
}

/** "fast=10, slow=30, qty=1". */
export function paramsLabel(p: ParamSet): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

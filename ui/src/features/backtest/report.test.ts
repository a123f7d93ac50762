import { describe, expect, it } from 'vitest';
import type { DatasetUsage, Metrics, TradeRecord } from '../../ipc/bindings';
import {
  BUILTIN_STRATEGIES,
  barWidth,
  buildRequest,
  candleDatasets,
  compareRows,
  curveData,
  datasetOfRun,
  emptyForm,
  formatPct,
  formatRatio,
  intervalLabel,
  metricCards,
  parseInterval,
  tradeMarkers,
  templateChoice,
  defaultParams,
} from './report';

const metrics = (over: Partial<Metrics> = {}): Metrics => ({
  totalReturn: 0.1234,
  annualReturn: 0.5,
  maxDrawdown: 0.08,
  sharpe: 1.5,
  sortino: 2.25,
  calmar: 6.25,
  winRate: 0.4,
  profitFactor: 1.8,
  avgTrade: '12.5',
  exposure: 0.35,
  fees: '3.2',
  trades: 20,
  fills: 40,
  rejectedOrders: 0,
  ...over,
});

const usage: DatasetUsage[] = [
  { dataset: { kind: 'candles', venue: 'binance', symbol: 'ETH/BTC', intervalMs: 300_000 }, label: 'binance ETH/BTC 300000 ms', rows: 5760, firstMs: 1_515_560_100_000, lastMs: 1_517_287_800_000, approxBytes: 400_000 },
  { dataset: { kind: 'session', sessionId: 3 }, label: 'BTC/USDT from 1', rows: 100, firstMs: 1, lastMs: 2, approxBytes: 5000 },
];

describe('formatting', () => {
  it('shows percentages, ratios and a dash for undefined statistics', () => {
    expect(formatPct(0.1234)).toBe('12.34 %');
    expect(formatPct(-0.05, 1)).toBe('-5.0 %');
    expect(formatPct(null)).toBe('—');
    expect(formatPct(Number.NaN)).toBe('—');
    expect(formatRatio(1.23456)).toBe('1.23');
    expect(formatRatio(null)).toBe('—');
  });

  it('names intervals like the engine and parses them back', () => {
    for (const [ms, name] of [[60_000, '1m'], [300_000, '5m'], [3_600_000, '1h'], [86_400_000, '1d'], [604_800_000, '1w'], [1_500, '1500ms']] as const) {
      expect(intervalLabel(ms)).toBe(name);
    }
    expect(parseInterval('5m')).toBe(300_000);
    expect(parseInterval(' 4h ')).toBe(14_400_000);
    expect(parseInterval('0m')).toBeNull();
    expect(parseInterval('5x')).toBeNull();
    expect(parseInterval('')).toBeNull();
  });

  it('makes the report cards in order with drawdown negative and tones by sign', () => {
    const cards = metricCards(metrics({ totalReturn: -0.02, profitFactor: 0.5 }));
    expect(cards.map((c) => c.label)).toEqual([
      'Total return', 'Annual return', 'Max drawdown', 'Sharpe', 'Sortino', 'Calmar', 'Win rate', 'Profit factor', 'Avg trade', 'Exposure', 'Fees paid', 'Trades',
    ]);
    const by = Object.fromEntries(cards.map((c) => [c.key, c]));
    expect(by.totalReturn).toMatchObject({ value: '-2.00 %', tone: 'down' });
    expect(by.maxDrawdown).toMatchObject({ value: '-8.00 %', tone: 'down' });
    expect(by.profitFactor).toMatchObject({ value: '0.50', tone: 'down' });
    expect(by.winRate?.value).toBe('40.0 %');
    expect(by.trades?.value).toBe('20');
    expect(metricCards(metrics({ sharpe: null })).find((c) => c.key === 'sharpe')?.value).toBe('—');
  });
});

describe('compareRows', () => {
  it('marks the better run per metric, lower drawdown and fees winning', () => {
    const rows = compareRows(metrics(), metrics({ totalReturn: 0.2, maxDrawdown: 0.03, fees: '9', sharpe: null, trades: 5 }));
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(by.totalReturn).toMatchObject({ a: '12.34 %', b: '20.00 %', better: 'b' });
    expect(by.maxDrawdown?.better).toBe('b');
    expect(by.fees?.better).toBe('a');
    expect(by.sharpe).toMatchObject({ b: '—', better: null });
    expect(by.trades?.better).toBeNull();
    expect(by.winRate?.better).toBeNull(); // equal
  });
});

describe('chart data', () => {
  const trade = (entry: number, exit: number | null, side: 'buy' | 'sell' = 'buy'): TradeRecord => ({
    entryBar: 0, entryTimeMs: entry, side, qty: '1', entryPrice: '1', exitBar: null, exitTimeMs: exit, exitPrice: exit == null ? null : '1', fees: '0', pnl: '0',
  });

  it('marks entries and exits on the bar that holds them, sorted', () => {
    const m = tradeMarkers([trade(900_000, 1_500_000), trade(300_000, null, 'sell')], 600_000);
    expect(m.map((x) => [x.time, x.text, x.shape])).toEqual([
      [0, 'Sell', 'arrowDown'],
      [600, 'Buy', 'arrowUp'],
      [1200, 'Exit', 'arrowDown'],
    ]);
    expect(tradeMarkers([trade(0, 1), trade(2, 3)], 1, 1).map((x) => x.text)).toEqual(['', '', '', '']);
  });

  it('finds the bar width of merged candles', () => {
    expect(barWidth([0, 600_000, 1_200_000, 2_400_000], 300_000)).toBe(600_000);
    expect(barWidth([0], 300_000)).toBe(300_000);
  });

  it('turns curves into increasing seconds, later duplicates winning', () => {
    expect(curveData([{ tMs: 1000, value: 1 }, { tMs: 1500, value: 2 }, { tMs: 3000, value: 3 }], 100)).toEqual([
      { time: 1, value: 200 },
      { time: 3, value: 300 },
    ]);
  });
});

describe('buildRequest', () => {
  const datasets = candleDatasets(usage);

  it('lists candle datasets with the label the engine gives runs', () => {
    expect(datasets).toHaveLength(1);
    expect(datasets[0]?.label).toBe('binance ETH/BTC 5m');
    expect(datasetOfRun({ dataLabel: 'binance ETH/BTC 5m' }, datasets)?.key).toBe('binance|ETH/BTC|300000');
    expect(datasetOfRun({ dataLabel: 'session 3 BTC/USDT' }, datasets)).toBeNull();
  });

  it('sends the SMA cross with its defaults on the chosen dataset, the end day included', () => {
    const form = { ...emptyForm(), dataset: 'binance|ETH/BTC|300000', from: '2018-01-10', to: '2018-01-20' };
    const built = buildRequest(form, BUILTIN_STRATEGIES, datasets);
    if (!('request' in built)) throw new Error(JSON.stringify(built.errors));
    const from = new Date(2018, 0, 10).getTime();
    const to = new Date(2018, 0, 21).getTime();
    expect(built.request).toEqual({
      name: null,
      strategy: { kind: 'builtin', name: 'sma_cross' },
      params: { fast: 10, slow: 30, qty: 1 },
      data: { kind: 'candles', venue: 'binance', symbol: 'ETH/BTC', intervalMs: 300_000, fromMs: from, toMs: to },
      settings: { initialCash: '10000', takerFee: '0.001', makerFee: '0.001', slippageBps: '0', latencyMs: 0, fillPath: 'nearest_extreme_first', volumeShare: '1', allowShort: false },
    });
  });

  it('names every wrong field instead of sending', () => {
    const form = { ...emptyForm(), params: { fast: 'ten', slow: '30', qty: '' }, from: '2018-13-45', to: '', settings: { ...emptyForm().settings, initialCash: 'lots' } };
    const built = buildRequest(form, BUILTIN_STRATEGIES, datasets);
    expect('errors' in built && built.errors).toMatchObject({
      'param.fast': 'Fast SMA: enter a number',
      'param.qty': 'Quantity: enter a number',
      dataset: expect.stringContaining('Choose a dataset'),
      from: expect.stringContaining('date'),
      initialCash: 'Starting cash: enter a number',
    });
  });

  it('replays a recorded session in bars of the given interval', () => {
    const form = { ...emptyForm(), source: 'session' as const, sessionId: '3', sessionSymbol: 'BTC/USDT', sessionInterval: '5m' };
    const built = buildRequest(form, BUILTIN_STRATEGIES, datasets);
    expect('request' in built && built.request.data).toEqual({ kind: 'session', sessionId: 3, symbol: 'BTC/USDT', intervalMs: 300_000 });
    const bad = buildRequest({ ...form, sessionInterval: 'soon' }, BUILTIN_STRATEGIES, datasets);
    expect('errors' in bad && bad.errors.sessionInterval).toBeTruthy();
  });
});

describe('rule templates in the picker', () => {
  it('become choices that send their JSON spec with their parameters', () => {
    const choice = templateChoice({
      id: 'rsi_mean_reversion',
      name: 'RSI mean reversion',
      description: 'buy oversold',
      category: 'mean reversion',
      direction: 'long',
      spec: '{"version":1}',
      parameters: [{ name: 'period', default: 14, min: 2, max: 50, step: 1, description: 'RSI period' }],
    });
    expect(choice.id).toBe('template:rsi_mean_reversion');
    expect(choice.params[0]).toMatchObject({ name: 'period', label: 'RSI period', default: 14 });
    expect(defaultParams(choice)).toEqual({ period: '14' });
  });
});

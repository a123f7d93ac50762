import { describe, expect, it } from 'vitest';
import type { AccountView, PaperRunView, RecordingSession } from '../../ipc/bindings';
import { anyRunning, buildPaperRequest, connectedAccounts, defaultPaperForm, mergeRuns, missedWarning, runStatus } from './paper';
import { BUILTIN_STRATEGIES, DEFAULT_SETTINGS, buildRequest, emptyForm, templateChoice, type BacktestForm } from './report';

const smaForm = (over: Partial<BacktestForm> = {}): BacktestForm => ({
  ...emptyForm(),
  params: { fast: '2', slow: '3', qty: '0.001' },
  ...over,
});

const session: RecordingSession = {
  id: 7,
  name: 'BTC evening',
  accountId: 'demo',
  venue: 'demo',
  symbols: ['BTC/USDT', 'ETH/USDT'],
  kinds: ['trades'],
  status: 'stopped',
  startMs: 1,
  endMs: 2,
  tradeCount: 500,
  candleCount: 0,
  bookCount: 0,
};

const account = (id: string, state: string): AccountView =>
  ({ id, venue: 'demo', market: 'spot', label: id, connection: { state, detail: null, weightUsed: null, weightLimit: null, clockOffsetMs: null } }) as unknown as AccountView;

const view = (over: Partial<PaperRunView> = {}): PaperRunView => ({
  id: 1,
  name: 'SMA cross on paper',
  symbol: 'BTC/USDT',
  running: true,
  tradesSeen: 10,
  eventsMissed: 0,
  fills: 2,
  position: '0.001',
  equity: 10_000,
  reportId: null,
  error: null,
  ...over,
});

describe('buildPaperRequest', () => {
  it('sends the form strategy, parameters and settings on a live market, like a backtest would', () => {
    const form = smaForm({ name: ' my paper ' });
    const paper = { ...defaultPaperForm(), accountId: 'demo', symbol: ' BTC/USDT ', interval: '1s' };
    const built = buildPaperRequest(form, paper, BUILTIN_STRATEGIES, []);
    expect(built).toEqual({
      request: {
        name: 'my paper',
        source: { kind: 'live', accountId: 'demo' },
        symbol: 'BTC/USDT',
        intervalMs: 1_000,
        strategy: { kind: 'builtin', name: 'sma_cross' },
        params: { fast: 2, slow: 3, qty: 0.001 },
        settings: DEFAULT_SETTINGS,
      },
    });
    // The strategy part is exactly the backtest's (one code path).
    const bt = buildRequest({ ...form, source: 'session', sessionId: '7', sessionSymbol: 'BTC/USDT', sessionInterval: '1s' }, BUILTIN_STRATEGIES, []);
    if (!('request' in bt) || !('request' in built)) throw new Error('both should build');
    expect({ strategy: bt.request.strategy, params: bt.request.params, settings: bt.request.settings, name: bt.request.name }).toEqual({
      strategy: built.request.strategy,
      params: built.request.params,
      settings: built.request.settings,
      name: built.request.name,
    });
  });

  it('replays a recorded session at the chosen speed, with a template strategy', () => {
    const tpl = templateChoice({ id: 'rsi', name: 'RSI', description: '', spec: '{"rules":[]}', parameters: [{ name: 'period', description: 'RSI period', default: 14, min: 2, max: 100, step: 1 }] } as never);
    const form = smaForm({ strategy: tpl.id, params: { period: '9' } });
    const paper = { ...defaultPaperForm(), source: 'replay' as const, sessionId: '7', sessionSymbol: 'ETH/USDT', speed: 0, interval: '1m' };
    const built = buildPaperRequest(form, paper, [...BUILTIN_STRATEGIES, tpl], [session]);
    expect('request' in built && built.request).toMatchObject({
      source: { kind: 'replay', sessionId: 7, speed: 0 },
      symbol: 'ETH/USDT',
      intervalMs: 60_000,
      strategy: { kind: 'spec', spec: '{"rules":[]}' },
      params: { period: 9 },
    });
  });

  it('marks every wrong field at once: parameters, settings and the source', () => {
    const form = smaForm({ params: { fast: 'x', slow: '3', qty: '' } });
    form.settings = { ...form.settings, initialCash: 'lots' };
    const built = buildPaperRequest(form, { ...defaultPaperForm(), accountId: '', symbol: ' ', interval: '500ms' }, BUILTIN_STRATEGIES, []);
    expect('errors' in built && Object.keys(built.errors).sort()).toEqual(
      ['initialCash', 'param.fast', 'param.qty', 'paper.account', 'paper.interval', 'paper.symbol'].sort(),
    );
    const short = buildPaperRequest(smaForm(), { ...defaultPaperForm(), accountId: 'demo', interval: '0s' }, BUILTIN_STRATEGIES, []);
    expect('errors' in short && short.errors['paper.interval']).toMatch(/1s/);
    const replay = buildPaperRequest(smaForm(), { ...defaultPaperForm(), source: 'replay', sessionId: '99' }, BUILTIN_STRATEGIES, [session]);
    expect('errors' in replay && replay.errors).toEqual({ 'paper.session': 'Choose a recorded session' });
    const noSymbol = buildPaperRequest(smaForm(), { ...defaultPaperForm(), source: 'replay', sessionId: '7', sessionSymbol: '' }, BUILTIN_STRATEGIES, [session]);
    expect('errors' in noSymbol && noSymbol.errors).toEqual({ 'paper.sessionSymbol': 'Choose the symbol to replay' });
  });

  it('refuses a strategy the picker does not know', () => {
    const built = buildPaperRequest(smaForm({ strategy: 'nope' }), { ...defaultPaperForm(), accountId: 'demo' }, BUILTIN_STRATEGIES, []);
    expect('errors' in built && built.errors.strategy).toBe('Choose a strategy');
  });
});

describe('paper run list', () => {
  it('offers only connected accounts', () => {
    expect(connectedAccounts([account('demo', 'connected'), account('bn', 'connecting'), account('x', 'disconnected')]).map((a) => a.id)).toEqual(['demo']);
  });

  it('merges a fresh engine list over the known runs, oldest first', () => {
    const known = [view({ id: 3, tradesSeen: 1 }), view({ id: 1 })];
    const merged = mergeRuns(known, [view({ id: 1, running: false, reportId: 12 }), view({ id: 2 })]);
    expect(merged.map((r) => [r.id, r.running, r.reportId])).toEqual([
      [1, false, 12],
      [2, true, null],
      [3, true, null],
    ]);
    expect(anyRunning(merged)).toBe(true);
    expect(anyRunning([view({ running: false })])).toBe(false);
    expect(anyRunning([])).toBe(false);
  });

  it('names the status and warns of missed events', () => {
    expect(runStatus(view())).toBe('running');
    expect(runStatus(view({ running: false, reportId: 4 }))).toBe('stopped');
    expect(runStatus(view({ running: false, error: 'disk full' }))).toBe('failed');
    expect(missedWarning(view())).toBeNull();
    expect(missedWarning(view({ eventsMissed: 1 }))).toMatch(/^Missed 1 market event:/);
    expect(missedWarning(view({ eventsMissed: 1234 }))).toMatch(/^Missed 1,234 market events:/);
  });
});

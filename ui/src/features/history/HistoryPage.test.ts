import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { Fill, FillFilter } from '../../ipc/bindings';
import HistoryPage from './HistoryPage.svelte';
import { buildFillFilter, emptyFilterForm, localDayStartMs, matchesFilter } from './filter';
import { dispatchAccountEvent } from '../session/events';
import { BTC, ETH } from '../../test/fixtures';

function fill(k: number): Fill {
  return {
    venue: 'demo',
    accountId: 'demo',
    symbol: 'BTC/USDT',
    side: k % 2 ? 'sell' : 'buy',
    price: '65000.1',
    qty: '0.001',
    quoteQty: '65.0001',
    fee: '0.0650001',
    feeAsset: 'USDT',
    venueOrderId: `D${k}`,
    clientOrderId: `km${k}`,
    tradeId: `T${k}`,
    isMaker: false,
    tsMs: 1_763_751_600_000 - k * 1000,
  };
}

function setup(rows: Fill[] = [fill(1), fill(2)], exportReply: unknown = { path: '/tmp/keel-fills.csv', rows: 2 }) {
  const calls: [string, Record<string, unknown>][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args as Record<string, unknown>]);
    if (cmd === 'list_fills') return rows;
    if (cmd === 'export_fills_csv') {
      if (exportReply instanceof Error) throw { code: 'io', message: exportReply.message };
      return exportReply;
    }
    return null;
  });
  render(HistoryPage, { props: { accountId: 'demo', instruments: [BTC, ETH] } });
  const filters = () => calls.filter(([c]) => c === 'list_fills').map(([, a]) => a.filter as FillFilter);
  return { calls, filters };
}

/** Picks an option the way a browser does, then fires change (what bind:value listens to). */
async function choose(testid: string, value: string) {
  const select = screen.getByTestId(testid) as HTMLSelectElement;
  for (const o of Array.from(select.options)) o.selected = o.value === value;
  await fireEvent.change(select);
}

describe('buildFillFilter', () => {
  it('leaves out empty fields', () => {
    expect(buildFillFilter('demo', emptyFilterForm())).toEqual({ accountId: 'demo' });
  });

  it('turns local days into an inclusive/exclusive ms range', () => {
    const f = buildFillFilter('demo', { symbol: 'ETH/USDT', side: 'sell', from: '2025-11-01', to: '2025-11-03' }, 100);
    expect(f).toEqual({
      accountId: 'demo',
      symbol: 'ETH/USDT',
      side: 'sell',
      fromMs: new Date(2025, 10, 1).getTime(),
      toMs: new Date(2025, 10, 4).getTime(),
      limit: 100,
    });
    expect(localDayStartMs('not a date')).toBeNull();
  });

  it('matches live fills against a filter', () => {
    const f = buildFillFilter('demo', { symbol: 'BTC/USDT', side: 'sell', from: '', to: '' });
    expect(matchesFilter(fill(1), f)).toBe(true);
    expect(matchesFilter(fill(2), f)).toBe(false);
    expect(matchesFilter({ ...fill(1), symbol: 'ETH/USDT' }, f)).toBe(false);
  });
});

describe('HistoryPage', () => {
  it('marks empty date filters as "Any date" until a date is set', async () => {
    setup();
    const from = screen.getByTestId('filter-from') as HTMLInputElement;
    const to = screen.getByTestId('filter-to') as HTMLInputElement;
    const box = (el: HTMLElement) => el.closest('.datebox');
    expect(box(from)?.classList.contains('blank')).toBe(true);
    expect(box(to)?.classList.contains('blank')).toBe(true);
    expect(box(from)?.textContent).toContain('Any date');

    await fireEvent.input(from, { target: { value: '2025-11-01' } });
    expect(from.value).toBe('2025-11-01');
    expect(box(from)?.classList.contains('blank')).toBe(false);
    expect(box(to)?.classList.contains('blank')).toBe(true);

    await fireEvent.input(from, { target: { value: '' } });
    expect(box(from)?.classList.contains('blank')).toBe(true);
  });

  it('lists fills for the account, then refilters on every change', async () => {
    const { filters } = setup();
    await waitFor(() => expect(screen.getAllByTestId('fill-row')).toHaveLength(2));
    expect(filters()[0]).toEqual({ accountId: 'demo', limit: 250_000 });

    await choose('filter-symbol', 'BTC/USDT');
    await choose('filter-side', 'buy');
    await fireEvent.input(screen.getByTestId('filter-from'), { target: { value: '2025-11-01' } });
    await fireEvent.input(screen.getByTestId('filter-to'), { target: { value: '2025-11-21' } });

    await waitFor(() =>
      expect(filters().at(-1)).toEqual({
        accountId: 'demo',
        symbol: 'BTC/USDT',
        side: 'buy',
        fromMs: new Date(2025, 10, 1).getTime(),
        toMs: new Date(2025, 10, 22).getTime(),
        limit: 250_000,
      }),
    );
  });

  it('exports with the current filter and a null path (Rust asks where)', async () => {
    const { calls } = setup();
    await choose('filter-side', 'sell');
    await fireEvent.click(screen.getByTestId('history-export'));
    await waitFor(() => expect(screen.getByTestId('export-status').textContent).toBe('Exported 2 rows to /tmp/keel-fills.csv'));
    const exp = calls.find(([c]) => c === 'export_fills_csv');
    expect(exp?.[1]).toEqual({ filter: { accountId: 'demo', side: 'sell' }, path: null });
  });

  it('shows nothing when the trader cancels the save dialog', async () => {
    const { calls } = setup(undefined, null);
    await fireEvent.click(screen.getByTestId('history-export'));
    await waitFor(() => expect(calls.some(([c]) => c === 'export_fills_csv')).toBe(true));
    await new Promise((r) => setTimeout(r, 10));
    expect(screen.queryByTestId('export-status')).toBeNull();
  });

  it('shows the export error text', async () => {
    setup(undefined, new Error('Permission denied (os error 13)'));
    await fireEvent.click(screen.getByTestId('history-export'));
    await waitFor(() => expect(screen.getByTestId('export-status').textContent).toBe('Permission denied (os error 13)'));
  });

  it('prepends a live fill that matches the filter', async () => {
    setup();
    await waitFor(() => expect(screen.getAllByTestId('fill-row')).toHaveLength(2));
    dispatchAccountEvent({ kind: 'fill', fill: { ...fill(0), tradeId: 'T-new', tsMs: Date.now() } });
    await waitFor(() => expect(screen.getAllByTestId('fill-row')).toHaveLength(3));
    expect(screen.getAllByTestId('fill-row')[0]?.textContent).toContain('T-new');
  });

  it('renders only a window of a huge result', async () => {
    const rows = Array.from({ length: 100_000 }, (_, k) => fill(k));
    setup(rows);
    await waitFor(() => expect(screen.getByTestId('fills-count').textContent).toContain('100,000 fills'));
    const rendered = screen.getAllByTestId('fill-row').length;
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(200);
  });
});

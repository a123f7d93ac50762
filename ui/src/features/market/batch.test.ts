import { describe, expect, it } from 'vitest';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { Candle, MarketBatch, Trade } from '../../ipc/bindings';
import { applyBatch, emptySnapshot, mergeCandles, mergeTrades } from './batch';
import { MarketFeed, type CandleEvent } from './feed.svelte';

const c = (min: number, close: string): Candle => ({ openTimeMs: min * 60_000, open: close, high: close, low: close, close, volume: '1' });
const t = (id: number, price: string): Trade => ({ id, tsMs: id, price, qty: '0.1', takerSide: 'buy' });
const batch = (over: Partial<MarketBatch> = {}): MarketBatch => ({ symbol: 'BTC/USDT', trades: [], candles: [], book: null, mark: null, lastPrice: null, ...over });

describe('mergeCandles', () => {
  it('replaces the current candle and appends new ones', () => {
    const r = mergeCandles([c(1, '1'), c(2, '2')], [c(2, '2.5'), c(3, '3')]);
    expect(r.series.map((x) => x.close)).toEqual(['1', '2.5', '3']);
    expect(r.changed.map((x) => x.close)).toEqual(['2.5', '3']);
    expect(r.rewound).toBe(false);
  });

  it('slots older candles in place and asks for a reset', () => {
    const r = mergeCandles([c(1, '1'), c(3, '3')], [c(2, '2')]);
    expect(r.series.map((x) => x.openTimeMs / 60_000)).toEqual([1, 2, 3]);
    expect(r.rewound).toBe(true);
  });

  it('caps the series', () => {
    const r = mergeCandles([c(1, '1'), c(2, '2')], [c(3, '3')], 2);
    expect(r.series.map((x) => x.close)).toEqual(['2', '3']);
  });
});

describe('applyBatch', () => {
  it('keeps the tape newest first, capped, without duplicates', () => {
    const tape = mergeTrades([t(2, '2'), t(1, '1')], [t(2, '2'), t(3, '3'), t(4, '4')], 3);
    expect(tape.map((x) => x.id)).toEqual([4, 3, 2]);
  });

  it('tracks the last price direction', () => {
    let s = emptySnapshot();
    s = applyBatch(s, batch({ lastPrice: '100' })).next;
    expect(s.direction).toBeNull();
    s = applyBatch(s, batch({ lastPrice: '101' })).next;
    expect(s.direction).toBe('up');
    s = applyBatch(s, batch({ lastPrice: '101' })).next;
    expect(s.direction).toBe('up');
    s = applyBatch(s, batch({ lastPrice: '99.5' })).next;
    expect(s.direction).toBe('down');
  });

  it('keeps the previous book when a batch has none', () => {
    const book = { bids: [{ price: '1', qty: '1' }], asks: [], tsMs: 1 };
    let s = applyBatch(emptySnapshot(), batch({ book })).next;
    s = applyBatch(s, batch()).next;
    expect(s.book).toBe(book);
  });
});

describe('MarketFeed', () => {
  it('loads history, subscribes, and merges live batches on top', async () => {
    let channel: { onmessage: (m: MarketBatch) => void } | null = null;
    mockIPC((cmd, args) => {
      const a = args as Record<string, unknown>;
      switch (cmd) {
        case 'subscribe_market':
          channel = a.onBatch as typeof channel;
          return 5;
        case 'get_candles':
          return [c(1, '10'), c(2, '11')];
        case 'get_recent_trades':
          return [t(2, '11'), t(1, '10')];
        case 'get_order_book':
          return { bids: [], asks: [], tsMs: 0 };
        default:
          return null;
      }
    });
    const feed = new MarketFeed();
    const events: CandleEvent[] = [];
    feed.onCandles((e) => events.push(e));
    await feed.open('demo', 'BTC/USDT');
    expect(feed.candles.map((x) => x.close)).toEqual(['10', '11']);
    expect(feed.lastPrice).toBe('11');
    expect(events.at(-1)).toEqual({ kind: 'reset', candles: [c(1, '10'), c(2, '11')] });

    channel!.onmessage(batch({ candles: [c(2, '12')], trades: [t(3, '12')], lastPrice: '12' }));
    expect(feed.lastPrice).toBe('12');
    expect(feed.direction).toBe('up');
    expect(feed.status).toBe('live');
    expect(feed.trades.map((x) => x.id)).toEqual([3, 2, 1]);
    expect(events.at(-1)).toEqual({ kind: 'update', candles: [c(2, '12')] });

    // Batches for another symbol (a late one after switching) are ignored.
    channel!.onmessage(batch({ symbol: 'ETH/USDT', lastPrice: '3000' }));
    expect(feed.lastPrice).toBe('12');
    await feed.close();
  });
});

describe('mark price', () => {
  it('keeps the latest mark until a batch brings a new one', () => {
    const mark = { tsMs: 1, markPrice: '65000.1', indexPrice: '64990', fundingRate: '0.0001', nextFundingMs: 2 };
    let s = applyBatch(emptySnapshot(), batch({ mark })).next;
    expect(s.mark).toEqual(mark);
    s = applyBatch(s, batch({ lastPrice: '1' })).next;
    expect(s.mark).toEqual(mark);
    const next = { ...mark, markPrice: '65001' };
    expect(applyBatch(s, batch({ mark: next })).next.mark).toEqual(next);
  });
});

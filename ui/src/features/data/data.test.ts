import { describe, expect, it } from 'vitest';
import { buildDownload, buildImport, formatBytes, formatDuration, gapQuery, missingCandles, sessionDuration } from './data';

describe('data helpers', () => {
  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
    expect(formatDuration(3_725_000)).toBe('1h 2m');
    expect(formatDuration(65_000)).toBe('1m 5s');
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(90_000_000)).toBe('1d 1h');
  });

  it('measures a session to its end, or to now while it records', () => {
    expect(sessionDuration({ startMs: 1000, endMs: 61_000, status: 'stopped' }, 1e9)).toBe(60_000);
    expect(sessionDuration({ startMs: 1000, endMs: null, status: 'recording' }, 11_000)).toBe(10_000);
  });

  it('asks for gaps over the stored range of candle datasets only', () => {
    expect(
      gapQuery({ dataset: { kind: 'candles', venue: 'binance', symbol: 'ETH/BTC', intervalMs: 300_000 }, label: '', rows: 3, firstMs: 0, lastMs: 600_000, approxBytes: 1 }),
    ).toEqual({ venue: 'binance', symbol: 'ETH/BTC', intervalMs: 300_000, startMs: 0, endMs: 900_000 });
    expect(gapQuery({ dataset: { kind: 'session', sessionId: 1 }, label: '', rows: 3, firstMs: 0, lastMs: 1, approxBytes: 1 })).toBeNull();
    expect(missingCandles([{ startMs: 0, endMs: 1, missing: 2 }, { startMs: 5, endMs: 9, missing: 3 }])).toBe(5);
  });

  it('builds a download of whole local days, never past now', () => {
    const now = new Date(2025, 10, 21, 12).getTime();
    const built = buildDownload({ accountId: 'binance1', symbol: ' BTC/USDT ', interval: '1h', from: '2025-11-01', to: '2025-11-21' }, now);
    expect(built).toEqual({
      request: { accountId: 'binance1', symbol: 'BTC/USDT', intervalMs: 3_600_000, startMs: new Date(2025, 10, 1).getTime(), endMs: now },
    });
    const bad = buildDownload({ accountId: '', symbol: '', interval: 'x', from: '2025-11-05', to: '2025-11-01' }, now);
    expect('errors' in bad && Object.keys(bad.errors).sort()).toEqual(['accountId', 'interval', 'symbol', 'to']);
  });

  it('checks the import form and normalises venue and symbol', () => {
    expect(buildImport({ path: ' /data/x.csv ', venue: 'Binance', symbol: 'eth/btc', interval: '5m' })).toEqual({
      path: '/data/x.csv', venue: 'binance', symbol: 'ETH/BTC', intervalMs: 300_000,
    });
    expect(buildImport({ path: '/x.csv', venue: 'b', symbol: 'S', interval: '' })).toMatchObject({ intervalMs: null });
    const bad = buildImport({ path: '', venue: '', symbol: '', interval: 'fast' });
    expect('errors' in bad && Object.keys(bad.errors).sort()).toEqual(['interval', 'path', 'symbol', 'venue']);
  });
});

import { describe, expect, it } from 'vitest';
import { absQty, fundingText, openPositions, pnlTone, positionSideLabel, untilText } from './positions';
import { position } from '../../test/fixtures';

describe('positions', () => {
  it('reads the side from hedge mode or the sign', () => {
    expect(positionSideLabel({ qty: '0.5', positionSide: 'both' })).toBe('Long');
    expect(positionSideLabel({ qty: '-0.5', positionSide: 'both' })).toBe('Short');
    expect(positionSideLabel({ qty: '0.5', positionSide: 'short' })).toBe('Short');
    expect(absQty('-0.40')).toBe('0.40');
    expect(absQty('0.015')).toBe('0.015');
  });

  it('colors PnL and drops closed positions', () => {
    expect([pnlTone('12.5'), pnlTone('-0.01'), pnlTone('0')]).toEqual(['up', 'down', '']);
    const list = openPositions([position({ symbol: 'ETH/USDT' }), position({ qty: '0' }), position({ symbol: 'BTC/USDT' })]);
    expect(list.map((p) => p.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);
  });

  it('words funding as a percent with the time left', () => {
    const now = 1_000_000_000;
    expect(fundingText({ tsMs: now, markPrice: '1', indexPrice: null, fundingRate: '0.0001', nextFundingMs: now + 125 * 60_000 }, now)).toBe('0.0100% in 2h 05m');
    expect(fundingText({ tsMs: now, markPrice: '1', indexPrice: null, fundingRate: '-0.00025', nextFundingMs: null }, now)).toBe('-0.0250%');
    expect(fundingText({ tsMs: now, markPrice: '1', indexPrice: null, fundingRate: null, nextFundingMs: null }, now)).toBeNull();
    expect(untilText(now + 59_000, now)).toBe('0m');
  });
});

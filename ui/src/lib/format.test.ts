import { describe, expect, it } from 'vitest';
import { DASH, formatAmount, formatPrice, formatQty, formatUtcTime } from './format';

const btc = { tickSize: '0.01', stepSize: '0.00001' };

describe('format', () => {
  it('formats prices to the tick and quantities to the step', () => {
    expect(formatPrice('65012.3', btc)).toBe('65,012.30');
    expect(formatPrice('65012.30000000', btc)).toBe('65,012.30');
    expect(formatQty('0.0015', btc)).toBe('0.00150');
    expect(formatQty('2', btc)).toBe('2.00000');
  });

  it('shows a dash for missing values', () => {
    expect(formatPrice(null, btc)).toBe(DASH);
    expect(formatQty('oops', btc)).toBe(DASH);
  });

  it('formats amounts of unknown precision', () => {
    expect(formatAmount('0.06500010')).toBe('0.0650001');
    expect(formatAmount('10000.00000000')).toBe('10,000');
  });

  it('formats UTC for tooltips', () => {
    expect(formatUtcTime(Date.UTC(2025, 10, 21, 19, 0, 0, 123))).toBe('2025-11-21 19:00:00.123 UTC');
  });
});

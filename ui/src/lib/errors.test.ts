import { describe, expect, it } from 'vitest';
import { fieldForCode } from './errors';

describe('fieldForCode', () => {
  it('maps quantity codes to the quantity field', () => {
    for (const c of ['quantity_too_small', 'quantity_too_large', 'quantity_off_step', 'notional_too_small', 'insufficient_balance'] as const) {
      expect(fieldForCode(c)).toBe('qty');
    }
  });

  it('maps price codes to the price field', () => {
    expect(fieldForCode('price_invalid')).toBe('price');
    expect(fieldForCode('price_off_tick')).toBe('price');
  });

  it('maps everything else to the form', () => {
    for (const c of ['trading_paused', 'venue_unavailable', 'internal', 'invalid_input', 'outcome_unknown'] as const) {
      expect(fieldForCode(c)).toBe('form');
    }
  });
});

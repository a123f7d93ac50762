import { describe, expect, it } from 'vitest';
import * as D from './decimal';

describe('parse', () => {
  it('accepts plain decimals', () => {
    expect(D.parse('12')).toEqual({ int: 12n, scale: 0 });
    expect(D.parse('-0.50')).toEqual({ int: -50n, scale: 2 });
    expect(D.parse(' .5 ')).toEqual({ int: 5n, scale: 1 });
    expect(D.parse('5.')).toEqual({ int: 5n, scale: 0 });
    expect(D.parse('+0.001')).toEqual({ int: 1n, scale: 3 });
  });

  it('rejects anything else', () => {
    for (const bad of ['', ' ', '.', '-', '1e3', '1,000', '0x10', 'abc', '1.2.3', 'NaN', 'Infinity', '--1']) {
      expect(D.parse(bad), bad).toBeNull();
    }
    expect(D.parse('1'.repeat(65))).toBeNull();
  });
});

describe('canonical and normalized text', () => {
  it('keeps precision but tidies the form', () => {
    expect(D.canonical('.5')).toBe('0.5');
    expect(D.canonical('+0.0010')).toBe('0.0010');
    expect(D.canonical('007')).toBe('7');
    expect(D.canonical('5.')).toBe('5');
    expect(D.canonical('-0.25')).toBe('-0.25');
  });

  it('normalizes trailing zeros away', () => {
    expect(D.normalized('0.00100')).toBe('0.001');
    expect(D.normalized('10.0')).toBe('10');
    expect(D.normalized('100')).toBe('100');
  });
});

describe('arithmetic', () => {
  it('is exact where floats are not', () => {
    expect(D.toString(D.add('0.1', '0.2'))).toBe('0.3');
    expect(D.toString(D.mul('0.001', '65012.30'))).toBe('65.01230');
    expect(D.normalized(D.sub('65012.31', '65012.30'))).toBe('0.01');
    expect(D.toString(D.div('10', '3', 4))).toBe('3.3333');
    expect(D.toString(D.div('-10', '4', 1))).toBe('-2.5');
  });

  it('compares across scales', () => {
    expect(D.cmp('1.0', '1')).toBe(0);
    expect(D.cmp('0.00001', '0.000009')).toBe(1);
    expect(D.lt('-1', '0')).toBe(true);
    expect(D.gt('65012.3', '65012.29')).toBe(true);
    expect(D.isPositive('0.0000')).toBe(false);
  });

  it('throws on division by zero and bad input', () => {
    expect(() => D.div('1', '0', 2)).toThrow(RangeError);
    expect(() => D.cmp('x', '1')).toThrow(RangeError);
  });
});

describe('tick and step multiples', () => {
  it('checks multiples exactly', () => {
    expect(D.isMultipleOf('65012.30', '0.01')).toBe(true);
    expect(D.isMultipleOf('65012.305', '0.01')).toBe(false);
    expect(D.isMultipleOf('0.00150', '0.00001')).toBe(true);
    expect(D.isMultipleOf('0.000015', '0.00001')).toBe(false);
    expect(D.isMultipleOf('1.5', '0.5')).toBe(true);
    expect(D.isMultipleOf('1.25', '0.5')).toBe(false);
    expect(D.isMultipleOf('30', '10')).toBe(true);
    expect(D.isMultipleOf('35', '10')).toBe(false);
    // The classic float trap: 0.3 / 0.1 is not 3 in binary floating point.
    expect(D.isMultipleOf('0.3', '0.1')).toBe(true);
    expect(D.isMultipleOf('1', '0')).toBe(false);
  });

  it('floors and rounds to a step', () => {
    expect(D.toString(D.floorToStep('0.123456', '0.00001'))).toBe('0.12345');
    expect(D.toString(D.floorToStep('65012.349', '0.01'))).toBe('65012.34');
    expect(D.toString(D.floorToStep('1.3', '0.5'))).toBe('1.0');
    expect(D.toString(D.floorToStep('-1.3', '0.5'))).toBe('-1.5');
    expect(D.toString(D.roundToStep('65012.345', '0.01'))).toBe('65012.35');
    expect(D.toString(D.roundToStep('65012.344', '0.01'))).toBe('65012.34');
  });

  it('counts decimals of ticks and steps', () => {
    expect(D.decimalsOf('0.01')).toBe(2);
    expect(D.decimalsOf('0.00001')).toBe(5);
    expect(D.decimalsOf('0.00010')).toBe(4);
    expect(D.decimalsOf('1')).toBe(0);
    expect(D.decimalsOf('10')).toBe(0);
  });
});

describe('formatting', () => {
  it('rounds half away from zero and pads', () => {
    expect(D.toFixed('65012.3', 2)).toBe('65012.30');
    expect(D.toFixed('0.005', 2)).toBe('0.01');
    expect(D.toFixed('0.0049', 2)).toBe('0.00');
    expect(D.toFixed('-0.005', 2)).toBe('-0.01');
    expect(D.toFixed('9.999', 2)).toBe('10.00');
  });

  it('groups thousands', () => {
    expect(D.formatDecimal('65012.3', 2)).toBe('65,012.30');
    expect(D.formatDecimal('1234567.891', 2)).toBe('1,234,567.89');
    expect(D.formatDecimal('-1234.5', 1)).toBe('-1,234.5');
    expect(D.formatDecimal('999', 0)).toBe('999');
    expect(D.formatDecimal('1234.5', 2, { group: false })).toBe('1234.50');
  });

  it('can trim trailing zeros to a minimum', () => {
    expect(D.formatDecimal('0.00100', 5, { minDp: 0 })).toBe('0.001');
    expect(D.formatDecimal('12.5', 4, { minDp: 2 })).toBe('12.50');
    expect(D.formatDecimal('3', 8, { minDp: 0 })).toBe('3');
  });

  it('never shows negative zero', () => {
    expect(D.formatDecimal('-0.001', 2)).toBe('0.00');
  });
});

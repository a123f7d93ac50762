import { describe, expect, it } from 'vitest';
import { wholeRows } from './rows';

describe('wholeRows', () => {
  it('counts only rows that fit entirely', () => {
    expect(wholeRows(190, 19)).toBe(10);
    expect(wholeRows(189.5, 19)).toBe(9);
    expect(wholeRows(18, 19)).toBe(0);
    // sub-pixel layout heights that are a whole number of rows
    expect(wholeRows(227.99999999, 19)).toBe(12);
  });

  it('means "all" while the height is unknown', () => {
    expect(wholeRows(0, 19)).toBeNull();
    expect(wholeRows(undefined, 19)).toBeNull();
    expect(wholeRows(Number.NaN, 19)).toBeNull();
  });
});

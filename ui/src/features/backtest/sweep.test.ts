import { describe, expect, it } from 'vitest';
import type { SweepRow } from '../../ipc/bindings';
import { BUILTIN_STRATEGIES, type StrategyChoice } from './report';
import { buildSweepSpec, cellRange, defaultSweepForm, heatCells, heatColor, rankRows, valuesIn } from './sweep';

const sma = BUILTIN_STRATEGIES[0] as StrategyChoice;

describe('heatColor', () => {
  it('runs red at the minimum through grey to green at the maximum', () => {
    expect(heatColor(0, 0, 10)).toBe('rgb(234, 57, 67)');
    expect(heatColor(5, 0, 10)).toBe('rgb(46, 54, 64)');
    expect(heatColor(10, 0, 10)).toBe('rgb(22, 199, 132)');
    expect(heatColor(2.5, 0, 10)).toBe('rgb(140, 56, 66)');
  });

  it('clamps, colours a flat range in the middle and leaves undefined cells uncoloured', () => {
    expect(heatColor(-5, 0, 10)).toBe(heatColor(0, 0, 10));
    expect(heatColor(3, 3, 3)).toBe('rgb(46, 54, 64)');
    expect(heatColor(null, 0, 1)).toBeNull();
    expect(heatColor(Number.NaN, 0, 1)).toBeNull();
  });

  it('lays the cells out with the highest y on top', () => {
    const h = { x: 'fast', y: 'slow', xs: [5, 10], ys: [20, 30], cells: [[1, null], [3, 4]] };
    expect(cellRange(h.cells)).toEqual({ min: 1, max: 4 });
    const cells = heatCells(h);
    expect(cells.map((c) => [c.x, c.y, c.xValue, c.yValue, c.value])).toEqual([
      [0, 0, 5, 30, 3],
      [1, 0, 10, 30, 4],
      [0, 1, 5, 20, 1],
      [1, 1, 10, 20, null],
    ]);
    expect(cells[1]?.color).toBe('rgb(22, 199, 132)');
    expect(cells[3]?.color).toBeNull();
  });
});

describe('buildSweepSpec', () => {
  it('sweeps the periods and holds the quantity by default', () => {
    const built = buildSweepSpec(defaultSweepForm(sma));
    if (!('spec' in built)) throw new Error(JSON.stringify(built.errors));
    expect(built.spec).toEqual({
      params: [
        { name: 'fast', min: 5, max: 20, step: 2 },
        { name: 'slow', min: 15, max: 60, step: 6 },
      ],
      fixed: { qty: 1 },
      search: { kind: 'grid' },
      objective: 'sharpe',
    });
    expect(built.sets).toBe(valuesIn(5, 20, 2) * valuesIn(15, 60, 6));
    expect(valuesIn(5, 20, 2)).toBe(8);
    expect(valuesIn(1, 1, 1)).toBe(1);
    expect(valuesIn(2, 1, 1)).toBe(0);
  });

  it('caps a random search at its samples and names bad fields', () => {
    const form = { ...defaultSweepForm(sma), search: 'random' as const, samples: '10', seed: '7' };
    const built = buildSweepSpec(form);
    expect('spec' in built && built.spec.search).toEqual({ kind: 'random', samples: 10, seed: 7 });
    expect('spec' in built && built.sets).toBe(10);
    const bad = defaultSweepForm(sma);
    bad.ranges[0] = { ...bad.ranges[0]!, step: '0' };
    bad.ranges[1] = { ...bad.ranges[1]!, min: '50', max: '10' };
    const r = buildSweepSpec({ ...bad, search: 'random', samples: '0', seed: '-1' });
    expect('errors' in r && r.errors).toEqual({
      fast: 'fast: the step must be above zero',
      slow: 'slow: max is below min',
      samples: 'Samples: a whole number of at least 1',
      seed: 'Seed: a whole number of at least 0',
    });
    const none = defaultSweepForm(sma);
    for (const x of none.ranges) x.vary = false;
    expect(buildSweepSpec(none)).toEqual({ errors: { form: 'Vary at least one parameter' } });
  });
});

describe('rankRows', () => {
  const row = (score: number | null, error: string | null = null): SweepRow => ({ params: {}, metrics: null, score, error });

  it('sorts by score, failures last in their original order, either way', () => {
    const rows = [row(1), row(null, 'fast >= slow'), row(3), row(2), row(null)];
    expect(rankRows(rows).map((r) => r.index)).toEqual([2, 3, 0, 1, 4]);
    expect(rankRows(rows, 'asc').map((r) => r.index)).toEqual([0, 3, 2, 1, 4]);
  });
});

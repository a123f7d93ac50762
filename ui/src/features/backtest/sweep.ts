// The Sweep tab's logic, free of any UI: the ranges form and the spec it sends, the heatmap's
// colour scale, and the results table's order.

import type { Heatmap, Objective, ParamSet, SweepRow, SweepSpec } from '../../ipc/bindings';
import type { StrategyChoice } from './report';

export const OBJECTIVES: readonly { id: Objective; label: string }[] = [
  { id: 'sharpe', label: 'Sharpe' },
  { id: 'total_return', label: 'Total return' },
  { id: 'sortino', label: 'Sortino' },
  { id: 'calmar', label: 'Calmar' },
  { id: 'profit_factor', label: 'Profit factor' },
  { id: 'max_drawdown', label: 'Smallest drawdown' },
];

export interface RangeForm {
  name: string;
  /** Vary it (else it is held at `fixed`). */
  vary: boolean;
  min: string;
  max: string;
  step: string;
  fixed: string;
}

export interface SweepForm {
  ranges: RangeForm[];
  search: 'grid' | 'random';
  samples: string;
  seed: string;
  objective: Objective;
}

/** Sensible ranges for a strategy: its integer periods swept, its quantity held. */
export function defaultSweepForm(strategy: StrategyChoice): SweepForm {
  return {
    ranges: strategy.params.map((p) => {
      const period = p.step >= 1;
      return {
        name: p.name,
        vary: period,
        min: String(period ? Math.max(p.min, Math.round(p.default / 2)) : p.default),
        max: String(period ? p.default * 2 : p.default),
        step: String(period ? Math.max(1, Math.round(p.default / 5)) : p.step),
        fixed: String(p.default),
      };
    }),
    search: 'grid',
    samples: '50',
    seed: '1',
    objective: 'sharpe',
  };
}

/** How many values `min, min + step, ... <= max` holds (0 when the range is empty or wrong). */
export function valuesIn(min: number, max: number, step: number): number {
  if (!(step > 0) || !Number.isFinite(min) || !Number.isFinite(max) || max < min) return 0;
  return Math.floor((max - min) / step + 1e-9) + 1;
}

export type SweepErrors = Partial<Record<string, string>>;

/** The spec the form describes and how many sets a grid would run, or the fields' messages. */
export function buildSweepSpec(form: SweepForm): { spec: SweepSpec; sets: number } | { errors: SweepErrors } {
  const errors: SweepErrors = {};
  const params: SweepSpec['params'] = [];
  const fixed: ParamSet = {};
  let sets = 1;
  for (const r of form.ranges) {
    if (r.vary) {
      const [min, max, step] = [Number(r.min), Number(r.max), Number(r.step)];
      if ([r.min, r.max, r.step].some((t) => t.trim() === '') || ![min, max, step].every(Number.isFinite)) {
        errors[r.name] = `${r.name}: min, max and step must be numbers`;
      } else if (!(step > 0)) {
        errors[r.name] = `${r.name}: the step must be above zero`;
      } else if (max < min) {
        errors[r.name] = `${r.name}: max is below min`;
      } else {
        params.push({ name: r.name, min, max, step });
        sets *= valuesIn(min, max, step);
      }
    } else {
      const v = Number(r.fixed);
      if (r.fixed.trim() === '' || !Number.isFinite(v)) errors[r.name] = `${r.name}: enter a number`;
      else fixed[r.name] = v;
    }
  }
  if (params.length === 0 && Object.keys(errors).length === 0) errors.form = 'Vary at least one parameter';
  let search: SweepSpec['search'] = { kind: 'grid' };
  if (form.search === 'random') {
    const samples = Number(form.samples);
    const seed = Number(form.seed);
    if (!Number.isInteger(samples) || samples < 1) errors.samples = 'Samples: a whole number of at least 1';
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) errors.seed = 'Seed: a whole number of at least 0';
    search = { kind: 'random', samples, seed };
    sets = Math.min(sets, samples);
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { spec: { params, fixed, search, objective: form.objective }, sets };
}

// ---- heatmap --------------------------------------------------------------------------------

/** The finite extremes of the cells, or null when there is none. */
export function cellRange(cells: readonly (readonly (number | null)[])[]): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const row of cells)
    for (const v of row) {
      if (v == null || !Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  return min === Infinity ? null : { min, max };
}

const LOW: readonly [number, number, number] = [234, 57, 67]; // --down
const MID: readonly [number, number, number] = [46, 54, 64]; // a neutral panel grey
const HIGH: readonly [number, number, number] = [22, 199, 132]; // --up

const mix = (a: readonly number[], b: readonly number[], t: number) =>
  a.map((x, i) => Math.round(x + ((b[i] as number) - x) * t));

/**
 * The colour of `value` on a red-grey-green scale from `min` to `max` (grey in the middle).
 * Null or NaN values get no colour (null); a flat range is the middle colour.
 */
export function heatColor(value: number | null, min: number, max: number): string | null {
  if (value == null || !Number.isFinite(value)) return null;
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0.5;
  const [r, g, b] = t < 0.5 ? mix(LOW, MID, t * 2) : mix(MID, HIGH, (t - 0.5) * 2);
  return `rgb(${r}, ${g}, ${b})`;
}

export interface HeatCell {
  x: number;
  y: number;
  xValue: number;
  yValue: number;
  value: number | null;
  color: string | null;
}

/** The heatmap's cells with their colours, rows from the highest y down (as read on screen). */
export function heatCells(h: Heatmap): HeatCell[] {
  const range = cellRange(h.cells);
  const out: HeatCell[] = [];
  for (let yi = h.ys.length - 1; yi >= 0; yi--) {
    for (let xi = 0; xi < h.xs.length; xi++) {
      const value = h.cells[yi]?.[xi] ?? null;
      out.push({
        x: xi,
        y: h.ys.length - 1 - yi,
        xValue: h.xs[xi] as number,
        yValue: h.ys[yi] as number,
        value,
        color: range ? heatColor(value, range.min, range.max) : null,
      });
    }
  }
  return out;
}

// ---- results table --------------------------------------------------------------------------

export interface RankedRow {
  /** Index in the result's rows (the order the sets were generated). */
  index: number;
  row: SweepRow;
}

/** Rows by score, best first; rows without a score (errors, undefined) last, in their order. */
export function rankRows(rows: readonly SweepRow[], dir: 'desc' | 'asc' = 'desc'): RankedRow[] {
  const ranked = rows.map((row, index) => ({ index, row }));
  return ranked.sort((a, b) => {
    const sa = a.row.score;
    const sb = b.row.score;
    const fa = sa != null && Number.isFinite(sa);
    const fb = sb != null && Number.isFinite(sb);
    if (fa && fb) return dir === 'desc' ? (sb as number) - (sa as number) || a.index - b.index : (sa as number) - (sb as number) || a.index - b.index;
    if (fa) return -1;
    if (fb) return 1;
    return a.index - b.index;
  });
}

// Exact decimal arithmetic on strings, for validation and display. Money that goes back to Rust is
// always the trader's own string (canonicalised), never the result of float arithmetic.
//
// A decimal is held as an integer scaled by a power of ten: value = int / 10^scale.

export interface Dec {
  readonly int: bigint;
  readonly scale: number;
}

export type DecLike = string | Dec;

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?$/;
/** Longest accepted input, so a pasted novel cannot make BigInt work hard. */
const MAX_LEN = 64;

/** Parses a plain decimal ("12", "-0.5", ".5", "5."); null when it is not one (no exponents). */
export function parse(input: string): Dec | null {
  const text = input.trim();
  if (text.length === 0 || text.length > MAX_LEN) return null;
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const sign = m[1] ?? '';
  const whole = m[2] ?? '';
  const frac = m[3] ?? '';
  if (whole === '' && frac === '') return null;
  const magnitude = BigInt((whole + frac).replace(/^0+/, '') || '0');
  return { int: sign === '-' ? -magnitude : magnitude, scale: frac.length };
}

export function isDecimal(input: string): boolean {
  return parse(input) !== null;
}

function dec(x: DecLike): Dec {
  if (typeof x !== 'string') return x;
  const d = parse(x);
  if (d === null) throw new RangeError(`not a decimal: ${JSON.stringify(x)}`);
  return d;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function rescale(d: Dec, scale: number): bigint {
  return d.int * pow10(scale - d.scale);
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [rescale(a, scale), rescale(b, scale), scale];
}

/** Drops trailing fractional zeros: {1500, 3} -> {15, 1}. */
export function normalize(x: DecLike): Dec {
  let { int, scale } = dec(x);
  while (scale > 0 && int % 10n === 0n) {
    int /= 10n;
    scale -= 1;
  }
  return { int, scale };
}

/** Exact text, with exactly `scale` decimals. */
export function toString(x: DecLike): string {
  const { int, scale } = dec(x);
  const neg = int < 0n;
  const digits = (neg ? -int : int).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return (neg ? '-' : '') + whole + (scale > 0 ? '.' + frac : '');
}

/**
 * The trader's input in the canonical form Rust parses: trimmed, no '+', a leading zero, no
 * trailing dot. Keeps the trader's precision ("0.0010" stays "0.0010").
 */
export function canonical(input: string): string {
  return toString(dec(input));
}

/** Canonical text without trailing zeros ("0.0010" -> "0.001"). */
export function normalized(x: DecLike): string {
  return toString(normalize(x));
}

export function cmp(a: DecLike, b: DecLike): -1 | 0 | 1 {
  const [x, y] = align(dec(a), dec(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export const lt = (a: DecLike, b: DecLike): boolean => cmp(a, b) < 0;
export const gt = (a: DecLike, b: DecLike): boolean => cmp(a, b) > 0;

export function sign(x: DecLike): -1 | 0 | 1 {
  const { int } = dec(x);
  return int < 0n ? -1 : int > 0n ? 1 : 0;
}

export const isPositive = (x: DecLike): boolean => sign(x) > 0;

export function add(a: DecLike, b: DecLike): Dec {
  const [x, y, scale] = align(dec(a), dec(b));
  return { int: x + y, scale };
}

export function sub(a: DecLike, b: DecLike): Dec {
  const [x, y, scale] = align(dec(a), dec(b));
  return { int: x - y, scale };
}

export function mul(a: DecLike, b: DecLike): Dec {
  const x = dec(a);
  const y = dec(b);
  return { int: x.int * y.int, scale: x.scale + y.scale };
}

/** a / b, truncated toward zero to `scale` decimals. Throws on division by zero. */
export function div(a: DecLike, b: DecLike, scale: number): Dec {
  const x = dec(a);
  const y = dec(b);
  if (y.int === 0n) throw new RangeError('division by zero');
  const num = x.int * pow10(scale + y.scale);
  const den = y.int * pow10(x.scale);
  return { int: num / den, scale };
}

/** True when `value` is a whole multiple of `step` (step must be positive). */
export function isMultipleOf(value: DecLike, step: DecLike): boolean {
  const [v, s] = align(dec(value), dec(step));
  if (s <= 0n) return false;
  return v % s === 0n;
}

/** The largest multiple of `step` that is <= value. */
export function floorToStep(value: DecLike, step: DecLike): Dec {
  const [v, s, scale] = align(dec(value), dec(step));
  if (s <= 0n) throw new RangeError('step must be positive');
  let q = v / s;
  if (v < 0n && v % s !== 0n) q -= 1n;
  return normalizeTo(q * s, scale, decimalsOf(step));
}

/** The multiple of `step` nearest to value (halves round up). */
export function roundToStep(value: DecLike, step: DecLike): Dec {
  const [v, s, scale] = align(dec(value), dec(step));
  if (s <= 0n) throw new RangeError('step must be positive');
  const floor = (v >= 0n ? v / s : (v - s + 1n) / s) * s;
  const rem = v - floor;
  const rounded = rem * 2n >= s ? floor + s : floor;
  return normalizeTo(rounded, scale, decimalsOf(step));
}

function normalizeTo(int: bigint, scale: number, target: number): Dec {
  if (scale <= target) return { int: int * pow10(target - scale), scale: target };
  return { int: int / pow10(scale - target), scale: target };
}

/** How many decimals a tick or step has: "0.01" -> 2, "0.00010" -> 4, "1" -> 0, "10" -> 0. */
export function decimalsOf(step: DecLike): number {
  return normalize(step).scale;
}

/** Rounds to `dp` decimals, halves away from zero, and pads: always exactly `dp` decimals. */
export function round(x: DecLike, dp: number): Dec {
  const d = dec(x);
  if (d.scale <= dp) return { int: rescale(d, dp), scale: dp };
  const factor = pow10(d.scale - dp);
  const neg = d.int < 0n;
  const mag = neg ? -d.int : d.int;
  let q = mag / factor;
  if ((mag % factor) * 2n >= factor) q += 1n;
  return { int: neg ? -q : q, scale: dp };
}

/** Fixed decimals, no grouping: toFixed("65012.3", 2) -> "65012.30". */
export function toFixed(x: DecLike, dp: number): string {
  return toString(round(x, dp));
}

export interface FormatOptions {
  /** Thousands separators (default true). */
  group?: boolean;
  /** Drop trailing zeros down to this many decimals (default: keep all `dp`). */
  minDp?: number;
}

/** Display text: formatDecimal("65012.3", 2) -> "65,012.30". */
export function formatDecimal(x: DecLike, dp: number, opts: FormatOptions = {}): string {
  let text = toFixed(x, dp);
  if (opts.minDp !== undefined && dp > opts.minDp) {
    const keep = Math.max(0, opts.minDp);
    const [w, f = ''] = text.split('.');
    let frac = f;
    while (frac.length > keep && frac.endsWith('0')) frac = frac.slice(0, -1);
    text = (w ?? '0') + (frac.length > 0 ? '.' + frac : '');
  }
  if (text === '-0' || /^-0\.0*$/.test(text)) text = text.slice(1);
  if (opts.group === false) return text;
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const whole = dot === -1 ? body : body.slice(0, dot);
  const rest = dot === -1 ? '' : body.slice(dot);
  return (neg ? '-' : '') + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + rest;
}

/** Float for charts and bar widths only: never for money sent anywhere. */
export function toNumber(x: DecLike): number {
  return Number(toString(dec(x)));
}

// Fixed-height row lists that show whole rows only (order book sides, trade tape).

/**
 * How many rows of `rowHeight` px fit whole in `height` px; null while the height is unknown
 * (not laid out yet, or jsdom), meaning "show them all".
 */
export function wholeRows(height: number | undefined, rowHeight: number): number | null {
  if (!height || !Number.isFinite(height) || height <= 0 || rowHeight <= 0) return null;
  return Math.floor(height / rowHeight + 1e-6);
}

/** Small statistics and number formatting for the results table. */

/** Median of the samples (mean of the middle two for an even count); NaN when empty. */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median of the C tool's samples, or undefined when it was not run (missing tool: the row shows n/a). */
export function medianIfAny(xs: number[]): number | undefined {
  return xs.length ? median(xs) : undefined;
}

/** A number with about three significant digits (1234, 12.3, 0.123). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

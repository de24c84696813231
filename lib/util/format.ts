/** Numbers as people read them, shared by the CLI's output and the report's findings. */

/**
 * `digits` significant digits; exponential notation below 1e-3 and from 1e6 on (in magnitude);
 * "n/a" for null, undefined and NaN, "inf" / "-inf" for the infinities.
 */
export function formatNumber(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

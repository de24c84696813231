/** Summary statistics over repetitions: mean with a 95% Student-t interval, and least squares. */

// t_{0.975, df} for df = 1..30.
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098,
  2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/** The 97.5% quantile of Student's t with df degrees of freedom (Cornish-Fisher beyond the table: error < 1e-4). */
export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[Math.round(df) - 1];
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

export interface MeanCi {
  n: number;
  mean: number | null;
  /** Sample standard deviation (null for n < 2). */
  sd: number | null;
  /** 95% interval for the mean (the mean itself for n = 1). */
  lo: number | null;
  hi: number | null;
}

export function meanCi(values: readonly number[]): MeanCi {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n, mean: null, sd: null, lo: null, hi: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: null, lo: mean, hi: mean };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, lo: mean - half, hi: mean + half };
}

export interface LinearFit {
  n: number;
  slope: number;
  intercept: number;
  r2: number;
  /** Standard error of the slope. */
  slopeStderr: number;
}

/** Ordinary least squares y = intercept + slope x (null with fewer than 3 points or constant x). */
export function linearFit(x: readonly number[], y: readonly number[]): LinearFit | null {
  const pts = x.map((xi, i) => [xi, y[i]] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const n = pts.length;
  if (n < 3) return null;
  const mx = pts.reduce((s, [a]) => s + a, 0) / n;
  const my = pts.reduce((s, [, b]) => s + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [a, b] of pts) {
    sxx += (a - mx) ** 2;
    sxy += (a - mx) * (b - my);
    syy += (b - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const sse = Math.max(syy - slope * sxy, 0);
  return { n, slope, intercept, r2: syy > 0 ? 1 - sse / syy : 1, slopeStderr: Math.sqrt(sse / (n - 2) / sxx) };
}

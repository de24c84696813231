/**
 * Summary statistics over repetitions: the mean with a 95% Student-t interval (tables), the mean
 * with seaborn's bootstrap interval (figures, as the reference figures draw them), least squares
 * with Student-t p-values.
 */

// t_{0.975, df} for df = 1..30.
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009,
  2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
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

/**
 * A small seeded generator (splitmix32: a 32-bit Weyl sequence through a murmur3-style finalizer),
 * so that a bootstrap interval is the same bits on every run, machine and thread count.
 */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}

/** A 32-bit seed from a text key (FNV-1a), e.g. a figure id, series and x value. */
export function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** numpy's default percentile (linear interpolation between order statistics) of sorted values, p in [0, 100]. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = ((n - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

export interface BootstrapOptions {
  /** Number of resamples (seaborn's n_boot: 1000). */
  resamples?: number;
  /** Width of the interval in percent (95). */
  level?: number;
  /** Seed of the resampling (a number, or a text key hashed by seedOf). */
  seed?: number | string;
}

export const BOOTSTRAP_RESAMPLES = 1000;

/**
 * The mean with the percentile bootstrap interval that seaborn's lineplot draws by default
 * (errorbar=("ci", 95), n_boot=1000): resample the values with replacement, take each resample's
 * mean, and report the 2.5th and 97.5th percentiles of those means (numpy's linear percentile).
 * Seeded, so deterministic. Unlike a Student-t interval it never leaves [min, max] of the data,
 * so on a log axis it never reaches below the smallest value. `sd` is the sample standard deviation.
 */
export function bootstrapMeanCi(values: readonly number[], options: BootstrapOptions = {}): MeanCi {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n, mean: null, sd: null, lo: null, hi: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
  if (n === 1) return { n, mean, sd, lo: mean, hi: mean };
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const level = options.level ?? 95;
  const seed = typeof options.seed === 'string' ? seedOf(options.seed) : (options.seed ?? 0);
  const next = seededUniform(seed);
  const means = new Array<number>(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += v[Math.min(n - 1, Math.floor(next() * n))];
    means[b] = sum / n;
  }
  means.sort((a, b) => a - b);
  const tail = (100 - level) / 2;
  // The resampled means are means of data values: clamp the interpolated ends into [min, max]
  // against the last ulp of rounding in the sums.
  const min = Math.min(...v);
  const max = Math.max(...v);
  const clamp = (x: number) => Math.min(max, Math.max(min, x));
  return { n, mean, sd, lo: clamp(percentileSorted(means, tail)), hi: clamp(percentileSorted(means, 100 - tail)) };
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: relative error < 1e-14). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T > |t|) for Student's t with df degrees of freedom (accurate far in the tail). */
export function tTail(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** P(T <= t) for Student's t with df degrees of freedom. */
export function tCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = tTail(t, df);
  return t > 0 ? 1 - tail : tail;
}

/**
 * p-values of a least-squares slope (t = slope / stderr, n - 2 degrees of freedom), as
 * scipy.stats.linregress reports them: two-sided, and one-sided for each alternative.
 */
export function slopePValues(fit: LinearFit): { t: number; twoSided: number; less: number; greater: number } | null {
  if (fit.n < 3 || !(fit.slopeStderr > 0)) return null;
  const t = fit.slope / fit.slopeStderr;
  const tail = tTail(t, fit.n - 2);
  return { t, twoSided: 2 * tail, less: t > 0 ? 1 - tail : tail, greater: t > 0 ? tail : 1 - tail };
}

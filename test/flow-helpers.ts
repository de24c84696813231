/** Oracles for the gradient-flow tests: closed forms and quadrature. */
import { marionChizatData, Problem, svd } from '../lib';

/** Gauss–Legendre nodes and weights on [-1, 1] (Newton on the Legendre recurrence). */
export function gaussLegendre(m: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= m; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (m + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= m; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      dp = (m * (z * p1 - p2)) / (z * z - 1);
      const previous = z;
      z = previous - p1 / dp;
      if (Math.abs(z - previous) < 1e-16) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * dp * dp));
  }
  return { x, w };
}

const GL20 = gaussLegendre(20);

/**
 * The balanced scalar chain (docs/algorithms.md §3.12): width 1, R = s (prod u_k - c)^2 with all factors equal
 * to u, so u' = -2 s u^{L-1} (u^L - c). Returns the time at which u reaches u1 from u0 < u1 <
 * c^{1/L}: t = int du / (2 s u^{L-1} (c - u^L)), by composite 20-point Gauss–Legendre in ln u
 * (smooth there; 2000 panels give ~1e-15 relative).
 */
export function chainTime(L: number, s: number, c: number, u0: number, u1: number, panels = 2000): number {
  const a = Math.log(u0);
  const hp = (Math.log(u1) - a) / panels;
  let t = 0;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * hp;
    for (let k = 0; k < GL20.x.length; k++) {
      const u = Math.exp(mid + 0.5 * hp * GL20.x[k]);
      t += (0.5 * hp * GL20.w[k]) / (2 * s * Math.pow(u, L - 2) * (c - Math.pow(u, L)));
    }
  }
  return t;
}

/** The scalar chain as a dlnflow problem: one sample x = sqrt(s), target y = c sqrt(s), widths all 1. */
export function chainProblem(L: number, s: number, c: number): Problem {
  const x = Math.sqrt(s);
  return Problem.regression({
    X: { rows: 1, cols: 1, data: new Float64Array([x]) },
    y: new Float64Array([c * x]),
    widths: Array(L + 1).fill(1),
  });
}

/**
 * Linear regression (L = 1) is a linear ODE: w' = -2 Sigma (w - w*), so
 * w(t) = w* + V exp(-2 Lambda t) V^T (w0 - w*) with Sigma = V Lambda V^T.
 */
export function linearFlow(seed = 0): { problem: Problem; exact: (w0: Float64Array, t: number) => Float64Array } {
  const data = marionChizatData({ n: 50, d: 5, noise: 1, seed });
  const { rows: n, cols: d } = data.X;
  const X = data.X.data;
  const sigma = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += X[k * d + i] * X[k * d + j];
      sigma[i * d + j] = s / n;
    }
  }
  const { S, V } = svd({ rows: d, cols: d, data: sigma }); // symmetric PSD: U = V
  const problem = Problem.regression({ X: data.X, y: data.y, widths: [d, 1] });
  const wStar = problem.theory().wStar;
  const exact = (w0: Float64Array, t: number) => {
    const out = Float64Array.from(wStar);
    for (let k = 0; k < d; k++) {
      let c = 0;
      for (let i = 0; i < d; i++) c += V.data[i * d + k] * (w0[i] - wStar[i]);
      const f = Math.exp(-2 * S[k] * t) * c;
      for (let i = 0; i < d; i++) out[i] += V.data[i * d + k] * f;
    }
    return out;
  };
  return { problem, exact };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxOf(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, a[i]);
  return m;
}

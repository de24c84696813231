/**
 * Escape time from the origin saddle (Jacot et al., Section 3.2.1 and Appendix C.6; docs/theory.md
 * §6.5): when a loss curve first leaves the value it started at; the optimal escape direction
 * (`alignedInit`); the exact escape time of the balanced scalar chain that gradient flow follows
 * from it when the inputs are whitened (`chainEscapeTime`, `chainEventTime`); and the leading
 * constant of the escape time as alpha -> 0 (`escapeCoefficient`).
 */
import { fieldError } from '../errors';
import { svd } from '../api/linalg';
import type { Matrix } from '../api/matrix';
import type { Problem } from '../api/problem';

/**
 * First time the loss falls to `fraction` of its initial value (loss[0]), interpolated between
 * the two recorded points around the crossing with the loss taken linear in log time (the later
 * point's time when the earlier one is at t <= 0). Null when the loss never gets there.
 */
export function escapeTime(time: ArrayLike<number>, loss: ArrayLike<number>, fraction: number): number | null {
  const threshold = fraction * loss[0];
  for (let i = 1; i < loss.length; i++) {
    if (loss[i] <= threshold) {
      const [t0, t1, l0, l1] = [time[i - 1], time[i], loss[i - 1], loss[i]];
      if (!(t0 > 0)) return t1;
      const f = (l0 - threshold) / (l0 - l1);
      return Math.exp(Math.log(t0) + f * (Math.log(t1) - Math.log(t0)));
    }
  }
  return null;
}

/**
 * Jacot et al.'s optimal escape direction from the origin (Theorem 4; Appendix C.6 for the scalar
 * case), scaled to norm alpha: a width-1 chain through the first unit of every hidden layer along
 * the top singular pair (u, v) of -grad C(0), W_1 = a e_1 v^T, W_l = a e_1 e_1^T, W_L = a u e_1^T
 * with a = alpha / sqrt(L) (so ||theta|| = alpha and A = a^L u v^T). Gradient flow keeps the other
 * units at zero (the inclusion of a width-1 network is invariant, [J] Section 2.3). Matrix heads
 * only (least squares, completion). Weights are flat, W_1 ... W_L row-major.
 */
export function alignedInit(problem: Problem, alpha: number): Float64Array {
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw fieldError('ERR_DLN_VALUE', 'init.scale', 'must be a finite number >= 0');
  if (problem.kind === 'regression')
    throw fieldError('ERR_DLN_CONFIG', 'init.kind', 'aligned needs a matrix head (least squares or completion), not univariate regression');
  const widths = problem.widths;
  const L = widths.length - 1;
  const g = problem.evaluate(new Float64Array(problem.paramCount)).headGradient as Matrix;
  const z = svd({ rows: g.rows, cols: g.cols, data: g.data.map((x) => -x) });
  const k = z.S.length;
  const u = Float64Array.from({ length: g.rows }, (_, i) => z.U.data[i * k]);
  const v = Float64Array.from({ length: g.cols }, (_, j) => z.V.data[j * k]);
  const w = new Float64Array(problem.paramCount);
  if (L === 1) {
    for (let i = 0; i < u.length; i++) for (let j = 0; j < v.length; j++) w[i * v.length + j] = alpha * u[i] * v[j];
    return w;
  }
  const a = alpha / Math.sqrt(L);
  let offset = 0;
  for (let l = 1; l <= L; l++) {
    const rows = widths[l];
    const cols = widths[l - 1];
    if (l === 1) for (let j = 0; j < cols; j++) w[offset + j] = a * v[j];
    else if (l === L) for (let i = 0; i < rows; i++) w[offset + i * cols] = a * u[i];
    else w[offset] = a;
    offset += rows * cols;
  }
  return w;
}

/** n-point Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_n from Chebyshev guesses). */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const step = p1 / dp;
      z -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}
const GL20 = gaussLegendre(20);

/**
 * The exact time the balanced scalar chain takes from a0 to a1 (0 < a0 < a1, kappa a1^L < s):
 * on the line A = a^L u v^T of a problem with Sigma_xx v = kappa v and Sigma_yx v = s u (whitened
 * inputs: kappa = 1), C = kappa a^{2L} - 2 s a^L + C(0) and each layer's entry obeys
 * a' = 2 a^{L-1} (s - kappa a^L). With 1/(a^{L-1}(s - kappa a^L)) = (1/s)(a^{-(L-1)} +
 * kappa a / (s - kappa a^L)):
 *   T = (1/(2s)) [ P(a0) - P(a1) + kappa int_{a0}^{a1} a / (s - kappa a^L) da ],
 * P(a) = -ln a (L = 2), a^{-(L-2)} / (L - 2) (L >= 3), L = 1: a' = 2 (s - kappa a) directly.
 * The remaining integral is smooth on [a0, a1] and is taken by composite 20-point Gauss-Legendre
 * (closed form at L = 2). docs/theory.md §6.5.
 */
export function chainEscapeTime(L: number, s: number, kappa: number, a0: number, a1: number): number {
  if (!Number.isInteger(L) || L < 1) throw fieldError('ERR_DLN_VALUE', 'L', 'must be an integer >= 1');
  if (!(s > 0) || !(kappa > 0)) throw fieldError('ERR_DLN_VALUE', 's', 's and kappa must be > 0');
  if (!(a0 > 0 && a1 >= a0 && kappa * a1 ** L < s)) throw fieldError('ERR_DLN_VALUE', 'a1', 'need 0 < a0 <= a1 and kappa a1^L < s');
  if (L === 1) return Math.log((s - kappa * a0) / (s - kappa * a1)) / (2 * kappa);
  if (L === 2) return (Math.log(a1 / a0) + 0.5 * Math.log((s - kappa * a0 * a0) / (s - kappa * a1 * a1))) / (2 * s);
  const P = (a: number) => a ** -(L - 2) / (L - 2);
  const f = (a: number) => a / (s - kappa * a ** L);
  // Panels shrink towards a1, where the integrand is steepest (it has a pole at (s/kappa)^{1/L}).
  const pole = (s / kappa) ** (1 / L);
  let integral = 0;
  let lo = a0;
  for (let panel = 0; panel < 200 && lo < a1; panel++) {
    const hi = Math.min(a1, lo + Math.max(0.25 * (pole - lo), (a1 - a0) / 64));
    const mid = 0.5 * (lo + hi);
    const half = 0.5 * (hi - lo);
    for (let i = 0; i < GL20.x.length; i++) integral += GL20.w[i] * half * f(mid + half * GL20.x[i]);
    lo = hi;
  }
  return (P(a0) - P(a1) + kappa * integral) / (2 * s);
}

/**
 * The escape time from alpha rho* (alignedInit) to the first time the loss falls to `fraction`
 * of its initial value, for a problem on which the chain is exact (Sigma_xx v = kappa v): the
 * loss on the line is kappa y^2 - 2 s y + c0 with y = a^L, c0 = C(0). Null if the line never
 * gets that low.
 */
export function chainEventTime(o: { L: number; s: number; kappa: number; c0: number; alpha: number; fraction: number }): number | null {
  const a0 = o.L === 1 ? o.alpha : o.alpha / Math.sqrt(o.L);
  const y0 = a0 ** o.L;
  const target = o.fraction * (o.kappa * y0 * y0 - 2 * o.s * y0 + o.c0);
  const disc = o.s * o.s - o.kappa * (o.c0 - target);
  if (!(disc >= 0)) return null;
  const y1 = (o.c0 - target) / (o.s + Math.sqrt(disc)); // the smaller root of kappa y^2 - 2 s y + c0 - target, without cancellation
  if (!(y1 >= y0)) return 0;
  return chainEscapeTime(o.L, o.s, o.kappa, a0, y1 ** (1 / o.L));
}

/**
 * The leading constant K of the escape time from alpha rho*, ||theta(0)|| = alpha, as alpha -> 0:
 * t = c - K ln(alpha) at L = 2, t = c + K alpha^-(L-2) at L >= 3, with K = 1/g_1 and
 * L^{(L-2)/2} / ((L-2) g_1) respectively, g_1 = sigma_1(grad C(0)) (= 2 sigma_1(Sigma_yx) for
 * dlnflow's (1/N)||A X - Y||^2). This is Jacot et al.'s Appendix C.6 (the erratum's corrected
 * constant) with X_ii Y_ii read as g_1; for the cost ||A X - Y||^2 that C.6 states, g_1 =
 * 2 X_ii Y_ii, so the printed constants are twice these (they hold for (1/2)||A X - Y||^2).
 */
export function escapeCoefficient(L: number, g1: number): number {
  if (!Number.isInteger(L) || L < 2) throw fieldError('ERR_DLN_VALUE', 'L', 'must be an integer >= 2');
  if (!(g1 > 0)) throw fieldError('ERR_DLN_VALUE', 'g1', 'must be > 0');
  return L === 2 ? 1 / g1 : L ** ((L - 2) / 2) / ((L - 2) * g1);
}

/** What the chain needs from a problem: C along the line A = y u v^T is c0 - g1 y + kappa y^2 (s = g1 / 2). */
export interface ChainParameters {
  /** C(0), the data loss at the origin. */
  c0: number;
  /** sigma_1(grad C(0)). */
  g1: number;
  /** g1 / 2: for dlnflow's least squares, sigma_1(Sigma_yx). */
  s: number;
  /** The curvature of C along u v^T: (1/2) D^2 C[u v^T, u v^T] (v^T Sigma_xx v for least squares). */
  kappa: number;
}

/** The chain's parameters of a matrix-head problem (C is quadratic in A: three evaluations give them exactly). */
export function chainParameters(problem: Problem): ChainParameters {
  const L = problem.widths.length - 1;
  const at0 = problem.evaluate(new Float64Array(problem.paramCount));
  const g = at0.headGradient as Matrix;
  const g1 = svd(g).S[0];
  const c0 = at0.dataLoss as number;
  // alpha = sqrt(L) puts a = 1 on every layer: A = u v^T.
  const c1 = problem.evaluate(alignedInit(problem, L === 1 ? 1 : Math.sqrt(L))).dataLoss as number;
  return { c0, g1, s: g1 / 2, kappa: c1 - c0 + g1 };
}

export interface EscapeLawFit {
  /** t = c + K x with x = -ln(alpha) (L = 2) or alpha^-(L-2) (L >= 3). */
  K: number;
  c: number;
  /** Points used. */
  n: number;
}

/**
 * Least squares of t = c + K x over the points, x = -ln(alpha) at L = 2 and alpha^-(L-2) at
 * L >= 3: the escape-time law of Jacot et al. Section 3.2.1 and Appendix C.6. Null with fewer than
 * two points or a constant x.
 */
export function fitEscapeLaw(L: number, points: readonly { alpha: number; t: number }[]): EscapeLawFit | null {
  if (!Number.isInteger(L) || L < 2) throw fieldError('ERR_DLN_VALUE', 'L', 'must be an integer >= 2');
  const xs = points.map((p) => (L === 2 ? -Math.log(p.alpha) : p.alpha ** -(L - 2)));
  const ts = points.map((p) => p.t);
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const mt = ts.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxt = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxt += (xs[i] - mx) * (ts[i] - mt);
  }
  if (!(sxx > 0)) return null;
  const K = sxt / sxx;
  return { K, c: mt - K * mx, n };
}

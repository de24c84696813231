/**
 * The L_p-Schatten-regularized cost on matrices, F(A) = C(A) + mu ||A||_p^p with ||A||_p^p =
 * sum_i sigma_i(A)^p, minimized in matrix space, independently of any network: Jacot et al.'s
 * Proposition 5 says that min_theta C(A_theta) + lambda ||theta||^2 = min_A F(A) with mu = lambda L,
 * p = 2/L (docs/theory.md §6.3). For p < 1 the penalty is not convex and F has local minima of
 * every rank, so the global minimum is searched for.
 *
 * Method: proximal gradient. With t <= 1/Lip(grad C), A+ = prox_{t mu ||.||_p^p}(A - t grad C(A)).
 * The prox of a unitarily invariant penalty acts on the singular values alone (von Neumann's trace
 * inequality: ||A - Z||_F >= ||sigma(A) - sigma(Z)||_2, with equality when A shares Z's singular
 * vectors), and on each one it is the exact scalar minimization of 1/2 (x - s)^2 + c x^p over
 * x >= 0 (`schattenProx`). No step increases F (the descent lemma, the prox being exact); the
 * iterates end at a fixed point (a stationary point of F). The global search runs this from many
 * starts (`globalSchattenMinimum`): the zero
 * matrix, the minimizer of C and its best rank-k truncations for every k, a continuation in mu
 * from 0, caller-given points (e.g. the end points of trained networks) and random matrices at
 * several scales, and keeps the lowest value with how many starts reached it.
 *
 * When C(A) = kappa ||A - B||_F^2 + c (whitened inputs) the problem separates exactly over the
 * singular values of B (`separableSchattenMinimum`, von Neumann again), which gives the global
 * minimum in closed form; the tests check the search against it.
 */
import { fieldError } from '../errors';
import type { GreedyData } from '../api/greedy';
import { svd } from '../api/linalg';
import { isFloat64Array, toMatrix, type Matrix } from '../api/matrix';

/** A smooth cost on rows x cols matrices (row-major data) with a Lipschitz gradient. */
export interface MatrixCost {
  rows: number;
  cols: number;
  value(A: Float64Array): number;
  gradient(A: Float64Array): Float64Array;
  /** A Lipschitz constant of the gradient in the Frobenius norm. */
  lipschitz: number;
  /** A minimizer of C (least squares; for completion the observed entries, zeros elsewhere): the search starts from it and its truncations. */
  reference: Float64Array;
}

function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  // (n x k) (k x m), row-major.
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < k; l++) {
      const v = a[i * k + l];
      if (v === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += v * b[l * m + j];
    }
  }
  return out;
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/**
 * Least squares with samples as rows, C(A) = (1/N) ||X A^T - Y||_F^2 (dlnflow's multivariate
 * loss, docs/math.md §2.3), in the excess form C(A) = tr((A - A*) Sxx (A - A*)^T) + C(A*), with
 * Sxx = X^T X / N and A* = Syx Sxx^+ (Syx = Y^T X / N): no cancellation near the minimum.
 */
export function mseCost(X: Matrix, Y: Matrix): MatrixCost {
  if (X.rows !== Y.rows || X.rows === 0) throw fieldError('ERR_DLN_SHAPE', 'Y', `expected ${X.rows} rows (one per sample of X), at least one`);
  const N = X.rows;
  const d0 = X.cols;
  const dL = Y.cols;
  const Xt = transpose(X.data, N, d0);
  const Sxx = matmul(Xt, X.data, d0, N, d0).map((v) => v / N);
  const Syx = matmul(transpose(Y.data, N, dL), X.data, dL, N, d0).map((v) => v / N);
  // Sxx^+ from its eigen-decomposition (an SVD of a symmetric PSD matrix).
  const e = svd({ rows: d0, cols: d0, data: Sxx });
  const cutoff = e.S[0] * d0 * Number.EPSILON;
  const pinv = new Float64Array(d0 * d0);
  for (let k = 0; k < d0; k++) {
    if (!(e.S[k] > cutoff)) continue;
    const inv = 1 / e.S[k];
    for (let i = 0; i < d0; i++) for (let j = 0; j < d0; j++) pinv[i * d0 + j] += e.U.data[i * d0 + k] * inv * e.V.data[j * d0 + k];
  }
  const Astar = matmul(Syx, pinv, dL, d0, d0);
  const residual = matmul(X.data, transpose(Astar, dL, d0), N, d0, dL);
  let cMin = 0;
  for (let i = 0; i < residual.length; i++) cMin += (residual[i] - Y.data[i]) ** 2;
  cMin /= N;
  const diff = (A: Float64Array) => A.map((v, i) => v - Astar[i]);
  return {
    rows: dL,
    cols: d0,
    lipschitz: 2 * e.S[0],
    reference: Astar,
    value(A) {
      const D = diff(A);
      const DS = matmul(D, Sxx, dL, d0, d0);
      let s = 0;
      for (let i = 0; i < D.length; i++) s += DS[i] * D[i];
      return s + cMin;
    },
    gradient(A) {
      return matmul(diff(A), Sxx, dL, d0, d0).map((v) => 2 * v);
    },
  };
}

/** Matrix completion, C(A) = (1/N) sum over the N observed (row, col, value) of (A[row, col] - value)^2 (docs/math.md §2.4). */
export function completionCost(rows: number, cols: number, entries: Float64Array): MatrixCost {
  const N = entries.length / 3;
  if (!Number.isInteger(N) || N === 0) throw fieldError('ERR_DLN_SHAPE', 'entries', 'expected (row, col, value) triples, at least one');
  const count = new Float64Array(rows * cols);
  const reference = new Float64Array(rows * cols);
  for (let k = 0; k < N; k++) {
    const i = entries[3 * k] * cols + entries[3 * k + 1];
    count[i] += 1;
    reference[i] += (entries[3 * k + 2] - reference[i]) / count[i]; // the mean of repeated observations
  }
  return {
    rows,
    cols,
    lipschitz: (2 * Math.max(...count)) / N,
    reference,
    value(A) {
      let s = 0;
      for (let k = 0; k < N; k++) s += (A[entries[3 * k] * cols + entries[3 * k + 1]] - entries[3 * k + 2]) ** 2;
      return s / N;
    },
    gradient(A) {
      const g = new Float64Array(rows * cols);
      for (let k = 0; k < N; k++) {
        const i = entries[3 * k] * cols + entries[3 * k + 1];
        g[i] += (2 * (A[i] - entries[3 * k + 2])) / N;
      }
      return g;
    },
  };
}

/**
 * argmin over x >= 0 of 1/2 (x - s)^2 + c x^p (0 < p <= 1, c >= 0), exactly. For p = 1 the soft
 * threshold. For p < 1, g(x) = 1/2 (x - s)^2 + c x^p is convex beyond x0 = (c p (1 - p))^{1/(2-p)},
 * where g' = x - s + c p x^{p-1} is increasing and convex: the only positive candidate is the
 * root of g' in (x0, s), found by Newton from s (monotone from the right, no overshoot). It is
 * kept when g(root) < g(0) = s^2/2 (a tie goes to 0).
 */
export function schattenProx(s: number, c: number, p: number): number {
  if (!(p > 0 && p <= 1)) throw fieldError('ERR_DLN_VALUE', 'p', 'must be in (0, 1]');
  if (!(c >= 0)) throw fieldError('ERR_DLN_VALUE', 'c', 'must be >= 0');
  if (!(s > 0)) return 0;
  if (c === 0) return s;
  if (p === 1) return Math.max(s - c, 0);
  const dg = (x: number) => x - s + c * p * x ** (p - 1);
  const x0 = (c * p * (1 - p)) ** (1 / (2 - p));
  if (x0 >= s || dg(x0) >= 0) return 0;
  let x = s;
  for (let i = 0; i < 200; i++) {
    const step = dg(x) / (1 + c * p * (p - 1) * x ** (p - 2));
    const next = x - step;
    if (!(next > x0) || !(next < x)) break; // converged to rounding (Newton from the right only decreases)
    x = next;
  }
  return 0.5 * (x - s) ** 2 + c * x ** p < 0.5 * s * s ? x : 0;
}

/**
 * ||A||_p^p = sum_i sigma_i(A)^p, with singular values at the SVD's rounding level (below
 * max(rows, cols) eps sigma_1) counted as 0: for p < 1, x^p is steep at 0 ((1e-16)^0.4 = 4e-7),
 * so the rounding noise of a rank-deficient A would otherwise add to the value.
 */
export function schattenPower(A: Float64Array, rows: number, cols: number, p: number): number {
  const S = svd({ rows, cols, data: A }).S;
  const cut = Math.max(rows, cols) * Number.EPSILON * (S[0] ?? 0);
  return Array.from(S).reduce((a, s) => a + (s > cut ? s ** p : 0), 0);
}

export interface SchattenProblem {
  cost: MatrixCost;
  /** Weight of the penalty (Jacot et al.: lambda L). */
  mu: number;
  /** Exponent (Jacot et al.: 2/L), in (0, 1]. */
  p: number;
}

/** F(A) = C(A) + mu ||A||_p^p. */
export function schattenObjective(problem: SchattenProblem, A: Float64Array): number {
  return problem.cost.value(A) + problem.mu * schattenPower(A, problem.cost.rows, problem.cost.cols, problem.p);
}

export interface SchattenMinimum {
  A: Float64Array;
  value: number;
  singularValues: Float64Array;
  iterations: number;
  /** The last step was below the tolerance (otherwise the iteration cap was reached). */
  converged: boolean;
}

export interface ProximalOptions {
  /** Stop when ||A+ - A||_F <= tol * max(||A+||_F, 1e-300) (default 1e-13). */
  tol?: number;
  /** Iteration cap (default 100000). */
  maxIterations?: number;
}

function checkProblem(problem: SchattenProblem): void {
  if (!(problem.mu >= 0) || !Number.isFinite(problem.mu)) throw fieldError('ERR_DLN_VALUE', 'mu', 'must be a finite number >= 0');
  if (!(problem.p > 0 && problem.p <= 1)) throw fieldError('ERR_DLN_VALUE', 'p', 'must be in (0, 1]');
  if (!(problem.cost.lipschitz > 0)) throw fieldError('ERR_DLN_VALUE', 'cost.lipschitz', 'must be > 0');
}

/** One proximal-gradient step with step t: prox_{t mu ||.||_p^p}(A - t grad C(A)), and its singular values. */
function proxStep(problem: SchattenProblem, A: Float64Array, t: number): { A: Float64Array; S: Float64Array } {
  const { rows, cols } = problem.cost;
  const g = problem.cost.gradient(A);
  const Z = A.map((v, i) => v - t * g[i]);
  const z = svd({ rows, cols, data: Z });
  const k = z.S.length;
  const S = z.S.map((s) => schattenProx(s, t * problem.mu, problem.p));
  const out = new Float64Array(rows * cols);
  for (let l = 0; l < k; l++) {
    if (S[l] === 0) continue;
    for (let i = 0; i < rows; i++) {
      const u = z.U.data[i * k + l] * S[l];
      for (let j = 0; j < cols; j++) out[i * cols + j] += u * z.V.data[j * k + l];
    }
  }
  return { A: out, S };
}

/** Proximal gradient from `start` (step 0.99 / Lip): a stationary point of F, with F decreasing along the way. */
export function minimizeSchatten(problem: SchattenProblem, start: Float64Array, options: ProximalOptions = {}): SchattenMinimum {
  checkProblem(problem);
  const { rows, cols } = problem.cost;
  if (start.length !== rows * cols) throw fieldError('ERR_DLN_SHAPE', 'start', `expected ${rows * cols} values (${rows} x ${cols})`);
  const tol = options.tol ?? 1e-13;
  const maxIterations = options.maxIterations ?? 100000;
  const t = 0.99 / problem.cost.lipschitz;
  let A: Float64Array = Float64Array.from(start);
  let S: Float64Array = svd({ rows, cols, data: A }).S;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    const next = proxStep(problem, A, t);
    iterations++;
    const step = frobenius(next.A.map((v, i) => v - A[i]));
    A = next.A;
    S = next.S;
    if (step <= tol * Math.max(frobenius(A), 1e-300)) {
      converged = true;
      break;
    }
  }
  const value = problem.cost.value(A) + problem.mu * Array.from(S).reduce((a, s) => a + (s > 0 ? s ** problem.p : 0), 0);
  return { A, value, singularValues: Float64Array.from(S).sort().reverse(), iterations, converged };
}

/** A deterministic normal stream (mulberry32 + Box-Muller): the random starts are the same on every machine. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** The best rank-k approximation of M (rows x cols). */
function truncate(M: Float64Array, rows: number, cols: number, k: number): Float64Array {
  const z = svd({ rows, cols, data: M });
  const r = z.S.length;
  const out = new Float64Array(rows * cols);
  for (let l = 0; l < Math.min(k, r); l++) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] += z.U.data[i * r + l] * z.S[l] * z.V.data[j * r + l];
  }
  return out;
}

export interface GlobalSearchOptions extends ProximalOptions {
  /** More starting points (row-major rows x cols), e.g. the end-to-end matrices of trained networks. */
  starts?: Float64Array[];
  /** Random Gaussian starts (default 24), spread over scales 0.01 to 3 times ||reference||. */
  randomStarts?: number;
  /** Seed of the random starts (default 0). */
  seed?: number;
  /** Two values within this relative difference are one minimum (default 1e-9). */
  sameValue?: number;
}

export interface GlobalSearchResult extends SchattenMinimum {
  /** Starting points tried. */
  starts: number;
  /** How many of them ended at the best value (within sameValue). */
  hits: number;
  /** The distinct end values found, ascending, with the rank of A there (singular values above 1e-8 ||A||) and how many starts ended there. */
  minima: { value: number; rank: number; count: number }[];
}

/**
 * The lowest value of F found by proximal gradient from every start listed in the file header.
 * Not a proof of global optimality for a non-separable C (none is known that is practical); the
 * report states how many starts reached the best value and which other minima were found.
 */
export function globalSchattenMinimum(problem: SchattenProblem, options: GlobalSearchOptions = {}): GlobalSearchResult {
  checkProblem(problem);
  const { rows, cols, reference } = problem.cost;
  const n = rows * cols;
  const sameValue = options.sameValue ?? 1e-9;
  const ends: SchattenMinimum[] = [];
  const run = (start: Float64Array) => ends.push(minimizeSchatten(problem, start, options));
  run(new Float64Array(n));
  for (let k = 1; k <= Math.min(rows, cols); k++) run(truncate(reference, rows, cols, k));
  for (const s of options.starts ?? []) {
    if (s.length !== n) throw fieldError('ERR_DLN_SHAPE', 'options.starts', `expected ${n} values per start (${rows} x ${cols})`);
    run(s);
  }
  // Continuation in mu: from the minimizer of C (mu = 0) through mu 2^-20 ... mu, each warm-started.
  let A: Float64Array = Float64Array.from(reference);
  for (let j = 20; j >= 0; j--) A = minimizeSchatten({ ...problem, mu: problem.mu * 2 ** -j }, A, options).A;
  run(A);
  const randomStarts = options.randomStarts ?? 24;
  const next = normals(options.seed ?? 0);
  const scales = [0.01, 0.1, 1, 3];
  const refNorm = Math.max(frobenius(reference), 1e-300);
  for (let r = 0; r < randomStarts; r++) {
    const scale = (scales[r % scales.length] * refNorm) / Math.sqrt(n);
    run(Float64Array.from({ length: n }, () => scale * next()));
  }
  ends.sort((a, b) => a.value - b.value);
  const best = ends[0];
  const same = (a: number, b: number) => Math.abs(a - b) <= sameValue * Math.max(Math.abs(a), Math.abs(b), 1e-300);
  const minima: GlobalSearchResult['minima'] = [];
  for (const e of ends) {
    const last = minima[minima.length - 1];
    if (last && same(last.value, e.value)) last.count++;
    else minima.push({ value: e.value, rank: e.singularValues.filter((s) => s > 1e-8 * e.singularValues[0]).length, count: 1 });
  }
  return { ...best, starts: ends.length, hits: minima[0].count, minima };
}

/**
 * The exact global minimum of kappa ||A - B||_F^2 + c + mu ||A||_p^p given the singular values of
 * B: by von Neumann's inequality ||A - B||_F >= ||sigma(A) - sigma(B)||_2, with equality for A
 * with B's singular vectors, so it is sum_i min_{x >= 0} kappa (x - b_i)^2 + mu x^p, each term a
 * scalar prox with c = mu / (2 kappa). Returns the minimal value (without c) and the singular values there.
 */
export function separableSchattenMinimum(
  b: ArrayLike<number>,
  kappa: number,
  mu: number,
  p: number,
): { value: number; singularValues: Float64Array } {
  if (!(kappa > 0)) throw fieldError('ERR_DLN_VALUE', 'kappa', 'must be > 0');
  const x = Float64Array.from(b, (s) => schattenProx(s, mu / (2 * kappa), p));
  let value = 0;
  for (let i = 0; i < x.length; i++) value += kappa * (x[i] - b[i]) ** 2 + (x[i] > 0 ? mu * x[i] ** p : 0);
  return { value, singularValues: x };
}

/** The cost on matrices of a least-squares or completion problem's raw data (the experiments' BuiltProblem.data). */
export function matrixCostOf(data: GreedyData): MatrixCost {
  if (data.kind === 'mse') return mseCost(toMatrix(data.X, 'X'), toMatrix(data.Y, 'Y'));
  const entries = isFloat64Array(data.entries) ? data.entries : Float64Array.from((data.entries as ReadonlyArray<readonly number[]>).flat());
  return completionCost(data.rows, data.cols, entries);
}

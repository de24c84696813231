/** The papers' data generators, deterministic in their seed; and JAX's generator, for the authors' draws. */
import { callNative, fieldError } from '../errors';
import { native } from '../native';
import { completionOptions, jacotTeacherOptions, marionChizatOptions } from '../options/data';
import { checkOptions, withDefaults, type OptionsOf } from '../options/declare';
import { svd } from './linalg';
import type { Matrix } from './matrix';

/**
 * Where Marion & Chizat data comes from: `seed` (dlnflow's own generator, any seed), or the authors'
 * exact draw from JAX's PRNGKey(0) along their reference code's key chain -- `authors` (the code of
 * May 2024, the paper's) or `authors-2024-10` (the October 2024 revision: a test set drawn right
 * after X, hence other w_true, noise, y and w*; and the underdetermined dataset, n = 15, d = 20).
 */
export type MarionChizatSource = 'seed' | 'authors' | 'authors-2024-10';

export interface RegressionData {
  X: Matrix;
  y: Float64Array;
  XTest: Matrix;
  yTest: Float64Array;
  /** Least-squares solution (minimum-norm if X^T X is singular), ||w*|| = 1 after rescaling. */
  wStar: Float64Array;
  /** The ||w*|| divided out of y, y_test and w*. */
  normFactor: number;
  source: MarionChizatSource;
  /**
   * The authors' sources only: JAX's float32 draws besides X and X_test (which hold theirs too,
   * exactly): y = X wTrue + noise * noise_draw before the rescaling.
   */
  draws?: { wTrue: Float32Array; noise: Float32Array; noiseTest: Float32Array };
  /**
   * The authors' sources with (n, d) = (50, 5): the unit projection p of the residual experiments
   * (Figs. 3-4; the same key in both code versions), normalized in float64.
   */
  projection?: Float64Array;
  /** `authors-2024-10` with (n, d) = (50, 5): the depth experiment's projection for L = 5, 10, 20, 40. */
  depthProjections?: Record<number, Float64Array>;
}

/**
 * Marion & Chizat's data: X, X_test ~ N(0, I), y = X w_true + noise * zeta, then rescaled so
 * ||w*|| = 1. Options and their defaults: lib/options/data.ts (README "Options").
 *
 * `source: 'authors'` / `'authors-2024-10'` give the authors' exact draw (README "Data sources"):
 * JAX's float32 normals bit for bit, y, w* and the projections computed from them in float64.
 * They take (n, d) = (50, 5) (and (15, 20) for the October code's underdetermined data), no seed,
 * and nTest = 0 (May: no test set) or n (October).
 */
export function marionChizatData(options: OptionsOf<typeof marionChizatOptions.fields> = {}): RegressionData {
  checkOptions(marionChizatOptions, options);
  const r = callNative(() => native().generateMarionChizat(withDefaults(marionChizatOptions, options)));
  const out: RegressionData = {
    X: { rows: r.n, cols: r.d, data: r.X },
    y: r.y,
    XTest: { rows: r.yTest.length, cols: r.d, data: r.XTest },
    yTest: r.yTest,
    wStar: r.wStar,
    normFactor: r.normFactor,
    source: r.source as MarionChizatSource,
  };
  if (r.draws) out.draws = r.draws;
  if (r.projection) out.projection = r.projection;
  if (r.depthProjections) out.depthProjections = Object.fromEntries(Object.entries(r.depthProjections).map(([L, p]) => [Number(L), p]));
  return out;
}

/** A raw JAX key: two uint32 words, as `jax.random.PRNGKey` returns it. */
export type JaxKey = [number, number];

/** The keys of the authors' chain (README "Data sources"). */
export type AuthorsKeyName =
  | 'data'
  | 'gaussian-init'
  | 'gaussian-sweep'
  | 'gaussian-traces'
  | 'residual-init'
  | 'residual-projection'
  | 'residual-sweep'
  | 'residual-traces'
  | 'depth-init'
  | 'depth-projection'
  | 'depth-sweep'
  | 'underdetermined-data'
  | 'underdetermined-init'
  | 'underdetermined-sweep';

function keys(words: Uint32Array): JaxKey[] {
  return Array.from({ length: words.length / 2 }, (_, i) => [words[2 * i], words[2 * i + 1]] as JaxKey);
}

/**
 * JAX's default generator (threefry2x32, non-partitionable, as in every JAX release before 0.5),
 * bit for bit: for checking draws against JAX, and for the authors' other draws. Draws are float32.
 */
export const jaxRandom = {
  /** `jax.random.PRNGKey(seed)`. */
  key(seed: number): JaxKey {
    return keys(callNative(() => native().jaxRandom({ op: 'key', seed })) as Uint32Array)[0];
  },
  /** `jax.random.split(key, num)`. */
  split(key: JaxKey, num = 2): JaxKey[] {
    return keys(callNative(() => native().jaxRandom({ op: 'split', key, num })) as Uint32Array);
  },
  /** `jax.random.bits(key, (count,), uint32)`. */
  bits(key: JaxKey, count: number): Uint32Array {
    return callNative(() => native().jaxRandom({ op: 'bits', key, count })) as Uint32Array;
  },
  /** `jax.random.uniform(key, (count,), float32, minval, maxval)`. */
  uniform(key: JaxKey, count: number, minval = 0, maxval = 1): Float32Array {
    return callNative(() => native().jaxRandom({ op: 'uniform', key, count, minval, maxval })) as Float32Array;
  },
  /** `jax.random.normal(key, (count,), float32)`; reshape row-major for a matrix. */
  normal(key: JaxKey, count: number): Float32Array {
    return callNative(() => native().jaxRandom({ op: 'normal', key, count })) as Float32Array;
  },
  /** A subkey of the authors' chain; `depth` for the October code's depth-* keys (5, 10, 20, 40). */
  authorsKey(source: 'authors' | 'authors-2024-10', which: AuthorsKeyName, depth?: number): JaxKey {
    return keys(
      callNative(() => native().jaxRandom({ op: 'authorsKey', source, which, ...(depth !== undefined ? { depth } : {}) })) as Uint32Array,
    )[0];
  },
};

export interface TeacherData {
  X: Matrix;
  Y: Matrix;
  XTest: Matrix;
  YTest: Matrix;
  /** W_T = W_0 W_0^T (d x d, rank r). */
  teacher: Matrix;
  /** W_T + E, which generated the training targets. */
  noisyTeacher: Matrix;
}

/**
 * Jacot et al.'s noisy low-rank teacher: W_0 (d x r) with column i of variance i
 * (teacherScale "column-variance", Fig. 2) or entries N(0, teacherStd^2) ("constant", Fig. 3);
 * training targets from W_T + E (E_ij ~ N(0, noise^2)), test targets from W_T.
 * Options and their defaults: lib/options/data.ts (README "Options").
 *
 * `whiten: true` replaces the training inputs by X S^{-1/2} (S = X^T X / n), so that X^T X / n = I
 * to rounding, and recomputes the training targets from them with W_T + E: then
 * Sigma_yx = Y^T X / n = W_T + E exactly and the gradient flow from an input-output aligned
 * initialization stays on a scalar chain with a closed-form escape time (docs/theory.md §6.5).
 * The test set is left as drawn (isotropic inputs, the noiseless teacher).
 */
export function jacotTeacherData(options: OptionsOf<typeof jacotTeacherOptions.fields> = {}): TeacherData {
  checkOptions(jacotTeacherOptions, options);
  // whiten is applied here, to the core's draw; the generator takes the rest.
  const { whiten, ...generator } = withDefaults(jacotTeacherOptions, options);
  const r = callNative(() => native().generateJacotTeacher(generator));
  const d = r.d;
  const nTest = r.YTest.length / d;
  const out: TeacherData = {
    X: { rows: r.n, cols: d, data: r.X },
    Y: { rows: r.n, cols: d, data: r.Y },
    XTest: { rows: nTest, cols: d, data: r.XTest },
    YTest: { rows: nTest, cols: d, data: r.YTest },
    teacher: { rows: d, cols: d, data: r.teacher },
    noisyTeacher: { rows: d, cols: d, data: r.noisyTeacher },
  };
  return whiten ? whitened(out) : out;
}

/** The training inputs whitened (X S^{-1/2}, S = X^T X / n from its eigen-decomposition) and the targets recomputed from them. */
function whitened(t: TeacherData): TeacherData {
  const { rows: n, cols: d, data: X } = t.X;
  const S = new Float64Array(d * d);
  for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) S[i * d + j] += (X[k * d + i] * X[k * d + j]) / n;
  const e = svd({ rows: d, cols: d, data: S });
  if (!(e.S[d - 1] > e.S[0] * d * Number.EPSILON))
    throw fieldError('ERR_DLN_VALUE', 'options.whiten', `X^T X / n is singular (n = ${n} samples in d = ${d}): the inputs cannot be whitened`);
  const root = new Float64Array(d * d); // S^{-1/2} = V diag(s^{-1/2}) V^T (S is symmetric positive definite: U = V)
  for (let k = 0; k < d; k++) {
    const f = 1 / Math.sqrt(e.S[k]);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) root[i * d + j] += e.V.data[i * d + k] * f * e.V.data[j * d + k];
  }
  const Xw = new Float64Array(n * d);
  for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Xw[k * d + j] += X[k * d + i] * root[i * d + j];
  const W = t.noisyTeacher.data;
  const dOut = t.noisyTeacher.rows;
  const Y = new Float64Array(n * dOut);
  for (let k = 0; k < n; k++) for (let o = 0; o < dOut; o++) for (let j = 0; j < d; j++) Y[k * dOut + o] += W[o * d + j] * Xw[k * d + j];
  return { ...t, X: { rows: n, cols: d, data: Xw }, Y: { rows: n, cols: dOut, data: Y } };
}

export interface CompletionData {
  /** The rank-r matrix U V^T to complete. */
  target: Matrix;
  /** Observed entries as a flat [row, col, value, ...] Float64Array. */
  entries: Float64Array;
  /** Every unobserved entry, same layout. */
  testEntries: Float64Array;
}

/** A rows x cols matrix of rank r with `observed` entries drawn uniformly without replacement. */
export function completionData(options: OptionsOf<typeof completionOptions.fields> = {}): CompletionData {
  checkOptions(completionOptions, options);
  const r = callNative(() => native().generateCompletion(withDefaults(completionOptions, options)));
  return { target: { rows: r.rows, cols: r.cols, data: r.target }, entries: r.entries, testEntries: r.testEntries };
}

/**
 * Problems: data + architecture (+ an optional L2 weight), folded once into what every step needs
 * (Sigma = X^T X / n, the least-squares solution, ...). Build one with `Problem.regression`,
 * `Problem.mse` or `Problem.completion`, then evaluate, train or integrate from any point.
 */
import { callNative } from '../errors';
import { native, type NativeEvaluation, type NativeProblem, type NativeProblemInfo, type NativeTheory } from '../native';
import { flattenWeights, isFloat64Array, toMatrix, toVector, type Matrix, type WeightsLike } from './matrix';
import { fieldError } from '../errors';
import { checkOptions, type OptionsOf } from '../options/declare';
import type { EntriesLike } from '../options/values';
import { completionSpec, mseSpec, regressionSpec } from '../options/problem';

export type ProblemKind = 'regression' | 'mse' | 'completion';

/**
 * Univariate regression (Marion & Chizat): R = (1/n) ||y - X w||^2, w = W_1^T ... W_L^T p. Declared
 * in lib/options/problem.ts: widths, l2, X (n x d_0), y, projection, XTest, yTest.
 */
export type RegressionSpec = OptionsOf<typeof regressionSpec.fields>;

/** Multivariate least squares (Jacot et al.): C = (1/N) ||A X - Y||_F^2 with samples as rows: widths, l2, X, Y, XTest, YTest. */
export type MseSpec = OptionsOf<typeof mseSpec.fields>;

export type { EntryLike } from '../options/values';

/** Matrix completion: C = (1/N) sum_i (A[row_i, col_i] - value_i)^2: widths, l2, entries, testEntries. */
export type CompletionSpec = OptionsOf<typeof completionSpec.fields>;

/** Loss and related numbers at one point. NaN-valued quantities are null. */
export interface Evaluation {
  /** Training loss, including the L2 penalty. */
  loss: number | null;
  /** Training loss without the penalty. */
  dataLoss: number | null;
  penalty: number;
  gradNorm: number | null;
  /** Held-out loss, or null without a test set. */
  testLoss: number | null;
  /** dataLoss minus its minimum over what the network can represent, or null if unknown. */
  excessLoss: number | null;
  /** ||w_prod - w*||^2 (univariate regression; the paper's sum, not the reference code's mean). */
  distance: number | null;
  /** w_prod (d_0) for univariate regression, otherwise A as a d_L x d_0 matrix. */
  endToEnd: Float64Array | Matrix;
  /** dC/dA (or dR/dw for univariate regression), same shape as endToEnd; without the L2 term. */
  headGradient: Float64Array | Matrix;
}

/** Theory quantities of univariate regression; see src/theory.hpp for the formulas. */
export type RegressionTheory = NativeTheory;

function widthsOf(spec: { widths: readonly number[] }): number[] {
  if (!Array.isArray(spec.widths)) throw fieldError('ERR_DLN_TYPE', 'widths', 'expected an array of integers');
  return spec.widths.slice();
}

function checkInputs(widths: number[], X: Matrix): void {
  if (widths.length > 0 && X.cols !== widths[0]) {
    throw fieldError('ERR_DLN_SHAPE', 'widths[0]', `X has ${X.cols} columns (features) but d_0 = ${widths[0]}`);
  }
}

function entries(x: EntriesLike, field: string): Float64Array {
  if (isFloat64Array(x)) return x;
  if (!Array.isArray(x)) throw fieldError('ERR_DLN_TYPE', field, 'expected [row, col, value] triples');
  const out = new Float64Array(x.length * 3);
  x.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 3) throw fieldError('ERR_DLN_SHAPE', `${field}[${i}]`, 'expected [row, col, value]');
    for (let j = 0; j < 3; j++) {
      if (typeof e[j] !== 'number') throw fieldError('ERR_DLN_TYPE', `${field}[${i}][${j}]`, 'expected a number');
      out[3 * i + j] = e[j];
    }
  });
  return out;
}

/** `problem` as a Problem, or ERR_DLN_TYPE (the core checks the handle itself; this catches null, numbers, ...). */
export function problemArg(problem: Problem): Problem {
  if (typeof problem !== 'object' || problem === null || typeof (problem as { weights?: unknown }).weights !== 'function') {
    throw fieldError('ERR_DLN_TYPE', 'problem', 'expected a Problem (created by dlnflow)');
  }
  return problem;
}

export class Problem {
  /** @internal */
  readonly native: NativeProblem;
  readonly kind: ProblemKind;
  readonly widths: readonly number[];
  readonly depth: number;
  readonly paramCount: number;
  readonly projection?: Float64Array;
  readonly l2: number;
  readonly hasTestSet: boolean;
  /** Minimum of the data loss over the maps the network can represent; null if unknown. */
  readonly lossMinimum: number | null;

  private constructor(descriptor: object) {
    this.native = callNative(() => new (native().NativeProblem)(descriptor));
    const info: NativeProblemInfo = this.native.info();
    this.kind = info.kind;
    this.widths = Object.freeze(info.widths);
    this.depth = info.depth;
    this.paramCount = info.paramCount;
    if (info.projection) this.projection = info.projection;
    this.l2 = info.l2;
    this.hasTestSet = info.hasTestSet;
    this.lossMinimum = info.lossMinimum;
  }

  static regression(spec: RegressionSpec): Problem {
    checkOptions(regressionSpec, spec, 'problem');
    const widths = widthsOf(spec);
    const X = toMatrix(spec.X, 'X');
    checkInputs(widths, X);
    const descriptor: Record<string, unknown> = {
      kind: 'regression',
      widths,
      n: X.rows,
      X: X.data,
      y: toVector(spec.y, 'y', X.rows),
      l2: spec.l2,
    };
    if (spec.projection !== undefined) descriptor.projection = toVector(spec.projection, 'projection');
    if (spec.XTest !== undefined || spec.yTest !== undefined) {
      if (spec.XTest === undefined || spec.yTest === undefined) throw fieldError('ERR_DLN_SHAPE', 'XTest', 'XTest and yTest go together');
      const XTest = toMatrix(spec.XTest, 'XTest', { cols: X.cols });
      descriptor.XTest = XTest.data;
      descriptor.yTest = toVector(spec.yTest, 'yTest', XTest.rows);
    }
    return new Problem(descriptor);
  }

  static mse(spec: MseSpec): Problem {
    checkOptions(mseSpec, spec, 'problem');
    const widths = widthsOf(spec);
    const X = toMatrix(spec.X, 'X');
    checkInputs(widths, X);
    const Y = toMatrix(spec.Y, 'Y', { rows: X.rows });
    if (widths.length > 1 && Y.cols !== widths[widths.length - 1]) {
      throw fieldError('ERR_DLN_SHAPE', `widths[${widths.length - 1}]`, `Y has ${Y.cols} columns (outputs) but d_L = ${widths[widths.length - 1]}`);
    }
    const descriptor: Record<string, unknown> = { kind: 'mse', widths, n: X.rows, X: X.data, Y: Y.data, l2: spec.l2 };
    if (spec.XTest !== undefined || spec.YTest !== undefined) {
      if (spec.XTest === undefined || spec.YTest === undefined) throw fieldError('ERR_DLN_SHAPE', 'XTest', 'XTest and YTest go together');
      const XTest = toMatrix(spec.XTest, 'XTest', { cols: X.cols });
      descriptor.XTest = XTest.data;
      descriptor.YTest = toMatrix(spec.YTest, 'YTest', { rows: XTest.rows, cols: Y.cols }).data;
    }
    return new Problem(descriptor);
  }

  static completion(spec: CompletionSpec): Problem {
    checkOptions(completionSpec, spec, 'problem');
    const descriptor: Record<string, unknown> = {
      kind: 'completion',
      widths: widthsOf(spec),
      entries: entries(spec.entries, 'entries'),
      l2: spec.l2,
    };
    if (spec.testEntries !== undefined) descriptor.testEntries = entries(spec.testEntries, 'testEntries');
    return new Problem(descriptor);
  }

  /** The flat parameter vector for these widths from a Float64Array or a list of layer matrices. */
  weights(weights: WeightsLike, field = 'weights'): Float64Array {
    return flattenWeights(this.widths, weights, field);
  }

  /** Loss (with penalty), gradient norm, test loss, distance to w* ... at `weights`. */
  evaluate(weights: WeightsLike): Evaluation {
    const e: NativeEvaluation = callNative(() => this.native.evaluate(this.weights(weights)));
    const d0 = this.widths[0];
    const dL = this.widths[this.widths.length - 1];
    const asMatrix = (data: Float64Array) => (this.kind === 'regression' ? data : { rows: dL, cols: d0, data });
    return { ...e, endToEnd: asMatrix(e.endToEnd), headGradient: asMatrix(e.headGradient) };
  }

  loss(weights: WeightsLike): number | null {
    return this.evaluate(weights).loss;
  }

  /** Exact gradient at `weights` (same layout as the weights). */
  gradient(weights: WeightsLike): { loss: number | null; gradient: Float64Array } {
    return callNative(() => this.native.gradient(this.weights(weights)));
  }

  /** Theory quantities (univariate regression only): lambda, Lambda, a, ||w*||, S_min, ... */
  theory(): RegressionTheory {
    return callNative(() => this.native.theory());
  }
}

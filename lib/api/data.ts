/** The papers' data generators, deterministic in their seed. */
import { callNative } from '../errors';
import { native } from '../native';
import type { Matrix } from './matrix';

export interface RegressionData {
  X: Matrix;
  y: Float64Array;
  XTest: Matrix;
  yTest: Float64Array;
  /** Least-squares solution (minimum-norm if X^T X is singular), ||w*|| = 1 after rescaling. */
  wStar: Float64Array;
  /** The ||w*|| divided out of y, y_test and w*. */
  normFactor: number;
}

/**
 * Marion & Chizat's data: X, X_test ~ N(0, I), y = X w_true + noise * zeta, then rescaled so
 * ||w*|| = 1. Defaults: n = 50, d = 5, noise = 1, nTest = n.
 */
export function marionChizatData(options: { n?: number; d?: number; noise?: number; nTest?: number; seed?: number } = {}): RegressionData {
  const r = callNative(() => native().generateMarionChizat(options));
  return {
    X: { rows: r.n, cols: r.d, data: r.X },
    y: r.y,
    XTest: { rows: r.yTest.length, cols: r.d, data: r.XTest },
    yTest: r.yTest,
    wStar: r.wStar,
    normFactor: r.normFactor,
  };
}

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
 * Defaults: d = 10, rank = 3, n = 100, nTest = 1000, noise = 0.2.
 */
export function jacotTeacherData(
  options: {
    d?: number;
    rank?: number;
    n?: number;
    nTest?: number;
    noise?: number;
    teacherScale?: 'column-variance' | 'constant';
    teacherStd?: number;
    seed?: number;
  } = {},
): TeacherData {
  const r = callNative(() => native().generateJacotTeacher(options));
  const d = r.d;
  const nTest = r.YTest.length / d;
  return {
    X: { rows: r.n, cols: d, data: r.X },
    Y: { rows: r.n, cols: d, data: r.Y },
    XTest: { rows: nTest, cols: d, data: r.XTest },
    YTest: { rows: nTest, cols: d, data: r.YTest },
    teacher: { rows: d, cols: d, data: r.teacher },
    noisyTeacher: { rows: d, cols: d, data: r.noisyTeacher },
  };
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
export function completionData(options: { rows?: number; cols?: number; rank?: number; observed?: number; seed?: number } = {}): CompletionData {
  const r = callNative(() => native().generateCompletion(options));
  return { target: { rows: r.rows, cols: r.cols, data: r.target }, entries: r.entries, testEntries: r.testEntries };
}

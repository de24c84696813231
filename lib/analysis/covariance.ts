/**
 * The input-output cross-covariance of a regression dataset, Sigma_yx = Y^T X / N (samples are
 * the rows of X and Y), and its top singular value s_1: the strength of the strongest mode, which
 * small-initialization gradient flow learns first (Jacot et al., Section 3.2.1).
 */
import { fieldError } from '../errors';
import { svd } from '../api/linalg';
import type { Matrix } from '../api/matrix';

/** Sigma_yx = Y^T X / N, a Y.cols x X.cols matrix, accumulated sample by sample. */
export function crossCovariance(X: Matrix, Y: Matrix): Matrix {
  if (X.rows !== Y.rows) throw fieldError('ERR_DLN_SHAPE', 'Y', `expected ${X.rows} rows (one per sample of X), got ${Y.rows}`);
  if (X.rows === 0) throw fieldError('ERR_DLN_SHAPE', 'X', 'expected at least one sample');
  const S = new Float64Array(Y.cols * X.cols);
  for (let n = 0; n < X.rows; n++) {
    for (let i = 0; i < Y.cols; i++) {
      const y = Y.data[n * Y.cols + i] / X.rows;
      for (let j = 0; j < X.cols; j++) S[i * X.cols + j] += y * X.data[n * X.cols + j];
    }
  }
  return { rows: Y.cols, cols: X.cols, data: S };
}

/** s_1, the largest singular value of Sigma_yx. */
export function topCrossCovariance(X: Matrix, Y: Matrix): number {
  return svd(crossCovariance(X, Y)).S[0];
}

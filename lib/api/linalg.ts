/** Small dense linear algebra from the core, for analysis code. */
import { callNative } from '../errors';
import { native } from '../native';
import { toMatrix, type Matrix, type MatrixLike } from './matrix';

export interface Svd {
  /** rows x k, orthonormal columns (k = min(rows, cols)). */
  U: Matrix;
  /** k singular values, descending. */
  S: Float64Array;
  /** cols x k, orthonormal columns. */
  V: Matrix;
}

/** Thin SVD by one-sided Jacobi (accurate for small singular values too). */
export function svd(matrix: MatrixLike): Svd {
  const m = toMatrix(matrix, 'matrix');
  const r = callNative(() => native().svd(m));
  const k = r.S.length;
  return { U: { rows: m.rows, cols: k, data: r.U }, S: r.S, V: { rows: m.cols, cols: k, data: r.V } };
}

/**
 * Dense matrices as contiguous row-major Float64Array + shape (the layout @stdlib/ndarray and the
 * addon use), and conversions from nested arrays with shape checks that name the field.
 */
import { fieldError } from '../errors';
import type { Matrix, MatrixLike, VectorLike, WeightsLike } from '../options/values';

// The value types live with the option declarations (lib/options/values.ts), which use them.
export type { Matrix, MatrixLike, VectorLike, WeightsLike } from '../options/values';

/** True for a Float64Array from any realm (instanceof fails across vm contexts and under jest). */
export function isFloat64Array(x: unknown): x is Float64Array {
  return ArrayBuffer.isView(x) && Object.prototype.toString.call(x) === '[object Float64Array]';
}

function isMatrix(x: unknown): x is Matrix {
  return typeof x === 'object' && x !== null && 'rows' in x && 'cols' in x && 'data' in x;
}

export function toVector(x: VectorLike, field: string, length?: number): Float64Array {
  let out: Float64Array;
  if (isFloat64Array(x)) {
    out = x;
  } else if (Array.isArray(x)) {
    out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== 'number') throw fieldError('ERR_DLN_TYPE', `${field}[${i}]`, `expected a number, got ${typeof v}`);
      out[i] = v;
    }
  } else {
    throw fieldError('ERR_DLN_TYPE', field, 'expected an array of numbers or a Float64Array');
  }
  if (length !== undefined && out.length !== length) {
    throw fieldError('ERR_DLN_SHAPE', field, `expected ${length} values, got ${out.length}`);
  }
  return out;
}

export function toMatrix(x: MatrixLike, field: string, shape: { rows?: number; cols?: number } = {}): Matrix {
  let m: Matrix;
  if (isMatrix(x)) {
    if (!isFloat64Array(x.data)) throw fieldError('ERR_DLN_TYPE', `${field}.data`, 'expected a Float64Array');
    if (!Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.rows < 0 || x.cols < 0) {
      throw fieldError('ERR_DLN_VALUE', field, 'rows and cols must be non-negative integers');
    }
    if (x.data.length !== x.rows * x.cols) {
      throw fieldError('ERR_DLN_SHAPE', field, `data has ${x.data.length} values, expected rows * cols = ${x.rows * x.cols}`);
    }
    m = x;
  } else if (Array.isArray(x)) {
    const rows = x.length;
    const first = x[0];
    if (rows > 0 && !Array.isArray(first)) {
      throw fieldError('ERR_DLN_TYPE', `${field}[0]`, 'expected a row (an array of numbers)');
    }
    const cols = rows === 0 ? 0 : (first as ReadonlyArray<number>).length;
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = x[i];
      if (!Array.isArray(row)) throw fieldError('ERR_DLN_TYPE', `${field}[${i}]`, 'expected a row (an array of numbers)');
      if (row.length !== cols) {
        throw fieldError('ERR_DLN_SHAPE', `${field}[${i}]`, `expected ${cols} columns like row 0, got ${row.length}`);
      }
      for (let j = 0; j < cols; j++) {
        const v = row[j];
        if (typeof v !== 'number') throw fieldError('ERR_DLN_TYPE', `${field}[${i}][${j}]`, `expected a number, got ${typeof v}`);
        data[i * cols + j] = v;
      }
    }
    m = { rows, cols, data };
  } else {
    throw fieldError('ERR_DLN_TYPE', field, 'expected a matrix (rows of numbers, or {rows, cols, data})');
  }
  if (shape.rows !== undefined && m.rows !== shape.rows) {
    throw fieldError('ERR_DLN_SHAPE', field, `expected ${shape.rows} rows, got ${m.rows}`);
  }
  if (shape.cols !== undefined && m.cols !== shape.cols) {
    throw fieldError('ERR_DLN_SHAPE', field, `expected ${shape.cols} columns, got ${m.cols}`);
  }
  return m;
}

/** Nested arrays (rows) from a Matrix. */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** Number of parameters of a network with these widths. */
export function paramCount(widths: readonly number[]): number {
  let p = 0;
  for (let k = 1; k < widths.length; k++) p += widths[k] * widths[k - 1];
  return p;
}

/** Views (no copy) of the layers W_1..W_L inside a flat parameter vector. */
export function layers(widths: readonly number[], weights: Float64Array): Matrix[] {
  const out: Matrix[] = [];
  let offset = 0;
  for (let k = 1; k < widths.length; k++) {
    const rows = widths[k];
    const cols = widths[k - 1];
    out.push({ rows, cols, data: weights.subarray(offset, offset + rows * cols) });
    offset += rows * cols;
  }
  return out;
}

/** The flat parameter vector for `widths`, checking every layer's shape. */
export function flattenWeights(widths: readonly number[], weights: WeightsLike, field = 'weights'): Float64Array {
  if (isFloat64Array(weights)) {
    const expected = paramCount(widths);
    if (weights.length !== expected) {
      throw fieldError(
        'ERR_DLN_SHAPE',
        field,
        `expected ${expected} parameters (the layers W_1..W_L row-major, concatenated), got ${weights.length}`,
      );
    }
    return weights;
  }
  if (!Array.isArray(weights)) throw fieldError('ERR_DLN_TYPE', field, 'expected a Float64Array or an array of layer matrices');
  const L = widths.length - 1;
  if (weights.length !== L) throw fieldError('ERR_DLN_SHAPE', field, `expected ${L} layers, got ${weights.length}`);
  const out = new Float64Array(paramCount(widths));
  let offset = 0;
  for (let k = 0; k < L; k++) {
    const m = toMatrix(weights[k] as MatrixLike, `${field}[${k}]`, { rows: widths[k + 1], cols: widths[k] });
    out.set(m.data, offset);
    offset += m.data.length;
  }
  return out;
}

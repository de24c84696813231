/** The specs of `Problem.regression`, `Problem.mse` and `Problem.completion` (binding/convert_problem.cpp). */
import { custom, number, options, required } from './declare';
import type { EntriesLike, MatrixLike, VectorLike } from './values';

// Matrices, vectors and entry lists are checked by the API's conversions (lib/api/matrix.ts), which
// name the field.
const matrix = (doc: string) => custom<MatrixLike>({ type: 'matrix', doc });
const vector = (doc: string) => custom<VectorLike>({ type: 'vector', doc });

const common = {
  widths: required(
    custom<readonly number[]>({ type: 'array of integers', doc: 'widths d_0, ..., d_L of the network (depth L = widths.length - 1 >= 1)' }),
  ),
  l2: number({ doc: 'L2 penalty weight lambda_2 on ||theta||^2', min: 0, default: 0 }),
} as const;

/** Problem.regression(spec): univariate regression (Marion & Chizat), R = (1/n) ||y - X w||^2. */
export const regressionSpec = options({
  ...common,
  X: required(matrix('inputs, n x d_0 (one sample per row)')),
  y: required(vector('targets, n values')),
  projection: vector('fixed output projection p (length d_L); default [1] when d_L = 1'),
  XTest: matrix('test inputs (with yTest)'),
  yTest: vector('test targets (with XTest)'),
});

/** Problem.mse(spec): multivariate least squares (Jacot et al.), C = (1/N) ||A X - Y||_F^2. */
export const mseSpec = options({
  ...common,
  X: required(matrix('inputs, N x d_0')),
  Y: required(matrix('targets, N x d_L')),
  XTest: matrix('test inputs (with YTest)'),
  YTest: matrix('test targets (with XTest)'),
});

/** Problem.completion(spec): matrix completion, C = (1/N) sum_i (A[row_i, col_i] - value_i)^2. */
export const completionSpec = options({
  ...common,
  entries: required(custom<EntriesLike>({ type: 'entries', doc: 'observed entries: [row, col, value] triples, or a flat Float64Array of them' })),
  testEntries: custom<EntriesLike>({ type: 'entries', doc: 'held-out entries for the test cost' }),
});

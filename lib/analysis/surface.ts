/**
 * The loss on a plane of parameter space: C(a theta_1 + b theta_2) on a grid (Jacot et al. Fig. 3
 * right: the plane through the origin and two minima of different rank). The raw parameter
 * vectors are used, as in the paper (hidden-layer rotations of theta_1 and theta_2 are not aligned).
 */
import { surfaceOptions } from '../options/analysis';
import { checkOptions, type OptionsOf } from '../options/declare';
import type { Matrix } from '../api/matrix';
import type { Problem } from '../api/problem';

/** The options of lossSurface(), declared in lib/options/analysis.ts: a, b (coefficient ranges, default [-0.25, 1.25]), resolution. */
export type SurfaceOptions = OptionsOf<typeof surfaceOptions.fields>;

export interface Surface {
  a: Float64Array;
  b: Float64Array;
  /** loss[i, j] = C(a[j] theta_1 + b[i] theta_2), rows over b, columns over a; null where non-finite. */
  loss: Matrix;
}

export function lossSurface(problem: Problem, theta1: Float64Array, theta2: Float64Array, options: SurfaceOptions = {}): Surface {
  checkOptions(surfaceOptions, options);
  const w1 = problem.weights(theta1, 'theta1');
  const w2 = problem.weights(theta2, 'theta2');
  const res = options.resolution ?? 61;
  const [a0, a1] = options.a ?? [-0.25, 1.25];
  const [b0, b1] = options.b ?? [-0.25, 1.25];
  const a = Float64Array.from({ length: res }, (_, j) => a0 + ((a1 - a0) * j) / (res - 1));
  const b = Float64Array.from({ length: res }, (_, i) => b0 + ((b1 - b0) * i) / (res - 1));
  const data = new Float64Array(res * res);
  const point = new Float64Array(w1.length);
  for (let i = 0; i < res; i++) {
    for (let j = 0; j < res; j++) {
      for (let k = 0; k < point.length; k++) point[k] = a[j] * w1[k] + b[i] * w2[k];
      const loss = problem.evaluate(point).loss;
      data[i * res + j] = loss === null ? NaN : loss;
    }
  }
  return { a, b, loss: { rows: res, cols: res, data } };
}

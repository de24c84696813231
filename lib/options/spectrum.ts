/** The options of `sharpness()` and `denseHessian()` (src/probes.hpp SharpnessOptions, binding/spectrum.cpp). */
import { boolean, custom, options } from './declare';
import { controls, sharpnessFields } from './run';
import type { VectorLike } from './values';

/** sharpness(problem, weights, options). */
export const spectrumOptions = options({
  ...sharpnessFields,
  smallest: boolean({ doc: 'also converge the smallest eigenvalue (lambdaMin, spectralRadius); lanczos or dense', default: false, config: false }),
  vectors: boolean({ doc: 'return the Ritz vectors (k x P); lanczos or dense', default: false, config: false }),
  start: custom<VectorLike>({ type: 'vector (P values)', doc: 'a start vector for Lanczos (e.g. a previous Ritz vector)' }),
  ...controls,
});

/** denseHessian(problem, weights, controls). */
export const denseHessianOptions = options({ ...controls });

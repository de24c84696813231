/** The options of `sharpnessGradient()` (src/sharpness_gradient.hpp, SharpnessGradientOptions). */
import { boolean, integer, number, oneOf, options } from './declare';
import { controls, sharpnessFields } from './run';

export const sharpnessGradientFields = {
  method: oneOf(['lanczos', 'dense'] as const, {
    doc: 'lanczos: lambda_1 by Lanczos, then each next eigenvalue by Lanczos on the Hessian deflated by the vectors found so far; dense: eigen-decompose the assembled Hessian (small problems)',
    default: 'lanczos',
  }),
  tol: sharpnessFields.tol,
  maxIterations: integer({
    doc: 'iteration cap of each Lanczos solve (0: the default); not converging is an error',
    min: 0,
    max: 2 ** 20,
    defaultText: 'min(P, 300)',
  }),
  seed: integer({ doc: "seed of the Lanczos start vectors (the first solve is sharpness()'s with the same seed)", min: 0, max: 2 ** 53, default: 0 }),
  eigengapTolerance: number({
    doc: 'the top eigenvalue counts as simple when lambda_1 - lambda_2 > eigengapTolerance |lambda_1| (with Lanczos at least 10 tol); otherwise the call rejects on this field, unless `cluster` is set',
    min: 0,
    default: 1e-6,
  }),
  cluster: boolean({
    doc: 'return the top cluster (eigenvalues within the gap tolerance, their eigenvectors and contractions) instead of refusing a repeated top eigenvalue',
    default: false,
  }),
  maxClusterSize: integer({ doc: 'the largest cluster returned; a larger one rejects on this field', min: 1, max: 64, default: 4 }),
} as const;

/** sharpnessGradient(problem, weights, options). */
export const sharpnessGradientOptions = options({ ...sharpnessGradientFields, ...controls });

/**
 * The top of the Hessian spectrum: sharpness = the largest *algebraic* eigenvalue of the Hessian
 * of exactly the loss being descended (never the largest magnitude, which power iteration finds).
 */
import { callNative } from '../errors';
import { native } from '../native';
import { checkOptions, withDefaults, type OptionsOf } from '../options/declare';
import { sharpnessFields } from '../options/run';
import { denseHessianOptions, spectrumOptions } from '../options/spectrum';
import { toVector, type Matrix, type VectorLike, type WeightsLike } from './matrix';
import { problemArg, type Problem } from './problem';
import { runNativeJob, type RunControls } from './run';

/**
 * How spectral quantities are computed (also `TrainOptions.sharpness` / `FlowOptions.sharpness`),
 * declared in lib/options/run.ts: method ('lanczos' | 'power' | 'dense'), k, tol, maxIterations,
 * powerIterations, seed, warmStart.
 */
export type SharpnessOptions = OptionsOf<typeof sharpnessFields>;

/** The options of sharpness() (lib/options/spectrum.ts): SharpnessOptions, smallest, vectors, start, signal, onProgress. */
export type SpectrumOptions = OptionsOf<typeof spectrumOptions.fields>;

export interface SpectrumResult {
  method: 'lanczos' | 'power' | 'dense';
  /** The k largest eigenvalues, descending (power: the single estimate). */
  eigenvalues: Float64Array;
  /** Ritz residuals ||H y_i - theta_i y_i|| (0 for dense; empty for power). */
  residuals: Float64Array;
  iterations: number;
  /** Hessian-vector products spent (dense: P, the products that assembled H). */
  hvps: number;
  /** Lanczos breakdowns (invariant subspaces) continued from a fresh random vector. */
  restarts: number;
  /** Lanczos: every wanted Ritz pair met the residual test (power and dense: true). */
  converged: boolean;
  /** Smallest eigenvalue (with `smallest: true`, or dense). */
  lambdaMin?: number;
  /** Its Ritz residual (Lanczos). */
  lambdaMinResidual?: number;
  /** max(|lambda_max|, |lambda_min|) (with `smallest: true`, or dense). */
  spectralRadius?: number;
  /** Power iteration: ||H v|| of the last step (the estimate is the one before, as in the reference code). */
  lastNorm?: number;
  /** Ritz vectors, k x P (when requested). */
  vectors?: Matrix;
}

/** H v at `weights` (exact, forward-over-reverse). */
export function hessianVectorProduct(problem: Problem, weights: WeightsLike, v: VectorLike): Float64Array {
  const w = problemArg(problem).weights(weights);
  const vec = toVector(v, 'v', problem.paramCount);
  return callNative(() => native().hessianVectorProduct(problem.native, w, vec));
}

/** The top of the Hessian spectrum at `weights`. Every error, bad input included, is a rejection. */
export async function sharpness(problem: Problem, weights: WeightsLike, options: SpectrumOptions = {}): Promise<SpectrumResult> {
  checkOptions(spectrumOptions, options);
  const w = problemArg(problem).weights(weights);
  const { signal, onProgress, start, ...rest } = withDefaults(spectrumOptions, options);
  const opts: Record<string, unknown> = { ...rest };
  if (start !== undefined) opts.start = toVector(start, 'options.start', problem.paramCount);
  return runNativeJob(
    (p) => native().sharpness(problem.native, w, opts, p),
    { signal, onProgress },
    (r) => {
      const out: SpectrumResult = {
        method: r.method,
        eigenvalues: r.eigenvalues,
        residuals: r.residuals,
        iterations: r.iterations,
        hvps: r.hvps,
        restarts: r.restarts,
        converged: r.converged,
      };
      if (r.lambdaMin !== undefined) out.lambdaMin = r.lambdaMin;
      if (r.lambdaMinResidual !== undefined && r.method === 'lanczos') out.lambdaMinResidual = r.lambdaMinResidual;
      if (r.spectralRadius !== undefined) out.spectralRadius = r.spectralRadius;
      if (r.lastNorm !== undefined) out.lastNorm = r.lastNorm;
      if (r.vectors) out.vectors = { rows: r.eigenvalues.length, cols: problem.paramCount, data: r.vectors };
      return out;
    },
  );
}

export interface DenseHessian {
  /** H as assembled (P x P), not symmetrized. */
  hessian: Matrix;
  /** Eigenvalues of (H + H^T)/2, ascending. */
  eigenvalues: Float64Array;
  /** max |H_ij - H_ji| / max |H_ij|. */
  asymmetry: number;
}

/** The dense Hessian from P exact products (memory 3 P^2 doubles: small problems only). Errors are rejections. */
export async function denseHessian(problem: Problem, weights: WeightsLike, controls: RunControls = {}): Promise<DenseHessian> {
  checkOptions(denseHessianOptions, controls, 'controls');
  const w = problemArg(problem).weights(weights);
  const P = problem.paramCount;
  return runNativeJob(
    (p) => native().denseHessian(problem.native, w, p),
    controls,
    (r) => ({
      hessian: { rows: P, cols: P, data: r.hessian },
      eigenvalues: r.eigenvalues,
      asymmetry: r.asymmetry,
    }),
  );
}

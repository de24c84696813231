/**
 * Exact third derivatives and the gradient of the sharpness (docs/third-derivatives.md).
 *
 * thirdDerivative(problem, w, u, v) = D³R(w)[u, v, ·], the gradient with respect to the weights of
 * uᵀ H(w) v, by differentiating the Hessian-vector-product sweeps once more (no finite differences).
 * sharpnessGradient gives ∇λ_max = D³R[u, u, ·] for a simple top eigenvalue with unit eigenvector
 * u, and refuses a top eigenvalue that is not simple to `eigengapTolerance`; with `cluster: true`
 * it returns the top cluster's contractions D³R[u_i, u_j, ·] instead (what the central flow needs).
 */
import { callNative, DlnError, DlnAbortError } from '../errors';
import { native, type NativeBinding, type NativeJob, type NativeProblem } from '../native';
import { checkOptions, withDefaults, type OptionsOf } from '../options/declare';
import { sharpnessGradientOptions } from '../options/sharpness-gradient';
import { toVector, type Matrix, type VectorLike, type WeightsLike } from './matrix';
import { problemArg, type Problem } from './problem';
import { runNativeJob } from './run';

/**
 * The options of sharpnessGradient(), declared in lib/options/sharpness-gradient.ts: method
 * ('lanczos' | 'dense'), tol, maxIterations, seed, eigengapTolerance, cluster, maxClusterSize,
 * signal, onProgress.
 */
export type SharpnessGradientOptions = OptionsOf<typeof sharpnessGradientOptions.fields>;

export interface SharpnessGradientResult {
  method: 'lanczos' | 'dense';
  /** λ_max of the Hessian (the largest algebraic eigenvalue). */
  sharpness: number;
  /** ∇λ_max = D³R[u, u, ·] (P values, the weights' layout); null for a cluster of k ≥ 2 eigenvalues. */
  gradient: Float64Array | null;
  /** λ_k − λ_{k+1}: the gap below the top eigenvalue (k = 1) or below the cluster; Infinity if none. */
  eigengap: number;
  /** λ_{k+1}, or null when the cluster is the whole spectrum. */
  nextEigenvalue: number | null;
  /** k: 1 unless `cluster` found a repeated top eigenvalue. */
  clusterSize: number;
  /** λ_1..λ_k, descending. */
  eigenvalues: Float64Array;
  /** Their Ritz residuals ‖H y − θ y‖ (0 for dense). */
  residuals: Float64Array;
  /** Unit eigenvectors, k × P (an orthonormal basis of the cluster's eigenspace). */
  vectors: Matrix;
  /** With `cluster`: D³R[u_i, u_j, ·] as rows, in the order of `pairs`. */
  contractions?: Matrix;
  /** With `cluster`: the (i, j) of each row of `contractions`: (0,0), (0,1), …, (0,k−1), (1,1), … */
  pairs?: Array<[number, number]>;
  /**
   * Bound on the sine of the angle between the eigenvectors and the exact eigenspace (Davis–Kahan:
   * the largest residual over the gap); the gradient's relative error is of this order.
   */
  vectorErrorBound: number;
  /** Hessian-vector products spent (dense: P). */
  hvps: number;
  /** Lanczos solves (one per eigenvalue examined; 0 for dense). */
  lanczosRuns: number;
}

interface NativeSharpnessGradient {
  status: 'completed';
  method: 'lanczos' | 'dense';
  sharpness: number;
  gradient: Float64Array | null;
  eigengap: number;
  nextEigenvalue: number | null;
  clusterSize: number;
  eigenvalues: Float64Array;
  residuals: Float64Array;
  vectors: Float64Array;
  contractions?: Float64Array;
  vectorErrorBound: number;
  hvps: number;
  lanczosRuns: number;
}

interface ThirdDerivativeBinding {
  thirdDerivative(problem: NativeProblem, weights: Float64Array, u: Float64Array, v: Float64Array): Float64Array;
  sharpnessGradient(problem: NativeProblem, weights: Float64Array, options: object, onProgress?: unknown): NativeJob<NativeSharpnessGradient>;
}

function binding(): NativeBinding & ThirdDerivativeBinding {
  return native() as NativeBinding & ThirdDerivativeBinding;
}

/** D³R(w)[u, v, ·]: the gradient of uᵀ H(w) v with respect to the weights (exact; symmetric in u, v). */
export function thirdDerivative(problem: Problem, weights: WeightsLike, u: VectorLike, v: VectorLike): Float64Array {
  const w = problemArg(problem).weights(weights);
  const uu = toVector(u, 'u', problem.paramCount);
  const vv = toVector(v, 'v', problem.paramCount);
  return callNative(() => binding().thirdDerivative(problem.native, w, uu, vv));
}

/**
 * The sharpness λ_max at `weights` and its gradient ∇λ_max = D³R[u, u, ·], with the eigengap that
 * makes it meaningful. Runs off the event loop; every error, bad input included, is a rejection.
 */
export async function sharpnessGradient(
  problem: Problem,
  weights: WeightsLike,
  options: SharpnessGradientOptions = {},
): Promise<SharpnessGradientResult> {
  checkOptions(sharpnessGradientOptions, options);
  const w = problemArg(problem).weights(weights);
  const { signal, onProgress, ...rest } = withDefaults(sharpnessGradientOptions, options);
  const P = problem.paramCount;
  try {
    return await runNativeJob(
      (p) => binding().sharpnessGradient(problem.native, w, rest, p),
      { signal, onProgress },
      (r) => {
        const k = r.clusterSize;
        const out: SharpnessGradientResult = {
          method: r.method,
          sharpness: r.sharpness,
          gradient: r.gradient,
          eigengap: r.eigengap,
          nextEigenvalue: r.nextEigenvalue,
          clusterSize: k,
          eigenvalues: r.eigenvalues,
          residuals: r.residuals,
          vectors: { rows: k, cols: P, data: r.vectors },
          vectorErrorBound: r.vectorErrorBound,
          hvps: r.hvps,
          lanczosRuns: r.lanczosRuns,
        };
        if (r.contractions) {
          out.contractions = { rows: (k * (k + 1)) / 2, cols: P, data: r.contractions };
          out.pairs = [];
          for (let i = 0; i < k; i++) for (let j = i; j < k; j++) out.pairs.push([i, j]);
        }
        return out;
      },
    );
  } catch (err) {
    // The core stops between Hessian-vector products when the signal fires.
    if (err instanceof DlnError && err.code === 'ERR_DLN_CANCELLED' && signal?.aborted) throw new DlnAbortError(signal.reason);
    throw err;
  }
}

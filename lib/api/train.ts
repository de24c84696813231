/** Gradient descent with a fixed learning rate, off the event loop. */
import { native, type NativeRunResult } from '../native';
import type { WeightsLike } from './matrix';
import type { Problem } from './problem';
import { runNativeJob, type RunControls } from './run';
import { Trace } from './trace';
import type { SharpnessOptions } from './spectrum';

/** How a run ended. Divergence is a result, not an error. */
export type RunStatus = 'completed' | 'converged' | 'diverged' | 'cancelled' | 'failed';

/**
 * Quantities a run can record (see README, "Recorded quantities"). Defaults: loss, gradNorm,
 * testLoss (with a test set), distance (univariate) or singularValues (matrix heads).
 */
export type Quantity =
  | 'loss'
  | 'testLoss'
  | 'excessLoss'
  | 'distance'
  | 'distanceMean'
  | 'gradNorm'
  | 'singularValues'
  | 'rank'
  | 'nuclearNorm'
  | 'schatten2OverL'
  | 'layerNorms'
  | 'rankOneGap'
  | 'singularSpread'
  | 'alignment'
  | 'balancedness'
  | 'balancednessDrift'
  | 'residualNorms'
  | 'lemma2Epsilon'
  | 'sharpness'
  | 'sharpnessTopK'
  | 'lambdaMin'
  | 'spectralRadius'
  | 'sharpnessResidual'
  | 'sharpnessHvps'
  | 'sharpnessPower'
  | (string & {});

export interface TrainOptions extends RunControls {
  /** Learning rate eta > 0. */
  learningRate: number;
  /** Step budget (updates). */
  steps: number;
  /** Record every k steps (0: only the initial and final points, which are always recorded). */
  recordEvery?: number;
  /** Also record at log-spaced steps, this many per decade (for log-time plots; 0: off). */
  recordPerDecade?: number;
  record?: Quantity[];
  /** Singular values above this count towards rank(A) (default 1e-4, as Jacot et al.). */
  rankTolerance?: number;
  /** How the spectral quantities (sharpness, ...) are computed. */
  sharpness?: SharpnessOptions;
  /** Stop ("converged") once loss <= lossTarget. */
  lossTarget?: number;
  /** Stop once loss - (its minimum) <= excessLossTarget. */
  excessLossTarget?: number;
  /** Stop once ||grad|| <= gradNormTarget. */
  gradNormTarget?: number;
  /** A loss above this is divergence (default 1e12 * max(1, initial loss)). */
  lossCeiling?: number;
}

export interface RunResult {
  status: RunStatus;
  message: string;
  /** Updates applied. */
  steps: number;
  /** The step whose loss was non-finite or above the ceiling; null unless diverged. */
  divergedAt: number | null;
  /** Loss at the final point; null when diverged. */
  finalLoss: number | null;
  finalGradNorm: number | null;
  /** Final weights (flat, layers W_1..W_L row-major). */
  weights: Float64Array;
  /** Recorded rows: always "step" and "time" (= eta * step), then the requested quantities. */
  trace: Trace;
}

export function toRunResult(r: NativeRunResult): RunResult {
  return {
    status: r.status,
    message: r.message,
    steps: r.steps,
    divergedAt: r.divergedAt,
    finalLoss: r.finalLoss,
    finalGradNorm: r.finalGradNorm,
    weights: r.weights,
    trace: new Trace(r.trace),
  };
}

/** Runs gradient descent from `weights`. Resolves when the run ends (see RunResult.status). */
export function train(problem: Problem, weights: WeightsLike, options: TrainOptions): Promise<RunResult> {
  const theta = problem.weights(weights);
  const { signal, onProgress, ...rest } = options;
  return runNativeJob((progress) => native().train(problem.native, theta, rest, progress), { signal, onProgress }, toRunResult);
}

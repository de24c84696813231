/** Gradient descent with a fixed learning rate, off the event loop. */
import { native, type NativeRunResult } from '../native';
import type { WeightsLike } from './matrix';
import { problemArg, type Problem } from './problem';
import { runNativeJob } from './run';
import { Trace } from './trace';
import { runBundle, withDisplay } from './display';
import { checkOptions, withDefaults, type OptionsOf } from '../options/declare';
import { trainOptions } from '../options/gd';

/** How a run ended. Divergence is a result, not an error. */
export type RunStatus = 'completed' | 'converged' | 'diverged' | 'cancelled' | 'failed';

export type { Quantity } from '../options/run';

/**
 * The options of train(), declared in lib/options/gd.ts (name, type, default, bounds and doc of
 * each; README "Options"): learningRate, steps, recordEvery, recordPerDecade, record,
 * rankTolerance, sharpness, lossTarget, excessLossTarget, gradNormTarget, lossCeiling, plus the
 * run controls signal and onProgress.
 */
export type TrainOptions = OptionsOf<typeof trainOptions.fields>;

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
  const result: RunResult = {
    status: r.status,
    message: r.message,
    steps: r.steps,
    divergedAt: r.divergedAt,
    finalLoss: r.finalLoss,
    finalGradNorm: r.finalGradNorm,
    weights: r.weights,
    trace: new Trace(r.trace),
  };
  // In a notebook: the run's summary, chart and table (non-enumerable: no data field).
  return withDisplay(result, (self) => runBundle({ ...self }, 'train'));
}

/**
 * Runs gradient descent from `weights`. Resolves when the run ends (see RunResult.status); every
 * error, bad input included, is a rejection.
 */
export async function train(problem: Problem, weights: WeightsLike, options: TrainOptions): Promise<RunResult> {
  checkOptions(trainOptions, options);
  const theta = problemArg(problem).weights(weights);
  const { signal, onProgress, ...rest } = withDefaults(trainOptions, options);
  return runNativeJob((progress) => native().train(problem.native, theta, rest, progress), { signal, onProgress }, toRunResult);
}

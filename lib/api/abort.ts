/**
 * What `DlnAbortError.partial` holds for each entry point that an AbortSignal can stop, so a
 * caller names the type instead of casting: `catch (e) { if (e instanceof DlnAbortError) { const
 * r = (e as AbortErrorOf<'train'>).partial; ... } }`. `undefined` when the signal was already
 * aborted at the call (nothing was done). The package's entry (lib/index.ts) adds runExperiment
 * (lib/pipeline/run.ts ExperimentAbortError).
 */
import type { DlnAbortError } from '../errors';
import type { FlowResult } from './flow';
import type { RunResult } from './train';

export interface AbortPartials {
  /** The run up to the step it stopped at (status "cancelled"): weights, trace, steps. */
  train: RunResult;
  /** The integration up to the time it stopped at (status "cancelled"). */
  flow: FlowResult;
  /** The run of the stage in flight (train's partial); finished stages are not returned. */
  greedyRankIncremental: RunResult;
  /** Never set: a stopped eigensolve has no result (the rejection has code ERR_DLN_CANCELLED). */
  sharpness: never;
  /** Never set, as sharpness. */
  denseHessian: never;
  /** Never set, as sharpness. */
  sharpnessGradient: never;
}

/** The DlnAbortError an entry point rejects with when its signal stops it. */
export type AbortErrorOf<K extends keyof AbortPartials> = DlnAbortError<AbortPartials[K]>;

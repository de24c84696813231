/**
 * Gradient descent runs of one problem in SIMD lanes (src/lanes/gd_lanes.hpp; docs/algorithms.md
 * §4.8): the runs advance together, each with its own weights and options, and each result has the
 * same bits as train() gives for that run alone. Runs the lanes do not support (laneEligible says
 * which) run one by one in the same job, so any runs may be passed.
 */
import { callNative } from '../errors';
import { native, type NativeRunResult } from '../native';
import type { WeightsLike } from './matrix';
import { problemArg, type Problem } from './problem';
import { runNativeJob, type RunControls } from './run';
import { toRunResult, type RunResult, type TrainOptions } from './train';
import { checkOptions, withDefaults } from '../options/declare';
import { trainOptions } from '../options/gd';

/** One run of trainLanes: its initial weights and its train() options (without signal and onProgress). */
export interface LaneRun {
  weights: WeightsLike;
  options: Omit<TrainOptions, 'signal' | 'onProgress'>;
}

/**
 * Why a run cannot go in lanes, or '' when it can: the core's rule (src/lanes/gd_lanes.hpp,
 * laneIneligibility; docs/algorithms.md §4.8). Only speed depends on it: trainLanes runs an
 * ineligible run the single-run way.
 */
export function laneIneligibility(problem: Problem, options: LaneRun['options']): string {
  checkOptions(trainOptions, options);
  const { signal: _s, onProgress: _p, ...rest } = withDefaults(trainOptions, options as TrainOptions);
  return callNative(() => native().laneIneligibility(problemArg(problem).native, rest));
}

/** Runs every run to its end; result i belongs to runs[i]. Aborting stops them all (DlnAbortError, partial: the results). */
export async function trainLanes(problem: Problem, runs: LaneRun[], controls: RunControls = {}): Promise<RunResult[]> {
  const p = problemArg(problem);
  const prepared = runs.map((r, i) => {
    checkOptions(trainOptions, r.options, `runs[${i}].options`);
    const { signal: _s, onProgress: _p, ...rest } = withDefaults(trainOptions, r.options as TrainOptions);
    return { weights: p.weights(r.weights), options: rest };
  });
  return runNativeJob(
    (progress) => {
      const job = native().trainLanes(p.native, prepared, progress);
      const promise = job.promise.then((results: NativeRunResult[]) => ({
        status: results.some((r) => r.status === 'cancelled') ? 'cancelled' : 'completed',
        results,
      }));
      return { promise, cancel: () => job.cancel() };
    },
    controls,
    (r) => r.results.map(toRunResult),
  );
}

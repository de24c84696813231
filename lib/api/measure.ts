/**
 * The quantities a run records (see README, "Recorded quantities"), at one point and outside any
 * run: the same probes, so a number measured here equals the one a run records at that point.
 * The point is its own initial point (lemma2Epsilon, balancednessDrift and residualNorms read it
 * as theta0).
 */
import { callNative, fieldError } from '../errors';
import { native } from '../native';
import type { WeightsLike } from './matrix';
import type { Problem } from './problem';
import { runNativeJob, type RunControls } from './run';
import type { SharpnessOptions } from './spectrum';
import { Trace } from './trace';
import type { Quantity } from './train';

export interface MeasureOptions {
  /** Singular values above this count towards rank(A) (default 1e-4). */
  rankTolerance?: number;
  /** How the spectral quantities (sharpness, ...) are computed. */
  sharpness?: SharpnessOptions;
}

/** One value per quantity, as in a trace row: vector quantities as arrays, NaN as null. */
export type Measurement = Record<string, number | null | (number | null)[]>;

const KNOWN_OPTIONS = ['rankTolerance', 'sharpness'];

function nativeOptions(options: MeasureOptions | undefined, extra: string[]): MeasureOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw fieldError('ERR_DLN_TYPE', 'options', 'expected an object');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (extra.includes(key)) continue;
    if (!KNOWN_OPTIONS.includes(key)) {
      throw fieldError('ERR_DLN_VALUE', `options.${key}`, `unknown option (known: ${[...KNOWN_OPTIONS, ...extra].join(', ')})`);
    }
    out[key] = value;
  }
  return out;
}

/** The quantities at `weights`, computed in the caller's thread (for cheap quantities). */
export function measureSync(problem: Problem, weights: WeightsLike, quantities: Quantity[], options?: MeasureOptions): Measurement {
  const w = problem.weights(weights);
  const opts = nativeOptions(options, []);
  return new Trace(callNative(() => native().measureSync(problem.native, w, quantities, opts))).row(0);
}

/** The quantities at `weights`, off the event loop (eigensolves on big problems). Errors are rejections. */
export async function measure(
  problem: Problem,
  weights: WeightsLike,
  quantities: Quantity[],
  options?: MeasureOptions & RunControls,
): Promise<Measurement> {
  const w = problem.weights(weights);
  const opts = nativeOptions(options, ['signal', 'onProgress']);
  return runNativeJob(
    (p) => native().measure(problem.native, w, quantities, opts, p),
    { signal: options?.signal, onProgress: options?.onProgress },
    (r) => new Trace(r.trace).row(0),
  );
}

/**
 * Gradient flow dθ/dt = −∇R(θ) by the adaptive Dormand–Prince 5(4) pair (scipy's RK45 rules),
 * off the event loop: dense output, events, invariants. See README, "Gradient flow".
 */
import { fieldError } from '../errors';
import { native, type NativeFlowResult } from '../native';
import type { SharpnessOptions } from './spectrum';
import type { WeightsLike } from './matrix';
import type { Problem } from './problem';
import { runNativeJob, type RunControls } from './run';
import { Trace } from './trace';
import type { Quantity, RunStatus } from './train';

/**
 * A condition located on the dense output (scipy's event semantics): it fires where the quantity
 * crosses the threshold, and at t = 0 if it already holds there. Several conditions in one object
 * share `terminal`.
 */
export interface FlowEvent {
  /** Fires when the loss falls to this value. */
  lossBelow?: number;
  /** Fires when loss − (its minimum) falls to this value (needs a known minimum). */
  excessLossBelow?: number;
  /**
   * Fires when ‖∇R‖ falls to this value. At the stability limit an explicit method keeps ‖∇R‖ at
   * about S·(atol + rtol·max|θ|) (S the sharpness): a smaller tolerance may never be reached.
   */
  gradNormBelow?: number;
  /** Fires when the sharpness (top Hessian eigenvalue, computed as `options.sharpness` says) rises to this value. */
  sharpnessAbove?: number;
  /** Any scalar recordable quantity (see README, "Recorded quantities") with `below` or `above`. */
  quantity?: Quantity;
  below?: number;
  above?: number;
  /** Stop the run at this event (default true). */
  terminal?: boolean;
}

export interface FlowOptions extends RunControls {
  /** End of the time interval, > 0 (Infinity: run until a terminal event or maxSteps). */
  tEnd: number;
  /** Relative tolerance (default 1e-6, >= 100 eps; scipy's default is 1e-3). */
  rtol?: number;
  /** Absolute tolerance (default 1e-9, > 0; scipy's default is 1e-6). */
  atol?: number;
  /** Budget of accepted steps (default 1e7); the run ends "completed" when it is used. */
  maxSteps?: number;
  /** First step size (default: scipy's automatic selection). */
  firstStep?: number;
  /** Largest step size (default Infinity). */
  maxStep?: number;
  /** Step-size control: 'I' (scipy's, default) or 'PI' (Hairer's, beta = 0.04: fewer rejections). */
  controller?: 'I' | 'PI';
  /** Quantities to record (as for train), plus 'stepSize'. */
  record?: (Quantity | 'stepSize')[];
  /** Record every k accepted steps (0: only the initial and final points, always recorded). */
  recordEvery?: number;
  /** Also record at these times (strictly increasing, in [0, tEnd]), by dense output. */
  times?: ArrayLike<number>;
  /** Events located on the dense output (see FlowEvent). */
  events?: FlowEvent | FlowEvent[];
  /** Singular values above this count towards rank(A) (default 1e-4). */
  rankTolerance?: number;
  /** How the spectral quantities (sharpness, ...) are computed. */
  sharpness?: SharpnessOptions;
  /** A loss above this is divergence (default 1e12 × max(1, initial loss)). */
  lossCeiling?: number;
}

/** One event occurrence. */
export interface FlowEventOccurrence {
  /** Position of its event object in `options.events`. */
  index: number;
  /** How it was written: 'lossBelow', 'excessLossBelow', 'gradNormBelow', or '<quantity> below|above'. */
  name: string;
  quantity: string;
  direction: 'below' | 'above';
  threshold: number;
  terminal: boolean;
  /** Time of the crossing (Brent's method on the dense output, to 4 eps of the step). */
  t: number;
  /** Accepted steps completed, counting the one the crossing lies in (0: it held at t = 0). */
  step: number;
}

export interface FlowStats {
  /** Right-hand sides (gradients) in the integrator: 2 + 6 × (accepted + rejected), as scipy's. */
  nfev: number;
  accepted: number;
  rejected: number;
  /** Evaluations outside the integrator: recording at dense-output times, locating events, end points. */
  extraEvaluations: number;
  /** The last accepted step size not shortened to land on tEnd (near a minimizer about 3.3 / sharpness). */
  lastStepSize: number;
}

export interface FlowResult {
  /** 'completed' (tEnd or maxSteps reached), 'converged' (a terminal event), 'diverged', 'cancelled', 'failed' (step size too small). */
  status: RunStatus;
  message: string;
  /** Where the run ended. */
  t: number;
  /** Weights there (flat, W_1..W_L row-major); for a diverged run, the point that diverged. */
  weights: Float64Array;
  /** Rows: "step" (accepted steps), "time", then the recorded quantities. */
  trace: Trace;
  stats: FlowStats;
  /** max_k ‖D_k(t) − D_k(0)‖_F, D_k = W_{k+1}ᵀW_{k+1} − W_kW_kᵀ: 0 for the exact flow (Lemma 1). */
  balancednessDrift: number | null;
  /** Loss at the end; null when diverged. */
  finalLoss: number | null;
  finalGradNorm: number | null;
  /** Event occurrences in time order. */
  events: FlowEventOccurrence[];
}

export function toFlowResult(r: NativeFlowResult): FlowResult {
  return { ...r, trace: new Trace(r.trace), stats: { ...r.stats }, events: r.events.map((e) => ({ ...e })) };
}

/**
 * Integrates gradient flow from `weights` over [0, tEnd]. Resolves when the run ends (see
 * FlowResult.status); an AbortSignal rejects with a DlnAbortError holding the run so far.
 */
export async function flow(problem: Problem, weights: WeightsLike, options: FlowOptions): Promise<FlowResult> {
  if (typeof options !== 'object' || options === null) throw fieldError('ERR_DLN_TYPE', 'options', 'expected an object with at least tEnd');
  const theta = problem.weights(weights);
  const { signal, onProgress, times, ...rest } = options;
  const nativeOptions: Record<string, unknown> = { ...rest };
  if (times !== undefined) {
    // Any array-like of numbers; the core checks the values (finite, increasing, in [0, tEnd]).
    const arrayLike = Array.isArray(times) || (ArrayBuffer.isView(times) && !(times instanceof Float64Array) && !(times instanceof DataView));
    nativeOptions.times = arrayLike ? Float64Array.from(times as ArrayLike<number>) : times;
  }
  return runNativeJob((progress) => native().flow(problem.native, theta, nativeOptions, progress), { signal, onProgress }, toFlowResult);
}

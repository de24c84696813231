/**
 * Gradient flow dθ/dt = −∇R(θ) off the event loop, by the adaptive Dormand–Prince 5(4) pair
 * (scipy's RK45 rules), the exponential Rosenbrock method exprb43 on exact Hessian-vector
 * products, or `auto` between them (docs/stiff-integration.md): dense output, events, invariants,
 * the same for every method. See README, "Gradient flow".
 */
import { native, type NativeFlowResult } from '../native';
import { checkOptions, withDefaults, type OptionsOf } from '../options/declare';
import { flowEventFields, flowOptions } from '../options/flow';
import type { WeightsLike } from './matrix';
import { problemArg, type Problem } from './problem';
import { runNativeJob } from './run';
import { Trace } from './trace';
import { runBundle, withDisplay } from './display';
import type { RunStatus } from './train';
import { centralFlow, type CentralFlowResult } from './central-flow';
import { fieldError } from '../errors';
import { centralOnlyKeys } from '../options/central-flow';

/**
 * A condition located on the dense output (scipy's event semantics): it fires where the quantity
 * crosses the threshold, and at t = 0 if it already holds there. Several conditions in one object
 * share `terminal`. Declared in lib/options/flow.ts: lossBelow, excessLossBelow, gradNormBelow,
 * sharpnessAbove, quantity with below or above, terminal (default true).
 */
export type FlowEvent = OptionsOf<typeof flowEventFields>;

/**
 * The options of flow(), declared in lib/options/flow.ts (README "Options"): tEnd, rtol, atol,
 * maxSteps, firstStep, maxStep, controller, method, krylovTolerance, maxKrylov, record, recordEvery, times, events, rankTolerance,
 * sharpness, lossCeiling, plus the run controls signal and onProgress.
 */
export type FlowOptions = OptionsOf<typeof flowOptions.fields>;

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
  /** Right-hand sides (gradients) in the integrator (RK45: 2 + 6 × (accepted + rejected), as scipy's). */
  nfev: number;
  accepted: number;
  rejected: number;
  /** Evaluations outside the integrator: recording at dense-output times, locating events, end points. */
  extraEvaluations: number;
  /** The last accepted step size not shortened to land on tEnd (RK45 near a minimizer: about 3.3 / sharpness). */
  lastStepSize: number;
  /** The method that ran. */
  method: 'rk45' | 'exprb43' | 'auto';
  /** Hessian-vector products (exprb43's Krylov bases, auto's sharpness estimates); 0 for rk45. */
  hvps: number;
  /** Lanczos iterations (Krylov bases and sharpness estimates). */
  krylovIterations: number;
  /** exprb43 steps cut because a Krylov basis reached maxKrylov. */
  krylovCuts: number;
  /** The largest Krylov basis. */
  maxKrylovBasis: number;
  /** auto: Lanczos estimates of the sharpness made by its stiffness test. */
  sharpnessEstimates: number;
  /** auto: switches between RK45 and exprb43. */
  switches: number;
  /** The last estimate of the sharpness S = λ_max(H) the method used (auto's Lanczos, exprb43's top Ritz value); null if none. */
  sharpnessEstimate: number | null;
  /** nfev + 2 × hvps: the cost in gradients (a Hessian-vector product costs about two). */
  gradientEquivalents: number;
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
  const result: FlowResult = { ...r, trace: new Trace(r.trace), stats: { ...r.stats }, events: r.events.map((e) => ({ ...e })) };
  // In a notebook: the run's summary, chart and table (non-enumerable: no data field).
  return withDisplay(result, (self) => runBundle({ ...self }, 'flow'));
}

/**
 * Integrates gradient flow from `weights` over [0, tEnd]. Resolves when the run ends (see
 * FlowResult.status); an AbortSignal rejects with a DlnAbortError holding the run so far.
 */
export async function flow(problem: Problem, weights: WeightsLike, options: FlowOptions & { dynamics: 'central' }): Promise<CentralFlowResult>;
export async function flow(problem: Problem, weights: WeightsLike, options: FlowOptions): Promise<FlowResult>;
export async function flow(problem: Problem, weights: WeightsLike, options: FlowOptions): Promise<FlowResult | CentralFlowResult> {
  checkOptions(flowOptions, options);
  // dynamics 'central': the central flow of gradient descent (lib/api/central-flow.ts).
  if (options.dynamics === 'central') return centralFlow(problem, weights, options);
  for (const key of centralOnlyKeys) {
    if (options[key] !== undefined) throw fieldError('ERR_DLN_VALUE', `options.${key}`, "applies to dynamics 'central' only");
  }
  const { dynamics: _dynamics, ...gradientOptions } = options;
  options = gradientOptions;
  const theta = problemArg(problem).weights(weights);
  const { signal, onProgress, times, ...rest } = withDefaults(flowOptions, options);
  const nativeOptions: Record<string, unknown> = { ...rest };
  if (times !== undefined) {
    // Any array-like of numbers; the core checks the values (finite, increasing, in [0, tEnd]).
    const arrayLike = Array.isArray(times) || (ArrayBuffer.isView(times) && !(times instanceof Float64Array) && !(times instanceof DataView));
    nativeOptions.times = arrayLike ? Float64Array.from(times as ArrayLike<number>) : times;
  }
  return runNativeJob((progress) => native().flow(problem.native, theta, nativeOptions, progress), { signal, onProgress }, toFlowResult);
}

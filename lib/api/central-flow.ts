/**
 * The central flow of gradient descent (src/central_flow.hpp, docs/central-flow.md), reached
 * through `flow(problem, weights, { dynamics: 'central', learningRate, ... })`: gradient flow
 * until the sharpness reaches 2/η, then the flow that holds the eigenvalues at the edge at 2/η,
 * dW/dt = −[∇R + ½∇⟨Σ, ∇²R⟩], with time in GD units (t = η·step). Recorded besides the usual
 * quantities: predictedLoss (GD's predicted time-averaged loss R + ½⟨Σ, ∇²R⟩), edgeCount (how many
 * eigenvalues are at the edge) and kktResidual (the Σ solve's relative KKT residual).
 */
import { fieldError } from '../errors';
import { native, type NativeBinding, type NativeFlowResult, type NativeJob, type NativeProblem } from '../native';
import { withDefaults, type OptionsOf } from '../options/declare';
import { flowOptions } from '../options/flow';
import type { WeightsLike } from './matrix';
import { problemArg, type Problem } from './problem';
import { runNativeJob } from './run';
import { Trace } from './trace';
import type { RunStatus } from './train';

// flow()'s options and result are declared in lib/api/flow.ts, which dispatches here: restated
// structurally (not imported) so that the two modules do not import each other.
type FlowOptions = OptionsOf<typeof flowOptions.fields>;

/** Checks of the central flow's Σ over the run (every right-hand side on the edge). */
export interface EdgeChecks {
  /** Largest relative KKT residual of the complementarity solve. */
  maxKktResidual: number;
  /** Smallest λ_min(S)/‖S‖ (≥ 0 up to rounding: Σ ⪰ 0). */
  minSigmaEigen: number;
  /** Largest |⟨S, Y⟩| / (‖S‖ max(‖Y‖, ‖α‖)): complementarity. */
  maxComplementarity: number;
  /** Over accepted steps on the edge: max |λ_i − 2/η| / (2/η). */
  maxEdgeDeviation: number;
}

export interface CentralFlowStats {
  /** As flow()'s stats: right-hand sides in the integrator (2 + 6 × steps per smooth piece), accepted and rejected steps, other evaluations, the last full step. */
  nfev: number;
  accepted: number;
  rejected: number;
  extraEvaluations: number;
  lastStepSize: number;
  /** Right-hand sides evaluated with at least one eigenvalue at the edge. */
  edgeEvaluations: number;
  /** Evaluations on the edge answered from the last right-hand side at the same point (an accepted step's end: DOPRI5's last stage). */
  cachedEvaluations: number;
  /** Hessian-vector products of the edge eigensolves. */
  hvps: number;
  /** Third-derivative contractions D³R[u_i, u_j, ·]. */
  contractions: number;
}

/** flow()'s result (lib/api/flow.ts, FlowResult) with the central flow's additions. */
export interface CentralFlowResult {
  status: RunStatus;
  message: string;
  t: number;
  weights: Float64Array;
  /** Rows: "step" (accepted steps), "time" (GD units), then the recorded quantities. */
  trace: Trace;
  balancednessDrift: number | null;
  finalLoss: number | null;
  finalGradNorm: number | null;
  events: NativeFlowResult['events'];
  stats: CentralFlowStats;
  /** Eigenvalues at the edge at the end. */
  edgeCount: number;
  /** Where the number of eigenvalues at the edge changed (events located on the dense output). */
  transitions: Array<{ t: number; from: number; to: number }>;
  edgeChecks: EdgeChecks;
}

interface NativeCentralFlowResult extends Omit<NativeFlowResult, 'stats'> {
  stats: CentralFlowStats;
  edgeCount: number;
  transitions: Array<{ t: number; from: number; to: number }>;
  edgeChecks: EdgeChecks;
}

interface CentralFlowBinding {
  centralFlow(problem: NativeProblem, weights: Float64Array, options: object, onProgress?: unknown): NativeJob<NativeCentralFlowResult>;
}

function binding(): NativeBinding & CentralFlowBinding {
  return native() as NativeBinding & CentralFlowBinding;
}

/** flow() with dynamics 'central' (options already checked against the flow's declaration). */
export async function centralFlow(problem: Problem, weights: WeightsLike, options: FlowOptions): Promise<CentralFlowResult> {
  if (options.learningRate === undefined) {
    throw fieldError(
      'ERR_DLN_TYPE',
      'options.learningRate',
      "is required with dynamics 'central' (a number > 0: the flow holds the sharpness at 2 / learningRate)",
    );
  }
  // The central flow integrates each smooth piece with DOPRI5 (src/central_flow.cpp): the stiff
  // methods of the gradient flow do not apply to it.
  if (options.method !== undefined && options.method !== 'rk45') {
    throw fieldError('ERR_DLN_VALUE', 'options.method', `dynamics 'central' integrates with rk45 only (got ${JSON.stringify(options.method)})`);
  }
  const theta = problemArg(problem).weights(weights);
  const { signal, onProgress, times, dynamics: _dynamics, method: _method, ...rest } = withDefaults(flowOptions, options);
  const nativeOptions: Record<string, unknown> = { ...rest };
  if (times !== undefined) {
    const arrayLike = Array.isArray(times) || (ArrayBuffer.isView(times) && !(times instanceof Float64Array) && !(times instanceof DataView));
    nativeOptions.times = arrayLike ? Float64Array.from(times as ArrayLike<number>) : times;
  }
  return runNativeJob(
    (progress) => binding().centralFlow(problem.native, theta, nativeOptions, progress),
    { signal, onProgress },
    (r) => ({
      ...r,
      trace: new Trace(r.trace),
      stats: { ...r.stats },
      events: r.events.map((e) => ({ ...e })),
      transitions: r.transitions.map((e) => ({ ...e })),
      edgeChecks: { ...r.edgeChecks },
    }),
  );
}

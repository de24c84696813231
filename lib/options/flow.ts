/**
 * The options of `flow()`: gradient flow by adaptive RK45, the exponential Rosenbrock method
 * exprb43 on exact Hessian-vector products, or `auto` between them (src/flow.hpp, FlowOptions;
 * docs/stiff-integration.md §10).
 */
import { boolean, integer, list, names, number, numbers, oneOf, options, required, string } from './declare';
import { controls, runFields, type Quantity } from './run';
import { centralFlowFields } from './central-flow';

/**
 * A condition located on the dense output (scipy's event semantics): it fires where the quantity
 * crosses the threshold, and at t = 0 if it already holds there. Several conditions in one object
 * share `terminal`. In configs a threshold may be an expression in initialLoss and lossMinimum.
 */
export const flowEventFields = {
  lossBelow: number({ doc: 'fires when the loss falls to this value', infinite: 'both', expression: true }),
  excessLossBelow: number({ doc: 'fires when loss - (its minimum) falls to this value (needs a known minimum)', infinite: 'both', expression: true }),
  gradNormBelow: number({
    doc: 'fires when ||grad|| falls to this value (at the stability limit an explicit method keeps ||grad|| near S (atol + rtol max|theta|): a smaller value may never be reached)',
    infinite: 'both',
    expression: true,
  }),
  sharpnessAbove: number({ doc: 'fires when the sharpness (computed as `sharpness` says) rises to this value', infinite: 'both', expression: true }),
  quantity: string<Quantity>({ doc: 'any scalar recordable quantity, with `below` or `above`' }),
  below: number({ doc: 'with `quantity`: fires when it falls to this value', infinite: 'both', expression: true }),
  above: number({ doc: 'with `quantity`: fires when it rises to this value', infinite: 'both', expression: true }),
  terminal: boolean({ doc: 'stop the run at this event', default: true }),
} as const;

/** The integration methods (docs/stiff-integration.md §8-§9). */
export const FLOW_METHODS = ['rk45', 'exprb43', 'auto'] as const;
export type FlowMethod = (typeof FLOW_METHODS)[number];
const methodDoc =
  "integrator: rk45 (explicit Dormand-Prince 5(4), scipy's rules; stability-bound where the flow is stiff), exprb43 (exponential Rosenbrock on exact Hessian-vector products: no stability limit), or auto (RK45 while the flow is not stiff, exprb43 while it is)";

export const flowFields = {
  tEnd: required(number({ doc: 'end of the time interval (Infinity: until a terminal event or maxSteps)', gt: 0, infinite: 'positive' })),
  rtol: number({ doc: "relative tolerance, at least 100 eps (scipy's default is 1e-3)", min: 100 * Number.EPSILON, default: 1e-6 }),
  atol: number({ doc: "absolute tolerance (scipy's default is 1e-6)", gt: 0, default: 1e-9 }),
  maxSteps: integer({ doc: 'budget of accepted steps; the run ends "completed" when it is used', min: 1, max: 2 ** 53, default: 1e7 }),
  firstStep: number({ doc: 'first step size (at most tEnd)', gt: 0, defaultText: "scipy's automatic selection" }),
  maxStep: number({ doc: 'largest step size', gt: 0, infinite: 'positive', default: Infinity }),
  controller: oneOf(['I', 'PI'] as const, {
    doc: "RK45's step-size control (rk45, and auto's RK45 phases): I (scipy's) or PI (Hairer's, beta = 0.04: fewer rejections)",
    default: 'I',
  }),
  // In configs the method is train.integrator (flowConfigFields): train.method chooses gd / flow / greedy.
  method: oneOf(FLOW_METHODS, { doc: methodDoc, default: 'auto', config: false }),
  krylovTolerance: number({
    doc: 'exprb43: each Krylov approximation stops when its estimated error is below this fraction of the step error norm',
    gt: 0,
    max: 1,
    default: 0.01,
  }),
  maxKrylov: integer({ doc: 'exprb43: largest Krylov basis (a step that needs more is cut)', min: 2, max: 1000, default: 120 }),
  record: names<Quantity | 'stepSize' | 'predictedLoss' | 'edgeCount' | 'kktResidual'>({
    doc: runFields.record.doc,
    defaultText: runFields.record.defaultText,
    configDefault: runFields.record.configDefault,
  }),
  recordEvery: runFields.recordEvery,
  times: numbers({ doc: 'also record at these times (strictly increasing, in [0, tEnd]), by dense output' }),
  events: list(flowEventFields, { doc: 'events located on the dense output (an object or an array of them)', single: true }),
  rankTolerance: runFields.rankTolerance,
  sharpness: runFields.sharpness,
  lossCeiling: runFields.lossCeiling,
  // dynamics: 'central' and its options (lib/options/central-flow.ts).
  ...centralFlowFields,
} as const;

/** flow(problem, weights, options). */
export const flowOptions = options({ ...flowFields, ...controls });

/**
 * Config-only flow options: `train.integrator` is flow()'s `method` (train.method already chooses
 * gd / flow / greedy). Absent, a config runs RK45: a plan hash promises the numbers, and configs
 * written before the option existed ran RK45 (it is not filled at parse time, so their hashes stay).
 */
export const flowConfigFields = {
  integrator: oneOf(FLOW_METHODS, {
    doc: `flow: the ${methodDoc}; absent: rk45 (what configs written before this option ran, under the same plan hash)`,
    defaultText: 'rk45',
  }),
} as const;

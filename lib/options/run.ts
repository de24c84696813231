/**
 * Options every run shares — gradient descent, gradient flow, and the spectral settings they
 * record with — and the run controls (signal, onProgress) of every long computation.
 */
import { group, integer, names, number, oneOf, boolean, custom } from './declare';

/**
 * Quantities a run can record (README, "Recorded quantities"), the names the core knows
 * (src/probes.cpp knownQuantities; test/options.test.ts holds the two lists equal). Defaults:
 * loss, gradNorm, testLoss (with a test set), distance (univariate) or singularValues (matrix heads).
 */
export const QUANTITIES = [
  'loss',
  'testLoss',
  'excessLoss',
  'distance',
  'distanceMean',
  'gradNorm',
  'singularValues',
  'rank',
  'nuclearNorm',
  'schatten2OverL',
  'layerNorms',
  'rankOneGap',
  'singularSpread',
  'alignment',
  'balancedness',
  'balancednessDrift',
  'residualNorms',
  'lemma2Epsilon',
  'sharpness',
  'sharpnessTopK',
  'lambdaMin',
  'spectralRadius',
  'sharpnessResidual',
  'sharpnessHvps',
  'sharpnessPower',
  'stabilityEdge',
  'preconditionedSharpness',
  'batchSharpness',
  'momentumNorm',
  'secondMomentNorm',
  'sharpnessGradientNorm',
  'gfsSharpness',
  'layerImbalance',
  'weightNorm',
  'orbitLoss',
  'orbitSharpness',
  'orbitAlignment',
  'lyapunov',
] as const;

/** A quantity a run can record: a closed union (a misspelt name is a type error). */
export type Quantity = (typeof QUANTITIES)[number];

/** Progress of a long computation, delivered at most every ~100 ms. */
export interface Progress {
  /** Steps (gradient descent), accepted steps (flow) or runs (sweeps) done. */
  done: number;
  /** The budget, or 0 when unknown. */
  total: number;
  loss: number;
  /** Flow time, when it applies. */
  time: number;
}

/** signal / onProgress: checked by the job runner (lib/api/run.ts), which names them without "options.". */
export const controls = {
  signal: custom<AbortSignal>({
    type: 'AbortSignal',
    doc: 'Stops the work; the promise rejects with a DlnAbortError whose `partial` holds the result so far.',
  }),
  onProgress: custom<(progress: Progress) => void>({
    type: 'function',
    doc: 'Called with {done, total, loss, time} at most every ~100 ms. If it throws, the work stops and the promise rejects with what it threw.',
  }),
} as const;

const seedMax = 2 ** 53;

/** How the spectral quantities (sharpness, ...) are computed; the options of `sharpness()` too. */
export const sharpnessFields = {
  method: oneOf(['lanczos', 'power', 'dense'] as const, {
    doc: "lanczos: reorthogonalized Lanczos (full for top k > 1; partial and selective for the top 1), stopping on the Ritz residual; power: the Marion-Chizat reference code's 20-step power iteration (a spectral-radius estimate, for parity); dense: assemble H from P products and eigen-decompose it (small problems; exact)",
    default: 'lanczos',
    fill: true,
  }),
  k: integer({ doc: 'how many of the largest eigenvalues (at most the number of parameters P)', min: 1, max: 2 ** 20, default: 1, fill: true }),
  tol: number({
    doc: 'Lanczos: a Ritz pair is converged when ||Hy - theta y|| <= tol |theta| (relative Ritz residual)',
    gt: 0,
    default: 1e-10,
    fill: true,
  }),
  maxIterations: integer({ doc: 'Lanczos iteration cap (0: the default; at least k)', min: 0, max: 2 ** 20, defaultText: 'min(P, 300)' }),
  powerIterations: integer({ doc: 'power iteration steps (as the reference code)', min: 1, max: 2 ** 20, default: 20 }),
  seed: integer({
    doc: 'seed of the start vector (Lanczos) or the random start (power); experiments derive it from the master seed',
    min: 0,
    max: seedMax,
    default: 0,
    config: false,
  }),
  warmStart: boolean({ doc: "along a run, start Lanczos from the previous recording's Ritz vector", default: true, fill: true }),
} as const;

export const sharpnessGroup = group(sharpnessFields, { doc: 'how the spectral quantities (sharpness, sharpnessTopK, lambdaMin, ...) are computed' });

/** The options gradient descent and gradient flow share. */
export const runFields = {
  recordEvery: integer({
    doc: 'record every k steps (gradient flow: accepted steps); 0: only the initial and final points, which are always recorded',
    min: 0,
    max: seedMax,
    default: 0,
    fill: true,
  }),
  record: names<Quantity>({
    doc: 'quantities to record (README "Recorded quantities"; gradient flow also stepSize)',
    defaultText: 'loss, gradNorm, testLoss (with a test set), distance (univariate) or singularValues',
    configDefault: ['loss'],
  }),
  rankTolerance: number({ doc: 'singular values of A above this count towards rank(A) (Jacot et al.)', min: 0, default: 1e-4 }),
  sharpness: sharpnessGroup,
  lossCeiling: number({ doc: 'a loss above this is divergence', gt: 0, infinite: 'positive', defaultText: '1e12 × max(1, initial loss)' }),
} as const;

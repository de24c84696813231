/**
 * Loads the native addon (a prebuilt binary from prebuilds/, or build/Release after a source
 * build) and types its surface. Only lib/ talks to this module.
 */
import * as path from 'node:path';
import { DlnError, wrapNative } from './errors';
import { loadFailureHelp } from './load-help';

export interface NativeColumn {
  name: string;
  width: number;
  values: Float64Array;
}

export interface NativeRunResult {
  status: 'completed' | 'converged' | 'diverged' | 'cancelled' | 'failed';
  message: string;
  steps: number;
  divergedAt: number | null;
  finalLoss: number | null;
  finalGradNorm: number | null;
  weights: Float64Array;
  trace: NativeColumn[];
}

export interface NativeFlowResult {
  status: 'completed' | 'converged' | 'diverged' | 'cancelled' | 'failed';
  message: string;
  t: number;
  weights: Float64Array;
  trace: NativeColumn[];
  stats: {
    nfev: number;
    accepted: number;
    rejected: number;
    extraEvaluations: number;
    lastStepSize: number;
    method: 'rk45' | 'exprb43' | 'auto';
    hvps: number;
    krylovIterations: number;
    krylovCuts: number;
    maxKrylovBasis: number;
    sharpnessEstimates: number;
    switches: number;
    sharpnessEstimate: number | null;
    gradientEquivalents: number;
  };
  balancednessDrift: number | null;
  finalLoss: number | null;
  finalGradNorm: number | null;
  events: Array<{
    index: number;
    name: string;
    quantity: string;
    direction: 'below' | 'above';
    threshold: number;
    terminal: boolean;
    t: number;
    step: number;
  }>;
}

export interface NativeProgress {
  done: number;
  total: number;
  loss: number;
  time: number;
}

export interface NativeJob<R> {
  promise: Promise<R>;
  cancel(): void;
}

export interface NativeProblemInfo {
  kind: 'regression' | 'mse' | 'completion';
  widths: number[];
  depth: number;
  paramCount: number;
  projection?: Float64Array;
  l2: number;
  hasTestSet: boolean;
  lossMinimum: number | null;
  sweepSide: 'output' | 'input';
  sweepColumns: number;
}

export interface NativeEvaluation {
  loss: number | null;
  dataLoss: number | null;
  penalty: number;
  gradNorm: number | null;
  testLoss: number | null;
  excessLoss: number | null;
  distance: number | null;
  endToEnd: Float64Array;
  headGradient: Float64Array;
}

/**
 * Problem.theory(): the theory quantities of a univariate regression (docs/theory.md §2-§4), with
 * Σ = XᵀX/n, w* the least-squares regressor, p the output projection, L the depth and
 * q = ‖w*‖^{2−2/L} ‖p‖^{2/L} (docs/theory.md §1).
 */
export interface NativeTheory {
  /** L, the number of layers. */
  depth: number;
  /** λ, the smallest eigenvalue of Σ (0 when Σ is singular: see singularSigma). */
  lambda: number;
  /** Λ, the largest eigenvalue of Σ. */
  Lambda: number;
  /** a = uᵀΣu with u = w* / ‖w*‖: the curvature of the data along the regressor (λ ≤ a ≤ Λ). */
  a: number;
  /** ‖w*‖ (1 for the Marion-Chizat data, which are rescaled so). */
  wStarNorm: number;
  /** ‖p‖, the norm of the output projection (1 without one). */
  projectionNorm: number;
  /** Σ's smallest eigenvalue is below d_0·ε·Λ (n < d_0, collinear features): λ is set to 0 and w* is the minimum-norm solution. */
  singularSigma: boolean;
  /** S_min = 2Lλq: [MC] Theorem 1's lower bound on the sharpness of every global minimizer (docs/theory.md §2.2). */
  sMin: number;
  /** 2Laq: the slides' lower bound on the smallest sharpness over all minimizers (docs/theory.md §2.3). */
  sMinRefinedLower: number;
  /** 2q √((2L−1)Λ² + (L−1)²a²): the slides' upper bound on that smallest sharpness (docs/theory.md §2.3). */
  sMinRefinedUpper: number;
  /** S_r1: the sharpness of a rank-one, balanced, aligned minimizer, where small-initialization gradient flow ends (docs/theory.md §2.4). */
  sRankOne: number;
  /** 4(Λ/λ)·S_min: the top of [MC] Corollary 3's window for small initializations; null when λ = 0 (docs/theory.md §3.5). */
  smallInitUpper: number | null;
  /** 8LΛ: the upper line the authors' October 2024 code draws (no bound of the paper; docs/theory.md §2.5). */
  codeUpper: number;
  /** 2/S_min: the learning rate above which [MC] Theorem 1 says gradient descent cannot settle; null when S_min = 0 (docs/theory.md §4). */
  criticalLearningRate: number | null;
  /** The smallest training loss the architecture can reach (docs/math.md, Problem::lossMinimum). */
  lossMin: number;
  /** Σ's eigenvalues, ascending. */
  sigmaEigenvalues: Float64Array;
  /** w*, the least-squares (minimum-norm when Σ is singular) regressor. */
  wStar: Float64Array;
}

export interface NativeProblem {
  info(): NativeProblemInfo;
  evaluate(weights: Float64Array): NativeEvaluation;
  gradient(weights: Float64Array): { loss: number | null; gradient: Float64Array };
  theory(): NativeTheory;
}

export interface NativeSpectrum {
  status: 'completed';
  method: 'lanczos' | 'power' | 'dense';
  eigenvalues: Float64Array;
  residuals: Float64Array;
  iterations: number;
  hvps: number;
  restarts: number;
  converged: boolean;
  lambdaMin?: number;
  lambdaMinResidual?: number;
  spectralRadius?: number;
  lastNorm?: number;
  vectors?: Float64Array;
}

export interface NativeBinding {
  NativeProblem: new (descriptor: object) => NativeProblem;
  train(problem: NativeProblem, weights: Float64Array, options: object, onProgress?: (p: NativeProgress) => void): NativeJob<NativeRunResult>;
  trainLanes(
    problem: NativeProblem,
    runs: { weights: Float64Array; options: object }[],
    onProgress?: (p: NativeProgress) => void,
  ): NativeJob<NativeRunResult[]>;
  laneIneligibility(problem: NativeProblem, options: object): string;
  flow(problem: NativeProblem, weights: Float64Array, options: object, onProgress?: (p: NativeProgress) => void): NativeJob<NativeFlowResult>;
  generateMarionChizat(options: object): {
    n: number;
    d: number;
    X: Float64Array;
    y: Float64Array;
    XTest: Float64Array;
    yTest: Float64Array;
    wStar: Float64Array;
    normFactor: number;
    source: string;
    draws?: { wTrue: Float32Array; noise: Float32Array; noiseTest: Float32Array };
    projection?: Float64Array;
    depthProjections?: Record<string, Float64Array>;
  };
  jaxRandom(options: object): Uint32Array | Float32Array;
  generateJacotTeacher(options: object): {
    d: number;
    n: number;
    X: Float64Array;
    Y: Float64Array;
    XTest: Float64Array;
    YTest: Float64Array;
    teacher: Float64Array;
    noisyTeacher: Float64Array;
  };
  generateCompletion(options: object): {
    rows: number;
    cols: number;
    target: Float64Array;
    entries: Float64Array;
    testEntries: Float64Array;
  };
  initWeights(spec: { widths: number[]; projection?: Float64Array }, options: object): Float64Array;
  lazyStd(spec: { widths: number[] }, options: { sigma?: number }): number;
  randomUnitVector(options: { d: number; seed?: number; stream?: number }): Float64Array;
  buildInfo(): {
    blasVendor: string;
    blasThreads: number;
    blasThresholds: { gemm: number; gemv: number };
    workerThreads: number;
    maxWorkerThreads: number;
    maxBlasThreads: number;
    memoryLimit: number;
    cpuLevel: 'baseline' | 'avx2' | 'avx512';
    cpuLevels: ('baseline' | 'avx2' | 'avx512')[];
    laneIsa: 'baseline' | 'avx2' | 'avx512';
    laneWidth: number;
    normals: string;
    napiVersion: number;
    compiler: string;
  };
  svd(matrix: { rows: number; cols: number; data: Float64Array }): { U: Float64Array; S: Float64Array; V: Float64Array };
  hessianVectorProduct(problem: NativeProblem, weights: Float64Array, v: Float64Array): Float64Array;
  sharpness(problem: NativeProblem, weights: Float64Array, options: object, onProgress?: unknown): NativeJob<NativeSpectrum>;
  denseHessian(
    problem: NativeProblem,
    weights: Float64Array,
    onProgress?: unknown,
  ): NativeJob<{ status: 'completed'; hessian: Float64Array; eigenvalues: Float64Array; asymmetry: number }>;
  measureSync(problem: NativeProblem, weights: Float64Array, quantities: string[], options?: object): NativeColumn[];
  measure(
    problem: NativeProblem,
    weights: Float64Array,
    quantities: string[],
    options: object | undefined,
    onProgress?: unknown,
  ): NativeJob<{ status: 'completed'; trace: NativeColumn[] }>;
  setBlasThreads(threads: number): void;
  setMemoryLimit(bytes: number): void;
  setWorkerThreads(threads: number): void;
  setBlasThresholds(thresholds: { gemm?: number; gemv?: number }): void;
}

/** The package root (holds package.json, build/ and prebuilds/), the same from lib/ and dist/. */
export const packageRoot = path.resolve(__dirname, '..');

let cached: NativeBinding | undefined;

/**
 * Loads the addon of the package rooted at `root` the way node-gyp-build resolves it: a source
 * build (build/Release) first, then the prebuilt binary matching this platform, arch and libc
 * (prebuilds/linux-x64/dlnflow.glibc.node, ...). Throws ERR_DLN_NATIVE_LOAD saying what to do.
 */
export function loadNative(root: string): NativeBinding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- node-gyp-build is CommonJS without type declarations
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    return load(root);
  } catch (err) {
    // The addon loaded but refused a setting it reads at load time (DLNFLOW_CPU): its own error.
    if ((err as { code?: unknown } | null)?.code === 'ERR_DLN_VALUE') throw wrapNative(err);
    throw new DlnError('ERR_DLN_NATIVE_LOAD', loadFailureHelp(err, root), { cause: err });
  }
}

export function native(): NativeBinding {
  if (cached) return cached;
  cached = loadNative(packageRoot);
  return cached;
}

/**
 * Jacot et al.'s greedy rank-incremental Algorithm A(epsilon, T, eta): start from a width-1
 * network along the top singular pair of -grad C at A = 0, train T gradient-descent steps, then
 * repeatedly widen by one unit along the top singular pair of -grad C at the current point, until
 * the loss is within epsilon of its minimum. The stage end points approximate the saddles that
 * small-initialization gradient descent visits in turn.
 *
 * Two corrections to the printed algorithm (docs/algorithms.md §5.2): the new mode follows -grad C (with
 * +grad C the product eps^L u v^T raises the loss and a balanced width-1 chain shrinks back to the
 * origin), and the last layer grows as [W~_L, eps u] (the paper prints W~_1).
 */
import { DlnError, fieldError } from '../errors';
import { checkOptions, withDefaults, type OptionsOf } from '../options/declare';
import { greedyCompletionData, greedyMseData, greedyOptions } from '../options/greedy';
import { svd } from './linalg';
import type { Matrix } from './matrix';
import { Problem } from './problem';
import { train, type Quantity } from './train';
import type { Trace } from './trace';

/** The data of the problem the algorithm solves; the widths are the algorithm's business (lib/options/greedy.ts). */
export type GreedyData =
  | ({ kind: 'mse' } & Omit<OptionsOf<typeof greedyMseData.fields>, 'kind'>)
  | ({ kind: 'completion' } & Omit<OptionsOf<typeof greedyCompletionData.fields>, 'kind'>);

/**
 * The options of greedyRankIncremental(), declared in lib/options/greedy.ts: depth, epsilon,
 * stepsPerStage (T), learningRate, tolerance, lossMinimum, maxWidth, recordEvery, record,
 * rankTolerance, signal, onProgress.
 */
export type GreedyOptions = OptionsOf<typeof greedyOptions.fields>;

export interface GreedyStage {
  /** Hidden width of this stage's network (= the number of modes added so far). */
  width: number;
  widths: number[];
  /** The stage's end point (approximately the k-th saddle). */
  weights: Float64Array;
  loss: number;
  testLoss: number | null;
  /** Singular values of the stage's end-to-end map A, descending. */
  singularValues: Float64Array;
  rank: number;
  trace: Trace;
}

export interface GreedyResult {
  stages: GreedyStage[];
  /** Whether the loss reached lossMinimum + tolerance. */
  converged: boolean;
  lossMinimum: number;
}

interface Dims {
  d0: number;
  dL: number;
}

function dimsOf(data: GreedyData): Dims {
  if (typeof data !== 'object' || data === null) throw fieldError('ERR_DLN_TYPE', 'data', 'expected an object {kind: "mse" | "completion", ...}');
  const kind = (data as { kind?: unknown }).kind;
  if (kind !== 'mse' && kind !== 'completion') throw fieldError('ERR_DLN_VALUE', 'data.kind', 'expected "mse" or "completion"');
  checkOptions(kind === 'mse' ? greedyMseData : greedyCompletionData, data, 'data');
  if (data.kind === 'completion') return { d0: data.cols, dL: data.rows };
  const X = data.X as Matrix | number[][];
  const Y = data.Y as Matrix | number[][];
  const cols = (m: Matrix | number[][]) => (Array.isArray(m) ? (m[0]?.length ?? 0) : m.cols);
  return { d0: cols(X), dL: cols(Y) };
}

function makeProblem(data: GreedyData, widths: number[]): Problem {
  if (data.kind === 'mse') return Problem.mse({ X: data.X, Y: data.Y, XTest: data.XTest, YTest: data.YTest, l2: data.l2, widths });
  return Problem.completion({ entries: data.entries, testEntries: data.testEntries, l2: data.l2, widths });
}

function stageWidths(d: Dims, depth: number, k: number): number[] {
  return [d.d0, ...Array.from({ length: depth - 1 }, () => k), d.dL];
}

/** The top singular pair (u in R^{d_L}, v in R^{d_0}) of -dC/dA at `weights`. */
function descentPair(problem: Problem, weights: Float64Array): { u: Float64Array; v: Float64Array } {
  const G = problem.evaluate(weights).headGradient as Matrix;
  const s = svd({ rows: G.rows, cols: G.cols, data: G.data.map((x) => -x) });
  const u = new Float64Array(G.rows);
  const v = new Float64Array(G.cols);
  for (let i = 0; i < G.rows; i++) u[i] = s.U.data[i * s.U.cols];
  for (let j = 0; j < G.cols; j++) v[j] = s.V.data[j * s.V.cols];
  return { u, v };
}

/** Widens every hidden layer from k to k + 1 units, the new unit carrying eps * (u, 1, ..., 1, v). */
export function widen(d: Dims, depth: number, k: number, weights: Float64Array | null, u: Float64Array, v: Float64Array, eps: number): Float64Array {
  const next = k + 1;
  const out: number[] = [];
  for (let l = 0; l < depth; l++) {
    const rowsOld = l === depth - 1 ? d.dL : k;
    const colsOld = l === 0 ? d.d0 : k;
    const rows = l === depth - 1 ? d.dL : next;
    const cols = l === 0 ? d.d0 : next;
    const offset = weights ? layerOffset(d, depth, k, l) : 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const old = weights && i < rowsOld && j < colsOld ? weights[offset + i * colsOld + j] : 0;
        let value = old;
        if (l === 0 && i === k)
          value = eps * v[j]; // new row of W_1
        else if (l === depth - 1 && j === k)
          value = eps * u[i]; // new column of W_L
        else if (l > 0 && l < depth - 1 && i === k && j === k) value = eps; // new diagonal unit
        out.push(value);
      }
    }
  }
  return Float64Array.from(out);
}

function layerOffset(d: Dims, depth: number, k: number, layer: number): number {
  const widths = stageWidths(d, depth, k);
  let o = 0;
  for (let l = 0; l < layer; l++) o += widths[l] * widths[l + 1];
  return o;
}

export async function greedyRankIncremental(data: GreedyData, options: GreedyOptions): Promise<GreedyResult> {
  checkOptions(greedyOptions, options);
  const { depth, epsilon, stepsPerStage, learningRate } = options;
  const d = dimsOf(data);
  const maxWidth = options.maxWidth ?? Math.min(d.d0, d.dL);
  const tolerance = options.tolerance ?? epsilon;
  const full = makeProblem(data, stageWidths(d, depth, Math.max(d.d0, d.dL)));
  const lossMinimum = options.lossMinimum ?? full.lossMinimum;
  if (lossMinimum === null || lossMinimum === undefined) {
    throw new DlnError('ERR_DLN_VALUE', 'options.lossMinimum: the minimum of this loss is not known; pass it', { field: 'options.lossMinimum' });
  }
  const rankTolerance = withDefaults(greedyOptions, options).rankTolerance as number;
  const record: Quantity[] = options.record ?? (full.hasTestSet ? ['loss', 'testLoss', 'rank'] : ['loss', 'rank']);

  const stages: GreedyStage[] = [];
  let weights: Float64Array | null = null;
  let problem = full;
  let converged = false;
  for (let k = 0; k < maxWidth; k++) {
    const at: Float64Array = weights ?? new Float64Array(full.paramCount); // A = 0 before the first mode
    const { u, v } = descentPair(weights ? problem : full, at);
    const start: Float64Array = widen(d, depth, k, weights, u, v, epsilon);
    const widths = stageWidths(d, depth, k + 1);
    problem = makeProblem(data, widths);
    const run = await train(problem, start, {
      learningRate,
      steps: stepsPerStage,
      recordEvery: options.recordEvery,
      record,
      rankTolerance,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    if (run.status === 'diverged') {
      throw new DlnError('ERR_DLN_VALUE', `options.learningRate: stage ${k + 1} diverged (${run.message}); use a smaller learning rate`, {
        field: 'options.learningRate',
      });
    }
    weights = run.weights;
    const e = problem.evaluate(weights);
    const A = e.endToEnd as Matrix;
    const s = svd(A).S;
    stages.push({
      width: k + 1,
      widths,
      weights,
      loss: e.loss as number,
      testLoss: e.testLoss,
      singularValues: s,
      rank: s.filter((x) => x > rankTolerance).length,
      trace: run.trace,
    });
    if ((e.loss as number) <= lossMinimum + tolerance) {
      converged = true;
      break;
    }
  }
  return { stages, converged, lossMinimum };
}

/**
 * One run of a plan: build (or reuse) its problem, draw its initialization, train it by gradient
 * descent or integrate its gradient flow, and keep what the report needs (status, the first and
 * last recorded rows, the whole trace when asked).
 */
import { completionData, jacotTeacherData, marionChizatData, type RegressionData } from '../api/data';
import { flow, type FlowEvent, type FlowOptions } from '../api/flow';
import { centralOnlyKeys } from '../options/central-flow';
import { greedyRankIncremental, type GreedyData, type GreedyOptions } from '../api/greedy';
import { initWeights, randomUnitVector } from '../api/init';
import { alignedInit } from '../analysis/escape';
import { Problem, type RegressionTheory } from '../api/problem';
import { train, type RunResult, type RunStatus, type TrainOptions } from '../api/train';
import { fromConfig, pick } from '../options/declare';
import { completionOptions, jacotTeacherOptions, marionChizatOptions } from '../options/data';
import { initOptions } from '../options/init';
import type { Trace } from '../api/trace';
import { loadProblemFile } from '../config/problem-file';
import { evaluateExpression } from '../util/expression';
import { DlnError } from '../errors';
import { canonical, type AxisValue, type PlannedRun, type RunSeeds } from './plan';
import { trainOptionSpecs, type Experiment } from './schema';

export type Row = Record<string, number | null | (number | null)[]>;

/** How a value JSON cannot hold is marked: NaN, +Infinity, -Infinity. */
export type NonFiniteCode = 'NaN' | 'Infinity' | '-Infinity';

/**
 * Values of a record's rows that are not finite: JSON holds them as null, this map says what they
 * were, keyed by `initial.<quantity>` or `final.<quantity>` (`.<i>` appended for component i of a
 * vector quantity). Present only when some value is not finite, so that the records of runs
 * without such values are what they were before the map existed. Readers that ignore it see null.
 */
export type NonFiniteMarks = Record<string, NonFiniteCode>;

export function nonFiniteCode(v: number): NonFiniteCode {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

export function fromNonFiniteCode(code: string): number {
  return code === 'NaN' ? NaN : code === 'Infinity' ? Infinity : code === '-Infinity' ? -Infinity : NaN;
}

/** What a finished run leaves in the results (one JSONL line). */
export interface RunRecord {
  id: string;
  index: number;
  point: number;
  values: Record<string, AxisValue>;
  rep: number;
  seeds: RunSeeds;
  status: RunStatus;
  message: string;
  /** GD: updates applied; flow: accepted steps. */
  steps: number;
  /** GD: the step that diverged, else null. */
  divergedAt: number | null;
  /** The first and last recorded rows (step, time and the recorded quantities). */
  initial: Row;
  final: Row;
  /** Which null values of `initial` and `final` were NaN or infinite (absent: none). */
  nonFinite?: NonFiniteMarks;
  /** The greedy algorithm only: each stage's end point (about the k-th saddle). */
  stages?: { width: number; steps: number; loss: number; testLoss: number | null; rank: number; singularValues: number[] }[];
  /** Gradient flow only. */
  flow?: {
    t: number;
    nfev: number;
    accepted: number;
    rejected: number;
    balancednessDrift: number | null;
    events: { name: string; t: number }[];
  };
}

export interface TraceFile {
  id: string;
  /** Row-major values (width per row), non-finite values as null. */
  columns: Record<string, { width: number; values: (number | null)[] }>;
  /**
   * Which of those nulls were NaN or infinite: per column, [position in `values`, code] pairs.
   * Absent when every value is finite (so such trace files are what they were before).
   */
  nonFinite?: Record<string, [number, NonFiniteCode][]>;
}

/** Theory quantities of a univariate regression problem, JSON-ready. */
export type TheoryRecord = Omit<RegressionTheory, 'sigmaEigenvalues' | 'wStar'> & { sigmaEigenvalues: number[]; wStar: number[] };

export interface BuiltProblem {
  key: string;
  problem: Problem;
  widths: number[];
  theory: TheoryRecord | null;
  /** The raw data, for methods that build their own networks (the greedy algorithm). */
  data?: GreedyData;
}

export interface WeightsFile {
  id: string;
  widths: number[];
  weights: number[];
}

export function architecture(config: Experiment, d0: number, dOut: number): number[] {
  const m = config.model;
  if (m.widths) return m.widths.slice();
  const L = m.depth!;
  const width = m.width ?? d0;
  if (L === 1) return [d0, dOut];
  return [d0, ...Array.from({ length: L - 1 }, () => width), dOut];
}

function theoryRecord(problem: Problem): TheoryRecord | null {
  if (problem.kind !== 'regression') return null;
  const t = problem.theory();
  return { ...t, sigmaEigenvalues: Array.from(t.sigmaEigenvalues), wStar: Array.from(t.wStar) };
}

/** Runs with the same key share one problem (ProblemCache). */
export function problemKey(config: Experiment, seeds: RunSeeds): string {
  return canonical({ data: config.data, dataSeed: seeds.data, model: config.model, projectionSeed: seeds.projection });
}

/**
 * Problems are shared by every run with the same data, architecture and penalty (a problem is
 * read-only once built, so concurrent runs may use it).
 */
export class ProblemCache {
  private readonly cache = new Map<string, Promise<BuiltProblem>>();

  get(config: Experiment, seeds: RunSeeds): Promise<BuiltProblem> {
    const key = problemKey(config, seeds);
    let p = this.cache.get(key);
    if (!p) {
      p = buildProblem(config, seeds, key);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  /** Every problem built so far, by key. */
  async all(): Promise<BuiltProblem[]> {
    return Promise.all(this.cache.values());
  }
}

/** The projection p of model.projection: a random unit vector, or the one the authors' key chain draws. */
export function projectionOf(config: Experiment, d: RegressionData, widths: number[], seed: number): Float64Array {
  const kind = config.model.projection;
  const width = widths[widths.length - 1];
  if (kind === 'random-unit') return randomUnitVector(width, seed);
  const fail = (why: string): never => {
    throw new DlnError('ERR_DLN_CONFIG', `model.projection: ${kind}: ${why}`, { field: 'model.projection' });
  };
  let p: Float64Array | undefined;
  if (kind === 'authors') {
    p = d.projection ?? fail('needs data.source authors or authors-2024-10 with (n, d) = (50, 5)');
  } else {
    if (d.source !== 'authors-2024-10' || !d.depthProjections) fail('needs data.source authors-2024-10 with (n, d) = (50, 5)');
    const L = widths.length - 1;
    p = d.depthProjections![L] ?? fail(`the October 2024 code draws it for depths 5, 10, 20 and 40 only, not ${L}`);
  }
  if (p.length !== width) fail(`the authors' p has ${p.length} entries, the network's last width is ${width}`);
  return p;
}

async function buildProblem(config: Experiment, seeds: RunSeeds, key: string): Promise<BuiltProblem> {
  const data = config.data;
  const l2 = config.model.l2;
  let problem: Problem;
  let raw: GreedyData | undefined;
  if (data.kind === 'marion-chizat') {
    // The seed drawn with is seeds.data (data.seed when pinned); the authors' sources take none.
    const { seed: _pinned, ...drawn } = pick(marionChizatOptions, data);
    const d = marionChizatData({ ...drawn, ...(data.source === 'seed' ? { seed: seeds.data } : {}) });
    const randomProjection = config.model.projection !== 'none';
    const width = config.model.width ?? data.d;
    const widths = architecture(config, data.d, randomProjection ? width : 1);
    const projection = randomProjection ? projectionOf(config, d, widths, seeds.projection) : undefined;
    const withTest = d.yTest.length > 0;
    problem = Problem.regression({
      X: d.X,
      y: d.y,
      XTest: withTest ? d.XTest : undefined,
      yTest: withTest ? d.yTest : undefined,
      widths,
      projection,
      l2,
    });
  } else if (data.kind === 'jacot-teacher') {
    const d = jacotTeacherData({ ...pick(jacotTeacherOptions, data), seed: seeds.data });
    const widths = architecture(config, data.d, data.d);
    const withTest = d.YTest.rows > 0;
    const XTest = withTest ? d.XTest : undefined;
    const YTest = withTest ? d.YTest : undefined;
    problem = Problem.mse({ X: d.X, Y: d.Y, XTest, YTest, widths, l2 });
    raw = { kind: 'mse', X: d.X, Y: d.Y, XTest, YTest, l2 };
  } else if (data.kind === 'completion') {
    const d = completionData({ ...pick(completionOptions, data), seed: seeds.data });
    const widths = architecture(config, data.cols, data.rows);
    const testEntries = d.testEntries.length > 0 ? d.testEntries : undefined;
    problem = Problem.completion({ widths, entries: d.entries, testEntries, l2 });
    raw = { kind: 'completion', rows: data.rows, cols: data.cols, entries: d.entries, testEntries, l2 };
  } else {
    const loaded = await loadProblemFile(data.path);
    const m = config.model;
    if (m.widths && canonical(m.widths) !== canonical(loaded.problem.widths)) {
      throw new DlnError('ERR_DLN_CONFIG', `model.widths [${m.widths}] differ from the widths of ${data.path} [${loaded.problem.widths}]`, {
        field: 'model.widths',
      });
    }
    problem = loaded.problem;
  }
  return { key, problem, widths: problem.widths.slice(), theory: theoryRecord(problem), data: raw };
}

/** The non-finite values of row i of a trace, as marks under `prefix` (initial / final). */
function rowMarks(trace: Trace, i: number, prefix: string, marks: NonFiniteMarks): void {
  if (i >= trace.length) return;
  for (const name of trace.names) {
    const m = trace.vector(name);
    const vector = name !== 'step' && name !== 'time' && m.cols !== 1;
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (!Number.isFinite(v)) marks[vector ? `${prefix}.${name}.${j}` : `${prefix}.${name}`] = nonFiniteCode(v);
    }
  }
}

/** A greedy run's first row (of its first stage) and last row (of its last stage). */
function greedyRows(first: Trace, last: Trace): { initial: Row; final: Row; nonFinite?: NonFiniteMarks } {
  const marks: NonFiniteMarks = {};
  rowMarks(first, 0, 'initial', marks);
  rowMarks(last, last.length - 1, 'final', marks);
  return { initial: first.row(0), final: last.row(last.length - 1), ...(Object.keys(marks).length ? { nonFinite: marks } : {}) };
}

function rowsOf(trace: Trace): { initial: Row; final: Row; nonFinite?: NonFiniteMarks } {
  const last = Math.max(trace.length - 1, 0);
  const marks: NonFiniteMarks = {};
  rowMarks(trace, 0, 'initial', marks);
  rowMarks(trace, last, 'final', marks);
  return { initial: trace.row(0), final: trace.row(last), ...(Object.keys(marks).length ? { nonFinite: marks } : {}) };
}

export function traceFile(id: string, trace: Trace): TraceFile {
  const columns: TraceFile['columns'] = {};
  const nonFinite: NonNullable<TraceFile['nonFinite']> = {};
  for (const name of trace.names) {
    const isVector = name !== 'step' && name !== 'time' && trace.vector(name).cols !== 1;
    const m = trace.vector(name);
    columns[name] = { width: isVector ? m.cols : 1, values: Array.from(m.data, (v) => (Number.isFinite(v) ? v : null)) };
    m.data.forEach((v, i) => {
      if (!Number.isFinite(v)) (nonFinite[name] ??= []).push([i, nonFiniteCode(v)]);
    });
  }
  return Object.keys(nonFinite).length ? { id, columns, nonFinite } : { id, columns };
}

export interface ExecutedRun {
  record: RunRecord;
  trace?: TraceFile;
  weights?: WeightsFile;
}

function baseOf(run: PlannedRun): Pick<RunRecord, 'id' | 'index' | 'point' | 'values' | 'rep' | 'seeds'> {
  return { id: run.id, index: run.index, point: run.point, values: run.values, rep: run.rep, seeds: run.seeds };
}

function weightsFileOf(run: PlannedRun, keep: boolean): (widths: readonly number[], w: Float64Array) => WeightsFile | undefined {
  return (widths, w) => (keep ? { id: run.id, widths: widths.slice(), weights: Array.from(w, (v) => (Number.isFinite(v) ? v : NaN)) } : undefined);
}

/**
 * The run's initial weights. The config's sections hold declared options (lib/options/): each run
 * passes on those of its entry point as they are, and the API applies the declared defaults of the
 * rest. kind `aligned` (configs only, lib/options/init.ts) is built from the problem, not drawn.
 */
export function initialWeights(run: PlannedRun, config: Experiment, built: BuiltProblem): Float64Array {
  const init = config.init;
  return init.kind === 'aligned'
    ? alignedInit(built.problem, init.scale)
    : initWeights(built.widths, { ...pick(initOptions, init), seed: run.seeds.init });
}

/**
 * A gradient-descent run's train() options. The optimizer's batches and label noise take the run's
 * eigensolver seed (derived from the master seed and the run's key): their streams have purposes of
 * their own (src/rng.hpp), and the plan (its hash, its records) stays what it was.
 */
export function gdOptions(run: PlannedRun, config: Experiment): Omit<TrainOptions, 'signal' | 'onProgress'> {
  const t = config.train;
  let declared = declaredGd.get(config);
  if (!declared) {
    const spec = trainOptionSpecs.gd;
    declared = fromConfig(spec, pick(spec, t)) as TrainOptions;
    declaredGd.set(config, declared);
  }
  return {
    ...declared,
    sharpness: { ...(t.sharpness ?? {}), seed: run.seeds.eigensolver },
    seed: run.seeds.eigensolver,
  };
}

/** A grid point's declared train options, converted once for all its runs (only the seeds differ). */
const declaredGd = new WeakMap<Experiment, TrainOptions>();

/** A finished gradient-descent run as the results keep it. */
export function gdExecuted(run: PlannedRun, built: BuiltProblem, r: RunResult, options: { keepTrace: boolean; keepWeights: boolean }): ExecutedRun {
  const record: RunRecord = { ...baseOf(run), status: r.status, message: r.message, steps: r.steps, divergedAt: r.divergedAt, ...rowsOf(r.trace) };
  return {
    record,
    trace: options.keepTrace ? traceFile(run.id, r.trace) : undefined,
    weights: weightsFileOf(run, options.keepWeights)(built.widths, r.weights),
  };
}

/** Runs one planned run to its end (a diverged run is a result); rejects only when aborted or on a bug. */
export async function executeRun(
  run: PlannedRun,
  config: Experiment,
  problems: ProblemCache,
  options: { signal?: AbortSignal; keepTrace: boolean; keepWeights: boolean },
): Promise<ExecutedRun> {
  const built = await problems.get(config, run.seeds);
  const weightsFile = weightsFileOf(run, options.keepWeights);
  const w0 = initialWeights(run, config, built);
  const t = config.train;
  const sharpness = { ...(t.sharpness ?? {}), seed: run.seeds.eigensolver };
  const base = baseOf(run);
  if (t.method === 'gd') {
    const r = await train(built.problem, w0, { ...gdOptions(run, config), signal: options.signal });
    return gdExecuted(run, built, r, options);
  }
  if (t.method === 'greedy') return executeGreedy(run, config, built, base, options, weightsFile);
  const spec = trainOptionSpecs.flow;
  const flowConfig = fromConfig(spec, pick(spec, t)) as FlowOptions & { events?: ConfigEvent[] };
  // train.method central-flow is the flow with dynamics central, recording its own columns too;
  // a plain flow ignores the central flow's options (a sweep over train.method shares them).
  if (t.method === 'central-flow') {
    flowConfig.dynamics = 'central';
    if (flowConfig.record) flowConfig.record = [...new Set([...flowConfig.record, 'predictedLoss' as const, 'edgeCount' as const])];
  } else if (flowConfig.dynamics !== 'central') {
    for (const key of centralOnlyKeys) delete flowConfig[key];
  }
  const r = await flow(built.problem, w0, {
    ...flowConfig,
    // A config without train.integrator runs RK45, as it did when its plan hash was made (the hash
    // promises the numbers); flow()'s own default is auto (lib/options/flow.ts, flowConfigFields).
    method: t.integrator ?? 'rk45',
    ...(flowConfig.events !== undefined ? { events: resolveEvents(flowConfig.events, built.problem, w0) } : {}),
    sharpness,
    signal: options.signal,
  });
  const record: RunRecord = {
    ...base,
    status: r.status,
    message: r.message,
    steps: r.stats.accepted,
    divergedAt: null,
    ...rowsOf(r.trace),
    flow: {
      t: r.t,
      nfev: r.stats.nfev,
      accepted: r.stats.accepted,
      rejected: r.stats.rejected,
      balancednessDrift: r.balancednessDrift,
      events: r.events.map((e) => ({ name: e.name, t: e.t })),
    },
  };
  return { record, trace: options.keepTrace ? traceFile(run.id, r.trace) : undefined, weights: weightsFile(built.widths, r.weights) };
}

/** A flow event of a config: thresholds may be expressions in initialLoss and lossMinimum. */
type ConfigEvent = Record<string, number | string | boolean | undefined>;

/** Event thresholds given as expressions in initialLoss and lossMinimum, made numbers for this run. */
function resolveEvents(events: ConfigEvent[], problem: Problem, w0: Float64Array): FlowEvent[] {
  let initialLoss: number | null | undefined;
  // A Map, not an object: a name such as "constructor" or "__proto__" must resolve to nothing.
  const names = new Map<string, () => number | null>([
    ['initialLoss', () => (initialLoss ??= problem.evaluate(w0).loss)],
    ['lossMinimum', () => problem.lossMinimum],
  ]);
  return events.map((e, i) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(e)) {
      if (typeof value !== 'string' || key === 'quantity') {
        out[key] = value;
        continue;
      }
      const v = evaluateExpression(value, (n) => names.get(n)?.() ?? null);
      if (v === null) {
        throw new DlnError(
          'ERR_DLN_CONFIG',
          `train.events[${i}].${key}: "${value}" does not evaluate to a number (names: initialLoss, lossMinimum)`,
          {
            field: `train.events[${i}].${key}`,
          },
        );
      }
      out[key] = v;
    }
    return out as FlowEvent;
  });
}

/**
 * Algorithm A(epsilon, T, eta) of Jacot et al. as one run: the stages' traces are concatenated
 * (steps counted from the first stage), the stage end points listed.
 */
async function executeGreedy(
  run: PlannedRun,
  config: Experiment,
  built: BuiltProblem,
  base: Pick<RunRecord, 'id' | 'index' | 'point' | 'values' | 'rep' | 'seeds'>,
  options: { signal?: AbortSignal; keepTrace: boolean },
  weightsFile: (widths: readonly number[], w: Float64Array) => WeightsFile | undefined,
): Promise<ExecutedRun> {
  const t = config.train;
  if (!built.data)
    throw new DlnError('ERR_DLN_CONFIG', 'train.method: the greedy algorithm needs jacot-teacher or completion data', { field: 'train.method' });
  // The config's steps is the algorithm's T; the depth is the model's.
  const spec = trainOptionSpecs.greedy;
  const { steps, ...declared } = fromConfig(spec, pick(spec, t)) as { steps: number } & Omit<GreedyOptions, 'depth' | 'stepsPerStage'>;
  const result = await greedyRankIncremental(built.data, {
    ...declared,
    depth: config.model.depth ?? built.widths.length - 1,
    stepsPerStage: steps,
    signal: options.signal,
  });
  const stages = result.stages;
  const first = stages[0].trace;
  const last = stages[stages.length - 1].trace;
  const record: RunRecord = {
    ...base,
    status: result.converged ? 'converged' : 'completed',
    message: result.converged
      ? `within tolerance of the minimum after ${stages.length} stage(s)`
      : `${stages.length} stage(s), tolerance not reached`,
    steps: stages.length * t.steps!,
    divergedAt: null,
    ...greedyRows(first, last),
    stages: stages.map((s) => ({
      width: s.width,
      steps: t.steps!,
      loss: s.loss,
      testLoss: s.testLoss,
      rank: s.rank,
      singularValues: Array.from(s.singularValues),
    })),
  };
  let trace: TraceFile | undefined;
  if (options.keepTrace) {
    // One trace over all stages, steps counted on from stage to stage. Every column has the same
    // width in every stage: per-layer quantities (the depth is fixed) and A's (d_L x d_0 is fixed).
    const columns: TraceFile['columns'] = {};
    const nonFinite: NonNullable<TraceFile['nonFinite']> = {};
    stages.forEach((s, k) => {
      const part = traceFile(run.id, s.trace);
      for (const [name, col] of Object.entries(part.columns)) {
        const values =
          name === 'step'
            ? col.values.map((v) => (v === null ? null : v + k * t.steps!))
            : name === 'time'
              ? col.values.map((v) => (v === null ? null : v + k * t.steps! * t.learningRate!))
              : col.values;
        const target = (columns[name] ??= { width: col.width, values: [] });
        for (const [i, code] of part.nonFinite?.[name] ?? []) (nonFinite[name] ??= []).push([target.values.length + i, code]);
        target.values.push(...values);
      }
    });
    trace = Object.keys(nonFinite).length ? { id: run.id, columns, nonFinite } : { id: run.id, columns };
  }
  const lastStage = stages[stages.length - 1];
  return { record, trace, weights: weightsFile(lastStage.widths, lastStage.weights) };
}

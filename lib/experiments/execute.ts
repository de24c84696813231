/**
 * One run of a plan: build (or reuse) its problem, draw its initialization, train it by gradient
 * descent or integrate its gradient flow, and keep what the report needs (status, the first and
 * last recorded rows, the whole trace when asked).
 */
import { completionData, jacotTeacherData, marionChizatData } from '../api/data';
import { flow, type FlowEvent } from '../api/flow';
import { initWeights, randomUnitVector } from '../api/init';
import { Problem, type RegressionTheory } from '../api/problem';
import { train, type RunStatus } from '../api/train';
import type { Trace } from '../api/trace';
import { loadProblemFile } from '../config/problem-file';
import { DlnError } from '../errors';
import { canonical, type AxisValue, type PlannedRun, type RunSeeds } from './plan';
import type { Experiment } from './schema';

export type Row = Record<string, number | null | (number | null)[]>;

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
  columns: Record<string, { width: number; values: (number | null)[] }>;
}

/** Theory quantities of a univariate regression problem, JSON-ready. */
export type TheoryRecord = Omit<RegressionTheory, 'sigmaEigenvalues' | 'wStar'> & { sigmaEigenvalues: number[]; wStar: number[] };

export interface BuiltProblem {
  key: string;
  problem: Problem;
  widths: number[];
  theory: TheoryRecord | null;
}

function architecture(config: Experiment, d0: number, dOut: number): number[] {
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

/**
 * Problems are shared by every run with the same data, architecture and penalty (a problem is
 * read-only once built, so concurrent runs may use it).
 */
export class ProblemCache {
  private readonly cache = new Map<string, Promise<BuiltProblem>>();

  get(config: Experiment, seeds: RunSeeds): Promise<BuiltProblem> {
    const key = canonical({ data: config.data, dataSeed: seeds.data, model: config.model, projectionSeed: seeds.projection });
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

async function buildProblem(config: Experiment, seeds: RunSeeds, key: string): Promise<BuiltProblem> {
  const data = config.data;
  const l2 = config.model.l2;
  let problem: Problem;
  if (data.kind === 'marion-chizat') {
    const d = marionChizatData({ n: data.n, d: data.d, noise: data.noise, nTest: data.nTest, seed: seeds.data });
    const randomProjection = config.model.projection === 'random-unit';
    const width = config.model.width ?? data.d;
    const widths = architecture(config, data.d, randomProjection ? width : 1);
    const projection = randomProjection ? randomUnitVector(widths[widths.length - 1], seeds.projection) : undefined;
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
    const d = jacotTeacherData({ ...data, seed: seeds.data });
    const widths = architecture(config, data.d, data.d);
    const withTest = d.YTest.rows > 0;
    problem = Problem.mse({ X: d.X, Y: d.Y, XTest: withTest ? d.XTest : undefined, YTest: withTest ? d.YTest : undefined, widths, l2 });
  } else if (data.kind === 'completion') {
    const d = completionData({ rows: data.rows, cols: data.cols, rank: data.rank, observed: data.observed, seed: seeds.data });
    const widths = architecture(config, data.cols, data.rows);
    problem = Problem.completion({ widths, entries: d.entries, testEntries: d.testEntries.length > 0 ? d.testEntries : undefined, l2 });
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
  return { key, problem, widths: problem.widths.slice(), theory: theoryRecord(problem) };
}

function rowsOf(trace: Trace): { initial: Row; final: Row } {
  const last = Math.max(trace.length - 1, 0);
  return { initial: trace.row(0), final: trace.row(last) };
}

export function traceFile(id: string, trace: Trace): TraceFile {
  const columns: TraceFile['columns'] = {};
  for (const name of trace.names) {
    const isVector = name !== 'step' && name !== 'time' && trace.vector(name).cols !== 1;
    const m = trace.vector(name);
    columns[name] = { width: isVector ? m.cols : 1, values: Array.from(m.data, (v) => (Number.isFinite(v) ? v : null)) };
  }
  return { id, columns };
}

export interface ExecutedRun {
  record: RunRecord;
  trace?: TraceFile;
}

/** Runs one planned run to its end (a diverged run is a result); rejects only when aborted or on a bug. */
export async function executeRun(
  run: PlannedRun,
  config: Experiment,
  problems: ProblemCache,
  options: { signal?: AbortSignal; keepTrace: boolean },
): Promise<ExecutedRun> {
  const built = await problems.get(config, run.seeds);
  const init = config.init;
  const w0 = initWeights(built.widths, {
    kind: init.kind,
    scale: init.scale,
    ...(init.sigma !== undefined ? { sigma: init.sigma } : {}),
    ...(init.zeroLayer !== undefined ? { zeroLayer: init.zeroLayer } : {}),
    seed: run.seeds.init,
  });
  const t = config.train;
  const sharpness = { ...(t.sharpness ?? {}), seed: run.seeds.eigensolver };
  const common = {
    record: t.record,
    recordEvery: t.recordEvery,
    sharpness,
    ...(t.rankTolerance !== undefined ? { rankTolerance: t.rankTolerance } : {}),
    ...(t.lossCeiling !== undefined ? { lossCeiling: t.lossCeiling } : {}),
    signal: options.signal,
  };
  const base = { id: run.id, index: run.index, point: run.point, values: run.values, rep: run.rep, seeds: run.seeds };
  if (t.method === 'gd') {
    const r = await train(built.problem, w0, {
      ...common,
      learningRate: t.learningRate!,
      steps: t.steps!,
      ...(t.lossTarget !== undefined ? { lossTarget: t.lossTarget } : {}),
      ...(t.excessLossTarget !== undefined ? { excessLossTarget: t.excessLossTarget } : {}),
      ...(t.gradNormTarget !== undefined ? { gradNormTarget: t.gradNormTarget } : {}),
    });
    const record: RunRecord = { ...base, status: r.status, message: r.message, steps: r.steps, divergedAt: r.divergedAt, ...rowsOf(r.trace) };
    return { record, trace: options.keepTrace ? traceFile(run.id, r.trace) : undefined };
  }
  const r = await flow(built.problem, w0, {
    ...common,
    tEnd: t.tEnd === 'inf' ? Infinity : t.tEnd!,
    ...(t.rtol !== undefined ? { rtol: t.rtol } : {}),
    ...(t.atol !== undefined ? { atol: t.atol } : {}),
    ...(t.maxSteps !== undefined ? { maxSteps: t.maxSteps } : {}),
    ...(t.controller !== undefined ? { controller: t.controller } : {}),
    ...(t.events !== undefined ? { events: t.events as FlowEvent[] } : {}),
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
  return { record, trace: options.keepTrace ? traceFile(run.id, r.trace) : undefined };
}

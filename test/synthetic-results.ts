/**
 * Synthetic results for unit tests of the papers' findings: a preset's (or any) config expanded
 * into its real plan, with run records, traces and theory made up by the test, so that a finding
 * can be fed a case where its claim is true and one where it is false, without running anything.
 */
import { resolveExperiment } from '../lib/experiments/config';
import type { BuiltProblem, RunRecord, TheoryRecord, TraceFile } from '../lib/experiments/execute';
import { buildPlan, type PlannedRun } from '../lib/experiments/plan';
import type { Experiment } from '../lib/experiments/schema';
import { Dataset } from '../lib/report/dataset';
import type { FindingsContext, FindingsFn, FindingsResult } from '../lib/report/findings';
import type { Preset } from '../lib/papers/types';

/** The theory of the authors' dataset at L = 10 (README "Data sources"). */
export const AUTHORS_THEORY: TheoryRecord = {
  depth: 10,
  lambda: 0.5974875171064069,
  Lambda: 1.594182382730915,
  a: 0.9484583986518239,
  wStarNorm: 1,
  projectionNorm: 1,
  singularSigma: false,
  sMin: 11.949750342128132,
  sMinRefinedLower: 18.96916797303647,
  sMinRefinedUpper: 22.013847639212038,
  sRankOne: 19.393802275496707,
  smallInitUpper: 127.53459061847313,
  codeUpper: 127.5345906184732,
  criticalLearningRate: 0.16736751335708824,
  lossMin: 0.09943228555910374,
  sigmaEigenvalues: [0.5974875171064069, 0.7949479964703767, 1.0263437162838245, 1.3804188198673233, 1.594182382730915],
  wStar: [0.24, 0.2, 0.3, -0.34, -0.84],
} as unknown as TheoryRecord;

/** What a test says about one run: its status and rows (anything left out gets a neutral default). */
export interface MadeRun {
  status?: RunRecord['status'];
  initial?: RunRecord['initial'];
  final?: RunRecord['final'];
  flow?: RunRecord['flow'];
  trace?: Record<string, (number | null)[] | { width: number; values: (number | null)[] }>;
}

export interface Synthetic {
  ctx: FindingsContext;
  config: Experiment;
}

/** A preset's config (full, or --quick), resolved as a run would resolve it, with overrides. */
export function presetConfig(preset: Preset, options: { quick?: boolean; overrides?: string[] } = {}): Experiment {
  return resolveExperiment(preset.config, `preset ${preset.name}`, options, () => undefined).experiment;
}

/**
 * A findings context over `config`'s plan: `make` gives each planned run's record (and trace);
 * `theory` (default: the authors' data at L = 10) is every grid point's, or a function of the point.
 */
export function synthetic(
  config: Experiment,
  make: (run: PlannedRun, point: Experiment) => MadeRun,
  theory: TheoryRecord | ((point: Experiment) => TheoryRecord) = AUTHORS_THEORY,
): Synthetic {
  const plan = buildPlan(config);
  const traces = new Map<string, TraceFile>();
  const records: RunRecord[] = plan.runs.map((run) => {
    const point = plan.points[run.point];
    const m = make(run, point);
    if (m.trace) {
      const columns: TraceFile['columns'] = {};
      for (const [name, col] of Object.entries(m.trace)) columns[name] = Array.isArray(col) ? { width: 1, values: col } : col;
      traces.set(run.id, { id: run.id, columns });
    }
    return {
      id: run.id,
      index: run.index,
      point: run.point,
      values: run.values,
      rep: run.rep,
      seeds: run.seeds,
      status: m.status ?? 'completed',
      message: '',
      steps: point.train.steps ?? 0,
      divergedAt: m.status === 'diverged' ? 1 : null,
      initial: { step: 0, time: 0, ...(m.initial ?? {}) },
      final: m.status === 'diverged' ? { step: 1, time: 0 } : { step: point.train.steps ?? 0, time: 0, ...(m.final ?? {}) },
      ...(m.flow ? { flow: m.flow } : {}),
    };
  });
  const built: BuiltProblem[] = plan.points.map((point) => {
    const L = point.model.depth ?? 10;
    const d = point.data.kind === 'marion-chizat' ? point.data.d : 5;
    const out = point.model.projection === 'none' ? 1 : d;
    const widths = [d, ...Array.from({ length: L - 1 }, () => point.model.width ?? d), out];
    return { key: '', problem: null as never, widths, theory: typeof theory === 'function' ? theory(point) : theory };
  });
  const ds = new Dataset(plan, records, built);
  return {
    config,
    ctx: {
      ds,
      theory: built[0]?.theory ?? null,
      figures: {},
      loadTrace: (id) => traces.get(id),
      loadWeights: () => undefined,
    },
  };
}

/** The findings of `fn` on a synthetic context, by id. */
export function findingsById(fn: FindingsFn, s: Synthetic): Map<string, FindingsResult['findings'][number]> & { result: FindingsResult } {
  const result = fn(s.ctx);
  const map = new Map(result.findings.map((f) => [f.id, f])) as Map<string, FindingsResult['findings'][number]> & { result: FindingsResult };
  map.result = result;
  return map;
}

/** The value of an axis for a planned run. */
export function axis(run: PlannedRun, path: string): number {
  return run.values[path] as number;
}

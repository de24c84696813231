/**
 * The results of a finished sweep, ready for figures, tables and findings: each run with its
 * grid point's config and theory, a resolver for expressions, grouping and aggregation.
 */
import type { BuiltProblem, RunRecord, TheoryRecord, Row } from '../experiments/execute';
import { getPath } from '../util/paths';
import type { AxisValue, Plan } from '../experiments/plan';
import { divergedFinal } from '../experiments/record-check';
import type { Experiment, FilterConfig } from '../experiments/schema';
import { evaluateExpression } from '../util/expression';
import { meanCi, type MeanCi } from './stats';

export interface RunView {
  record: RunRecord;
  config: Experiment;
  theory: TheoryRecord | null;
  /** Depth of the network. */
  depth: number;
  /** The problem of its grid point. */
  built: BuiltProblem;
}

export type At = 'initial' | 'final';

const THEORY_KEYS = new Set([
  'lambda',
  'Lambda',
  'a',
  'wStarNorm',
  'projectionNorm',
  'sMin',
  'sMinRefinedLower',
  'sMinRefinedUpper',
  'sRankOne',
  'smallInitUpper',
  'codeUpper',
  'criticalLearningRate',
  'lossMin',
]);

/** A name's value for a run: eta, L/depth, a recorded quantity, a theory quantity, or a config path. */
export function resolveName(run: RunView, at: At | Row, name: string): number | null {
  if (name === 'eta') return run.config.train.learningRate ?? null;
  if (name === 'L' || name === 'depth') return run.depth;
  const row = typeof at === 'string' ? run.record[at] : at;
  // Own keys only: a name such as "constructor" or "toString" is no recorded quantity.
  if (row && Object.hasOwn(row, name)) {
    const v = row[name];
    return typeof v === 'number' ? v : null;
  }
  if (THEORY_KEYS.has(name) && run.theory) {
    const v = (run.theory as unknown as Record<string, unknown>)[name];
    return typeof v === 'number' ? v : null;
  }
  const fromConfig = getPath(run.config, name);
  return typeof fromConfig === 'number' ? fromConfig : null;
}

export function valueOf(run: RunView, at: At | Row, expression: string): number | null {
  return evaluateExpression(expression, (n) => resolveName(run, at, n));
}

/** A sweep axis value for grouping and labels (axis values, or the config value for other paths). */
export function axisValue(run: RunView, path: string): AxisValue | null {
  if (Object.hasOwn(run.record.values, path)) return run.record.values[path];
  if (path === 'rep') return run.record.rep;
  const v = getPath(run.config, path);
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null;
}

/** Whether a value meets one condition of a filter: a value, a list of values, or {lt, gt}. */
export function matchesCondition(value: AxisValue | null, condition: FilterConfig[string]): boolean {
  if (Array.isArray(condition)) return condition.some((c) => c === value);
  if (typeof condition === 'object' && condition !== null) {
    if (typeof value !== 'number') return false;
    if (condition.lt !== undefined && !(value < condition.lt)) return false;
    if (condition.gt !== undefined && !(value > condition.gt)) return false;
    return true;
  }
  return value === condition;
}

export class Dataset {
  readonly runs: RunView[];

  constructor(
    readonly plan: Plan,
    records: RunRecord[],
    builtByPoint: BuiltProblem[],
  ) {
    this.runs = records
      .slice()
      .sort((a, b) => a.index - b.index)
      .map((stored) => {
        // A diverged run has no final values (null), whatever row it recorded last.
        const record = divergedFinal(stored);
        const built = builtByPoint[record.point];
        return { record, config: plan.points[record.point], theory: built.theory, depth: built.widths.length - 1, built };
      });
  }

  get axes(): string[] {
    return this.plan.axes;
  }

  filter(filter?: FilterConfig): RunView[] {
    if (!filter) return this.runs;
    return this.runs.filter((r) => Object.entries(filter).every(([path, cond]) => matchesCondition(axisValue(r, path), cond)));
  }

  /** Distinct values of an axis in plan order. */
  values(path: string, runs: RunView[] = this.runs): AxisValue[] {
    const seen: AxisValue[] = [];
    for (const r of runs) {
      const v = axisValue(r, path);
      if (v !== null && !seen.includes(v)) seen.push(v);
    }
    return seen;
  }

  /** Runs grouped by the given axes (plan order), e.g. one group per grid point over repetitions. */
  group(runs: RunView[], paths: string[]): { key: (AxisValue | null)[]; runs: RunView[] }[] {
    const groups = new Map<string, { key: (AxisValue | null)[]; runs: RunView[] }>();
    for (const r of runs) {
      const key = paths.map((p) => axisValue(r, p));
      const k = JSON.stringify(key);
      let g = groups.get(k);
      if (!g) {
        g = { key, runs: [] };
        groups.set(k, g);
      }
      g.runs.push(r);
    }
    return [...groups.values()];
  }
}

export const isDiverged = (r: RunView): boolean => r.record.status === 'diverged';

/** Mean and 95% CI of an expression over the runs that did not diverge. */
export function aggregate(runs: RunView[], expression: string, at: At): MeanCi {
  const values: number[] = [];
  for (const r of runs) {
    if (isDiverged(r) && at === 'final') continue;
    const v = valueOf(r, at, expression);
    if (v !== null) values.push(v);
  }
  return meanCi(values);
}

export function divergenceRate(runs: RunView[]): number {
  return runs.length === 0 ? NaN : runs.filter(isDiverged).length / runs.length;
}

/** Scalar quantities present in the recorded rows (vector ones excluded), in first-seen order. */
export function scalarQuantities(runs: RunView[]): string[] {
  const names: string[] = [];
  for (const r of runs) {
    for (const row of [r.record.initial, r.record.final]) {
      for (const [k, v] of Object.entries(row ?? {})) {
        if (k !== 'step' && k !== 'time' && !Array.isArray(v) && !names.includes(k)) names.push(k);
      }
    }
  }
  return names;
}

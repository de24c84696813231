/**
 * What a report checks: each finding states a claim of the paper, what this run observed and
 * what was expected, and whether it held. Four states:
 * - pass (✓) and fail (✗): the claim was checked on this run's numbers;
 * - info (·): nothing to hold, a number worth showing (pass: null);
 * - not applicable (–): the claim is about a sweep (or a setting) this experiment does not run,
 *   e.g. a config that `extends` a preset and changes its learning rates. Such a finding is never
 *   ✓ or ✗: it says which part of the config differs from the preset's (pass: null,
 *   notApplicable: why).
 * A finding names what it is about with `about`: config paths whose values over the plan (a sweep
 * axis's values, or a field's value) the claim assumes. scopeFindings compares them with the
 * preset's own configs (full and --quick); no `about` means every sweep axis but the repetitions.
 */
import type { TheoryRecord, TraceFile, WeightsFile } from '../experiments/execute';
import { canonical, expandValues } from '../experiments/plan';
import type { Experiment } from '../experiments/schema';
import type { Dataset } from './dataset';
import type { BuiltFigure } from './figures';
import { formatNumber } from '../util/format';
import { getPath } from '../util/paths';

export type FindingStatus = 'pass' | 'fail' | 'info' | 'not-applicable';

export interface Finding {
  id: string;
  claim: string;
  observed: string;
  expected: string;
  /** true / false: the claim held / failed on this run; null: informational, or not applicable. */
  pass: boolean | null;
  /** Config paths the claim is about (see the header); undefined: every sweep axis but the repetitions. */
  about?: string[];
  /** Why the claim does not apply to this experiment (its status is then 'not-applicable'). */
  notApplicable?: string;
  /** 'config': a check the config declares (`checks:`, lib/report/checks.ts), not a paper's claim. */
  source?: 'config';
  /** Filled in by the report from pass and notApplicable (summary.json carries it). */
  status?: FindingStatus;
}

export interface FindingsContext {
  ds: Dataset;
  /** Theory of the first grid point's problem (univariate regression), if any. */
  theory: TheoryRecord | null;
  figures: Record<string, BuiltFigure>;
  /** A run's whole trace, when the experiment kept traces. */
  loadTrace: (id: string) => TraceFile | undefined;
  /** A run's final weights, when the experiment kept them. */
  loadWeights: (id: string) => WeightsFile | undefined;
}

export interface FindingsResult {
  /** Numbers worth quoting (go to summary.json "headline"). */
  headline: Record<string, unknown>;
  findings: Finding[];
  /**
   * Statements about how this reproduction was made, shown in the report beside the findings
   * (and in summary.json): precision, definitions, seeds, which code version a line follows.
   */
  notes?: string[];
}

export type FindingsFn = (ctx: FindingsContext) => FindingsResult;

export const fmt = (v: number | null | undefined, digits = 4): string => formatNumber(v ?? null, digits);

export function findingStatus(f: Finding): FindingStatus {
  if (f.notApplicable !== undefined) return 'not-applicable';
  return f.pass === null ? 'info' : f.pass ? 'pass' : 'fail';
}

/** The mark of each state in the terminal and in report.html. */
export const STATUS_MARKS: Record<FindingStatus, string> = { pass: '✓', fail: '✗', info: '·', 'not-applicable': '–' };

/** A finding as the report writes it: its status filled in. */
export function withStatus(f: Finding): Finding {
  return { ...f, status: findingStatus(f) };
}

/** The sweep axes of a config (dotted paths, 'repetitions' included when it is swept). */
function sweepAxes(config: Experiment): string[] {
  return config.sweep.flatMap((factor) => Object.keys(factor));
}

/**
 * The values a config path takes over an experiment's plan, in the order given: a sweep axis's
 * values, or else the one value of the field (a setting every run shares). `repetitions` is the
 * swept repetitions or the config's.
 */
export function valuesOver(config: Experiment, path: string): unknown[] {
  for (const factor of config.sweep) if (path in factor) return expandValues(factor[path]);
  if (path === 'repetitions') return [config.repetitions];
  return [getPath(config, path) ?? null];
}

function describe(values: unknown[]): string {
  const text = values.map((v) => (typeof v === 'number' ? formatNumber(v, 4) : JSON.stringify(v))).join(', ');
  return values.length === 1 ? text : `[${text}]`;
}

/**
 * Marks not applicable the findings whose claim is about config values (see `about`) that differ
 * between this experiment and every one of the preset's own configs (`references`: its full and
 * --quick forms). Other findings pass through unchanged: a changed dataset, say, keeps every
 * claim applicable (it is a claim that can fail on other data).
 */
export function scopeFindings(findings: Finding[], actual: Experiment, references: readonly Experiment[]): Finding[] {
  if (references.length === 0) return findings;
  return findings.map((f) => {
    const paths = (r: Experiment) => f.about ?? [...new Set([...sweepAxes(r), ...sweepAxes(actual)])].filter((p) => p !== 'repetitions');
    let closest: { path: string; mine: unknown[]; theirs: unknown[] } | null = null;
    for (const ref of references) {
      const differing = paths(ref)
        .map((path) => ({ path, mine: valuesOver(actual, path), theirs: valuesOver(ref, path) }))
        .filter((d) => canonical(d.mine) !== canonical(d.theirs));
      if (differing.length === 0) return f;
      if (!closest) closest = differing[0];
    }
    const d = closest!;
    return {
      ...f,
      pass: null,
      notApplicable: `a claim about the preset's ${d.path} = ${describe(d.theirs)}; this experiment runs ${describe(d.mine)}`,
    };
  });
}

/** Divergence counts per value of each sweep axis: the generic summary of any sweep. */
export function genericFindings(ctx: FindingsContext): FindingsResult {
  const { ds } = ctx;
  const diverged = ds.runs.filter((r) => r.record.status === 'diverged').length;
  const statuses: Record<string, number> = {};
  for (const r of ds.runs) statuses[r.record.status] = (statuses[r.record.status] ?? 0) + 1;
  const findings: Finding[] = [];
  for (const axis of ds.axes) {
    for (const g of ds.group(ds.runs, [axis])) {
      const d = g.runs.filter((r) => r.record.status === 'diverged').length;
      findings.push({
        id: `divergence:${axis}=${g.key[0]}`,
        claim: `runs at ${axis} = ${g.key[0]}`,
        observed: `${d}/${g.runs.length} diverged`,
        expected: '',
        pass: null,
      });
    }
  }
  return { headline: { runs: ds.runs.length, diverged, statuses }, findings };
}

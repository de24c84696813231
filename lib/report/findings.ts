/**
 * What a report checks: each finding states a claim of the paper, what this run observed and
 * what was expected, and whether it held (null: informational, nothing to hold).
 */
import type { TheoryRecord, TraceFile, WeightsFile } from '../experiments/execute';
import type { Dataset } from './dataset';
import type { BuiltFigure } from './figures';
import { formatNumber } from '../util/format';

export interface Finding {
  id: string;
  claim: string;
  observed: string;
  expected: string;
  pass: boolean | null;
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
}

export type FindingsFn = (ctx: FindingsContext) => FindingsResult;

export const fmt = (v: number | null | undefined, digits = 4): string => formatNumber(v ?? null, digits);

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
      findings.push({ id: `divergence:${axis}=${g.key[0]}`, claim: `runs at ${axis} = ${g.key[0]}`, observed: `${d}/${g.runs.length} diverged`, expected: '', pass: null });
    }
  }
  return { headline: { runs: ds.runs.length, diverged, statuses }, findings };
}

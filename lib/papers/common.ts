/**
 * Helpers every paper's findings use: the values of an axis, the runs at a grid point, means and
 * fractions over runs; and the scoping of a preset's findings to its own sweep.
 */
import { resolveExperiment } from '../experiments/config';
import type { Experiment } from '../experiments/schema';
import { aggregate, axisValue, type Dataset, type RunView } from '../report/dataset';
import { scopeFindings } from '../report/findings';
import type { Preset } from './types';

/** The numeric values an axis (or a config path) takes over `runs`, ascending. */
export function numbers(ds: Dataset, path: string, runs: RunView[] = ds.runs): number[] {
  return ds
    .values(path, runs)
    .filter((v): v is number => typeof v === 'number')
    .sort((a, b) => a - b);
}

/** The runs whose axis values are `values`, e.g. { 'train.learningRate': 0.1, 'init.scale': 0.3 }. */
export function at(ds: Dataset, values: Record<string, number>, runs: RunView[] = ds.runs): RunView[] {
  return runs.filter((r) => Object.entries(values).every(([k, v]) => axisValue(r, k) === v));
}

/** The mean of an expression at the end of `runs` (null: no run has a value). */
export function meanFinal(runs: RunView[], expression: string): number | null {
  return aggregate(runs, expression, 'final').mean;
}

/** The mean of an expression at initialization over `runs`. */
export function meanInitial(runs: RunView[], expression: string): number | null {
  return aggregate(runs, expression, 'initial').mean;
}

/** The fraction of `runs` for which `predicate` holds (NaN for no runs). */
export function fraction(runs: RunView[], predicate: (r: RunView) => boolean): number {
  return runs.length === 0 ? NaN : runs.filter(predicate).length / runs.length;
}

/** A fraction as a percentage: whole percents, one decimal below 1%. */
export function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(x > 0 && x < 0.01 ? 1 : 0)}%` : 'n/a';
}

/** The preset's own configs as a run resolves them: full size and --quick (when it has a quick: block). */
export function referenceConfigs(preset: Preset): Experiment[] {
  const source = `preset ${preset.name}`;
  const none = () => undefined;
  const full = resolveExperiment(preset.config, source, {}, none).experiment;
  return preset.config.quick ? [full, resolveExperiment(preset.config, source, { quick: true }, none).experiment] : [full];
}

/**
 * The preset with findings that are marked not applicable where the experiment's sweep (or another
 * setting a finding is about) differs from the preset's full and quick configs: a config that
 * `extends` the preset and changes its sweep does not inherit claims about the paper's sweep.
 */
export function withScopedFindings(preset: Preset): Preset {
  const findings = preset.findings;
  if (!findings) return preset;
  let references: Experiment[] | undefined;
  return {
    ...preset,
    findings: (ctx) => {
      const result = findings(ctx);
      references ??= referenceConfigs(preset);
      return { ...result, findings: scopeFindings(result.findings, ctx.ds.plan.experiment, references) };
    },
  };
}

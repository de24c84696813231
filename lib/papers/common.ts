/** Helpers every paper's findings use: the values of an axis, the runs at a grid point, means and fractions over runs. */
import { aggregate, axisValue, type Dataset, type RunView } from '../report/dataset';

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

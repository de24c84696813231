/**
 * Runs of a sweep in SIMD lanes (docs/algorithms.md §4.8). The runner hands out units of work: a
 * unit is one run, or up to LANE_GROUP gradient-descent runs that share a problem (same data,
 * model and seeds of both: one ProblemCache entry), taken in plan order so that a unit's runs are
 * mostly one grid point's repetitions with the same budget. A unit's runs that the core's rule
 * admits (laneIneligibility: plain GD, univariate regression without L2, ...) go to trainLanes in
 * one job; the rest run one by one as executeRun would. Either way each run's record has the bits
 * of a single run (src/lanes/gd_lanes.hpp), so results do not depend on the grouping, the thread
 * count or the shards.
 */
import { laneIneligibility, trainLanes } from '../api/train-lanes';
import { train } from '../api/train';
import type { Experiment } from './schema';
import { executeRun, gdExecuted, gdOptions, initialWeights, problemKey, type ExecutedRun, type ProblemCache } from './execute';
import type { PlannedRun } from './plan';

/** Runs per unit: four lane groups of four, enough to refill lanes as runs diverge, small enough to keep both threads busy. */
export const LANE_GROUP = 16;

/** Splits `todo` into units (runs in plan order within each); with `lanes` false every unit is one run. */
export function laneUnits(todo: readonly PlannedRun[], configOf: (run: PlannedRun) => Experiment, lanes = true): PlannedRun[][] {
  if (!lanes) return todo.map((r) => [r]);
  const units: PlannedRun[][] = [];
  const open = new Map<string, PlannedRun[]>();
  for (const run of todo) {
    const config = configOf(run);
    if (config.train.method !== 'gd') {
      units.push([run]);
      continue;
    }
    const key = problemKey(config, run.seeds);
    let unit = open.get(key);
    if (!unit) {
      unit = [];
      open.set(key, unit);
      units.push(unit);
    }
    unit.push(run);
    if (unit.length === LANE_GROUP) open.delete(key);
  }
  return units;
}

/** Runs one unit to its end; the results are in the unit's order. */
export async function executeUnit(
  unit: readonly PlannedRun[],
  configOf: (run: PlannedRun) => Experiment,
  problems: ProblemCache,
  options: { signal?: AbortSignal; keepTrace: boolean; keepWeights: boolean },
): Promise<ExecutedRun[]> {
  if (unit.length === 1) return [await executeRun(unit[0], configOf(unit[0]), problems, options)];
  const built = await problems.get(configOf(unit[0]), unit[0].seeds);
  const inputs = unit.map((run) => ({ weights: initialWeights(run, configOf(run), built), options: gdOptions(run, configOf(run)) }));
  const eligible = inputs.map((input) => laneIneligibility(built.problem, input.options) === '');
  const laned = inputs.filter((_, i) => eligible[i]);
  // The others run side by side as separate jobs (the addon's threads share them out).
  const [lanes, singles] = await Promise.all([
    laned.length > 0 ? trainLanes(built.problem, laned, { signal: options.signal }) : Promise.resolve([]),
    Promise.all(
      inputs.map((input, i) =>
        eligible[i] ? Promise.resolve(null) : train(built.problem, input.weights, { ...input.options, signal: options.signal }),
      ),
    ),
  ]);
  const out: ExecutedRun[] = [];
  let next = 0;
  for (let i = 0; i < unit.length; i++) out.push(gdExecuted(unit[i], built, eligible[i] ? lanes[next++] : singles[i]!, options));
  return out;
}

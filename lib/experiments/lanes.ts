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
  // Problem keys by grid point and the two seeds they depend on: the repetitions of a point mostly
  // share them, and a key is a canonical JSON of the data and the model.
  const keys = new Map<Experiment, Map<string, string>>();
  for (const run of todo) {
    const config = configOf(run);
    if (config.train.method !== 'gd') {
      units.push([run]);
      continue;
    }
    let ofPoint = keys.get(config);
    if (!ofPoint) keys.set(config, (ofPoint = new Map()));
    const seeds = `${run.seeds.data} ${run.seeds.projection}`;
    let key = ofPoint.get(seeds);
    if (key === undefined) ofPoint.set(seeds, (key = problemKey(config, run.seeds)));
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
  // Eligibility depends on the problem and the options but the seeds (gd_lanes.hpp): asked once
  // per grid point of the unit, not once per run (a native call each, on the main thread).
  const byPoint = new Map<Experiment, boolean>();
  const eligible = inputs.map((input, i) => {
    const config = configOf(unit[i]);
    let ok = byPoint.get(config);
    if (ok === undefined) byPoint.set(config, (ok = laneIneligibility(built.problem, input.options) === ''));
    return ok;
  });
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

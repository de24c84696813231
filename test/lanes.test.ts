/**
 * GD runs in SIMD lanes (src/lanes/, lib/api/train-lanes.ts, lib/experiments/lanes.ts): the same
 * bits as single runs. On the Fig. 1 quick grid the sweep's records with lanes equal those without,
 * whatever the worker-thread count or the sharding; trainLanes equals train() run by run; a lane
 * whose learning rate moved by one ulp differs (the false case); ineligible runs fall back.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildInfo, initWeights, laneIneligibility, setWorkerThreads, train, trainLanes, type LaneRun } from '../lib';
import { runSweep } from '../lib/experiments/runner';
import { resolveExperiment } from '../lib/pipeline/load';
import { buildPlan } from '../lib/experiments/plan';
import { gdOptions, ProblemCache } from '../lib/experiments/execute';
import { LANE_GROUP, laneUnits } from '../lib/experiments/lanes';
import { mcProblem, MC_WIDTHS } from './helpers';

jest.setTimeout(120_000);

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const root = mkdtempSync(path.join(tmpdir(), 'dln-lanes-'));

/** The records of a results directory by run id (JSON keeps every double exactly). */
function records(out: string): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const f of readdirSync(path.join(out, 'runs'))) {
    if (!f.endsWith('.jsonl') || f.includes('rejected')) continue;
    for (const line of readFileSync(path.join(out, 'runs', f), 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { id: string };
      map.set(r.id, r);
    }
  }
  return map;
}

describe('runs in SIMD lanes', () => {
  const fig1 = () => resolveExperiment({ extends: 'marion-chizat-fig1' }, 'test', { quick: true });

  test('the Fig. 1 quick grid: the same records with and without lanes, at 1 and 2 threads, in shards', async () => {
    const before = buildInfo().workerThreads;
    try {
      setWorkerThreads(2);
      await runSweep(fig1(), { out: path.join(root, 'single'), lanes: false });
      await runSweep(fig1(), { out: path.join(root, 'lanes') });
      setWorkerThreads(1);
      await runSweep(fig1(), { out: path.join(root, 'lanes-1') });
      setWorkerThreads(2);
      for (const index of [0, 1]) await runSweep(fig1(), { out: path.join(root, 'shards'), shard: { index, count: 2 } });
    } finally {
      setWorkerThreads(before);
    }
    // The lanes did run: full units, and the core admits the runs.
    const plan = buildPlan(fig1().experiment);
    const configOf = (r: (typeof plan.runs)[number]) => plan.points[r.point];
    const units = laneUnits(plan.runs, configOf);
    expect(Math.max(...units.map((u) => u.length))).toBe(LANE_GROUP);
    expect(laneUnits(plan.runs, configOf, false).every((u) => u.length === 1)).toBe(true);
    const built = await new ProblemCache().get(configOf(plan.runs[0]), plan.runs[0].seeds);
    for (const run of plan.runs) expect(laneIneligibility(built.problem, gdOptions(run, configOf(run)))).toBe('');
    const single = records(path.join(root, 'single'));
    expect(single.size).toBeGreaterThan(20);
    const statuses = new Set([...single.values()].map((r) => (r as { status: string }).status));
    expect(statuses.has('diverged')).toBe(true);
    for (const other of ['lanes', 'lanes-1', 'shards']) {
      const got = records(path.join(root, other));
      expect(got.size).toBe(single.size);
      for (const [id, r] of single) expect(got.get(id)).toEqual(r);
    }
  });

  test('a unit of 16 runs that are each a job of their own (momentum: not lane-eligible) adds no listener warning', () => {
    // Node prints the warning from the real process, which jest's sandbox does not show to a
    // listener: the CLI (dist/, built by pretest) runs the sweep in a child process.
    const config = {
      name: 'momentum-unit',
      data: { kind: 'marion-chizat', n: 20, d: 5, noise: 1 },
      model: { depth: 3 },
      init: { kind: 'gaussian', scale: 0.3 },
      train: { learningRate: 0.05, steps: 50, optimizer: { kind: 'momentum', beta: 0.9 } },
      repetitions: 16,
      report: { figures: [] },
    };
    const plan = buildPlan(resolveExperiment(config, 'test').experiment);
    expect(laneUnits(plan.runs, (r) => plan.points[r.point]).map((u) => u.length)).toEqual([16]);
    const file = path.join(root, 'momentum-unit.json');
    writeFileSync(file, JSON.stringify(config));
    const bin = path.join(__dirname, '..', 'bin', 'dlnflow.js');
    const run = spawnSync(process.execPath, [bin, 'run', file, '--out', path.join(root, 'momentum-unit')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toContain('16 runs');
    expect(run.stderr).not.toContain('MaxListenersExceeded');
  });

  test('trainLanes gives each run the bits of train(); one ulp on one lane shows', async () => {
    const problem = mcProblem();
    const record = ['loss', 'distance', 'sharpness', 'gradNorm', 'sharpnessPower'] as const;
    const runs: LaneRun[] = [0.005, 0.02, 0.07, 0.1, 0.2, 0.35].flatMap((eta, i) =>
      [0.1, 0.6].map((scale, j) => ({
        weights: initWeights(MC_WIDTHS, { scale, seed: 10 * i + j }),
        options: { learningRate: eta, steps: 400 + 50 * j, recordEvery: 37 + i, record: [...record] },
      })),
    );
    expect(laneIneligibility(problem, runs[0].options)).toBe('');
    expect(laneIneligibility(problem, { ...runs[0].options, gradNormTarget: 1e-6 })).toBe('gradNormTarget');
    // An ineligible run in the same call: the single-run fallback.
    runs.push({ weights: runs[0].weights, options: { ...runs[0].options, gradNormTarget: 1e-6 } });
    const lanes = await trainLanes(problem, runs);
    const singles = await Promise.all(runs.map((r) => train(problem, r.weights, r.options)));
    expect(lanes.map((r) => r.status)).toEqual(singles.map((r) => r.status));
    expect(new Set(lanes.map((r) => r.status)).has('diverged')).toBe(true);
    lanes.forEach((r, i) => {
      expect(bits(r.weights)).toBe(bits(singles[i].weights));
      expect(r.steps).toBe(singles[i].steps);
      for (const q of ['step', ...record]) expect(bits(r.trace.scalar(q))).toBe(bits(singles[i].trace.scalar(q)));
    });

    // The false case: lane 1's learning rate one ulp up changes its weights, and only its.
    const moved = runs.slice(0, 4).map((r) => ({ ...r, options: { ...r.options } }));
    moved[1].options.learningRate += moved[1].options.learningRate * 2 ** -52;
    const perturbed = await trainLanes(problem, moved);
    expect(bits(perturbed[1].weights)).not.toBe(bits(singles[1].weights));
    expect(bits(perturbed[0].weights)).toBe(bits(singles[0].weights));
    expect(bits(perturbed[2].weights)).toBe(bits(singles[2].weights));
  });

  test("the orbit quantities (they continue GD at the run's learning rate) record the same bits in lanes", async () => {
    const problem = mcProblem();
    const record = ['loss', 'lyapunov', 'orbitAlignment', 'orbitSharpness'] as const;
    const runs: LaneRun[] = [0.08, 0.12, 0.15].map((eta, i) => ({
      weights: initWeights(MC_WIDTHS, { scale: 0.3, seed: i }),
      options: { learningRate: eta, steps: 300, recordEvery: 150, record: [...record] },
    }));
    const lanes = await trainLanes(problem, runs);
    const singles = await Promise.all(runs.map((r) => train(problem, r.weights, r.options)));
    lanes.forEach((r, i) => {
      expect(r.status).toBe(singles[i].status);
      const lyap = r.trace.scalar('lyapunov');
      expect(Number.isFinite(lyap[lyap.length - 1])).toBe(true);
      for (const q of ['lyapunov', 'orbitAlignment']) expect(bits(r.trace.scalar(q))).toBe(bits(singles[i].trace.scalar(q)));
      expect(bits(r.trace.vector('orbitSharpness').data)).toBe(bits(singles[i].trace.vector('orbitSharpness').data));
    });
  });

  test('buildInfo reports the lanes: 8 runs per group, on the widest instruction set the CPU has at the default level', () => {
    const info = buildInfo();
    expect(info.laneWidth).toBe(8);
    expect(info.cpuLevels).toContain(info.laneIsa);
    // At baseline the lanes run the widest IEEE copy (the baseline's rounding, lane_table.hpp); at a
    // wider level at least that level's FMA copy.
    if (info.cpuLevel === 'baseline') expect(info.laneIsa).toBe(info.cpuLevels[info.cpuLevels.length - 1]);
    else expect(info.cpuLevels.indexOf(info.laneIsa)).toBeGreaterThanOrEqual(info.cpuLevels.indexOf(info.cpuLevel));
  });

  test('bad input names the run and the field', async () => {
    const problem = mcProblem();
    const w = initWeights(MC_WIDTHS, { scale: 0.1, seed: 1 });
    await expect(trainLanes(problem, [{ weights: w, options: { learningRate: -1, steps: 3 } }])).rejects.toMatchObject({
      code: 'ERR_DLN_VALUE',
    });
    await expect(trainLanes(problem, [{ weights: w, options: { learningRate: 0.1, steps: 3, bogus: 1 } as never }])).rejects.toThrow(
      /runs\[0\]\.options\.bogus/,
    );
  });
});

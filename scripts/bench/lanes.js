// GD runs of a sweep in SIMD lanes (src/lanes/, lib/experiments/lanes.ts) against the same sweep
// run by run, in one run of this script: the Marion-Chizat Figure 1 grid at full size (1,600
// runs, 13.2M GD steps) through the experiment engine on every core, with exact sharpness
// (Lanczos) at initialization and at the end, once with `lanes: false` and once with lanes; then
// with lanes on the paper's schedule (20 power iterations every 5 steps). Also as ratios to the
// bare single-run GD steps (steps x the one-step time measured here / threads), the goal
// being lanes <= 0.5x those and the paper's schedule <= 4 s. The records of both sweeps are
// compared: they must be the same bits.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('./_native');

async function timed(lanes, overrides) {
  const { runSweep } = require(path.join(root, 'dist', 'experiments', 'runner'));
  const { resolveExperiment } = require(path.join(root, 'dist', 'pipeline', 'load'));
  const loaded = resolveExperiment({ extends: 'marion-chizat-fig1' }, 'bench', { overrides });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dlnflow-bench-lanes-'));
  const t0 = process.hrtime.bigint();
  const outcome = await runSweep(loaded, { out, lanes });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const runsDir = path.join(out, 'runs');
  const lines = fs
    .readdirSync(runsDir)
    .filter((f) => f.endsWith('.jsonl') && !f.includes('rejected'))
    .flatMap((f) => fs.readFileSync(path.join(runsDir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l));
  const records = new Map(lines.map((r) => [r.id, JSON.stringify(r)]));
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds: Number(seconds.toFixed(3)), runs: outcome.ran, records };
}

async function stepNs() {
  return require('./_native').gdStepNs();
}

exports.run = async () => {
  const d = require(root);
  const threads = d.buildInfo().workerThreads;
  const totalSteps = 10 * (20 * (40000 + 10000 + 4000 + 4000) + 80 * 2000);
  const ns = await stepNs();
  const bareSeconds = (totalSteps * ns) / 1e9 / threads;
  const single = await timed(false, []);
  const lanes = await timed(true, []);
  let same = single.records.size === lanes.records.size;
  for (const [id, r] of single.records) same = same && lanes.records.get(id) === r;
  const paper = await timed(true, ['train.recordEvery=5', 'train.record=[loss, distance, sharpnessPower]']);
  return {
    threads,
    runs: lanes.runs,
    gdSteps: totalSteps,
    gdStepNs: Number(ns.toFixed(1)),
    bareStepsSeconds: Number(bareSeconds.toFixed(3)),
    sameRecords: same,
    exactSharpness: {
      singleSeconds: single.seconds,
      lanesSeconds: lanes.seconds,
      lanesOverSingle: Number((lanes.seconds / single.seconds).toFixed(3)),
      singleOverBareSteps: Number((single.seconds / bareSeconds).toFixed(3)),
      lanesOverBareSteps: Number((lanes.seconds / bareSeconds).toFixed(3)),
      targetOverBareSteps: 0.5,
    },
    paperSchedule: { lanesSeconds: paper.seconds, targetSeconds: 4 },
  };
};

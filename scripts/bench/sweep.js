// The Marion-Chizat Figure 1 grid at full size (1,600 runs, 13.2M GD steps, 50 grid points),
// end to end through the experiment engine on every core: with exact sharpness (Lanczos) at
// initialization and at the end (target <= 3 s here), and with the paper's own schedule, 20 power
// iterations every 5 steps (target <= 10 s). Each is also given as a ratio to the same runs
// without any sharpness, timed in this run, and to the bare GD steps (steps x the one-step time
// measured here), so the numbers mean something on another machine.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, gdStepNs } = require('./_native');

async function timed(source, overrides) {
  const { runExperiment } = require(root);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dlnflow-bench-sweep-'));
  const t0 = process.hrtime.bigint();
  const outcome = await runExperiment(source, { out, overrides, report: false });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds: Number(seconds.toFixed(3)), runs: outcome.ran };
}

exports.run = async () => {
  const d = require(root);
  const threads = d.buildInfo().workerThreads;
  const totalSteps = 10 * (20 * (40000 + 10000 + 4000 + 4000) + 80 * 2000);
  const ns = await gdStepNs();
  const bareSeconds = (totalSteps * ns) / 1e9 / threads;
  const noSharpness = await timed('marion-chizat-fig1', ['train.record=[loss, distance]']);
  const exact = await timed('marion-chizat-fig1', []);
  const paperSchedule = await timed('marion-chizat-fig1', ['train.recordEvery=5', 'train.record=[loss, distance, sharpnessPower]']);
  return {
    threads,
    runs: exact.runs,
    gdSteps: totalSteps,
    gdStepNs: Number(ns.toFixed(1)),
    bareStepsSeconds: Number(bareSeconds.toFixed(3)),
    noSharpness,
    exactSharpness: {
      ...exact,
      targetSeconds: 3,
      overNoSharpness: Number((exact.seconds / noSharpness.seconds).toFixed(3)),
      overBareSteps: Number((exact.seconds / bareSeconds).toFixed(3)),
    },
    paperSchedule: {
      ...paperSchedule,
      targetSeconds: 10,
      hvps: (totalSteps / 5) * 20,
      overNoSharpness: Number((paperSchedule.seconds / noSharpness.seconds).toFixed(3)),
    },
  };
};

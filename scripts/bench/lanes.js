// GD runs of a sweep in SIMD lanes (src/lanes/, lib/experiments/lanes.ts) against the same sweep
// run by run, in one run of this script: the Marion-Chizat Figure 1 grid at full size (1,600
// runs, 13.2M GD steps) through the experiment engine on every core, with exact sharpness
// (Lanczos) at initialization and at the end, once with `lanes: false` and once with lanes; then
// with lanes on the paper's schedule (20 power iterations from a fresh Gaussian start every 5
// steps: 52.8M Hessian-vector products, batched across lanes) against the same run by run (the
// records compared bit for bit), at the default CPU level and, lanes only, in a child process
// each (DLNFLOW_CPU) at every other level this machine supports. Also as ratios to
// the bare single-run GD steps (steps x the one-step time measured here before and after the
// grids / threads), the goal being lanes <= 0.5x those and the paper's schedule <= 4 s.
// The records of both exact-sharpness sweeps are compared: they must be the same bits. The load
// average is reported beside: on a shared machine the ratios move with it.
// DLNFLOW_BENCH_LANES=exact runs the exact-sharpness part only (both sweeps and the bare steps
// around them; the result has no paperSchedule): well under a minute, for work on the engine.
// exactSharpness.lanesCpuSeconds splits the lanes sweep's CPU time by thread (main, workers, rest).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { root } = require('./_native');

/** CPU ms of each thread of this process by thread id (Linux: /proc/self/task), or null elsewhere. */
function threadCpuMs() {
  try {
    const tick = 10; // USER_HZ = 100 on Linux
    const out = new Map();
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) * tick);
    }
    return out;
  } catch {
    return null;
  }
}

/**
 * Where a sweep's CPU time went, in seconds: the main thread (JavaScript, the binding's
 * conversions), the `threads` busiest other threads (the addon's workers) and the rest (libuv's
 * pool, V8's helpers).
 */
function cpuSplit(before, after, threads) {
  if (!before || !after) return null;
  const main = (after.get(process.pid) ?? 0) - (before.get(process.pid) ?? 0);
  const others = [...after]
    .filter(([tid]) => tid !== process.pid)
    .map(([tid, ms]) => ms - (before.get(tid) ?? 0))
    .sort((a, b) => b - a);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const s = (ms) => Number((ms / 1000).toFixed(2));
  return { main: s(main), workers: s(sum(others.slice(0, threads))), other: s(sum(others.slice(threads))) };
}

async function timed(lanes, overrides) {
  const { runSweep } = require(path.join(root, 'dist', 'experiments', 'runner'));
  const { resolveExperiment } = require(path.join(root, 'dist', 'pipeline', 'load'));
  const loaded = resolveExperiment({ extends: 'marion-chizat-fig1' }, 'bench', { overrides });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dlnflow-bench-lanes-'));
  const cpuBefore = threadCpuMs();
  const t0 = process.hrtime.bigint();
  const outcome = await runSweep(loaded, { out, lanes });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSplit(cpuBefore, threadCpuMs(), require(root).buildInfo().workerThreads);
  const runsDir = path.join(out, 'runs');
  const lines = fs
    .readdirSync(runsDir)
    .filter((f) => f.endsWith('.jsonl') && !f.includes('rejected'))
    .flatMap((f) => fs.readFileSync(path.join(runsDir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l));
  const records = new Map(lines.map((r) => [r.id, JSON.stringify(r)]));
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds: Number(seconds.toFixed(3)), runs: outcome.ran, records, cpu };
}

async function stepNs() {
  return require('./_native').gdStepNs();
}

/** The paper's schedule on the grid, with lanes, at the CPU level this process runs. */
const PAPER = ['train.recordEvery=5', 'train.record=[loss, distance, sharpnessPower]'];

/** The same in a child process at `level` (DLNFLOW_CPU), for the levels the default does not run. */
function paperAtLevel(level) {
  const out = execFileSync(process.execPath, [__filename, '--paper'], {
    encoding: 'utf8',
    env: { ...process.env, DLNFLOW_CPU: level },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out).seconds;
}

const load = () => Number(os.loadavg()[0].toFixed(2));

exports.run = async () => {
  const d = require(root);
  const info = d.buildInfo();
  const threads = info.workerThreads;
  const totalSteps = 10 * (20 * (40000 + 10000 + 4000 + 4000) + 80 * 2000);
  const loadBefore = load();
  const nsBefore = await stepNs();
  const single = await timed(false, []);
  const lanes = await timed(true, []);
  let same = single.records.size === lanes.records.size;
  for (const [id, r] of single.records) same = same && lanes.records.get(id) === r;
  const withPaper = process.env.DLNFLOW_BENCH_LANES !== 'exact';
  const paper = withPaper ? await timed(true, PAPER) : undefined;
  const paperSingle = withPaper ? await timed(false, PAPER) : undefined;
  let paperSame = paper?.records.size === paperSingle?.records.size;
  for (const [id, r] of paperSingle?.records ?? []) paperSame = paperSame && paper.records.get(id) === r;
  const nsAfter = await stepNs();
  const ns = (nsBefore + nsAfter) / 2;
  const bareSeconds = (totalSteps * ns) / 1e9 / threads;
  const byLevel = withPaper ? { [info.cpuLevel]: paper.seconds } : {};
  if (withPaper) for (const level of info.cpuLevels) if (!(level in byLevel)) byLevel[level] = paperAtLevel(level);
  return {
    threads,
    cpuLevel: info.cpuLevel,
    loadAverage: { before: loadBefore, after: load() },
    runs: lanes.runs,
    gdSteps: totalSteps,
    gdStepNs: Number(ns.toFixed(1)),
    gdStepNsBeforeAfter: [Number(nsBefore.toFixed(1)), Number(nsAfter.toFixed(1))],
    bareStepsSeconds: Number(bareSeconds.toFixed(3)),
    sameRecords: same,
    exactSharpness: {
      singleSeconds: single.seconds,
      lanesSeconds: lanes.seconds,
      lanesOverSingle: Number((lanes.seconds / single.seconds).toFixed(3)),
      singleOverBareSteps: Number((single.seconds / bareSeconds).toFixed(3)),
      lanesOverBareSteps: Number((lanes.seconds / bareSeconds).toFixed(3)),
      targetOverBareSteps: 0.5,
      // Thread CPU seconds of the lanes sweep (null off Linux): the main thread's share competes
      // with the workers for the cores (docs/algorithms.md §4.8).
      lanesCpuSeconds: lanes.cpu,
    },
    ...(withPaper && {
      paperSchedule: {
        singleSeconds: paperSingle.seconds,
        lanesSeconds: paper.seconds,
        lanesOverSingle: Number((paper.seconds / paperSingle.seconds).toFixed(3)),
        sameRecords: paperSame,
        lanesOverBareSteps: Number((paper.seconds / bareSeconds).toFixed(3)),
        lanesSecondsByCpuLevel: byLevel,
        targetSeconds: 4,
      },
    }),
  };
};

if (require.main === module && process.argv.includes('--paper')) {
  timed(true, PAPER).then((r) => process.stdout.write(`${JSON.stringify({ seconds: r.seconds })}\n`));
}

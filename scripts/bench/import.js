// What loading the package costs a script that only trains: the start of `node -e 0` against
// `require('dlnflow')` and `import 'dlnflow'` (the built dist/, resolved through the package's own
// exports map), and against a require that then touches every deferred export (the experiment
// engine, problem files and the report: what every require cost before they were deferred).
// Each variant runs in fresh processes, round-robin so load on the machine hits all alike;
// reported are medians of wall time (spawn to exit), the child's own CPU time and its peak RSS,
// and each one's excess over the bare start. Target (issue 13): require under 100 ms over bare.
//   DLNFLOW_BENCH_IMPORT_RUNS=N          runs per variant (default 15)
//   DLNFLOW_BENCH_IMPORT_COMPARE=DIR     also time require(DIR) (e.g. another checkout's root)
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const report = `{ const u = process.resourceUsage(); console.log(JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssMB: u.maxRSS / 1024 })); }`;
const everything = `
  d.experimentSchema.shape; d.problemFileSchema.shape; d.buildPlan.name;
  await d.loadDataset('/nonexistent').catch(() => {});
  await d.buildReport('/nonexistent').catch(() => {});`;

const variants = {
  bare: ['-e', report],
  require: ['-e', `require('dlnflow'); ${report}`],
  import: ['--input-type=module', '-e', `import 'dlnflow'; ${report}`],
  requireEverything: ['-e', `(async () => { const d = require('dlnflow'); ${everything} ${report} })()`],
};
if (process.env.DLNFLOW_BENCH_IMPORT_COMPARE) {
  variants.requireCompare = ['-e', `require(${JSON.stringify(path.resolve(process.env.DLNFLOW_BENCH_IMPORT_COMPARE))}); ${report}`];
}

function once(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stderr}`);
  return { wallMs, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Number(x.toFixed(1));

exports.run = async () => {
  const runs = Number(process.env.DLNFLOW_BENCH_IMPORT_RUNS ?? 15);
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error('DLNFLOW_BENCH_IMPORT_RUNS must be a positive integer');
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const args of Object.values(variants)) once(args); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(variants)) samples[name].push(once(args));
  const stats = {};
  for (const [name, xs] of Object.entries(samples)) {
    stats[name] = {
      wallMs: round(median(xs.map((x) => x.wallMs))),
      cpuMs: round(median(xs.map((x) => x.cpuMs))),
      maxRssMB: round(median(xs.map((x) => x.maxRssMB))),
    };
  }
  const over = (name) => ({
    wallMs: round(stats[name].wallMs - stats.bare.wallMs),
    cpuMs: round(stats[name].cpuMs - stats.bare.cpuMs),
    maxRssMB: round(stats[name].maxRssMB - stats.bare.maxRssMB),
  });
  const overBare = Object.fromEntries(
    Object.keys(stats)
      .filter((k) => k !== 'bare')
      .map((k) => [k, over(k)]),
  );
  return {
    runsPerVariant: runs,
    medians: stats,
    overBare,
    // Less sensitive to the machine's load than the absolute times: what a require costs now, as
    // a fraction of what loading everything costs.
    requireOverEverything: {
      wallMs: Number((overBare.require.wallMs / overBare.requireEverything.wallMs).toFixed(3)),
      cpuMs: Number((overBare.require.cpuMs / overBare.requireEverything.cpuMs).toFixed(3)),
    },
    requireUnder100msOverBare: overBare.require.wallMs < 100,
  };
};

// Benchmark results as metrics CI tools read (`npm run bench -- --format ...`):
//   github-action-benchmark  its "custom" format: a JSON array of { name, unit, value, range?, extra? }
//                            (tool: customSmallerIsBetter: every metric here is smaller-is-better);
//   bencher                  Bencher Metric Format: { "<benchmark>": { "<measure>": { value,
//                            lower_value?, upper_value? } } }, times as the built-in "latency" in ns;
//   json                     the benchmarks' own results, unchanged (the default).
//
// A result is any JSON object; its numeric leaves become metrics named by their path
// ("flow/marionChizat/nfev"), classified by the leaf's key:
//   time    ...Ns / ...Us / us... / ...Ms / ms / seconds / ...Seconds       unit ns, us, ms, s
//   count   hvps, nfev, accepted, rejected, steps, runs, iterations, restarts, instructions,
//           ...Evaluations, ...Hvps, ...Steps                              unit count, deterministic
//   ratio   over..., ...Over..., ...Ratio, ...Vs..., time..., ...PerGdStep, ...InGradients,
//           loopOverBlas                                                   unit ratio
//   error   ...Error...                                                    unit relative error
//   memory  ...MB                                                          unit MB
// and skipped: targets, seeds, thread counts, sizes, final losses and other facts of the setup,
// bigger-is-better numbers (speedups, Gflops: their times are there), anything not matched. A leaf { value, lower?, upper?, unit? } is a metric with an interval.
// Counts are deterministic (same code, same counts, on any machine): a CI job can gate on them
// exactly (`--only counts`, alert threshold 100%), and on times loosely. Booleans, strings and
// non-finite numbers are not metrics.
'use strict';

const SKIP =
  /target|Target|seed|Seed|speedup|Speedup|[gG]flops|PerSecond|^threads$|^points$|^d$|^r$|^t$|^k$|final|Final|version|SingularValue|StepSize|sharpnessFrom|runsPerVariant|[fF]lops|teacher/;
const CLASSES = [
  { kind: 'time', unit: 'ns', test: /(^|[a-z0-9])Ns$|^ns$/ },
  { kind: 'time', unit: 'us', test: /(^|[a-z0-9])Us$|^us([A-Z]|$)/ },
  { kind: 'time', unit: 'ms', test: /(^|[a-z0-9])Ms$|^ms$/ },
  { kind: 'time', unit: 's', test: /^seconds$|[a-z0-9]Seconds$/ },
  { kind: 'memory', unit: 'MB', test: /MB$/ },
  { kind: 'error', unit: 'relative error', test: /Error/ },
  { kind: 'ratio', unit: 'ratio', test: /^over([A-Z]|$)|[a-z]Over[A-Z]|[rR]atio|[a-z]Vs[A-Z]|^time[A-Z]|PerGdStep$|InGradients$|^loopOverBlas$/ },
  {
    kind: 'count',
    unit: 'count',
    test: /^(hvps|nfev|accepted|rejected|steps|runs|iterations|restarts|instructions|gradients)$|Evaluations$|Hvps$|[a-z]Steps$|^hvps[A-Z]|Instructions$/,
  },
];
// A ratio of times stays a ratio whatever its leaves are named (import: requireOverEverything.wallMs).
const RATIO_PARENTS = /[a-z]Over[A-Z]/;
// Leaves whose names the rules above cannot read, by their whole path (benchmark/...).
const OVERRIDES = [
  { path: /^spectrum\/alongTrajectories\/[^/]+\/(warm|cold)\w*(Median|Max)$/, kind: 'count', unit: 'count', what: 'HVPs per recording' },
  { path: /^spectrum\/alongTrajectories\/[^/]+\/recordings$/, kind: 'count', unit: 'count', what: 'recordings' },
  { path: /^spectrum\/alongTrajectories\/runMsWith(out)?Sharpness$/, kind: 'time', unit: 'ms' },
  { path: /^gd\/mcStepNsThroughNode$/, kind: 'time', unit: 'ns' },
];
const NS_PER = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
const FORMATS = ['json', 'github-action-benchmark', 'bencher'];
const ONLY = ['counts', 'times', 'ratios', 'all'];

function classify(path, bench = '') {
  const full = [bench, ...path].join('/');
  const o = OVERRIDES.find((x) => x.path.test(full));
  if (o) return { kind: o.kind, unit: o.unit, ...(o.what ? { what: o.what } : {}) };
  const key = path[path.length - 1];
  if (path.some((p) => SKIP.test(p))) return null;
  const c = CLASSES.find((k) => k.test.test(key));
  if (!c) return null;
  if (path.slice(0, -1).some((p) => RATIO_PARENTS.test(p)) && c.kind === 'time') return { kind: 'ratio', unit: 'ratio' };
  return { kind: c.kind, unit: c.unit };
}

/** Every metric of one benchmark's result: { name, kind, unit, value, lower?, upper?, deterministic }. */
function metricsOf(bench, result) {
  const out = [];
  const visit = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => visit(v, [...path, v && typeof v === 'object' && typeof v.d === 'number' ? `d=${v.d}` : String(i)]));
      return;
    }
    if (node && typeof node === 'object') {
      if (typeof node.value === 'number' && Object.keys(node).every((k) => ['value', 'lower', 'upper', 'unit'].includes(k))) {
        const c = node.unit
          ? { kind: node.unit in NS_PER ? 'time' : node.unit === 'count' ? 'count' : 'other', unit: node.unit }
          : classify(path, bench);
        if (c && Number.isFinite(node.value)) {
          out.push({
            name: [bench, ...path].join('/'),
            ...c,
            value: node.value,
            lower: node.lower,
            upper: node.upper,
            deterministic: c.kind === 'count',
          });
        }
        return;
      }
      for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
      return;
    }
    if (typeof node !== 'number' || !Number.isFinite(node)) return;
    // A leaf that is an array element (loopOverBlas: [..]) is classified by its array's key.
    const keyPath = /^\d+$/.test(path[path.length - 1]) ? path.slice(0, -1) : path;
    const c = classify(keyPath, bench);
    if (c) out.push({ name: [bench, ...path].join('/'), ...c, value: node, deterministic: c.kind === 'count' });
  };
  visit(result, []);
  return out;
}

function keep(metric, only) {
  if (only === 'all') return true;
  if (only === 'counts') return metric.kind === 'count';
  if (only === 'times') return metric.kind === 'time';
  return metric.kind === 'ratio';
}

/** All metrics of a results object as `npm run bench` builds it ({ date, node, platform, <bench>: result, ... }). */
function collect(results, only = 'all') {
  const metrics = [];
  for (const [bench, result] of Object.entries(results)) {
    if (['date', 'node', 'platform'].includes(bench)) continue;
    metrics.push(...metricsOf(bench, result));
  }
  return metrics.filter((m) => keep(m, only));
}

const fmt = (x) => Number(x.toPrecision(6));

/** github-action-benchmark's custom format (customSmallerIsBetter). */
function githubActionBenchmark(metrics) {
  return metrics.map((m) => {
    const entry = { name: m.name, unit: m.unit, value: m.value };
    if (m.lower !== undefined || m.upper !== undefined) {
      const lo = m.lower ?? m.value;
      const hi = m.upper ?? m.value;
      entry.range = `${fmt(lo)} .. ${fmt(hi)}`;
    }
    entry.extra = m.deterministic
      ? `deterministic count${m.what ? ` (${m.what})` : ''}: any change is a change of the code`
      : `${m.kind}; smaller is better`;
    return entry;
  });
}

/** Bencher Metric Format: one benchmark per metric; measures latency (ns), count, ratio, relative-error, megabytes. */
function bencher(metrics) {
  const out = {};
  for (const m of metrics) {
    const scale = m.kind === 'time' ? NS_PER[m.unit] : 1;
    const measure =
      m.kind === 'time'
        ? 'latency'
        : m.kind === 'count'
          ? 'count'
          : m.kind === 'ratio'
            ? 'ratio'
            : m.kind === 'memory'
              ? 'megabytes'
              : m.kind === 'error'
                ? 'relative-error'
                : m.unit;
    const entry = { value: m.value * scale };
    if (m.lower !== undefined) entry.lower_value = m.lower * scale;
    if (m.upper !== undefined) entry.upper_value = m.upper * scale;
    out[m.name] = { ...(out[m.name] ?? {}), [measure]: entry };
  }
  return out;
}

/** The text `npm run bench` prints for a results object. */
function format(results, { format = 'json', only = 'all' } = {}) {
  if (!FORMATS.includes(format)) throw new Error(`--format: expected one of ${FORMATS.join(', ')}, got "${format}"`);
  if (!ONLY.includes(only)) throw new Error(`--only: expected one of ${ONLY.join(', ')}, got "${only}"`);
  if (format === 'json') {
    if (only !== 'all') throw new Error('--only applies to --format github-action-benchmark and bencher');
    return `${JSON.stringify(results, null, 2)}\n`;
  }
  const metrics = collect(results, only);
  return `${JSON.stringify(format === 'bencher' ? bencher(metrics) : githubActionBenchmark(metrics), null, 2)}\n`;
}

module.exports = { FORMATS, ONLY, classify, metricsOf, collect, githubActionBenchmark, bencher, format };

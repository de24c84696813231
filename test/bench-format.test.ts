/**
 * `npm run bench -- --format github-action-benchmark|bencher|json`: the formatters of
 * scripts/bench/_format.js on recorded results (test/fixtures/bench-results.json, written by
 * `npm run bench -- --out`), without running a benchmark. Each output is checked against its
 * tool's schema by a validator that is itself shown to reject malformed output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of scripts/bench, without type declarations
const bench = require('../scripts/bench/_format.js') as {
  format(results: unknown, options?: { format?: string; only?: string }): string;
  collect(results: unknown, only?: string): { name: string; kind: string; unit: string; value: number; deterministic: boolean }[];
};

const root = join(__dirname, '..');
const fixture = join(__dirname, 'fixtures', 'bench-results.json');
const results = JSON.parse(readFileSync(fixture, 'utf8'));

/** github-action-benchmark's custom format: problems found (empty when valid). */
function gabProblems(out: unknown): string[] {
  if (!Array.isArray(out)) return ['not an array'];
  const problems: string[] = [];
  const names = new Set<string>();
  out.forEach((e, i) => {
    if (!e || typeof e !== 'object') return problems.push(`[${i}] not an object`);
    const keys = Object.keys(e);
    for (const k of keys) if (!['name', 'unit', 'value', 'range', 'extra'].includes(k)) problems.push(`[${i}] unknown key ${k}`);
    if (typeof e.name !== 'string' || e.name === '') problems.push(`[${i}] name`);
    if (names.has(e.name)) problems.push(`[${i}] duplicate name ${e.name}`);
    names.add(e.name);
    if (typeof e.unit !== 'string' || e.unit === '') problems.push(`[${i}] unit`);
    if (typeof e.value !== 'number' || !Number.isFinite(e.value)) problems.push(`[${i}] value`);
    if (e.range !== undefined && typeof e.range !== 'string') problems.push(`[${i}] range`);
    if (e.extra !== undefined && typeof e.extra !== 'string') problems.push(`[${i}] extra`);
  });
  return problems;
}

/** Bencher Metric Format: problems found (empty when valid). */
function bmfProblems(out: unknown): string[] {
  if (!out || typeof out !== 'object' || Array.isArray(out)) return ['not an object'];
  const problems: string[] = [];
  for (const [bench, measures] of Object.entries(out as Record<string, unknown>)) {
    if (bench === '' || !measures || typeof measures !== 'object' || Array.isArray(measures)) {
      problems.push(`${bench}: not an object of measures`);
      continue;
    }
    for (const [measure, m] of Object.entries(measures as Record<string, Record<string, unknown>>)) {
      if (!/^[a-z0-9-]+$/.test(measure)) problems.push(`${bench}/${measure}: not a measure slug`);
      for (const k of Object.keys(m))
        if (!['value', 'lower_value', 'upper_value'].includes(k)) problems.push(`${bench}/${measure}: unknown key ${k}`);
      const v = m.value as number;
      if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${bench}/${measure}: value`);
      for (const k of ['lower_value', 'upper_value']) {
        if (m[k] !== undefined && (typeof m[k] !== 'number' || !Number.isFinite(m[k] as number))) problems.push(`${bench}/${measure}: ${k}`);
      }
      if (typeof m.lower_value === 'number' && m.lower_value > v) problems.push(`${bench}/${measure}: lower_value > value`);
      if (typeof m.upper_value === 'number' && m.upper_value < v) problems.push(`${bench}/${measure}: upper_value < value`);
    }
  }
  return problems;
}

describe('bench output formats', () => {
  test('the validators reject malformed output (false cases)', () => {
    expect(gabProblems({})).toEqual(['not an array']);
    expect(gabProblems([{ name: 'a', unit: 'ns', value: NaN }])).toEqual(['[0] value']);
    expect(
      gabProblems([
        { name: 'a', unit: 'ns', value: 1 },
        { name: 'a', unit: 'ns', value: 2, colour: 'x' },
      ]),
    ).toEqual(['[1] unknown key colour', '[1] duplicate name a']);
    expect(gabProblems([{ name: 'a', value: 1 }])).toEqual(['[0] unit']);
    expect(bmfProblems([])).toEqual(['not an object']);
    expect(bmfProblems({ a: { Latency: { value: 1 } } })).toEqual(['a/Latency: not a measure slug']);
    expect(bmfProblems({ a: { latency: { value: 2, lower_value: 3 } } })).toEqual(['a/latency: lower_value > value']);
    expect(bmfProblems({ a: { latency: { value: '2' } } })).toEqual(['a/latency: value']);
  });

  test('github-action-benchmark: a valid custom array, counts marked deterministic', () => {
    const out = JSON.parse(bench.format(results, { format: 'github-action-benchmark' }));
    expect(gabProblems(out)).toEqual([]);
    const byName = new Map(out.map((e: { name: string }) => [e.name, e]));
    // Times keep their unit; counts are counts and say they are deterministic.
    expect(byName.get('gd/mcStepNs')).toEqual({ name: 'gd/mcStepNs', unit: 'ns', value: results.gd.mcStepNs, extra: 'time; smaller is better' });
    const nfev = byName.get('flow/marionChizat/nfev') as { unit: string; value: number; extra: string };
    expect(nfev).toMatchObject({ unit: 'count', value: results.flow.marionChizat.nfev });
    expect(nfev.extra).toMatch(/^deterministic count/);
    // Targets, seeds and thread counts are facts of the setup, not metrics.
    expect(out.some((e: { name: string }) => /target|Target|seed|threads/.test(e.name))).toBe(false);
    // Every numeric leaf is either a metric or deliberately skipped: the known families are there.
    for (const family of ['gd/', 'spectrum/', 'flow/', 'sweep/', 'import/', 'kernels/'])
      expect(out.some((e: { name: string }) => e.name.startsWith(family))).toBe(true);
  });

  test('bencher: a valid metric object, times as latency in nanoseconds', () => {
    const out = JSON.parse(bench.format(results, { format: 'bencher' }));
    expect(bmfProblems(out)).toEqual([]);
    expect(out['gd/mcStepNs']).toEqual({ latency: { value: results.gd.mcStepNs } });
    expect(out['flow/marionChizat/ms']).toEqual({ latency: { value: results.flow.marionChizat.ms * 1e6 } });
    expect(out['flow/marionChizat/nfev']).toEqual({ count: { value: results.flow.marionChizat.nfev } });
    expect(out['sweep/exactSharpness/overBareSteps']).toEqual({ ratio: { value: results.sweep.exactSharpness.overBareSteps } });
    // A ratio of times is a ratio, whatever its leaves are called.
    expect(out['import/requireOverEverything/wallMs']).toEqual({ ratio: { value: results.import.requireOverEverything.wallMs } });
  });

  test('--only counts keeps the deterministic counts: HVPs, gradient evaluations, steps', () => {
    const counts = bench.collect(results, 'counts');
    expect(counts.length).toBeGreaterThan(5);
    for (const m of counts) expect([m.name, m.unit, m.deterministic]).toEqual([m.name, 'count', true]);
    const names = counts.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'flow/marionChizat/nfev',
        'spectrum/coldAtInits/hvpsMedian',
        'sweep/gdSteps',
        'spectrum/alongTrajectories/eta0.02_tol1e-10/warmMedian',
      ]),
    );
    const gab = JSON.parse(bench.format(results, { format: 'github-action-benchmark', only: 'counts' }));
    expect(gab.find((e: { name: string }) => e.name === 'spectrum/alongTrajectories/eta0.1_tol1e-10/coldMedian').extra).toMatch(/HVPs per recording/);
    expect(bench.collect(results, 'times').every((m) => ['ns', 'us', 'ms', 's'].includes(m.unit))).toBe(true);
  });

  test('intervals, non-finite values and arrays', () => {
    const r = {
      x: { aNs: { value: 5, lower: 4, upper: 7 }, bMs: NaN, cMs: Infinity, note: 'text', ok: true, rows: [{ d: 5, loopOverBlas: [0.5, 2] }] },
    };
    const gab = JSON.parse(bench.format(r, { format: 'github-action-benchmark' }));
    expect(gab).toEqual([
      { name: 'x/aNs', unit: 'ns', value: 5, range: '4 .. 7', extra: 'time; smaller is better' },
      { name: 'x/rows/d=5/loopOverBlas/0', unit: 'ratio', value: 0.5, extra: 'ratio; smaller is better' },
      { name: 'x/rows/d=5/loopOverBlas/1', unit: 'ratio', value: 2, extra: 'ratio; smaller is better' },
    ]);
    expect(JSON.parse(bench.format(r, { format: 'bencher' }))['x/aNs']).toEqual({ latency: { value: 5, lower_value: 4, upper_value: 7 } });
  });

  test('json is the results unchanged; bad options are refused before anything runs', () => {
    expect(JSON.parse(bench.format(results))).toEqual(results);
    expect(() => bench.format(results, { format: 'csv' })).toThrow(/--format: expected one of json, github-action-benchmark, bencher/);
    expect(() => bench.format(results, { format: 'bencher', only: 'some' })).toThrow(/--only/);
    expect(() => bench.format(results, { only: 'counts' })).toThrow(/--only applies to/);
  });

  test('npm run bench -- --from FILE --format ... prints the format (no benchmark runs)', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'scripts', 'bench.js'), ...args], { encoding: 'utf8' });
    const r = run('--from', fixture, '--format', 'bencher', '--only', 'counts');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(bmfProblems(out)).toEqual([]);
    expect(Object.values(out).every((m) => Object.keys(m as object).join() === 'count')).toBe(true);
    const bad = run('--from', fixture, '--format', 'csv');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--format: expected one of/);
    expect(run('--from', fixture, 'gd').stderr).toMatch(/--from formats a results file: name no benchmarks/);
  });
});

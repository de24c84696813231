/**
 * A config's own checks (`checks:`, lib/report/checks.ts): bad check configs are ERR_DLN_CONFIG
 * errors naming the field; each aggregate is recomputed here from results.jsonl and a threshold
 * just above it holds while one just below fails; a failed check makes `run`, `report` (and the
 * bin, as CI calls it) exit 3, a held one 0; diverged runs fail a strict check unless `where`
 * leaves them out; checks are no part of the plan, so changing them reuses the runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { main } from '../lib/cli/main';
import { loadExperiment } from '../lib/pipeline';
import { buildPlan } from '../lib/experiments/plan';
import { DlnError } from '../lib/errors';
import type { Finding } from '../lib/report/findings';
import type { ExperimentInput } from '../lib/experiments/schema';
import { evaluateExpression, parseExpression, recordResolver } from '../lib/util/expression';

const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-checks-'));
const bin = path.resolve(__dirname, '..', 'bin', 'dlnflow.js');

const base: ExperimentInput = {
  name: 'checked',
  data: { kind: 'marion-chizat', n: 40, d: 5, noise: 1 },
  model: { depth: 3 },
  init: { kind: 'gaussian', scale: 0.3 },
  train: { learningRate: 0.05, steps: 300, record: ['loss', 'distance'] },
  repetitions: 2,
  // 2.5 diverges on this problem (the test checks that it does).
  sweep: [{ 'init.scale': [0.3, 0.5] }, { 'train.learningRate': [0.05, 2.5] }],
};

function configFile(name: string, checks: unknown[]): string {
  const file = path.join(root, `${name}.yaml`);
  writeFileSync(file, YAML.stringify({ ...base, checks }));
  return file;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
  try {
    const code = await main(['node', 'dlnflow', ...args]);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

async function configError(checks: unknown[]): Promise<DlnError> {
  try {
    await loadExperiment({ ...base, checks } as never);
  } catch (err) {
    return err as DlnError;
  }
  throw new Error('expected the config to be refused');
}

describe('one comparison at the top of an expression', () => {
  test('1 when it holds, 0 when not; null stays null; only at the top', () => {
    const v = (t: string) => evaluateExpression(t, recordResolver({ a: 2, b: 3 }));
    expect([v('a < b'), v('b < a'), v('a <= 2'), v('a < 2'), v('a > 2'), v('a >= 2'), v('b > a'), v('2*a-1 > b'), v('2*a > b')]).toEqual([
      1, 0, 1, 0, 0, 1, 1, 0, 1,
    ]);
    expect(v('c < 1')).toBeNull();
    expect(() => parseExpression('(a < b) + 1')).toThrow(/missing "\)"/);
  });
});

const ok = { id: 'trains', claim: 'c', quantity: 'final.loss', aggregate: 'max' as const, below: 1e6 };

describe('bad check configs: ERR_DLN_CONFIG naming the field', () => {
  test.each([
    ['an unknown key', [{ ...ok, belw: 1 }], 'checks[0].belw', /did you mean below/],
    ['neither below nor above', [{ ...ok, below: undefined }], 'checks[0].below', /give below and\/or above/],
    ['an unknown aggregate', [{ ...ok, aggregate: 'average' }], 'checks[0].aggregate', /max.*min.*mean.*median.*fraction/],
    ['an expression that does not parse', [{ ...ok, quantity: 'final.loss <' }], 'checks[0].quantity', /ends too early/],
    ['two comparisons', [{ ...ok, quantity: 'a < b < c' }], 'checks[0].quantity', /one comparison at most/],
    ['a misspelt recorded quantity', [{ ...ok, quantity: 'final.los/initial.loss' }], 'checks[0].quantity', /final\.los.*did you mean loss/],
    ['above >= below', [{ ...ok, above: 2, below: 1 }], 'checks[0].above', /must be < below/],
    ['a repeated id', [ok, { ...ok }], 'checks[1].id', /used by another check/],
    ['a missing claim', [{ ...ok, claim: undefined }], 'checks[0].claim', /./],
    ['checks not a list', { trains: ok } as unknown as unknown[], 'checks', /array/],
  ])('%s', async (_what, checks, field, message) => {
    const err = await configError(checks as unknown[]);
    expect(err).toBeInstanceOf(DlnError);
    expect(err.code).toBe('ERR_DLN_CONFIG');
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  test('a valid check loads, and checks are no part of the plan (changing them reuses the runs)', async () => {
    const a = await loadExperiment({ ...base, checks: [ok] });
    const b = await loadExperiment({ ...base, checks: [{ ...ok, below: 1 }] });
    const c = await loadExperiment(base);
    expect(buildPlan(a.experiment).hash).toBe(buildPlan(b.experiment).hash);
    expect(buildPlan(a.experiment).hash).toBe(buildPlan(c.experiment).hash);
  });
});

describe('checks on the results', () => {
  const out = path.join(root, 'out');
  let rows: Record<string, unknown>[] = [];
  const col = (rs: Record<string, unknown>[], name: string) => rs.map((r) => r[name] as number | null);

  beforeAll(async () => {
    // First no checks: the runs, and the numbers the checks below are built around.
    expect((await cli(['run', configFile('none', []), '--out', out])).code).toBe(0);
    rows = readFileSync(path.join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(8);
  });

  const summaryChecks = (): Finding[] => JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).checks;

  test('a threshold just past the aggregate holds (exit 0), one just short of it fails (exit 3), in run and report', async () => {
    const stable = rows.filter((r) => r['train.learningRate'] === 0.05);
    expect(stable.every((r) => r.status !== 'diverged')).toBe(true);
    expect(rows.filter((r) => r.status === 'diverged')).toHaveLength(4);
    const losses = col(stable, 'final.loss') as number[];
    const max = Math.max(...losses);
    const min = Math.min(...losses);
    const sorted = [...losses].sort((a, b) => a - b);
    const median = (sorted[1] + sorted[2]) / 2;
    const at05 = col(
      stable.filter((r) => r['init.scale'] === 0.5),
      'final.distance',
    ) as number[];
    const meanDistance = (at05[0] + at05[1]) / 2;
    const where = { 'train.learningRate': 0.05 };
    const holding = [
      { id: 'max', claim: 'stable runs fit', quantity: 'final.loss', aggregate: 'max', below: max * (1 + 1e-9), where },
      { id: 'min', claim: 'min', quantity: 'loss', aggregate: 'min', above: min * (1 - 1e-9), where },
      { id: 'median', claim: 'median', quantity: 'final.loss', aggregate: 'median', above: median * (1 - 1e-9), below: median * (1 + 1e-9), where },
      {
        id: 'mean',
        claim: 'mean',
        quantity: 'final.distance',
        aggregate: 'mean',
        below: meanDistance * (1 + 1e-9),
        where: { ...where, 'init.scale': 0.5 },
      },
      // 4 of 8 runs diverge: fraction 0.5 exactly, of a name that is no recorded quantity.
      { id: 'diverges', claim: 'half diverge', quantity: 'diverged', aggregate: 'fraction', above: 0.49, below: 0.51 },
      {
        id: 'decreases',
        claim: 'loss decreases',
        quantity: 'final.loss < initial.loss',
        aggregate: 'fraction',
        above: 0.999,
        where: { status: ['completed', 'converged'] },
      },
    ];
    let r = await cli(['run', configFile('holds', holding), '--out', out]);
    expect(r.stderr).not.toMatch(/failed|exit code/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ check max: stable runs fit: max of final\.loss = .* over 4 run\(s\) \(expected < /);
    expect(summaryChecks().map((c) => [c.id, c.status])).toEqual(holding.map((c) => [`check:${c.id}`, 'pass']));
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(/check decreases \(this config\): loss decreases/);

    // The same thresholds moved just past the value: every check fails, each on its own.
    const failing = [
      { ...holding[0], below: max * (1 - 1e-9) },
      { ...holding[1], above: min * (1 + 1e-9) },
      { ...holding[2], above: median * (1 + 1e-9), below: median * (1 + 2e-9) },
      { ...holding[3], below: meanDistance * (1 - 1e-9) },
      { ...holding[4], above: 0.51, below: 0.6 },
      { ...holding[5], where: undefined }, // the diverged runs have no final loss: false
    ];
    for (const [i, check] of failing.entries()) {
      const checks = holding.map((c, j) => (j === i ? check : c));
      r = await cli(['run', configFile(`fails-${i}`, checks), '--out', out]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`checked: 1 check\\(s\\) of the config failed: ${check.id} \\(.*\\(exit code 3\\)`));
      expect(
        summaryChecks()
          .filter((c) => c.status === 'fail')
          .map((c) => c.id),
      ).toEqual([`check:${check.id}`]);
    }
    // `dlnflow report` rebuilds with the last config's checks: still exit 3.
    expect((await cli(['report', out])).code).toBe(3);
  });

  test('strict by default: a diverged run fails max/min/mean/median and says so; a typo in a config path is named', async () => {
    const checks = [
      { id: 'finite', claim: 'every run ends with a finite loss', quantity: 'final.loss', aggregate: 'max', below: 1e6 },
      { id: 'typo', claim: 'x', quantity: 'train.learningRat', aggregate: 'max', below: 1 },
      { id: 'nobody', claim: 'y', quantity: 'final.loss', aggregate: 'max', below: 1, where: { 'init.scale': 0.7 } },
    ];
    const r = await cli(['run', configFile('strict', checks), '--out', out]);
    expect(r.code).toBe(3);
    const [finite, typo, nobody] = summaryChecks();
    expect(finite.observed).toBe('4 of 8 runs have no finite final.loss (4 diverged)');
    expect(typo.observed).toMatch(/no run has train\.learningRat \(not recorded, or no such name\)/);
    expect(nobody.observed).toBe('no run matches where init.scale = 0.7 (of 8)');
    expect([finite, typo, nobody].every((c) => c.pass === false)).toBe(true);
  });

  test('the bin itself: exit 0 when the checks hold, 3 when one fails', () => {
    const hold = configFile('bin-hold', [{ id: 'half', claim: 'half diverge', quantity: 'diverged', aggregate: 'fraction', above: 0.4, below: 0.6 }]);
    const fail = configFile('bin-fail', [{ id: 'none', claim: 'none diverge', quantity: 'diverged', aggregate: 'max', below: 0.5 }]);
    const env = { ...process.env, CI: '1' };
    expect(spawnSync(process.execPath, [bin, 'run', hold, '--out', out], { encoding: 'utf8', env }).status).toBe(0);
    const failed = spawnSync(process.execPath, [bin, 'run', fail, '--out', out], { encoding: 'utf8', env });
    expect(failed.status).toBe(3);
    expect(failed.stdout).toMatch(/✗ check none: none diverge: max of diverged = 1 over 8 run\(s\) \(expected < 0\.5\)/);
  });

  test("extends a preset with another sweep: the paper's findings are not applicable (no exit 3 from them), the config's checks decide", async () => {
    const file = path.join(root, 'mine.yaml');
    const mine = (checks: unknown[]) =>
      writeFileSync(
        file,
        YAML.stringify({
          extends: 'marion-chizat-fig1-traces',
          name: 'my-traces',
          repetitions: 1,
          train: { steps: 40 },
          sweep: [{ 'train.learningRate': [0.02, 0.1] }, { 'init.scale': [0.35] }],
          checks,
        }),
      );
    const dir = path.join(root, 'mine');
    mine([{ id: 'finite', claim: 'finite losses', quantity: 'final.loss', aggregate: 'max', below: 1e6 }]);
    const r = await cli(['run', file, '--out', dir]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.findings.length).toBeGreaterThan(0);
    expect(summary.findings.every((f: Finding) => f.status === 'not-applicable')).toBe(true);
    expect(summary.checks.map((c: Finding) => c.status)).toEqual(['pass']);
    mine([{ id: 'finite', claim: 'finite losses', quantity: 'final.loss', aggregate: 'max', below: 1e-12 }]);
    expect((await cli(['run', file, '--out', dir])).code).toBe(3);
  });
});

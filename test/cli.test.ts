/** The CLI as a user runs it (the compiled bin), including its errors. */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { initWeights, jacotTeacherData, loadProblemFile, marionChizatData, sharpness, toRows } from '../lib';
import { inspect } from '../lib/cli/inspect';

const bin = path.resolve(__dirname, '..', 'bin', 'dlnflow.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-cli-'));

function writeProblem(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('dlnflow inspect', () => {
  const d = marionChizatData({ n: 50, d: 5, seed: 0 });
  const base = { X: toRows(d.X), y: Array.from(d.y), widths: [5, 5, 5, 1] };

  test('--json prints loss, gradNorm and the theory quantities', () => {
    const w = [
      Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i === j ? 0.5 : 0))),
      Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i === j ? 0.5 : 0))),
      [[0.1, 0.2, 0.3, 0.4, 0.5]],
    ];
    const r = run('inspect', writeProblem('p.json', { ...base, weights: w }), '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.point).toEqual({ source: 'file' });
    for (const key of ['loss', 'gradNorm']) expect(typeof out[key]).toBe('number');
    for (const key of ['lambda', 'Lambda', 'a', 'wStarNorm', 'sMin', 'criticalLearningRate']) expect(typeof out.theory[key]).toBe('number');
    expect(out.theory.wStarNorm).toBeCloseTo(1, 12);
    expect(out.theory.criticalLearningRate).toBeCloseTo(2 / out.theory.sMin, 14);
    // w_prod = 0.25 * [0.1 .. 0.5]: the excess loss is (w - w*)^T Sigma (w - w*) >= 0
    expect(out.excessLoss).toBeGreaterThan(0);
  });

  test('without weights it evaluates at a stated initialization', () => {
    const r = run('inspect', writeProblem('q.json', base), '--json', '--scale', '0.2', '--seed', '3');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).point).toEqual({ source: 'init', kind: 'gaussian', scale: 0.2, seed: 3 });
  });

  test('human-readable output by default', () => {
    const r = run('inspect', writeProblem('q2.json', base));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/critical eta = 2\/S_min/);
  });

  test('bad files fail with one line naming the field and a code', () => {
    const bad = run('inspect', writeProblem('bad.json', { ...base, widths: [5, 5, 0] }));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/widths\[2\].*ERR_DLN_CONFIG/s);
    const unknownKey = run('inspect', writeProblem('bad2.json', { ...base, wdths: [1] }));
    expect(unknownKey.stderr).toMatch(/wdths/);
    const shape = run('inspect', writeProblem('bad3.json', { ...base, weights: [[[1]]] }));
    expect(shape.status).toBe(2);
    expect(shape.stderr).toMatch(/weights.*ERR_DLN_SHAPE/);
    const missing = run('inspect', path.join(dir, 'nope.json'));
    expect(missing.stderr).toMatch(/ERR_DLN_IO/);
    const notJson = path.join(dir, 'x.json');
    writeFileSync(notJson, '{');
    expect(run('inspect', notJson).stderr).toMatch(/not valid JSON/);
  });

  test('--json --k K: sharpness (top-k, descending) with its method, residuals and products, and the structure at the point', async () => {
    const file = writeProblem('s.json', base);
    const r = run('inspect', file, '--json', '--k', '3', '--scale', '0.3', '--seed', '1');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.sharpness).toHaveLength(3);
    expect(out.sharpness[0]).toBeGreaterThan(out.sharpness[1]);
    expect(out.sharpness[1]).toBeGreaterThan(out.sharpness[2]);
    // The same numbers as the API at the same point (same default seed: the same bits).
    const { problem } = await loadProblemFile(file);
    const w = initWeights(problem.widths, { scale: 0.3, seed: 1 });
    const api = await sharpness(problem, w, { k: 3, smallest: true });
    expect(out.sharpness).toEqual(Array.from(api.eigenvalues));
    expect(out.spectrum).toMatchObject({ method: 'lanczos', k: 3, tol: 1e-10, hvps: api.hvps, converged: true });
    expect(out.spectrum.residuals).toHaveLength(3);
    for (const x of out.spectrum.residuals) expect(x).toBeLessThanOrEqual(1e-10 * out.sharpness[2]);
    expect(out.spectrum.lambdaMin).toBe(api.lambdaMin);
    expect(out.spectrum.spectralRadius).toBe(Math.max(out.sharpness[0], -out.spectrum.lambdaMin));
    expect(out.spectrum.sharpnessOverSMin).toBeCloseTo(out.sharpness[0] / out.theory.sMin, 14);
    // Every theory quantity of docs/theory.md §2 (univariate).
    for (const key of [
      'lambda',
      'Lambda',
      'a',
      'wStarNorm',
      'projectionNorm',
      'sMin',
      'sMinRefinedLower',
      'sMinRefinedUpper',
      'sRankOne',
      'smallInitUpper',
      'codeUpper',
      'criticalLearningRate',
    ]) {
      expect(typeof out.theory[key]).toBe('number');
    }
    expect(out.theory.wStar).toHaveLength(5);
    // The weight structure (Lemma 2's quantities with this point as the initialization).
    expect(out.structure.layerNorms).toHaveLength(3);
    expect(out.structure.rankOneGap).toHaveLength(3);
    expect(out.structure.alignment).toHaveLength(2);
    expect(out.structure.balancedness).toHaveLength(2);
    const eps =
      3 * Math.max(...out.structure.layerNorms.map((s: number, k: number) => s * s + out.structure.rankOneGap[k])) +
      2 * out.structure.balancedness.reduce((a: number, b: number) => a + b, 0);
    expect(out.structure.lemma2Epsilon).toBeCloseTo(eps, 12);
    // Power iteration (parity) and the dense oracle, through the command's function in-process.
    const options = { init: 'gaussian', scale: 0.3, seed: 1, k: 1, method: 'power' as const, tol: 1e-10, rankTol: 1e-4 };
    const power = await inspect(file, options);
    expect(power.spectrum).toMatchObject({ method: 'power', hvps: 20, residuals: null, lambdaMin: null });
    const dense = await inspect(file, { ...options, method: 'dense', k: 3 });
    (dense.sharpness as number[]).forEach((x, j) => expect(Math.abs(x - out.sharpness[j])).toBeLessThan(1e-13 * out.sharpness[0]));
    expect((dense.spectrum as { hvps: number }).hvps).toBe(55);
  });

  test('human output shows the sharpness line; a multivariate problem adds rank and norms of A', async () => {
    const t = jacotTeacherData({ d: 4, rank: 2, n: 30, nTest: 0, seed: 1 });
    const mse = writeProblem('mse.json', { X: toRows(t.X), Y: toRows(t.Y), widths: [4, 6, 4], loss: 'mse' });
    const human = run('inspect', mse, '--k', '2', '--rank-tol', '1e-3');
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/sharpness \(top 2\) +[0-9.e-]+, [0-9.e-]+ +\[lanczos, \d+ HVPs, residuals/);
    expect(human.stdout).toMatch(/epsilon \(Lemma 2/);
    expect(human.stdout).toMatch(/rank of A \(tol 0.001\)/);
    const m = (await inspect(mse, { init: 'gaussian', scale: 0.1, seed: 0, k: 1, method: 'lanczos', tol: 1e-10, rankTol: 1e-3 })) as {
      theory: unknown;
      structure: { rankTolerance: number; singularValues: number[]; rank: number; nuclearNorm: number };
    };
    expect(m.theory).toBeNull();
    expect(m.structure.rankTolerance).toBe(1e-3);
    expect(m.structure.singularValues).toHaveLength(4);
    expect(m.structure.rank).toBe(m.structure.singularValues.filter((x) => x > 1e-3).length);
    expect(m.structure.nuclearNorm).toBeCloseTo(
      m.structure.singularValues.reduce((a, b) => a + b, 0),
      12,
    );
  });

  test('bad sharpness options fail with one line', () => {
    const file = writeProblem('o.json', base);
    const k0 = run('inspect', file, '--k', '0');
    expect(k0.status).not.toBe(0);
    expect(k0.stderr).toMatch(/--k/);
    expect(run('inspect', file, '--method', 'arnoldi').stderr).toMatch(/expected lanczos, power or dense/);
    const power = run('inspect', file, '--method', 'power', '--k', '2');
    expect(power.status).toBe(2);
    expect(power.stderr).toMatch(/options\.k: power iteration gives one estimate.*ERR_DLN_VALUE/);
  });

  test('--help lists the command', () => {
    const r = run('--help');
    expect(r.stdout).toMatch(/inspect/);
  });
});

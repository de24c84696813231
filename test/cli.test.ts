/** The CLI as a user runs it (the compiled bin), including its errors. */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { marionChizatData, toRows } from '../lib';

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

  test('--help lists the command', () => {
    const r = run('--help');
    expect(r.stdout).toMatch(/inspect/);
  });
});

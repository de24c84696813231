/** `dlnflow flow` as a user runs it (the compiled bin). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { flow, loadProblemFile, marionChizatData, toRows } from '../lib';
import { maxAbsDiff } from './flow-helpers';

const bin = path.resolve(__dirname, '..', 'bin', 'dlnflow.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const fixture = path.join(__dirname, 'fixtures', 'mc-flow-problem.json');
const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-flow-cli-'));

describe('dlnflow flow', () => {
  test('--json prints the contract fields and the final weights, as the API computes them', async () => {
    const r = run('flow', fixture, '--t-end', '20', '--rtol', '1e-8', '--atol', '1e-11', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const key of ['status', 't', 'loss', 'nfev', 'accepted', 'rejected', 'balancednessDrift', 'weights']) expect(out).toHaveProperty(key);
    expect(out.status).toBe('completed');
    expect(out.t).toBe(20);
    expect(out.nfev).toBe(2 + 6 * (out.accepted + out.rejected));
    const { problem, weights } = await loadProblemFile(fixture);
    const api = await flow(problem, weights!, { tEnd: 20, rtol: 1e-8, atol: 1e-11 });
    expect(out.loss).toBe(api.finalLoss);
    expect(out.accepted).toBe(api.stats.accepted);
    // Weights in the problem file's layout: W_k as d_k x d_{k-1} rows.
    expect(out.weights.map((W: number[][]) => [W.length, W[0].length])).toEqual(problem.widths.slice(1).map((d, k) => [d, problem.widths[k]]));
    expect(maxAbsDiff(out.weights.flat(2), api.weights)).toBe(0);
  });

  test('events, recording and an initialization when the file has no weights', () => {
    const d = marionChizatData({ n: 50, d: 5, seed: 0 });
    const file = path.join(dir, 'noweights.json');
    writeFileSync(file, JSON.stringify({ X: toRows(d.X), y: Array.from(d.y), widths: [5, 5, 5, 1] }));
    const r = run(
      'flow',
      file,
      '--t-end',
      'Infinity',
      '--excess-loss-below',
      '1e-9',
      '--scale',
      '0.01',
      '--seed',
      '2',
      '--record',
      'loss,stepSize',
      '--record-every',
      '10',
      '--json',
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.point).toEqual({ source: 'init', kind: 'gaussian', scale: 0.01, seed: 2 });
    expect(out.status).toBe('converged');
    expect(out.excessLoss).toBeLessThanOrEqual(1.000001e-9);
    expect(out.events).toEqual([expect.objectContaining({ name: 'excessLossBelow', threshold: 1e-9, t: out.t })]);
    expect(Object.keys(out.trace[0])).toEqual(['step', 'time', 'loss', 'stepSize']);
    expect(out.trace.length).toBeGreaterThan(3);
  });

  test('--method: the stiff counters at the top level of --json beside nfev, as the API computes them; a bad method names options.method', async () => {
    const r = run('flow', fixture, '--t-end', '50', '--method', 'exprb43', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const { problem, weights } = await loadProblemFile(fixture);
    const api = await flow(problem, weights!, { tEnd: 50, method: 'exprb43' });
    expect(out.method).toBe('exprb43');
    for (const key of [
      'nfev',
      'hvps',
      'gradientEquivalents',
      'krylovIterations',
      'krylovCuts',
      'maxKrylovBasis',
      'sharpnessEstimates',
      'switches',
      'sharpnessEstimate',
      'accepted',
      'rejected',
    ]) {
      expect(out[key]).toBe((api.stats as unknown as Record<string, unknown>)[key]);
    }
    expect(out.hvps).toBeGreaterThan(0);
    expect(out.gradientEquivalents).toBe(out.nfev + 2 * out.hvps);
    expect(maxAbsDiff(out.weights.flat(2), api.weights)).toBe(0);
    // False case: RK45 has no products.
    const rk = JSON.parse(run('flow', fixture, '--t-end', '50', '--method', 'rk45', '--json').stdout);
    expect([rk.method, rk.hvps, rk.sharpnessEstimate]).toEqual(['rk45', 0, null]);
    const human = run('flow', fixture, '--t-end', '50', '--method', 'auto');
    expect(human.stdout).toMatch(/method\s+auto/);
    const bad = run('flow', fixture, '--t-end', '1', '--method', 'rk4');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/options\.method/);
  });

  test('human-readable output by default', () => {
    const r = run('flow', fixture, '--t-end', '5');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/status\s+completed/);
    expect(r.stdout).toMatch(/balancedness drift/);
  });

  test('bad options fail with one line naming the field', () => {
    const missing = run('flow', fixture);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/--t-end/);
    const negative = run('flow', fixture, '--t-end', '-1');
    expect(negative.stderr).toMatch(/--t-end.*> 0/);
    const rtol = run('flow', fixture, '--t-end', '1', '--rtol', '1e-20');
    expect(rtol.status).toBe(2);
    expect(rtol.stderr).toMatch(/options\.rtol.*ERR_DLN_VALUE/);
    const record = run('flow', fixture, '--t-end', '1', '--record', 'loss,bogus');
    expect(record.stderr).toMatch(/options\.record.*bogus/);
    const controller = run('flow', fixture, '--t-end', '1', '--controller', 'PID');
    expect(controller.stderr).toMatch(/options\.controller/);
  });
});

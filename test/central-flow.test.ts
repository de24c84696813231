/**
 * The central flow through flow(…, { dynamics: 'central', learningRate }) (src/central_flow.hpp;
 * the native test test/native/central_flow_test.cpp checks k = 1 against the projected flow
 * written directly). Here, on the Marion–Chizat authors' data at η = 0.1 (Fig. 1d): the edge is
 * entered once, the sharpness is then held at 2/η, Σ ⪰ 0 with complementarity at every
 * right-hand side, the predicted loss is the loss off the edge and above it on the edge; the run
 * is the same bits with 1 or 2 worker threads; dynamics 'gradient' is today's flow; bad input
 * names its field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildInfo, DlnError, flow, initWeights, marionChizatData, Problem, setWorkerThreads, toRows } from '../lib';

const WIDTHS = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function authorsProblem(): Problem {
  const d = marionChizatData({ source: 'authors', n: 50, d: 5, noise: 1 });
  return Problem.regression({ X: d.X, y: d.y, widths: WIDTHS });
}

describe('central flow (dynamics central)', () => {
  const problem = authorsProblem();
  const w0 = initWeights(WIDTHS, { scale: 0.3, seed: 0 });

  test('Fig. 1d setting: one entry, sharpness held at 2/η, Σ ⪰ 0 and complementarity, predicted loss', async () => {
    const times = Array.from({ length: 91 }, (_, k) => k / 2);
    const r = await flow(problem, w0, {
      dynamics: 'central',
      learningRate: 0.1,
      tEnd: 45,
      times,
      record: ['loss', 'predictedLoss', 'sharpness', 'edgeCount'],
    });
    expect(r.status).toBe('completed');
    expect(r.t).toBe(45);
    // Measured: one entry at t = 6.014 (GD step 60), nothing leaves.
    expect(r.transitions.length).toBe(1);
    expect(r.transitions[0]).toMatchObject({ from: 0, to: 1 });
    expect(r.transitions[0].t).toBeGreaterThan(5.9);
    expect(r.transitions[0].t).toBeLessThan(6.1);
    expect(r.edgeCount).toBe(1);
    // Every rhs on the edge (measured: KKT and complementarity 2e-16, edge deviation 7e-7 at rtol 1e-6).
    expect(r.stats.edgeEvaluations).toBeGreaterThan(6 * 50);
    expect(r.edgeChecks.maxKktResidual).toBeLessThan(1e-14);
    expect(r.edgeChecks.maxComplementarity).toBeLessThan(1e-14);
    expect(r.edgeChecks.minSigmaEigen).toBeGreaterThan(0.99); // k = 1: S = σ² > 0, λ_min(S)/‖S‖ = 1
    expect(r.edgeChecks.maxEdgeDeviation).toBeLessThan(5e-6);
    const t = r.trace.scalar('time');
    const edge = r.trace.scalar('edgeCount');
    const sharp = r.trace.scalar('sharpness');
    const loss = r.trace.scalar('loss');
    const predicted = r.trace.scalar('predictedLoss');
    expect(t.length).toBe(91);
    let onEdge = 0;
    for (let i = 0; i < t.length; i++) {
      if (t[i] < r.transitions[0].t) {
        expect(edge[i]).toBe(0);
        expect(sharp[i]).toBeLessThan(20);
        expect(predicted[i]).toBe(loss[i]);
      } else {
        onEdge++;
        expect(edge[i]).toBe(1);
        expect(Math.abs(sharp[i] - 20) / 20).toBeLessThan(5e-6);
        expect(predicted[i]).toBeGreaterThan(loss[i]);
      }
    }
    expect(onEdge).toBeGreaterThan(70);
  });

  test('dynamics gradient is the plain flow (bits); central below the edge too', async () => {
    const plain = await flow(problem, w0, { tEnd: 4 });
    const named = await flow(problem, w0, { tEnd: 4, dynamics: 'gradient' });
    expect(bits(named.weights)).toEqual(bits(plain.weights));
    // η = 0.01: 2/η = 200 is never reached by t = 4 (sharpness ≤ 1.2 there).
    const central = await flow(problem, w0, { tEnd: 4, dynamics: 'central', learningRate: 0.01 });
    expect(central.transitions.length).toBe(0);
    expect(bits(central.weights)).toEqual(bits(plain.weights));
    expect(central.stats.accepted).toBe(plain.stats.accepted);
    // False case: at η = 0.1 the edge is reached by t = 8 and the end points differ.
    const [g8, c8] = await Promise.all([flow(problem, w0, { tEnd: 8 }), flow(problem, w0, { tEnd: 8, dynamics: 'central', learningRate: 0.1 })]);
    expect(bits(c8.weights)).not.toEqual(bits(g8.weights));
  });

  test('from above 2/η with an inactive constraint: held in the set until it falls to 2/η, then gradient flow', async () => {
    // Scale 0.5, this draw: λ_max = 487 > 2/η = 400 at t = 0, but the complementarity problem puts
    // no weight on it (λ_min(S_free) < 0, Σ = 0): gradient flow lowers it by itself. It leaves the
    // edge set when it falls to 2/η (measured: t = 5e-4). Before the fix the "leave" root
    // (λ_min(S_free) falling through 0) was never crossed: edgeCount stayed 1 with Σ = 0 to the
    // end, with an eigensolve and a contraction per right-hand side (46,090 of them to t = 200).
    const wAbove = initWeights(WIDTHS, { scale: 0.5, seed: 1008766053639197 });
    const opts = {
      dynamics: 'central' as const,
      learningRate: 0.005,
      tEnd: 2,
      times: [0, 1, 2],
      record: ['sharpness' as const, 'edgeCount' as const],
    };
    const [c, g] = await Promise.all([
      flow(problem, wAbove, { ...opts }),
      flow(problem, wAbove, { tEnd: 2, times: [0, 1, 2], record: ['sharpness'] }),
    ]);
    expect(c.status).toBe('completed');
    expect(c.trace.scalar('sharpness')[0]).toBeGreaterThan(400);
    expect(c.transitions.length).toBe(1);
    expect(c.transitions[0]).toMatchObject({ from: 1, to: 0 });
    expect(c.transitions[0].t).toBeGreaterThan(0);
    expect(c.transitions[0].t).toBeLessThan(0.01);
    expect(Array.from(c.trace.scalar('edgeCount'))).toEqual([1, 0, 0]);
    expect(c.edgeChecks.minSigmaEigen).toBeNaN(); // Σ = 0 at every evaluation on the edge
    expect(c.stats.edgeEvaluations).toBeLessThan(100);
    const sc = c.trace.scalar('sharpness');
    const sg = g.trace.scalar('sharpness');
    expect(Math.abs(sc[2] - sg[2]) / sg[2]).toBeLessThan(1e-6);
    // False case: this draw is above 2/η at t = 0 too, but its constraint becomes active: it is
    // held (Σ > 0) and leaves at t = 0.34, ending below 2/η where gradient flow ends above it.
    const wActive = initWeights(WIDTHS, { scale: 0.5, seed: 0 });
    const [active, plain] = await Promise.all([
      flow(problem, wActive, opts),
      flow(problem, wActive, { tEnd: 2, times: [0, 1, 2], record: ['sharpness'] }),
    ]);
    expect(active.edgeChecks.minSigmaEigen).toBeGreaterThan(0.99);
    expect(active.transitions[0]).toMatchObject({ from: 1, to: 0 });
    expect(active.transitions[0].t).toBeGreaterThan(0.3);
    expect(active.transitions[0].t).toBeLessThan(0.4);
    expect(active.trace.scalar('sharpness')[2]).toBeLessThan(400);
    expect(plain.trace.scalar('sharpness')[2]).toBeGreaterThan(400);
  });

  test('a trial step into a point whose Hessian-vector products overflow is rejected, not fatal', async () => {
    // Scale 0.52, this draw: λ_max = 9142 ≫ 2/η = 400, two eigenvalues start on the edge. A DOPRI5
    // trial stage reached a point where the Lanczos products overflow: before the fix the run (and
    // a whole experiment, marion-chizat-fig1b-predicted at full size) stopped on ERR_DLN_VALUE
    // "weights" within t = 0.5; now the step is rejected and shrunk, as for a non-finite gradient.
    const w = initWeights(WIDTHS, { scale: 0.522222222222, seed: 4092676598911024 });
    const r = await flow(problem, w, { dynamics: 'central', learningRate: 0.005, tEnd: 0.5, record: ['sharpness'] });
    expect(r.status).toBe('completed');
    expect(r.stats.rejected).toBeGreaterThan(0);
    expect(r.edgeChecks.maxKktResidual).toBeLessThan(1e-14);
  });

  test('1 or 2 worker threads give identical bits', async () => {
    const opts = { dynamics: 'central' as const, learningRate: 0.1, tEnd: 12, record: ['loss' as const, 'predictedLoss' as const] };
    const inits = [0, 1, 2].map((seed) => initWeights(WIDTHS, { scale: 0.3, seed }));
    const before = buildInfo().workerThreads;
    try {
      setWorkerThreads(1);
      const one = await Promise.all(inits.map((w) => flow(problem, w, opts)));
      setWorkerThreads(2);
      const two = await Promise.all(inits.map((w) => flow(problem, w, opts)));
      one.forEach((r, i) => {
        expect(r.transitions.length).toBeGreaterThan(0);
        expect(bits(two[i].weights)).toEqual(bits(r.weights));
        expect(bits(two[i].trace.scalar('predictedLoss'))).toEqual(bits(r.trace.scalar('predictedLoss')));
      });
      // False case: another initialization is other bits.
      expect(bits(one[1].weights)).not.toEqual(bits(one[0].weights));
    } finally {
      setWorkerThreads(before);
    }
  });

  test('bad input names its field', async () => {
    const reject = (o: object) => flow(problem, w0, { tEnd: 1, ...o } as never);
    await expect(reject({ dynamics: 'central' })).rejects.toMatchObject({ code: 'ERR_DLN_TYPE', field: 'options.learningRate' });
    await expect(reject({ dynamics: 'central' })).rejects.toThrow(/required with dynamics 'central'/);
    await expect(reject({ dynamics: 'central', learningRate: -0.1 })).rejects.toMatchObject({ code: 'ERR_DLN_VALUE', field: 'options.learningRate' });
    await expect(reject({ dynamics: 'central', learningRate: 0.1, maxEdge: 5 })).rejects.toMatchObject({
      code: 'ERR_DLN_VALUE',
      field: 'options.maxEdge',
    });
    await expect(reject({ dynamics: 'centre', learningRate: 0.1 })).rejects.toMatchObject({ code: 'ERR_DLN_VALUE', field: 'options.dynamics' });
    // The central flow integrates with DOPRI5 only: a stiff method is refused, rk45 accepted.
    await expect(reject({ dynamics: 'central', learningRate: 0.1, method: 'exprb43' })).rejects.toMatchObject({
      code: 'ERR_DLN_VALUE',
      field: 'options.method',
    });
    await expect(reject({ dynamics: 'central', learningRate: 0.1, method: 'auto' })).rejects.toMatchObject({
      code: 'ERR_DLN_VALUE',
      field: 'options.method',
    });
    await expect(reject({ learningRate: 0.1 })).rejects.toMatchObject({ code: 'ERR_DLN_VALUE', field: 'options.learningRate' });
    await expect(reject({ dynamics: 'central', learningRate: 0.1, edgeRelaxaton: 1 })).rejects.toBeInstanceOf(DlnError);
    await expect(reject({ dynamics: 'central', learningRate: 0.1, record: ['predictedLos'] })).rejects.toMatchObject({
      code: 'ERR_DLN_VALUE',
      field: 'options.record',
    });
    // The native entry point checks the same without the TypeScript layer.
    await expect(reject({ record: ['predictedLoss'] })).rejects.toMatchObject({ code: 'ERR_DLN_VALUE', field: 'options.record' });
  });
});

describe('dlnflow flow --dynamics central', () => {
  test('the CLI runs the central flow as the API does; --learning-rate without it is refused naming the field', async () => {
    const d = marionChizatData({ source: 'authors', n: 50, d: 5, noise: 1 });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dlnflow-central-cli-')), 'problem.json');
    writeFileSync(file, JSON.stringify({ X: toRows(d.X), y: Array.from(d.y), widths: WIDTHS }));
    const bin = path.resolve(__dirname, '..', 'bin', 'dlnflow.js');
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    const r = run('flow', file, '--t-end', '8', '--dynamics', 'central', '--learning-rate', '0.1', '--scale', '0.3', '--seed', '0', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const api = await flow(authorsProblem(), initWeights(WIDTHS, { scale: 0.3, seed: 0 }), { dynamics: 'central', learningRate: 0.1, tEnd: 8 });
    expect(out.edgeCount).toBe(1);
    expect(out.transitions).toEqual(api.transitions);
    expect(out.loss).toBe(api.finalLoss);
    const human = run('flow', file, '--t-end', '8', '--dynamics', 'central', '--learning-rate', '0.1', '--scale', '0.3');
    expect(human.stdout).toMatch(/eigenvalues at the edge\s+1 at the end; 0 -> 1 at t = 6\.01/);
    const bad = run('flow', file, '--t-end', '8', '--learning-rate', '0.1');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/options\.learningRate.*dynamics 'central'/);
  });
});

/**
 * Gradient flow by DOPRI5: accuracy against closed forms, events, dense output, the mechanics of
 * recording and statistics, divergence, cancellation and option errors.
 */
import { DlnAbortError, DlnError, flow, initWeights, Problem, type FlowResult } from '../lib';
import { chainProblem, chainTime, linearFlow, maxAbsDiff, maxOf } from './flow-helpers';
import { mcProblem, MC_WIDTHS } from './helpers';

// The sanitizer run (scripts/ci/sanitizers.sh) uses an unoptimized ASan build, several times
// slower between two polls of the cancel flag: it scales the time bounds by DLN_TIMING_SCALE, as
// test/cancel.test.ts does (1 in the optimized run, where the bound is the claim).
const TIMING_SCALE = Number(process.env.DLN_TIMING_SCALE ?? 1) || 1;

describe('closed-form flows through the integrator', () => {
  test('linear regression (L = 1): global error proportional to the tolerance', async () => {
    const { problem, exact } = linearFlow();
    const w0 = new Float64Array([0.5, -0.3, 0.2, 0.1, -0.4]);
    const T = 5;
    const errors: number[] = [];
    for (const rtol of [1e-4, 1e-6, 1e-8, 1e-10, 1e-12]) {
      const r = await flow(problem, w0, { tEnd: T, rtol, atol: rtol * 1e-3 });
      expect(r.status).toBe('completed');
      expect(r.t).toBe(T);
      const err = maxAbsDiff(r.weights, exact(w0, T));
      // Measured 0.016-0.06 x rtol (|w| ~ 1): the controller's local error per step adds up to
      // about rtol over the interval, as expected of tolerance proportionality.
      expect(err).toBeLessThan(0.2 * rtol);
      errors.push(err);
    }
    // Each 100x tighter tolerance cuts the error 36-108x here.
    for (let i = 1; i < errors.length; i++) expect(errors[i - 1] / errors[i]).toBeGreaterThan(30);
  });

  test('dense output at requested times follows the exact solution', async () => {
    const { problem, exact } = linearFlow();
    const w0 = new Float64Array([0.5, -0.3, 0.2, 0.1, -0.4]);
    const times = Array.from({ length: 37 }, (_, i) => 0.1 + i * 0.137);
    const r = await flow(problem, w0, { tEnd: 5.2, rtol: 1e-10, atol: 1e-13, times, record: ['distance'] });
    const t = r.trace.scalar('time');
    const distance = r.trace.scalar('distance');
    // The initial row, every requested time, the final row.
    expect(Array.from(t)).toEqual([0, ...times, 5.2]);
    const wStar = problem.theory().wStar;
    for (let i = 1; i <= times.length; i++) {
      const w = exact(w0, t[i]);
      let d2 = 0;
      for (let k = 0; k < w.length; k++) d2 += (w[k] - wStar[k]) ** 2;
      // The 4th-order interpolant between steps of local error ~rtol: measured <= 3e-12.
      expect(Math.abs(distance[i] - d2)).toBeLessThan(1e-10);
    }
  });

  // Event times against the closed form (L = 2: the logistic) or quadrature (docs/algorithms.md §3.12). Times
  // are compared, not states: near equilibrium t(u) is well conditioned, u(T) is not.
  const s = 2;
  const c = 1.5;
  const cases: Array<[number, number]> = [
    [2, 0.5],
    [3, 0.5],
    [10, 0.5],
    [10, 0.8],
    [4, 0.05], // escape from a small balanced init: t* ~ u0^-(L-2) / (2 (L-2) s c)
  ];
  test.each(cases)('scalar chain L = %d from u0 = %d: the level-crossing time', async (L, u0) => {
    const problem = chainProblem(L, s, c);
    const w0 = new Float64Array(L).fill(u0);
    const level = c / 2; // the product at which the event fires
    const lossLevel = s * (c - level) ** 2;
    const expected = chainTime(L, s, c, u0, Math.pow(level, 1 / L));
    if (L === 2) {
      const logistic = Math.log((c / (u0 * u0) - 1) / (c / level - 1)) / (4 * s * c);
      expect(Math.abs(expected - logistic) / logistic).toBeLessThan(1e-14);
    }
    const errors: number[] = [];
    for (const rtol of [1e-6, 1e-9, 1e-12]) {
      const r = await flow(problem, w0, { tEnd: 1e9, rtol, atol: rtol * 1e-3, events: { lossBelow: lossLevel } });
      expect(r.status).toBe('converged');
      expect(r.events).toHaveLength(1);
      expect(r.events[0].t).toBe(r.t);
      // The state at the event is the dense output at Brent's root (4 eps in time).
      expect(Math.abs((r.finalLoss as number) / lossLevel - 1)).toBeLessThan(1e-13);
      errors.push(Math.abs(r.t - expected) / expected);
    }
    // Measured: ~1.5e-6, 3e-10-2e-8, 2e-13-2.5e-10 (docs/algorithms.md §3.12: an earlier study found
    // up to 7.4e-11 at rtol 1e-12).
    // At rtol 1e-12 the root lies on the free 4th-order interpolant, which is not error
    // controlled: on the fast L = 10 case from 0.8 the step end points imply 5e-13, the
    // interpolant 2.5e-10.
    expect(errors[0]).toBeLessThan(1e-5);
    expect(errors[1]).toBeLessThan(1e-7);
    expect(errors[2]).toBeLessThan(1e-9);
    expect(errors[2]).toBeLessThan(errors[1]);
  });
});

describe('events', () => {
  const L = 3;
  const s = 2;
  const c = 1.5;
  const problem = chainProblem(L, s, c);
  const w0 = new Float64Array(L).fill(0.5);
  const tol = { rtol: 1e-12, atol: 1e-15 };
  const lossAt = (product: number) => s * (product - c) ** 2;
  const timeAt = (product: number) => chainTime(L, s, c, 0.5, Math.pow(product, 1 / L));

  test('non-terminal events are recorded and the run goes on to a terminal one', async () => {
    const r = await flow(problem, w0, {
      tEnd: 100,
      ...tol,
      events: [{ lossBelow: lossAt(0.6), terminal: false }, { lossBelow: lossAt(1.2) }],
    });
    expect(r.status).toBe('converged');
    expect(r.events.map((e) => [e.index, e.name, e.terminal])).toEqual([
      [0, 'lossBelow', false],
      [1, 'lossBelow', true],
    ]);
    expect(Math.abs(r.events[0].t / timeAt(0.6) - 1)).toBeLessThan(2e-11);
    expect(Math.abs(r.events[1].t / timeAt(1.2) - 1)).toBeLessThan(2e-11);
    expect(r.message).toMatch(/termination event.*lossBelow/);
  });

  test('gradient-norm, excess-loss and generic quantity events', async () => {
    // ||grad|| = sqrt(L) 2 s |u^L - c| u^{L-1} rises, then falls to 0: find where it falls to 1.
    const g = (u: number) => Math.sqrt(L) * 2 * s * (c - u ** L) * u ** (L - 1) - 1;
    let lo = 0.9;
    let hi = Math.pow(c, 1 / L);
    for (let i = 0; i < 200; i++) {
      const mid = 0.5 * (lo + hi);
      if (g(mid) > 0) lo = mid;
      else hi = mid;
    }
    const byGrad = await flow(problem, w0, { tEnd: 100, ...tol, events: { gradNormBelow: 1 } });
    expect(Math.abs(byGrad.t / chainTime(L, s, c, 0.5, lo) - 1)).toBeLessThan(2e-11);
    expect(Math.abs((byGrad.finalGradNorm as number) - 1)).toBeLessThan(1e-12);
    // The minimum is 0 here, so loss and excess loss are one quantity; distance = loss / s.
    const byExcess = await flow(problem, w0, { tEnd: 100, ...tol, events: { excessLossBelow: lossAt(1) } });
    const byDistance = await flow(problem, w0, { tEnd: 100, ...tol, events: { quantity: 'distance', below: lossAt(1) / s } });
    // nuclearNorm of the 1 x 1 end-to-end map is the product: it rises through 1.
    const byProduct = await flow(problem, w0, { tEnd: 100, ...tol, events: { quantity: 'nuclearNorm', above: 1 } });
    for (const r of [byExcess, byDistance, byProduct]) {
      expect(r.status).toBe('converged');
      expect(Math.abs(r.t / timeAt(1) - 1)).toBeLessThan(2e-11);
    }
    expect(byProduct.events[0]).toMatchObject({ name: 'nuclearNorm above', quantity: 'nuclearNorm', direction: 'above', threshold: 1 });
  });

  test('an event that already holds at t = 0 fires there', async () => {
    const r = await flow(problem, w0, { tEnd: 100, ...tol, events: { lossBelow: 1e9 } });
    expect(r.status).toBe('converged');
    expect(r.t).toBe(0);
    expect(r.events).toEqual([expect.objectContaining({ t: 0, step: 0 })]);
    expect(r.stats.accepted).toBe(0);
    expect(r.trace.length).toBe(1);
    expect(Array.from(r.weights)).toEqual(Array.from(w0));
  });
});

describe('flow mechanics', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });

  test('statistics follow scipy: nfev = 2 + 6 (accepted + rejected), 1 + ... with a first step', async () => {
    const r = await flow(problem, w0, { tEnd: 20 });
    expect(r.stats.nfev).toBe(2 + 6 * (r.stats.accepted + r.stats.rejected));
    expect(r.message).toBe('The solver successfully reached the end of the integration interval.');
    const first = await flow(problem, w0, { tEnd: 20, firstStep: 1e-3, recordEvery: 1, record: ['stepSize'] });
    expect(first.stats.nfev).toBe(1 + 6 * (first.stats.accepted + first.stats.rejected));
    expect(first.trace.scalar('stepSize')[1]).toBe(1e-3);
    expect(Number.isNaN(first.trace.scalar('stepSize')[0])).toBe(true); // no step yet at t = 0
  });

  test('recording: every k accepted steps, at requested times, the initial and final points', async () => {
    const r = await flow(problem, w0, { tEnd: 20, recordEvery: 25, times: new Float32Array([1, 2.5, 19.5]), record: ['loss', 'stepSize'] });
    expect(r.trace.names).toEqual(['step', 'time', 'loss', 'stepSize']);
    const steps = Array.from(r.trace.scalar('step'));
    const time = Array.from(r.trace.scalar('time'));
    expect(time[0]).toBe(0);
    expect(time.at(-1)).toBe(20);
    expect(steps.at(-1)).toBe(r.stats.accepted);
    for (const t of [1, 2.5, 19.5]) expect(time).toContain(t);
    for (let i = 1; i < time.length; i++) expect(time[i]).toBeGreaterThan(time[i - 1]);
    const atSteps = steps.filter((k, i) => ![1, 2.5, 19.5].includes(time[i]) && i > 0 && i < steps.length - 1);
    expect(atSteps.length).toBeGreaterThan(3);
    for (const k of atSteps) expect(k % 25).toBe(0);
    // The loss decreases along the flow, up to the integration error: in the stiff tail (t > 15
    // here) the stiff components hover at the tolerance, an excess of ~1e-11 (README, "What to expect").
    const loss = r.trace.scalar('loss');
    for (let i = 1; i < loss.length; i++) expect(loss[i]).toBeLessThanOrEqual(loss[i - 1] + 1e-10);
    expect(loss[loss.length - 1]).toBeLessThan(0.2 * loss[0]);
  });

  test('the trajectory does not depend on recording, dense output or non-terminal events; same input, same bits', async () => {
    const bare = await flow(problem, w0, { tEnd: 20 });
    const busy = await flow(problem, w0, {
      tEnd: 20,
      recordEvery: 1,
      times: [0.5, 3, 7],
      record: ['loss', 'gradNorm', 'balancednessDrift'],
      events: { lossBelow: 0.2, terminal: false },
    });
    const again = await flow(problem, w0, { tEnd: 20 });
    expect(busy.events.length).toBe(1);
    expect(Buffer.from(busy.weights.buffer)).toEqual(Buffer.from(bare.weights.buffer));
    expect(Buffer.from(again.weights.buffer)).toEqual(Buffer.from(bare.weights.buffer));
    expect(busy.stats.nfev).toBe(bare.stats.nfev);
    expect(busy.stats.extraEvaluations).toBeGreaterThan(bare.stats.extraEvaluations);
  });

  test('maxStep caps every step; maxSteps ends the run as completed with a message', async () => {
    const capped = await flow(problem, w0, { tEnd: 20, maxStep: 0.01, recordEvery: 1, record: ['stepSize'] });
    expect(maxOf(capped.trace.scalar('stepSize').subarray(1))).toBeLessThanOrEqual(0.01);
    expect(capped.stats.accepted).toBeGreaterThanOrEqual(2000);
    // The step that lands on tEnd is shortened; lastStepSize reports the controller's last choice.
    const h = capped.trace.scalar('stepSize');
    expect(capped.stats.lastStepSize).toBe(h[h.length - 2]);
    const budget = await flow(problem, w0, { tEnd: 1e6, maxSteps: 50 });
    expect(budget.status).toBe('completed');
    expect(budget.stats.accepted).toBe(50);
    expect(budget.message).toMatch(/step budget used \(maxSteps = 50\)/);
    expect(budget.t).toBeLessThan(1e6);
  });

  test('the PI controller all but removes rejections in the stiff tail (docs/algorithms.md §3.5)', async () => {
    // RK45's own behaviour (auto would leave the stiff tail to exprb43).
    const i = await flow(problem, w0, { tEnd: 200, controller: 'I', method: 'rk45' });
    const pi = await flow(problem, w0, { tEnd: 200, controller: 'PI', method: 'rk45' });
    // Measured at rtol 1e-6: I 2111 accepted + 269 rejected, PI 2116 + 8 (nfev 14282 vs 12746).
    expect(i.stats.rejected / i.stats.accepted).toBeGreaterThan(0.05);
    expect(pi.stats.rejected / pi.stats.accepted).toBeLessThan(0.01);
    expect(pi.stats.nfev).toBeLessThan(0.95 * i.stats.nfev);
    expect(Math.abs((pi.finalLoss as number) - (i.finalLoss as number))).toBeLessThan(1e-9);
  });

  test('tEnd = Infinity runs until a terminal event', async () => {
    const r = await flow(problem, w0, { tEnd: Infinity, events: { excessLossBelow: 1e-8 } });
    expect(r.status).toBe('converged');
    expect((r.finalLoss as number) - (problem.lossMinimum as number)).toBeLessThan(1.0000001e-8);
  });

  test('divergence is a result: a ceiling below the start, an overflowing start', async () => {
    const low = await flow(problem, w0, { tEnd: 10, lossCeiling: 1e-3 });
    expect(low.status).toBe('diverged');
    expect(low.finalLoss).toBeNull();
    expect(low.message).toMatch(/ceiling at t = 0/);
    const huge = initWeights(MC_WIDTHS, { scale: 1e40, seed: 1 });
    const r = await flow(problem, huge, { tEnd: 10 });
    expect(r.status).toBe('diverged');
    expect(r.message).toMatch(/non-finite loss/);
    expect(r.t).toBe(0);
  });
});

describe('flow runs off the event loop', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });
  // In the stiff tail (h ~ 0.1) a unit of time costs RK45 ~70 gradients: t = 1e9 would take hours
  // (exprb43, and so auto, crosses that tail in a few hundred steps: test/flow-methods.test.ts).
  const long = { tEnd: 1e9, rtol: 1e-10, atol: 1e-13, method: 'rk45' as const };

  test('an AbortSignal stops it within 50 ms, with the partial result', async () => {
    const controller = new AbortController();
    const progress: Array<{ done: number; time: number }> = [];
    const run = flow(problem, w0, { ...long, signal: controller.signal, onProgress: (p) => progress.push(p) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const aborted = Date.now();
    controller.abort();
    const err = await run.catch((e) => e);
    const latency = Date.now() - aborted;
    expect(err).toBeInstanceOf(DlnAbortError);
    expect((err as DlnError).code).toBe('ERR_DLN_CANCELLED');
    const partial = (err as DlnAbortError<FlowResult>).partial!;
    expect(partial.status).toBe('cancelled');
    expect(partial.t).toBeGreaterThan(0);
    expect(partial.stats.accepted).toBeGreaterThan(100);
    expect(latency).toBeLessThan((50 + 50) * TIMING_SCALE); // within 50 ms (+ CI slack)
    // Progress: accepted steps and flow time, both increasing.
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
      expect(progress[i].time).toBeGreaterThanOrEqual(progress[i - 1].time);
    }
  });
});

describe('flow option errors name the field', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });
  const expectRejection = async (p: Promise<unknown>, code: string, field: string) => {
    const e = await p.then(
      () => undefined,
      (err) => err,
    );
    expect(e).toBeInstanceOf(DlnError);
    expect((e as DlnError).code).toBe(code);
    expect((e as DlnError).field).toBe(field);
  };

  test.each([
    [{}, 'ERR_DLN_TYPE', 'options.tEnd'],
    [{ tEnd: -1 }, 'ERR_DLN_VALUE', 'options.tEnd'],
    [{ tEnd: NaN }, 'ERR_DLN_VALUE', 'options.tEnd'],
    [{ tEnd: '5' }, 'ERR_DLN_TYPE', 'options.tEnd'],
    [{ tEnd: 1, rtol: 1e-20 }, 'ERR_DLN_VALUE', 'options.rtol'],
    [{ tEnd: 1, atol: 0 }, 'ERR_DLN_VALUE', 'options.atol'],
    [{ tEnd: 1, firstStep: 2 }, 'ERR_DLN_VALUE', 'options.firstStep'],
    [{ tEnd: 1, firstStep: 0 }, 'ERR_DLN_VALUE', 'options.firstStep'],
    [{ tEnd: 1, maxStep: 0 }, 'ERR_DLN_VALUE', 'options.maxStep'],
    [{ tEnd: 1, maxSteps: 0 }, 'ERR_DLN_VALUE', 'options.maxSteps'],
    [{ tEnd: 1, recordEvery: -1 }, 'ERR_DLN_VALUE', 'options.recordEvery'],
    [{ tEnd: 1, controller: 'PID' }, 'ERR_DLN_VALUE', 'options.controller'],
    [{ tEnd: 1, times: [0.5, 0.2] }, 'ERR_DLN_VALUE', 'options.times'],
    [{ tEnd: 1, times: [2] }, 'ERR_DLN_VALUE', 'options.times'],
    [{ tEnd: 1, record: ['sharpnes'] }, 'ERR_DLN_VALUE', 'options.record'],
    [{ tEnd: 1, lossCeiling: -1 }, 'ERR_DLN_VALUE', 'options.lossCeiling'],
    [{ tEnd: 1, events: { lossbelow: 1 } }, 'ERR_DLN_VALUE', 'options.events.lossbelow'],
    [{ tEnd: 1, events: { terminal: true } }, 'ERR_DLN_VALUE', 'options.events'],
    [{ tEnd: 1, events: [{ lossBelow: 1 }, { lossBelow: NaN }] }, 'ERR_DLN_VALUE', 'options.events[1].lossBelow'],
    [{ tEnd: 1, events: [{ quantity: 'layerNorms', above: 1 }] }, 'ERR_DLN_VALUE', 'options.events[0].quantity'],
    [{ tEnd: 1, events: [{ quantity: 'loss', below: 1, above: 2 }] }, 'ERR_DLN_VALUE', 'options.events[0].quantity'],
    [{ tEnd: 1, events: [{ quantity: 'bogus', below: 1 }] }, 'ERR_DLN_VALUE', 'options.events[0].quantity'],
    [{ tEnd: 1, events: { lossBelow: 1, terminal: 'yes' } }, 'ERR_DLN_TYPE', 'options.events.terminal'],
    [{ tEnd: 1, events: 5 }, 'ERR_DLN_TYPE', 'options.events'],
    [{ tEnd: 1, onProgress: 5 }, 'ERR_DLN_TYPE', 'onProgress'],
    [null, 'ERR_DLN_TYPE', 'options'],
  ])('%j -> %s at %s', async (options, code, field) => {
    await expectRejection(flow(problem, w0, options as never), code, field);
  });

  test('weights of the wrong length, and an excess-loss event without a known minimum', async () => {
    await expectRejection(flow(problem, new Float64Array(3), { tEnd: 1 }), 'ERR_DLN_SHAPE', 'weights');
    const withL2 = Problem.regression({
      X: { rows: 2, cols: 1, data: new Float64Array([1, 2]) },
      y: new Float64Array([1, 1]),
      widths: [1, 1],
      l2: 0.1,
    });
    await expectRejection(
      flow(withL2, new Float64Array([0.1]), { tEnd: 1, events: { excessLossBelow: 1e-6 } }),
      'ERR_DLN_VALUE',
      'options.events.excessLossBelow',
    );
  });
});

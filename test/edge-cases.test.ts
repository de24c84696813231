/** Numerical edge cases: each returns a defined status, and nothing non-finite is reported as a number. */
import { initWeights, marionChizatData, Problem, train } from '../lib';
import { mcProblem, MC_WIDTHS } from './helpers';

describe('numerical edge cases of gradient descent', () => {
  const problem = mcProblem();

  test('divergence at the first step', async () => {
    const w0 = initWeights(MC_WIDTHS, { scale: 0.6, seed: 1 });
    const r = await train(problem, w0, { learningRate: 1e6, steps: 100 });
    expect(r.status).toBe('diverged');
    expect(r.divergedAt).toBe(1);
    expect(r.steps).toBe(1);
    expect(r.finalLoss).toBeNull();
    expect(r.finalGradNorm).toBeNull();
    expect(r.trace.length).toBe(1); // only the (finite) initial point
  });

  test('an initial point whose loss overflows diverges at step 0', async () => {
    const w0 = initWeights(MC_WIDTHS, { scale: 1e35, seed: 1 });
    expect(problem.evaluate(w0).loss).toBeNull(); // inf is reported as null, not as a number
    const r = await train(problem, w0, { learningRate: 0.01, steps: 10 });
    expect(r.status).toBe('diverged');
    expect(r.divergedAt).toBe(0);
    expect(r.trace.length).toBe(0);
  });

  test('exactly zero initialization is a saddle: zero gradient, GD stays put (L >= 3)', async () => {
    const w0 = new Float64Array(problem.paramCount);
    const e = problem.evaluate(w0);
    expect(e.gradNorm).toBe(0);
    const r = await train(problem, w0, { learningRate: 0.1, steps: 100 });
    expect(r.status).toBe('completed');
    expect(Array.from(r.weights).every((v) => v === 0)).toBe(true);
    const byGrad = await train(problem, w0, { learningRate: 0.1, steps: 100, gradNormTarget: 1e-12 });
    expect(byGrad.status).toBe('converged');
    expect(byGrad.steps).toBe(0);
  });

  test('L = 1 is linear regression: GD converges to w*', async () => {
    const data = marionChizatData({ n: 50, d: 5, seed: 0 });
    const p = Problem.regression({ X: data.X, y: data.y, widths: [5, 1] });
    const r = await train(p, new Float64Array(5), { learningRate: 0.2, steps: 2000, record: ['distance'] });
    expect(r.trace.scalar('distance').at(-1)).toBeLessThan(1e-25);
  });

  test('width-1 layers and a width-1 input', async () => {
    const data = marionChizatData({ n: 30, d: 1, seed: 2 });
    const p = Problem.regression({ X: data.X, y: data.y, widths: [1, 1, 1, 1] });
    // A scalar chain cannot change the sign of its product without passing the saddle at 0, so
    // start on w*'s side: from the other side GD stalls at the origin (also a defined outcome).
    const sign = Math.sign(data.wStar[0]);
    const r = await train(p, Float64Array.from([0.5, 0.5, 0.5 * sign]), { learningRate: 0.05, steps: 5000, record: ['distance'] });
    expect(r.status).toBe('completed');
    expect(r.trace.scalar('distance').at(-1)).toBeLessThan(1e-20);
    const stuck = await train(p, Float64Array.from([0.5, 0.5, -0.5 * sign]), { learningRate: 0.05, steps: 5000, record: ['distance', 'gradNorm'] });
    expect(stuck.status).toBe('completed');
    expect(stuck.trace.scalar('distance').at(-1)).toBeGreaterThan(0.99); // w_prod -> 0, the saddle
  });

  test('n < d (underdetermined): the loss goes to zero and w* is the minimum-norm solution', async () => {
    const data = marionChizatData({ n: 15, d: 20, seed: 1 });
    const widths = [20, 20, 20, 20, 20, 1];
    const p = Problem.regression({ X: data.X, y: data.y, widths });
    expect(p.theory().singularSigma).toBe(true);
    const r = await train(p, initWeights(widths, { scale: 0.3, seed: 1 }), { learningRate: 0.01, steps: 20000 });
    expect(r.status).toBe('completed');
    expect(r.finalLoss as number).toBeLessThan(1e-8);
    // Far from the minimum-norm w*, the excess form e^T Sigma e rounds to +-eps |e|^2 and could go
    // negative; with n < d the loss comes from the residuals: never negative, and exact at interpolation.
    const deep = await train(p, initWeights(widths, { scale: 0.36, seed: 1 }), {
      learningRate: 0.001,
      steps: 40000,
      recordEvery: 1000,
      record: ['loss'],
    });
    const losses = deep.trace.scalar('loss');
    expect(Math.min(...losses)).toBeGreaterThanOrEqual(0);
    const w = p.evaluate(deep.weights).endToEnd as Float64Array;
    let direct = 0;
    for (let i = 0; i < 15; i++) {
      let r2 = data.y[i];
      for (let j = 0; j < 20; j++) r2 -= data.X.data[i * 20 + j] * w[j];
      direct += (r2 * r2) / 15;
    }
    // Both at the rounding floor (residuals of order eps |y|): measured 1.0e-28 and 1.2e-28.
    expect(deep.finalLoss as number).toBeLessThan(1e-25);
    expect(Math.abs((deep.finalLoss as number) - direct)).toBeLessThan(1e-25);
  });

  test('a singular covariance (collinear features) still defines w* (minimum norm) and the theory', () => {
    const base = marionChizatData({ n: 20, d: 2, seed: 4 });
    const X = new Float64Array(60);
    for (let i = 0; i < 20; i++) {
      X[3 * i] = base.X.data[2 * i];
      X[3 * i + 1] = base.X.data[2 * i + 1];
      X[3 * i + 2] = 2 * base.X.data[2 * i]; // a copy of the first feature
    }
    const p = Problem.regression({ X: { rows: 20, cols: 3, data: X }, y: base.y, widths: [3, 3, 1] });
    const t = p.theory();
    expect(t.singularSigma).toBe(true);
    expect(t.sMin).toBe(0);
    expect(t.criticalLearningRate).toBeNull();
    // minimum norm: w* has no component along the null direction (2, 0, -1)/sqrt(5)
    expect(Math.abs(2 * t.wStar[0] - t.wStar[2])).toBeLessThan(1e-12);
  });

  test('huge learning rates diverge as a status at every scale', async () => {
    for (const lr of [10, 1e3, 1e10, 1e300]) {
      const r = await train(problem, initWeights(MC_WIDTHS, { scale: 0.3, seed: 3 }), { learningRate: lr, steps: 1000 });
      expect(r.status).toBe('diverged');
      expect(r.divergedAt).not.toBeNull();
    }
  });
});

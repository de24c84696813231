/** Gradient descent: the paper's convergence and failure, statuses, schedules, the exact update. */
import { initWeights, layers, train } from '../lib';
import { dot, mcProblem, mseProblem, MC_WIDTHS } from './helpers';

describe('gradient descent on the Marion-Chizat data (n=50, d=5, L=10)', () => {
  const problem = mcProblem();

  test('eta = 0.02 from scale 0.3 reaches ||w - w*||^2 < 1e-10 within 10,000 steps', async () => {
    for (const seed of [1, 2, 3]) {
      const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed });
      const r = await train(problem, w0, { learningRate: 0.02, steps: 10000, recordEvery: 500, record: ['distance', 'loss'] });
      expect(r.status).toBe('completed');
      const distance = r.trace.scalar('distance');
      expect(distance[distance.length - 1]).toBeLessThan(1e-10);
      // The paper's sum, not the reference code's mean: the initial distance is ||w*||^2 = 1.
      expect(distance[0]).toBeGreaterThan(0.9);
      expect(distance[0]).toBeLessThan(1.1);
    }
  });

  test('eta = 0.2 fails: it diverges (or stalls far from w*), as the paper reports', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed });
      const r = await train(problem, w0, { learningRate: 0.2, steps: 2000, record: ['distance'] });
      const failed = r.status === 'diverged' || (r.trace.scalar('distance').at(-1) as number) > 1e-2;
      expect(failed).toBe(true);
      if (r.status === 'diverged') {
        expect(r.divergedAt).toBeGreaterThan(0);
        expect(r.finalLoss).toBeNull();
      }
    }
  });

  test('a huge learning rate diverges at the step where the loss blows up, as a result', async () => {
    const w0 = initWeights(MC_WIDTHS, { scale: 0.5, seed: 1 });
    const r = await train(problem, w0, { learningRate: 50, steps: 1000 });
    expect(r.status).toBe('diverged');
    expect(r.steps).toBe(r.divergedAt);
    expect(r.message).toMatch(/step \d+/);
    // The diverged point itself is not recorded: every recorded loss is a number.
    for (const v of r.trace.scalar('loss')) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('gradient descent mechanics', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });

  test('records step 0, every k steps, and the final step', async () => {
    const r = await train(problem, w0, { learningRate: 0.02, steps: 1003, recordEvery: 250 });
    expect(Array.from(r.trace.scalar('step'))).toEqual([0, 250, 500, 750, 1000, 1003]);
    expect(Array.from(r.trace.scalar('time'))).toEqual([0, 250, 500, 750, 1000, 1003].map((s) => 0.02 * s));
    expect(r.trace.names).toEqual(['step', 'time', 'loss', 'gradNorm', 'testLoss', 'distance']);
    expect(r.steps).toBe(1003);
  });

  test('the trajectory does not depend on how often it is recorded', async () => {
    const a = await train(problem, w0, { learningRate: 0.05, steps: 777, recordEvery: 1 });
    const b = await train(problem, w0, { learningRate: 0.05, steps: 777 });
    const c = await train(problem, w0, { learningRate: 0.05, steps: 777, gradNormTarget: 1e-300 });
    expect(Buffer.from(a.weights.buffer)).toEqual(Buffer.from(b.weights.buffer));
    expect(Buffer.from(c.weights.buffer)).toEqual(Buffer.from(b.weights.buffer));
  });

  test('stops on a loss target, an excess-loss target and a gradient-norm target', async () => {
    const min = problem.lossMinimum as number;
    const byLoss = await train(problem, w0, { learningRate: 0.02, steps: 100000, lossTarget: min + 1e-6 });
    expect(byLoss.status).toBe('converged');
    expect(byLoss.finalLoss as number).toBeLessThanOrEqual(min + 1e-6);
    const byExcess = await train(problem, w0, { learningRate: 0.02, steps: 100000, excessLossTarget: 1e-6 });
    expect(byExcess.steps).toBe(byLoss.steps);
    const byGrad = await train(problem, w0, { learningRate: 0.02, steps: 100000, gradNormTarget: 1e-6 });
    expect(byGrad.status).toBe('converged');
    expect(byGrad.finalGradNorm as number).toBeLessThanOrEqual(1e-6);
    expect(byGrad.message).toMatch(/gradient-norm target/);
  });

  test('one step is exactly W <- W - eta grad', async () => {
    const eta = 0.07;
    const g = problem.gradient(w0).gradient;
    const r = await train(problem, w0, { learningRate: eta, steps: 1 });
    for (let i = 0; i < w0.length; i++) expect(r.weights[i]).toBeCloseTo(w0[i] - eta * g[i], 15);
  });

  test('balancedness after one step: D_k+ = D_k + eta^2 (G_{k+1}^T G_{k+1} - G_k G_k^T) (Marion-Chizat, exact)', async () => {
    const widths = [6, 8, 8, 4];
    const mse = mseProblem(widths, 1);
    const w = initWeights(widths, { scale: 0.4, seed: 9 });
    const eta = 0.01;
    const G = layers(widths, mse.gradient(w).gradient);
    const W = layers(widths, w);
    const W1 = layers(widths, (await train(mse, w, { learningRate: eta, steps: 1 })).weights);
    // D_k = W_{k+1}^T W_{k+1} - W_k W_k^T (d_k x d_k) for k = 1..L-1.
    const gramT = (m: { rows: number; cols: number; data: Float64Array }, i: number, j: number) => {
      let s = 0;
      for (let r = 0; r < m.rows; r++) s += m.data[r * m.cols + i] * m.data[r * m.cols + j];
      return s;
    };
    const gram = (m: { rows: number; cols: number; data: Float64Array }, i: number, j: number) =>
      dot(m.data.subarray(i * m.cols, (i + 1) * m.cols), m.data.subarray(j * m.cols, (j + 1) * m.cols));
    let worst = 0;
    for (let k = 0; k + 1 < W.length; k++) {
      const d = widths[k + 1];
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          const before = gramT(W[k + 1], i, j) - gram(W[k], i, j);
          const after = gramT(W1[k + 1], i, j) - gram(W1[k], i, j);
          const predicted = before + eta * eta * (gramT(G[k + 1], i, j) - gram(G[k], i, j));
          worst = Math.max(worst, Math.abs(after - predicted));
        }
    }
    expect(worst).toBeLessThan(1e-15);
  });

  test('multivariate runs record the singular values of A; rank and nuclear norm on request', async () => {
    const widths = [6, 8, 8, 4];
    const mse = mseProblem(widths, 1);
    const w = initWeights(widths, { scale: 0.4, seed: 9 });
    const r = await train(mse, w, { learningRate: 0.01, steps: 200, recordEvery: 100, record: ['loss', 'singularValues', 'rank', 'nuclearNorm'] });
    const sv = r.trace.vector('singularValues');
    expect(sv.cols).toBe(4);
    expect(sv.rows).toBe(3);
    const nuclear = r.trace.scalar('nuclearNorm');
    for (let i = 0; i < sv.rows; i++) {
      const row = Array.from(sv.data.subarray(i * 4, i * 4 + 4));
      expect(row).toEqual([...row].sort((a, b) => b - a));
      expect(Math.abs(row.reduce((a, b) => a + b) - nuclear[i])).toBeLessThan(1e-13 * nuclear[i]);
      expect(r.trace.scalar('rank')[i]).toBe(row.filter((v) => v > 1e-4).length);
    }
  });
});

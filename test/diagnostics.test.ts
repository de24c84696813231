/** Weight-structure diagnostics against constructed cases with known answers. */
import { initWeights, Problem, train } from '../lib';
import { dot, gaussianVector, mcProblem, norm, rng, MC_WIDTHS } from './helpers';

function unit(v: Float64Array): Float64Array {
  const n = norm(v);
  return v.map((x) => x / n);
}

/** W_1 = s u_1 u^T, W_k = s u_k u_{k-1}^T, W_L = s u_{L-1}^T: rank one, balanced, aligned. */
function rankOneBalanced(widths: number[], s: number, seed: number): Float64Array {
  const next = rng(seed);
  const us = widths.map((d) => unit(gaussianVector(d, next)));
  const out: number[] = [];
  for (let k = 1; k < widths.length; k++) {
    const [a, b] = [us[k], us[k - 1]];
    for (let i = 0; i < widths[k]; i++) for (let j = 0; j < widths[k - 1]; j++) out.push(s * a[i] * b[j]);
  }
  return Float64Array.from(out);
}

describe('diagnostics', () => {
  test('an exactly rank-one balanced aligned network: gap 0, spread 0, alignment 1, epsilon = 3 s^2', async () => {
    const widths = [5, 4, 6, 3, 1];
    const data = { X: { rows: 10, cols: 5, data: gaussianVector(50, rng(1)) }, y: gaussianVector(10, rng(2)) };
    const problem = Problem.regression({ ...data, widths });
    const s = 0.7;
    const w = rankOneBalanced(widths, s, 3);
    const r = await train(problem, w, {
      learningRate: 1e-9,
      steps: 0,
      record: ['rankOneGap', 'layerNorms', 'singularSpread', 'alignment', 'balancednessDrift', 'lemma2Epsilon', 'residualNorms'],
    });
    const row = r.trace.row(0) as Record<string, number[] | number>;
    for (const g of row.rankOneGap as number[]) expect(Math.abs(g)).toBeLessThan(1e-15);
    for (const n of row.layerNorms as number[]) expect(n).toBeCloseTo(s, 14);
    expect(Math.abs(row.singularSpread as number)).toBeLessThan(1e-15);
    for (const a of row.alignment as number[]) expect(a).toBeCloseTo(1, 14);
    expect(row.balancednessDrift).toBe(0);
    expect(row.residualNorms).toEqual([0, 0, 0, 0]);
    // D_k(0) = s^2 (u u^T - u u^T) = 0, so epsilon = 3 max ||W_k||_F^2 = 3 s^2.
    expect(row.lemma2Epsilon as number).toBeCloseTo(3 * s * s, 13);
  });

  test('balancedness drift and residual norms follow the weights along a run', async () => {
    const problem = mcProblem();
    const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 4 });
    const r = await train(problem, w0, { learningRate: 0.01, steps: 3000, recordEvery: 1000, record: ['balancednessDrift', 'residualNorms'] });
    const drift = r.trace.scalar('balancednessDrift');
    expect(drift[0]).toBe(0);
    // GD changes D_k by eta^2 (G^T G - G G^T) per step, so over a fixed time t = eta * steps the
    // drift is O(eta): halving eta halves it (gradient flow conserves D_k exactly).
    const half = await train(problem, w0, { learningRate: 0.005, steps: 6000, record: ['balancednessDrift'] });
    const ratio = drift[drift.length - 1] / half.trace.scalar('balancednessDrift')[1];
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2.1);
    const res = r.trace.vector('residualNorms');
    const last = res.data.subarray((res.rows - 1) * res.cols);
    const dist = Math.sqrt(
      dot(
        r.weights.map((v, i) => v - w0[i]),
        r.weights.map((v, i) => v - w0[i]),
      ),
    );
    // sum_k (||theta_k|| / L)^2 = ||W - W(0)||^2
    expect(Math.sqrt(last.reduce((a, v) => a + (v / 10) ** 2, 0))).toBeCloseTo(dist, 13);
  });

  test('Schatten 2/L power and nuclear norm of A', async () => {
    const widths = [3, 3, 3];
    const X = { rows: 20, cols: 3, data: gaussianVector(60, rng(5)) };
    const Y = { rows: 20, cols: 3, data: gaussianVector(60, rng(6)) };
    const problem = Problem.mse({ X, Y, widths });
    // W_1 = diag(1, 2, 3), W_2 = I: A = diag(1, 2, 3)
    const w = Float64Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const r = await train(problem, w, { learningRate: 1e-9, steps: 0, record: ['schatten2OverL', 'nuclearNorm', 'rank'] });
    expect(r.trace.scalar('nuclearNorm')[0]).toBeCloseTo(6, 14);
    expect(r.trace.scalar('schatten2OverL')[0]).toBeCloseTo(1 + 2 + 3, 14); // p = 2/L = 1
    expect(r.trace.scalar('rank')[0]).toBe(3);
  });
});

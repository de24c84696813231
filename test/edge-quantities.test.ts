/**
 * The edge-of-stability quantities recorded along runs (src/edge_probes.hpp): sharpnessGradientNorm
 * is |∇λ_max| computed exactly as sharpnessGradient() does at the same point (bitwise: the same
 * Lanczos solve and contraction), NaN where the top eigenvalue is repeated; layerImbalance is
 * max_l ‖W_{l+1}ᵀW_{l+1} − W_lW_lᵀ‖_F; gfsSharpness is the sharpness of the gradient flow's limit.
 */
import { DlnError, flow, initWeights, sharpness, sharpnessGradient, train, type Problem } from '../lib';
import { mcProblem, norm } from './helpers';

const matmulT = (a: Float64Array, rows: number, cols: number, transposeFirst: boolean): number[][] => {
  // transposeFirst: AᵀA (cols x cols) of A (rows x cols); otherwise AAᵀ (rows x rows).
  const n = transposeFirst ? cols : rows;
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      if (transposeFirst) for (let k = 0; k < rows; k++) s += a[k * cols + i] * a[k * cols + j];
      else for (let k = 0; k < cols; k++) s += a[i * cols + k] * a[j * cols + k];
      out[i][j] = s;
    }
  return out;
};

/** max_l ‖W_{l+1}ᵀW_{l+1} − W_lW_lᵀ‖_F written directly from the layer shapes. */
function imbalance(problem: Problem, w: Float64Array): number {
  const widths = problem.widths;
  const layers: Float64Array[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const size = widths[l + 1] * widths[l];
    layers.push(w.subarray(offset, offset + size));
    offset += size;
  }
  let worst = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const up = matmulT(layers[l + 1], widths[l + 2], widths[l + 1], true);
    const down = matmulT(layers[l], widths[l + 1], widths[l], false);
    let s = 0;
    for (let i = 0; i < up.length; i++) for (let j = 0; j < up.length; j++) s += (up[i][j] - down[i][j]) ** 2;
    worst = Math.max(worst, Math.sqrt(s));
  }
  return worst;
}

describe('sharpnessGradientNorm', () => {
  test('equals |sharpnessGradient().gradient| at the same point (GD rows), bitwise; a different point differs', async () => {
    const problem = mcProblem(1);
    const w0 = initWeights(problem.widths, { scale: 0.4, seed: 3 });
    const run = await train(problem, w0, { learningRate: 0.05, steps: 30, record: ['loss', 'sharpnessGradientNorm'], recordEvery: 0 });
    const recorded = run.trace.scalar('sharpnessGradientNorm');
    expect(recorded.length).toBe(2);
    const atStart = await sharpnessGradient(problem, w0);
    const atEnd = await sharpnessGradient(problem, run.weights);
    expect(recorded[0]).toBe(norm(atStart.gradient!));
    expect(recorded[1]).toBe(norm(atEnd.gradient!));
    // False case: the end point's value is not the start's (the check can tell points apart).
    expect(Math.abs(recorded[1] - recorded[0]) / recorded[0]).toBeGreaterThan(1e-3);
  });

  test('with the run seed and tol passed on, the same as sharpnessGradient with them; a repeated top eigenvalue is NaN', async () => {
    const problem = mcProblem(2);
    const w0 = initWeights(problem.widths, { scale: 0.4, seed: 5 });
    const run = await train(problem, w0, { learningRate: 0.02, steps: 5, record: ['sharpnessGradientNorm'], sharpness: { seed: 7, tol: 1e-11 } });
    const ref = await sharpnessGradient(problem, run.weights, { seed: 7, tol: 1e-11 });
    expect(run.trace.scalar('sharpnessGradientNorm')[1]).toBe(norm(ref.gradient!));
    // At the origin of a deep network (L >= 3) H = 0: every eigenvalue is repeated.
    const zero = new Float64Array(w0.length);
    const atZero = await train(problem, zero, { learningRate: 0.01, steps: 0, record: ['sharpnessGradientNorm'] });
    expect(Number.isNaN(atZero.trace.scalar('sharpnessGradientNorm')[0])).toBe(true);
  });

  test('a loose Lanczos tolerance is refused on sharpness.tol', async () => {
    const problem = mcProblem(1);
    const w0 = initWeights(problem.widths, { scale: 0.4, seed: 3 });
    const bad = train(problem, w0, { learningRate: 0.05, steps: 1, record: ['sharpnessGradientNorm'], sharpness: { tol: 1e-6 } });
    await expect(bad).rejects.toThrow(DlnError);
    await expect(bad).rejects.toMatchObject({ code: 'ERR_DLN_VALUE', field: 'options.sharpness.tol' });
  });
});

describe('layerImbalance', () => {
  test('max_l ‖W_{l+1}ᵀW_{l+1} − W_lW_lᵀ‖_F; conserved by gradient flow, changed by GD', async () => {
    const problem = mcProblem(1);
    const w0 = initWeights(problem.widths, { scale: 0.4, seed: 3 });
    const gd = await train(problem, w0, { learningRate: 0.1, steps: 40, record: ['layerImbalance'] });
    const col = gd.trace.scalar('layerImbalance');
    expect(Math.abs(col[0] - imbalance(problem, w0)) / imbalance(problem, w0)).toBeLessThan(1e-13);
    expect(Math.abs(col[1] - imbalance(problem, gd.weights)) / imbalance(problem, gd.weights)).toBeLessThan(1e-13);
    // False case: GD at a large step does change it (the check can see a change).
    expect(Math.abs(col[1] - col[0]) / col[0]).toBeGreaterThan(1e-4);
    const gf = await flow(problem, w0, { tEnd: 4, record: ['layerImbalance'] });
    const f = gf.trace.scalar('layerImbalance');
    expect(Math.abs(f[f.length - 1] - f[0]) / f[0]).toBeLessThan(1e-5);
  });
});

describe('gfsSharpness', () => {
  test("the sharpness of gradient flow's limit from each recorded GD iterate, as flow() + sharpness() compute it", async () => {
    const problem = mcProblem(1);
    const w0 = initWeights(problem.widths, { scale: 0.4, seed: 3 });
    const run = await train(problem, w0, { learningRate: 0.08, steps: 60, recordEvery: 30, record: ['gradNorm', 'gfsSharpness'] });
    const g = run.trace.scalar('gradNorm');
    const gfs = run.trace.scalar('gfsSharpness');
    expect(gfs.length).toBe(3);
    // The last row: the flow the probe runs (rtol 1e-8, atol 1e-12, until |grad| <= 1e-7 max(|grad|, |grad_0|)).
    const limit = await flow(problem, run.weights, {
      tEnd: Infinity,
      rtol: 1e-8,
      atol: 1e-12,
      maxSteps: 100000,
      record: ['loss'],
      events: { gradNormBelow: 1e-7 * Math.max(g[2], g[0]) },
    });
    expect(limit.status).toBe('converged');
    const s = await sharpness(problem, limit.weights);
    expect(Math.abs(gfs[2] - s.eigenvalues[0]) / s.eigenvalues[0]).toBeLessThan(1e-9);
    // Along GD from this init at eta = 0.08 (2/eta = 25) it decreases (measured 43.5, 33.0, 30.0,
    // as Kreisler et al. prove for scalar networks); the false case: the sharpness at the GD
    // iterate itself is another number.
    expect(gfs[1]).toBeLessThan(gfs[0]);
    expect(gfs[2]).toBeLessThan(gfs[1]);
    const atIterate = await sharpness(problem, run.weights);
    expect(Math.abs(atIterate.eigenvalues[0] - gfs[2]) / gfs[2]).toBeGreaterThan(1e-3);
  });
});

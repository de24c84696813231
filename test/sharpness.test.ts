/**
 * Sharpness = the largest algebraic Hessian eigenvalue. Lanczos against the dense eigen-
 * decomposition (random points and gradient-descent minimizers of the Marion-Chizat setup), its
 * products, warm start and determinism; the reference code's power iteration (a spectral-radius
 * estimate, for parity); sharpness along gradient descent and gradient flow.
 */
import { denseHessian, flow, hessianVectorProduct, initWeights, sharpness, train, type Problem, type Quantity } from '../lib';
import { completionProblem, mcProblem, MC_WIDTHS, mseProblem, norm } from './helpers';

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];

/** Eigenvalues of the dense Hessian, descending. */
async function denseSpectrum(problem: Problem, w: Float64Array): Promise<number[]> {
  return Array.from((await denseHessian(problem, w)).eigenvalues).reverse();
}

const relErr = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);

describe('Lanczos against the dense eigen-decomposition', () => {
  const problem = mcProblem();

  test('Marion-Chizat inits (scale 0.25..0.6, 40 points): top-1 to 1e-10, top-5 to 1e-8, lambda_min; products', async () => {
    const hvps: number[] = [];
    let worstTop = 0;
    let worstTop5 = 0;
    let worstMin = 0;
    for (let i = 0; i < 8; i++) {
      for (let seed = 1; seed <= 5; seed++) {
        const w = initWeights(MC_WIDTHS, { scale: 0.25 + 0.05 * i, seed });
        const exact = await denseSpectrum(problem, w);
        const one = await sharpness(problem, w);
        expect(one.converged).toBe(true);
        hvps.push(one.hvps);
        worstTop = Math.max(worstTop, relErr(one.eigenvalues[0], exact[0]));
        const five = await sharpness(problem, w, { k: 5, smallest: true });
        five.eigenvalues.forEach((x, j) => (worstTop5 = Math.max(worstTop5, relErr(x, exact[j]))));
        worstMin = Math.max(worstMin, relErr(five.lambdaMin as number, exact[exact.length - 1]));
      }
    }
    expect(worstTop).toBeLessThan(1e-10); // measured 2.3e-15
    expect(worstTop5).toBeLessThan(1e-8); // measured 7.8e-15
    expect(worstMin).toBeLessThan(1e-10); // measured 4.7e-15
    // Products to a residual of 1e-10 |theta| (cold, seed 0): median 15, max 20 (the Ritz value is
    // within 1e-10 of the dense one after median 10, max 14). Deterministic; +2 for BLAS kernels.
    expect(median(hvps)).toBeLessThanOrEqual(15);
    expect(Math.max(...hvps)).toBeLessThanOrEqual(22);
  });

  test('gradient-descent minimizers (n=50, d=5, L=10): top-1 to 1e-10, top-5 to 1e-8, beyond the rank of H', async () => {
    for (const [scale, eta, steps] of [
      [0.3, 0.02, 10000],
      [0.2, 0.05, 20000],
      [0.4, 0.01, 20000],
    ]) {
      const run = await train(problem, initWeights(MC_WIDTHS, { scale, seed: 1 }), { learningRate: eta, steps, record: ['gradNorm'] });
      expect(run.finalGradNorm as number).toBeLessThan(1e-12); // measured 8.6e-17 .. 1.9e-15
      const exact = await denseSpectrum(problem, run.weights);
      const one = await sharpness(problem, run.weights);
      expect(relErr(one.eigenvalues[0], exact[0])).toBeLessThan(1e-10); // measured <= 9.6e-16
      expect(one.hvps).toBeLessThanOrEqual(7); // H = 2 J^T Sigma J has rank 5: measured 6
      // k = 8 > rank: three eigenvalues at rounding level (|x| < 1e-13 S); Lanczos closes the
      // rank-5 block, confirms with one more, and stops (it once ran to P = 230 products).
      const eight = await sharpness(problem, run.weights, { k: 8 });
      expect(eight.converged).toBe(true);
      expect(eight.hvps).toBeLessThanOrEqual(10); // measured 9
      for (let j = 0; j < 5; j++) expect(relErr(eight.eigenvalues[j], exact[j])).toBeLessThan(1e-8); // measured <= 2.6e-15
      for (let j = 5; j < 8; j++) expect(Math.abs(eight.eigenvalues[j])).toBeLessThan(1e-12 * exact[0]); // measured <= 3.8e-17
    }
  });

  test('other losses at random points: multivariate MSE (both sides), completion, with L2', async () => {
    for (const p of [mseProblem([6, 8, 8, 4], 1, 0.05), mseProblem([3, 5, 5, 5], 2), completionProblem([6, 8, 8, 5], 0.01, 4)]) {
      const w = initWeights(p.widths, { scale: 0.6, seed: 2 });
      const exact = await denseSpectrum(p, w);
      const five = await sharpness(p, w, { k: 5, smallest: true });
      five.eigenvalues.forEach((x, j) => expect(relErr(x, exact[j])).toBeLessThan(1e-8)); // measured <= 4.3e-15
      expect(relErr(five.eigenvalues[0], exact[0])).toBeLessThan(1e-10);
      expect(relErr(five.lambdaMin as number, exact[exact.length - 1])).toBeLessThan(1e-10);
    }
  });

  test('reported residuals bound the true ||H y - theta y||; Ritz vectors are unit vectors', async () => {
    const w = initWeights(MC_WIDTHS, { scale: 0.35, seed: 2 });
    const r = await sharpness(problem, w, { k: 3, vectors: true });
    const V = r.vectors!;
    const S = r.eigenvalues[0];
    for (let j = 0; j < 3; j++) {
      const y = V.data.subarray(j * V.cols, (j + 1) * V.cols);
      expect(Math.abs(norm(y) - 1)).toBeLessThan(1e-14);
      const Hy = hessianVectorProduct(problem, w, y);
      const trueResidual = norm(Hy.map((x, i) => x - r.eigenvalues[j] * y[i]));
      // The estimate |beta s| tracks the true residual down to rounding (~1e-15 S here).
      expect(trueResidual).toBeLessThanOrEqual(r.residuals[j] + 1e-13 * S);
      expect(r.residuals[j]).toBeLessThanOrEqual(1e-10 * Math.abs(r.eigenvalues[j]));
    }
  });

  test('same seed, same bits; another seed, another start vector', async () => {
    const w = initWeights(MC_WIDTHS, { scale: 0.3, seed: 4 });
    const a = await sharpness(problem, w, { k: 3, seed: 7 });
    const b = await sharpness(problem, w, { k: 3, seed: 7 });
    expect(Buffer.from(a.eigenvalues.buffer).equals(Buffer.from(b.eigenvalues.buffer))).toBe(true);
    expect(Buffer.from(a.residuals.buffer).equals(Buffer.from(b.residuals.buffer))).toBe(true);
    expect(a.hvps).toBe(b.hvps);
    const c = await sharpness(problem, w, { k: 3, seed: 8 });
    expect(Buffer.from(a.residuals.buffer).equals(Buffer.from(c.residuals.buffer))).toBe(false);
    expect(relErr(c.eigenvalues[0], a.eigenvalues[0])).toBeLessThan(1e-12);
  });

  test('a warm start from a nearby Ritz vector converges in fewer products', async () => {
    const w0 = initWeights(MC_WIDTHS, { scale: 0.35, seed: 1 });
    const warm: number[] = [];
    const cold: number[] = [];
    let w = w0;
    let previous = await sharpness(problem, w, { vectors: true });
    for (let i = 0; i < 10; i++) {
      w = (await train(problem, w, { learningRate: 0.02, steps: 5, record: ['loss'] })).weights;
      const c = await sharpness(problem, w);
      const h = await sharpness(problem, w, { start: previous.vectors!.data, vectors: true });
      expect(relErr(h.eigenvalues[0], c.eigenvalues[0])).toBeLessThan(1e-12);
      cold.push(c.hvps);
      warm.push(h.hvps);
      previous = h;
    }
    // Measured over these 10 points: cold median 8 (max 28), warm median 6 (max 24).
    expect(median(warm)).toBeLessThan(median(cold));
  });
});

describe("the reference code's power iteration (parity mode)", () => {
  const problem = mcProblem();

  test('returns the norm of its 19th product: the spectral radius, not lambda_max, when |lambda_min| > lambda_max', async () => {
    // Scale 0.25, seed 1: lambda_max = 0.2658, lambda_min = -0.2921 (13 of the 40 inits above
    // have |lambda_min| > lambda_max).
    const w = initWeights(MC_WIDTHS, { scale: 0.25, seed: 1 });
    const exact = await denseSpectrum(problem, w);
    const lambdaMax = exact[0];
    const rho = Math.max(lambdaMax, -exact[exact.length - 1]);
    expect(rho).toBeGreaterThan(1.09 * lambdaMax);
    const power = await sharpness(problem, w, { method: 'power' });
    expect(power.hvps).toBe(20);
    // Measured 0.28513: 7.3 % above lambda_max, 2.4 % below the spectral radius it approaches.
    expect(power.eigenvalues[0] / lambdaMax).toBeGreaterThan(1.07);
    expect(power.eigenvalues[0] / rho).toBeGreaterThan(0.97);
    expect(power.eigenvalues[0]).toBeLessThanOrEqual(rho);
    // Lanczos has the right one, and the spectral radius when asked.
    const lanczos = await sharpness(problem, w, { smallest: true });
    expect(relErr(lanczos.eigenvalues[0], lambdaMax)).toBeLessThan(1e-12);
    expect(relErr(lanczos.spectralRadius as number, rho)).toBeLessThan(1e-12);
    // With more iterations the estimate converges to the spectral radius.
    const long = await sharpness(problem, w, { method: 'power', powerIterations: 2000 });
    expect(relErr(long.eigenvalues[0], rho)).toBeLessThan(1e-6);
  });

  test('where lambda_max dominates (scale 0.5) it agrees with Lanczos', async () => {
    const w = initWeights(MC_WIDTHS, { scale: 0.5, seed: 1 });
    const power = await sharpness(problem, w, { method: 'power' });
    const lanczos = await sharpness(problem, w);
    expect(relErr(power.eigenvalues[0], lanczos.eigenvalues[0])).toBeLessThan(1e-8); // measured 1.1e-16
  });
});

describe('sharpness along gradient descent', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.35, seed: 1 });

  test('every k steps and at the initial and final points; each value is the sharpness at that step', async () => {
    const run = await train(problem, w0, {
      learningRate: 0.02,
      steps: 23,
      recordEvery: 5,
      record: ['sharpness', 'sharpnessTopK', 'lambdaMin', 'spectralRadius', 'sharpnessResidual', 'sharpnessHvps'],
      sharpness: { k: 3 },
    });
    expect(Array.from(run.trace.scalar('step'))).toEqual([0, 5, 10, 15, 20, 23]);
    const S = run.trace.scalar('sharpness');
    const exact0 = await denseSpectrum(problem, w0);
    const exactEnd = await denseSpectrum(problem, run.weights);
    expect(relErr(S[0], exact0[0])).toBeLessThan(1e-10);
    expect(relErr(S[S.length - 1], exactEnd[0])).toBeLessThan(1e-10);
    const top = run.trace.vector('sharpnessTopK');
    expect(top.cols).toBe(3);
    top.data.subarray((top.rows - 1) * 3).forEach((x, j) => expect(relErr(x, exactEnd[j])).toBeLessThan(1e-8));
    expect(top.data[0]).toBe(S[0]);
    const lmin = run.trace.scalar('lambdaMin');
    expect(relErr(lmin[0], exact0[exact0.length - 1])).toBeLessThan(1e-10);
    const rho = run.trace.scalar('spectralRadius');
    expect(rho[0]).toBe(Math.max(S[0], -lmin[0]));
    for (const r of run.trace.scalar('sharpnessResidual')) expect(r).toBeGreaterThan(0);
    // One solve per recording serves all six columns.
    for (const h of run.trace.scalar('sharpnessHvps')) expect(h).toBeGreaterThan(0);
  });

  test('Lanczos is warm-started from the previous recording by default (MC-1c: scale 0.35, eta 0.02, every 5 steps)', async () => {
    const options = { learningRate: 0.02, steps: 450, recordEvery: 5, record: ['sharpness', 'sharpnessHvps'] as Quantity[] };
    const warm = await train(problem, w0, options);
    const cold = await train(problem, w0, { ...options, sharpness: { warmStart: false } });
    const hw = Array.from(warm.trace.scalar('sharpnessHvps')).slice(1);
    const hc = Array.from(cold.trace.scalar('sharpnessHvps')).slice(1);
    // Measured over the 90 recordings after the first (tol 1e-10): warm median 5, max 24; cold
    // median 7, max 27. The largest counts come early, while the spectrum is flat and indefinite.
    expect(median(hw)).toBeLessThanOrEqual(5);
    expect(median(hw)).toBeLessThan(median(hc));
    const sw = warm.trace.scalar('sharpness');
    const sc = cold.trace.scalar('sharpness');
    sw.forEach((x, i) => expect(relErr(x, sc[i])).toBeLessThan(1e-9));
  });

  test("power iteration for parity: the reference code's estimate at each recording", async () => {
    const run = await train(problem, initWeights(MC_WIDTHS, { scale: 0.25, seed: 1 }), {
      learningRate: 0.02,
      steps: 10,
      recordEvery: 5,
      record: ['sharpness', 'sharpnessHvps', 'sharpnessPower'],
      sharpness: { method: 'power', seed: 3 },
    });
    const S = run.trace.scalar('sharpness');
    // The first recording draws the same start as a standalone call with the same seed.
    const standalone = await sharpness(problem, initWeights(MC_WIDTHS, { scale: 0.25, seed: 1 }), { method: 'power', seed: 3 });
    expect(S[0]).toBe(standalone.eigenvalues[0]);
    expect(Array.from(run.trace.scalar('sharpnessHvps'))).toEqual([20, 20, 20]);
    // sharpnessPower (its own stream) estimates the same spectral radius next to any method.
    const P = run.trace.scalar('sharpnessPower');
    P.forEach((x, i) => expect(relErr(x, S[i])).toBeLessThan(5e-3)); // measured <= 1.1e-3 (two unconverged estimates)
  });
});

describe('sharpness along gradient flow', () => {
  test('recorded at every row, and the sharpnessAbove event fires where S crosses the threshold', async () => {
    const problem = mcProblem();
    const w0 = initWeights(MC_WIDTHS, { scale: 0.35, seed: 1 });
    const S0 = (await sharpness(problem, w0)).eigenvalues[0];
    const threshold = 2 * S0;
    const r = await flow(problem, w0, {
      tEnd: 100,
      rtol: 1e-8,
      atol: 1e-11,
      record: ['sharpness'],
      events: { sharpnessAbove: threshold },
    });
    expect(r.status).toBe('converged');
    expect(r.events[0].name).toBe('sharpnessAbove');
    // Located by Brent on the dense output: S at the event point is the threshold.
    const S = (await sharpness(problem, r.weights)).eigenvalues[0];
    expect(relErr(S, threshold)).toBeLessThan(1e-8);
    const trace = r.trace.scalar('sharpness');
    expect(trace[0]).toBe(S0);
  });

  test('the spectral columns of a row share one eigensolve (flow and gradient descent alike)', async () => {
    const problem = mcProblem();
    const w0 = initWeights(MC_WIDTHS, { scale: 0.35, seed: 1 });
    const single = await sharpness(problem, w0, { smallest: true });
    const record: (Quantity | 'stepSize')[] = ['loss', 'sharpness', 'stepSize', 'lambdaMin', 'sharpnessHvps'];
    const f = await flow(problem, w0, { tEnd: 1, record });
    expect(f.trace.names).toEqual(['step', 'time', 'loss', 'sharpness', 'lambdaMin', 'sharpnessHvps', 'stepSize']);
    const g = await train(problem, w0, { learningRate: 0.01, steps: 3, record: record.filter((n): n is Quantity => n !== 'stepSize') });
    for (const t of [f.trace, g.trace]) {
      // The first row is the same solve as a standalone call (seed 0, stream 0): same bits.
      expect(t.scalar('sharpness')[0]).toBe(single.eigenvalues[0]);
      expect(t.scalar('lambdaMin')[0]).toBe(single.lambdaMin);
      expect(t.scalar('sharpnessHvps')[0]).toBe(single.hvps);
    }
  });
});

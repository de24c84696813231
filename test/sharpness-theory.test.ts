/**
 * The theory of Marion & Chizat checked with the exact sharpness: Theorem 1/2's lower bounds at
 * gradient-descent minimizers (and under the rescaling that makes sharpness arbitrarily large),
 * the product example prod x_k, Corollary 3's window for small-scale initializations, and the
 * three inequalities of Lemma 2 at every point of a gradient-flow run.
 */
import { denseHessian, flow, initWeights, layers, marionChizatData, Problem, randomUnitVector, sharpness, svd, train } from '../lib';
import { mcProblem, MC_WIDTHS } from './helpers';

const frobenius = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

describe('lower bounds on the sharpness of minimizers (Theorems 1 and 2)', () => {
  const problem = mcProblem();
  const t = problem.theory(); // lambda 0.460, Lambda 1.536, a 1.389, ||w*|| = 1: S_min = 9.208

  test("every gradient-descent minimizer has S >= S_min = 2 L lambda ||w*||^(2-2/L), and >= the slides' 2 L a ||w*||^(2-2/L) ||p||^(2/L)", async () => {
    const ratios: number[] = [];
    for (const [scale, eta, seed] of [
      [0.2, 0.02, 1],
      [0.3, 0.02, 2],
      [0.35, 0.05, 3],
      [0.4, 0.01, 4],
      [0.5, 0.005, 5],
    ]) {
      const run = await train(problem, initWeights(MC_WIDTHS, { scale, seed }), {
        learningRate: eta,
        steps: 100000,
        gradNormTarget: 1e-11,
        record: ['loss'],
      });
      expect(run.status).toBe('converged');
      const S = (await sharpness(problem, run.weights)).eigenvalues[0];
      expect(S).toBeGreaterThanOrEqual(t.sMin);
      expect(S).toBeGreaterThanOrEqual(t.sMinRefinedLower);
      ratios.push(S / t.sMin);
    }
    // Measured S / S_min = 3.21, 4.21, 4.28, 5.71, 37.5 (S / (2 L a) = 1.06 .. 12.4): rising with
    // the initialization scale, and below 2 / eta (the last run: S = 346 < 400).
    expect(Math.min(...ratios)).toBeGreaterThan(3);
  });

  test('residual initialization with a random unit projection p in R^d (d_L = d): S >= S_min', async () => {
    const d = marionChizatData({ n: 50, d: 5, noise: 1, seed: 0 });
    const widths = Array(11).fill(5);
    const p = Problem.regression({ X: d.X, y: d.y, widths, projection: randomUnitVector(5, 1) });
    const run = await train(p, initWeights(widths, { kind: 'residual', scale: 0.5, seed: 1 }), {
      learningRate: 0.01,
      steps: 20000,
      gradNormTarget: 1e-11,
      record: ['loss'],
    });
    expect(run.status).toBe('converged');
    const S = (await sharpness(p, run.weights)).eigenvalues[0];
    const th = p.theory();
    expect(S / th.sMin).toBeGreaterThanOrEqual(1); // measured 4.72
    expect(S).toBeGreaterThanOrEqual(th.sMinRefinedLower);
  });

  test("(C W_1, W_2 / C, W_3, ...) is still a minimizer and its sharpness grows with C above Theorem 2's first bound", async () => {
    const run = await train(problem, initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 }), { learningRate: 0.02, steps: 10000, record: ['loss'] });
    const L = MC_WIDTHS.length - 1;
    // Sigma = X^T X / n from the data, for the large-C limit below.
    const data = marionChizatData({ n: 50, d: 5, noise: 1, seed: 0 });
    const { rows: n, cols: d0, data: X } = data.X;
    const sigma = new Float64Array(d0 * d0);
    for (let i = 0; i < d0; i++) for (let j = 0; j < d0; j++) for (let s = 0; s < n; s++) sigma[i * d0 + j] += (X[s * d0 + i] * X[s * d0 + j]) / n;
    let previous = 0;
    const Cs = [1, 2, 4, 8, 16, 32, 64];
    const S: number[] = [];
    for (const C of Cs) {
      const w = Float64Array.from(run.weights);
      const W = layers(MC_WIDTHS, w);
      W[0].data.forEach((x, i) => (W[0].data[i] = x * C));
      W[1].data.forEach((x, i) => (W[1].data[i] = x / C));
      const e = problem.evaluate(w);
      expect(e.excessLoss as number).toBeLessThan(1e-15); // the same map: measured 0
      expect(e.gradNorm as number).toBeLessThan(1e-13 * C); // measured 1.2e-15 (C = 1) .. 3.1e-14 (C = 64)
      const s = (await sharpness(problem, w)).eigenvalues[0];
      const bound = 2 * t.lambda * t.wStarNorm ** (2 - 1 / L) * W.reduce((acc, M) => acc + 1 / frobenius(M.data), 0);
      expect(s).toBeGreaterThanOrEqual(bound); // measured S = 34.5 .. 20560 against 6.2 .. 49.9
      expect(s).toBeGreaterThan(previous);
      previous = s;
      S.push(s);
    }
    // The bound grows like C (its W_2 term, 2 lambda ||w*||^(2-1/L) C / ||W_2||_F); S grows like
    // C^2: the W_2 block of the Gauss-Newton term is C^2 * 2 ||a_2||^2 lambda_max(W_1 Sigma W_1^T)
    // with a_2 = W_3^T ... W_L^T p. S(64) / 64^2 = 5.0196 is within 0.14 % of that limit.
    const W = layers(MC_WIDTHS, run.weights);
    let a = Float64Array.from([1]);
    for (let k = L - 1; k >= 2; k--) {
      const M = W[k];
      const next = new Float64Array(M.cols);
      for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) next[j] += M.data[i * M.cols + j] * a[i];
      a = next;
    }
    const W1 = W[0];
    const M = new Float64Array(W1.rows * W1.rows);
    for (let i = 0; i < W1.rows; i++)
      for (let j = 0; j < W1.rows; j++)
        for (let k = 0; k < d0; k++) for (let l = 0; l < d0; l++) M[i * W1.rows + j] += W1.data[i * d0 + k] * sigma[k * d0 + l] * W1.data[j * d0 + l];
    const lmax = svd({ rows: W1.rows, cols: W1.rows, data: M }).S[0]; // M is symmetric PSD
    const limit = 2 * a.reduce((s, x) => s + x * x, 0) * lmax;
    expect(Math.abs(S[S.length - 1] / 64 ** 2 / limit - 1)).toBeLessThan(0.005); // measured 1.4e-3
    expect(Math.abs(S[S.length - 1] / 64 ** 2 / limit - 1)).toBeLessThan(Math.abs(S[S.length - 2] / 32 ** 2 / limit - 1));
  });
});

describe('the product example: f(x_1..x_L) = prod x_k has sharpness L - 1 at (1, ..., 1)', () => {
  // A width-1 network of depth L with one sample x and target y: R = (y - x prod theta_k)^2, so at
  // theta = (1..1) the Hessian is 2 x^2 J + g (J - I) (J all ones, g = dR/dw = 2 (x^2 - x y)).
  // With x = 2^-20 and y chosen so that g = 1 exactly, H = (J - I) + 2^-39 J: the Hessian of the
  // product plus 2^-39 J. Its sharpness is L - 1 + L 2^-39, its other eigenvalue -1 (L - 1 times).
  test.each([3, 10])('L = %d', async (L) => {
    const x = 2 ** -20;
    const y = x - 2 ** 19; // x y = x^2 - 1/2, so g = 2 (x^2 - x y) = 1
    const problem = Problem.regression({ X: { rows: 1, cols: 1, data: new Float64Array([x]) }, y: [y], widths: Array(L + 1).fill(1) });
    const ones = new Float64Array(L).fill(1);
    const r = await sharpness(problem, ones, { smallest: true });
    const exact = L - 1 + L * 2 ** -39;
    expect(Math.abs(r.eigenvalues[0] - exact)).toBeLessThan(1e-14 * L); // measured 8.9e-16 (L = 3), 1.8e-15 (L = 10)
    expect(Math.abs(r.eigenvalues[0] - (L - 1))).toBeLessThan(2e-11); // = L 2^-39: 5.5e-12, 1.8e-11
    expect(Math.abs((r.lambdaMin as number) + 1)).toBeLessThan(1e-14);
    const H = await denseHessian(problem, ones);
    const ev = Array.from(H.eigenvalues);
    for (let i = 0; i < L - 1; i++) expect(Math.abs(ev[i] + 1)).toBeLessThan(1e-14);
    expect(Math.abs(ev[L - 1] - exact)).toBeLessThan(1e-14 * L);
  });

  test.each([3, 10])('L = %d: the squared loss (1 - prod x_k)^2 has sharpness 2L at its minimizer (1, ..., 1) = S_min', async (L) => {
    const problem = Problem.regression({ X: [[1]], y: [1], widths: Array(L + 1).fill(1) });
    const ones = new Float64Array(L).fill(1);
    const S = (await sharpness(problem, ones)).eigenvalues[0];
    expect(Math.abs(S - 2 * L)).toBeLessThan(1e-14 * L); // H = 2 J; measured 7.1e-15 (L = 10, Lanczos rounding)
    const t = problem.theory();
    expect(t.sMin).toBe(2 * L); // lambda = a = ||w*|| = 1: the minimizer attains both lower bounds
    expect(t.sMinRefinedLower).toBe(2 * L);
  });
});

describe('Corollary 3: small-scale initializations reach 1 <= S / S_min <= 4 Lambda / lambda', () => {
  const problem = mcProblem();
  const t = problem.theory();

  test.each([
    [0.15, 1],
    [0.2, 1],
    [0.25, 1],
  ])('gradient descent (eta = 0.02) from Gaussian scale %d to a minimizer', async (scale, seed) => {
    const run = await train(problem, initWeights(MC_WIDTHS, { scale, seed }), {
      learningRate: 0.02,
      steps: 40000,
      gradNormTarget: 1e-11,
      record: ['loss'],
    });
    expect(run.status).toBe('converged'); // after 16 723, 2 964 and 1 839 steps
    const S = (await sharpness(problem, run.weights)).eigenvalues[0];
    const ratio = S / t.sMin;
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual((4 * t.Lambda) / t.lambda); // 13.35; measured 3.10, 3.21, 3.40
    // Near the rank-one limit S_r1 (docs/theory.md §2.4): measured S / S_r1 = 1.020, 1.055, 1.121.
    expect(S / t.sRankOne).toBeGreaterThanOrEqual(1);
    expect(S / t.sRankOne).toBeLessThan(1.15);
  });
});

describe("Lemma 2's three inequalities along a gradient-flow run", () => {
  test('scale 0.05 to convergence: rank-one gap <= eps, spread <= eps, alignment >= 1 - eps / sigma_{k+1}^2 at every row', async () => {
    const problem = mcProblem();
    const w0 = initWeights(MC_WIDTHS, { scale: 0.05, seed: 1 });
    const r = await flow(problem, w0, {
      tEnd: Infinity,
      rtol: 1e-8,
      atol: 1e-11,
      events: { excessLossBelow: 1e-10 },
      recordEvery: 1,
      record: ['rankOneGap', 'singularSpread', 'alignment', 'layerNorms', 'lemma2Epsilon', 'sharpness'],
    });
    expect(r.status).toBe('converged');
    const rows = r.trace.toRows() as Array<Record<string, number & number[]>>;
    expect(rows.length).toBeGreaterThan(100);
    const eps = rows[0].lemma2Epsilon; // 0.885 (292 rows, t = 2.0e6, 2 360 evaluations)
    let slack = Infinity; // the smallest margin of the three inequalities, relative to eps
    for (const row of rows) {
      expect(row.lemma2Epsilon).toBe(eps);
      for (const g of row.rankOneGap) slack = Math.min(slack, (eps - g) / eps);
      slack = Math.min(slack, (eps - row.singularSpread) / eps);
      row.alignment.forEach((a: number, k: number) => (slack = Math.min(slack, (a - (1 - eps / row.layerNorms[k + 1] ** 2)) / eps)));
    }
    expect(slack).toBeGreaterThanOrEqual(0); // measured 0.94: the bounds hold with room (S / S_min = 3.04 at the end)
    // The flow's end is a minimizer in Corollary 3's window.
    const t = problem.theory();
    const S = rows[rows.length - 1].sharpness;
    expect(S / t.sMin).toBeGreaterThanOrEqual(1);
    expect(S / t.sMin).toBeLessThanOrEqual((4 * t.Lambda) / t.lambda);
  });
});

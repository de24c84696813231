/**
 * Exact Hessian-vector products for every loss: against central differences of the exact gradient,
 * against the dense Hessian they assemble, and against identities that need no oracle (symmetry,
 * the hidden-rotation invariance, the Hessian at the origin).
 */
import { denseHessian, hessianVectorProduct, initWeights, layers, marionChizatData, Problem, sharpness, svd, train } from '../lib';
import { axpy, dot, gaussianVector, mcProblem, MC_WIDTHS, mseProblem, norm, rng } from './helpers';

/**
 * H v by central differences of the exact gradient with Richardson extrapolation (error O(h^4)),
 * the step scaled to ||theta|| / ||v|| (docs/math.md §4.8: a fixed step gives 1e-6 "errors" at small
 * weights).
 */
function fdHvp(problem: Problem, w: Float64Array, v: Float64Array, relStep = 1e-3): Float64Array {
  const h = (relStep * Math.max(norm(w), 1e-3)) / norm(v);
  const d = (step: number) => {
    const plus = problem.gradient(axpy(step, v, w)).gradient;
    const minus = problem.gradient(axpy(-step, v, w)).gradient;
    return plus.map((g, i) => (g - minus[i]) / (2 * step));
  };
  const full = d(h);
  const half = d(h / 2);
  return half.map((x, i) => (4 * x - full[i]) / 3);
}

/** max over a few random directions of ||Hv - FD|| / ||Hv||. */
function hvpError(problem: Problem, w: Float64Array, seed: number): number {
  const next = rng(seed);
  let worst = 0;
  for (let k = 0; k < 3; k++) {
    const v = gaussianVector(w.length, next);
    const exact = hessianVectorProduct(problem, w, v);
    const fd = fdHvp(problem, w, v);
    worst = Math.max(worst, norm(exact.map((x, i) => x - fd[i])) / norm(exact));
  }
  return worst;
}

/** A univariate problem with random widths and, when d_L > 1, a random projection p in R^{d_L}. */
function univariate(widths: number[], l2: number, seed: number): Problem {
  const d0 = widths[0];
  const dL = widths[widths.length - 1];
  const data = marionChizatData({ n: 20, d: d0, seed });
  const projection = dL > 1 ? gaussianVector(dL, rng(seed + 5)) : undefined;
  return Problem.regression({ X: data.X, y: data.y, widths, projection, l2 });
}

/** A completion problem whose observed entries repeat one pair (it counts twice in the loss). */
function completionWithRepeat(widths: number[], l2: number): Problem {
  const rows = widths[widths.length - 1];
  const cols = widths[0];
  const next = rng(17);
  const entries: Array<[number, number, number]> = [];
  for (let i = 0; i < 12; i++) entries.push([Math.floor(next() * rows), Math.floor(next() * cols), next() - 0.5]);
  entries.push([entries[0][0], entries[0][1], entries[0][2] + 0.3]);
  return Problem.completion({ widths, entries, l2 });
}

// Every case with and without L2; measured worst relative errors over 3 directions in comments.
const cases: Array<[string, (l2: number) => Problem, number]> = [
  ['univariate, random widths 7-4-9-3-6-3, p in R^3', (l2) => univariate([7, 4, 9, 3, 6, 3], l2, 3), 0.7],
  ['univariate, widths 4-1-6-2 (a width-1 bottleneck), p in R^2', (l2) => univariate([4, 1, 6, 2], l2, 4), 0.7],
  ['univariate, the Marion-Chizat network (d_L = 1)', (l2) => univariate(MC_WIDTHS, l2, 0), 0.3],
  ['multivariate MSE, output side d_0 = 6 > d_L = 4', (l2) => mseProblem([6, 8, 8, 4], 1, l2), 0.6],
  ['multivariate MSE, input side d_0 = 3 < d_L = 5', (l2) => mseProblem([3, 5, 5, 5], 1, l2), 0.6],
  ['matrix completion with a repeated observed pair', (l2) => completionWithRepeat([6, 8, 8, 5], l2), 0.6],
];

describe('Hessian-vector products against central differences of the gradient', () => {
  test.each(cases)('%s, with and without L2', (_name, make, scale) => {
    for (const l2 of [0, 0.05]) {
      const problem = make(l2);
      const w = initWeights(problem.widths, { scale, seed: 2 });
      // Measured 1.9e-13 .. 3.8e-12 over these cases (the issue asks <= 1e-6).
      expect(hvpError(problem, w, 1)).toBeLessThan(1e-10);
    }
  });

  test('at a small initialization (scale 0.01, L = 10) the scaled step still resolves H v', () => {
    const problem = mcProblem();
    const w = initWeights(MC_WIDTHS, { scale: 0.01, seed: 1 });
    // Measured 7.8e-13; a fixed (unscaled) step gives the 1e-6 "errors" of docs/math.md §4.8.
    expect(hvpError(problem, w, 2)).toBeLessThan(1e-10);
  });

  test('L2 adds exactly 2 lambda_2 v', () => {
    const plain = mseProblem([5, 6, 4], 3, 0);
    const reg = mseProblem([5, 6, 4], 3, 0.05);
    const w = initWeights([5, 6, 4], { scale: 0.5, seed: 6 });
    const v = gaussianVector(w.length, rng(8));
    const a = hessianVectorProduct(plain, w, v);
    const b = hessianVectorProduct(reg, w, v);
    for (let i = 0; i < v.length; i++) expect(Math.abs(b[i] - a[i] - 0.1 * v[i])).toBeLessThanOrEqual(1e-15 * Math.abs(b[i]) + 1e-16);
  });
});

describe('the dense Hessian and exact identities', () => {
  test.each(cases)('%s: assembled from P products, symmetric to rounding; u.(Hv) = v.(Hu)', async (_name, make, scale) => {
    for (const l2 of [0, 0.05]) {
      const problem = make(l2);
      const w = initWeights(problem.widths, { scale, seed: 3 });
      const H = await denseHessian(problem, w);
      // max |H_ij - H_ji| / max |H_ij|: measured 1.1e-16 .. 4.4e-16.
      expect(H.asymmetry).toBeLessThan(1e-12);
      // Column j of the dense Hessian is H e_j; a random product is their combination.
      const P = problem.paramCount;
      const v = gaussianVector(P, rng(4));
      const Hv = hessianVectorProduct(problem, w, v);
      const dense = new Float64Array(P);
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) dense[i] += H.hessian.data[i * P + j] * v[j];
      expect(norm(dense.map((x, i) => x - Hv[i])) / norm(Hv)).toBeLessThan(1e-13); // measured <= 5.4e-16
      const u = gaussianVector(P, rng(5));
      const Hu = hessianVectorProduct(problem, w, u);
      // Measured <= 1.8e-16 relative to ||u|| ||Hv||.
      expect(Math.abs(dot(u, Hv) - dot(v, Hu)) / (norm(u) * norm(Hv))).toBeLessThan(1e-14);
    }
  });

  test('hidden-rotation invariance: V_k = O_k W_k - W_k O_{k-1} is orthogonal to the gradient, and H V = A grad', () => {
    // R(W) is invariant under W_k -> e^{t O_k} W_k e^{-t O_{k-1}} (O skew, O_0 = O_L = 0), so
    // grad(theta) . A theta = 0 for all theta with A the linear map above; differentiating,
    // H (A theta) = -A^T grad = A grad (A is skew). Exact at every point, with L2 too.
    const check = (problem: Problem, w: Float64Array, seed: number) => {
      const widths = problem.widths;
      const L = widths.length - 1;
      const next = rng(seed);
      const omegas: Float64Array[] = [];
      for (let k = 0; k <= L; k++) {
        const d = widths[k];
        const o = new Float64Array(d * d);
        if (k > 0 && k < L) {
          for (let i = 0; i < d; i++) {
            for (let j = 0; j < i; j++) {
              const x = next() - 0.5;
              o[i * d + j] = x;
              o[j * d + i] = -x;
            }
          }
        }
        omegas.push(o);
      }
      const apply = (x: Float64Array) => {
        const out = new Float64Array(x.length);
        const X = layers(widths, x);
        const Y = layers(widths, out);
        for (let k = 0; k < L; k++) {
          const [rows, cols] = [widths[k + 1], widths[k]];
          const Ok = omegas[k + 1];
          const Op = omegas[k];
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              let s = 0;
              for (let t = 0; t < rows; t++) s += Ok[i * rows + t] * X[k].data[t * cols + j];
              for (let t = 0; t < cols; t++) s -= X[k].data[i * cols + t] * Op[t * cols + j];
              Y[k].data[i * cols + j] = s;
            }
          }
        }
        return out;
      };
      const V = apply(w);
      const g = problem.gradient(w).gradient;
      const HV = hessianVectorProduct(problem, w, V);
      const Ag = apply(g);
      return {
        orthogonality: Math.abs(dot(g, V)) / (norm(g) * norm(V)),
        identity: norm(HV.map((x, i) => x - Ag[i])) / norm(HV),
        HV: norm(HV) / norm(V),
      };
    };
    for (const problem of [
      univariate([7, 4, 9, 3, 6, 3], 0.05, 3),
      mseProblem([6, 8, 8, 4], 1, 0.05),
      completionWithRepeat([6, 8, 8, 5], 0),
      mcProblem(),
    ]) {
      const w = initWeights(problem.widths, { scale: 0.6, seed: 9 });
      const r = check(problem, w, 10);
      expect(r.orthogonality).toBeLessThan(1e-14); // measured <= 4.2e-17
      expect(r.identity).toBeLessThan(1e-13); // measured <= 1.2e-15
    }
  });

  test('at a minimizer the rotation directions are flat: H V = 0', async () => {
    const problem = mcProblem();
    const run = await train(problem, initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 }), { learningRate: 0.02, steps: 10000, record: ['gradNorm'] });
    expect(run.finalGradNorm as number).toBeLessThan(1e-13); // measured 1.2e-15
    const W = layers(MC_WIDTHS, run.weights);
    // O_1 only (between W_1 and W_2): V_1 = O_1 W_1, V_2 = -W_2 O_1.
    const d = 5;
    const next = rng(12);
    const O = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        O[i * d + j] = next() - 0.5;
        O[j * d + i] = -O[i * d + j];
      }
    }
    const V = new Float64Array(run.weights.length);
    const Vl = layers(MC_WIDTHS, V);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let a = 0;
        let b = 0;
        for (let t = 0; t < d; t++) {
          a += O[i * d + t] * W[0].data[t * d + j];
          b -= W[1].data[i * d + t] * O[t * d + j];
        }
        Vl[0].data[i * d + j] = a;
        Vl[1].data[i * d + j] = b;
      }
    }
    const S = (await sharpness(problem, run.weights)).eigenvalues[0];
    // Measured ||H V|| / (S ||V||) = 1.0e-17.
    expect(norm(hessianVectorProduct(problem, run.weights, V)) / (S * norm(V))).toBeLessThan(1e-13);
  });
});

describe('the Hessian at the origin (docs/math.md §4.6)', () => {
  test('L = 2: eigenvalues +-sigma_i(grad C(0)), each with multiplicity = the width, the rest 0', async () => {
    const problems = [mseProblem([3, 4, 2], 5), completionWithRepeat([5, 3, 4], 0), univariate([4, 6, 3], 0, 6)];
    for (const problem of problems) {
      const [d0, w, dL] = problem.widths;
      const zero = new Float64Array(problem.paramCount);
      const e = problem.evaluate(zero);
      const G = e.headGradient;
      // Univariate: grad_A C = p g^T (rank one), with g = dR/dw.
      const p = problem.projection ?? new Float64Array([1]);
      const A =
        problem.kind === 'regression'
          ? { rows: dL, cols: d0, data: new Float64Array(dL * d0).map((_, i) => p[Math.floor(i / d0)] * (G as Float64Array)[i % d0]) }
          : (G as { rows: number; cols: number; data: Float64Array });
      const sigma = Array.from(svd(A).S);
      const expected: number[] = [];
      for (const s of sigma) for (let i = 0; i < w; i++) expected.push(s, -s);
      while (expected.length < problem.paramCount) expected.push(0);
      expected.sort((a, b) => a - b);
      const H = await denseHessian(problem, zero);
      const scale = sigma[0];
      H.eigenvalues.forEach((x, i) => expect(Math.abs(x - expected[i])).toBeLessThan(1e-14 * scale)); // measured <= 1.8e-15 absolute
      // Lanczos restarts at each breakdown and recovers the multiplicity for top-k.
      const top = await sharpness(problem, zero, { k: w });
      top.eigenvalues.forEach((x) => expect(Math.abs(x - sigma[0])).toBeLessThan(1e-13 * scale)); // measured <= 4.4e-15
      expect(top.restarts).toBeGreaterThanOrEqual(w - 1);
      expect(top.converged).toBe(true);
    }
  });

  test('L >= 3: H(0) = 0; Lanczos breaks down at step 1 and returns 0, power iteration 0', async () => {
    for (const problem of [mcProblem(), mseProblem([3, 4, 4, 2], 5)]) {
      const zero = new Float64Array(problem.paramCount);
      const v = gaussianVector(problem.paramCount, rng(3));
      expect(Array.from(hessianVectorProduct(problem, zero, v)).every((x) => x === 0)).toBe(true);
      const one = await sharpness(problem, zero, { smallest: true });
      expect(Array.from(one.eigenvalues)).toEqual([0]);
      expect(one.residuals[0]).toBe(0);
      expect(one.hvps).toBe(1);
      expect(one.lambdaMin).toBe(0);
      const three = await sharpness(problem, zero, { k: 3 });
      expect(Array.from(three.eigenvalues)).toEqual([0, 0, 0]);
      expect(three.hvps).toBe(4); // one product per block, and one more block to confirm
      const power = await sharpness(problem, zero, { method: 'power' });
      expect(power.eigenvalues[0]).toBe(0);
    }
  });
});

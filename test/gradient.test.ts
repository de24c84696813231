/**
 * Exact gradients of every loss against finite differences (relative error <= 1e-7) on random
 * shapes, against closed forms (L = 1 is linear regression), and against exact identities.
 */
import { initWeights, layers, Problem, marionChizatData } from '../lib';
import { completionProblem, dot, fdDirectional, gaussianVector, mcProblem, mseProblem, norm, rng, teacherProblem } from './helpers';

function lossOf(problem: Problem) {
  return (w: Float64Array) => problem.evaluate(w).loss as number;
}

/** Max over a few random directions of |g.v - FD_v| / (|g| |v|). */
function directionalError(problem: Problem, w: Float64Array, seed: number): number {
  const { gradient } = problem.gradient(w);
  const next = rng(seed);
  let worst = 0;
  for (let k = 0; k < 4; k++) {
    const v = gaussianVector(w.length, next);
    const exact = dot(gradient, v);
    const fd = fdDirectional(lossOf(problem), w, v);
    worst = Math.max(worst, Math.abs(exact - fd) / (norm(gradient) * norm(v)));
  }
  return worst;
}

/** Full gradient by per-coordinate FD, compared in norm. */
function coordinateError(problem: Problem, w: Float64Array): number {
  const { gradient } = problem.gradient(w);
  const fd = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const e = new Float64Array(w.length);
    e[i] = 1;
    fd[i] = fdDirectional(lossOf(problem), w, e);
  }
  const diff = gradient.map((g, i) => g - fd[i]);
  return norm(diff) / norm(gradient);
}

describe('gradients against finite differences', () => {
  const shapes: number[][] = [
    [5, 5, 5, 5, 1],
    [7, 4, 9, 3, 6, 3],
    [3, 1],
    [4, 1, 6, 2],
  ];

  test.each(shapes)('univariate regression, widths %p (random projection when d_L > 1)', (...widths) => {
    const d0 = widths[0];
    const dL = widths[widths.length - 1];
    const data = marionChizatData({ n: 20, d: d0, seed: 3 });
    const projection = dL > 1 ? gaussianVector(dL, rng(5)) : undefined;
    const problem = Problem.regression({ X: data.X, y: data.y, widths, projection });
    for (const scale of [0.5, 1]) {
      const w = initWeights(widths, { scale, seed: 7 });
      expect(directionalError(problem, w, 1)).toBeLessThan(1e-7);
    }
    const w = initWeights(widths, { scale: 0.7, seed: 8 });
    expect(coordinateError(problem, w)).toBeLessThan(1e-7);
  });

  test.each([[[6, 8, 8, 4]], [[3, 5, 5, 5]], [[10, 8, 8, 8, 10]], [[4, 2, 4]]])(
    'multivariate MSE, widths %p (both sweep sides, with and without L2)',
    (widths) => {
      for (const l2 of [0, 0.05]) {
        const problem = mseProblem(widths, 1, l2);
        const w = initWeights(widths, { scale: 0.6, seed: 2 });
        expect(directionalError(problem, w, 2)).toBeLessThan(1e-7);
        expect(coordinateError(problem, w)).toBeLessThan(1e-7);
      }
    },
  );

  test.each([[[6, 8, 8, 5]], [[5, 3, 7]]])('matrix completion, widths %p', (widths) => {
    for (const l2 of [0, 0.01]) {
      const problem = completionProblem(widths, l2, 4);
      const w = initWeights(widths, { scale: 0.6, seed: 3 });
      expect(directionalError(problem, w, 3)).toBeLessThan(1e-7);
      expect(coordinateError(problem, w)).toBeLessThan(1e-7);
    }
  });

  test('the Marion-Chizat network at its small initial scale', () => {
    const problem = mcProblem();
    const w = initWeights(problem.widths, { scale: 0.3, seed: 1 });
    expect(directionalError(problem, w, 4)).toBeLessThan(1e-7);
  });

  test('the Jacot teacher problem (wide hidden layers go through BLAS)', () => {
    const widths = [10, 40, 40, 10];
    const problem = teacherProblem(widths);
    const w = initWeights(widths, { scale: 0.3, seed: 5 });
    expect(directionalError(problem, w, 5)).toBeLessThan(1e-7);
  });
});

describe('gradients against closed forms and exact identities', () => {
  test('L = 1 is linear regression: grad = 2 Sigma (w - w*), zero at w*', () => {
    const data = marionChizatData({ n: 40, d: 6, seed: 9 });
    const problem = Problem.regression({ X: data.X, y: data.y, widths: [6, 1] });
    const w = gaussianVector(6, rng(1));
    const { gradient } = problem.gradient(w);
    // Sigma and c from the data directly.
    const { rows: n, cols: d, data: X } = data.X;
    const expected = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < d; j++) r += X[i * d + j] * w[j];
      r -= data.y[i];
      for (let j = 0; j < d; j++) expected[j] += (2 / n) * r * X[i * d + j];
    }
    const err = norm(gradient.map((g, i) => g - expected[i])) / norm(expected);
    expect(err).toBeLessThan(1e-13);
    // At w* (from the generator's own least-squares solve) the gradient vanishes.
    expect(norm(problem.gradient(data.wStar).gradient)).toBeLessThan(1e-14);
    expect(problem.evaluate(data.wStar).excessLoss).toBeLessThan(1e-15);
  });

  test('L = 1 multivariate: loss (1/N)||A X - Y||^2 and gradient (2/N) (A X - Y) X^T from the data directly', () => {
    const next = rng(21);
    const [n, d0, dL] = [25, 4, 3];
    const X = gaussianVector(n * d0, next);
    const Y = gaussianVector(n * dL, next);
    const problem = Problem.mse({ X: { rows: n, cols: d0, data: X }, Y: { rows: n, cols: dL, data: Y }, widths: [d0, dL] });
    const A = gaussianVector(dL * d0, next);
    let loss = 0;
    const grad = new Float64Array(dL * d0);
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < dL; i++) {
        let r = -Y[s * dL + i];
        for (let j = 0; j < d0; j++) r += A[i * d0 + j] * X[s * d0 + j];
        loss += (r * r) / n;
        for (let j = 0; j < d0; j++) grad[i * d0 + j] += (2 / n) * r * X[s * d0 + j];
      }
    }
    expect(Math.abs((problem.evaluate(A).loss as number) - loss) / loss).toBeLessThan(1e-13);
    const g = problem.gradient(A).gradient;
    expect(norm(g.map((v, i) => v - grad[i])) / norm(grad)).toBeLessThan(1e-13);
  });

  test('Euler identity: <W_k, grad_k> is the same for every layer (A is linear in each W_k)', () => {
    for (const problem of [mcProblem(), mseProblem([6, 8, 8, 4], 1), completionProblem([6, 8, 8, 5])]) {
      const w = initWeights(problem.widths, { scale: 0.5, seed: 4 });
      const g = problem.gradient(w).gradient;
      const W = layers(problem.widths, w);
      const G = layers(problem.widths, g);
      const inner = W.map((m, k) => dot(m.data, G[k].data));
      for (const v of inner) expect(Math.abs(v - inner[0])).toBeLessThan(1e-14 * Math.abs(inner[0]) + 1e-300);
    }
  });

  test('L2 adds exactly lambda ||theta||^2 to the loss and 2 lambda theta to the gradient', () => {
    const plain = mseProblem([5, 6, 4], 3, 0);
    const reg = mseProblem([5, 6, 4], 3, 0.05);
    const w = initWeights([5, 6, 4], { scale: 0.5, seed: 6 });
    const e0 = plain.evaluate(w);
    const e1 = reg.evaluate(w);
    expect(e1.penalty).toBeCloseTo(0.05 * dot(w, w), 14);
    expect(e1.dataLoss).toBe(e0.dataLoss);
    const g0 = plain.gradient(w).gradient;
    const g1 = reg.gradient(w).gradient;
    for (let i = 0; i < w.length; i++) expect(Math.abs(g1[i] - g0[i] - 0.1 * w[i])).toBeLessThan(1e-15);
  });
});

/** Data generators and initializations match the papers' recipes. */
import { completionData, initWeights, jacotTeacherData, layers, lazyStd, marionChizatData, Problem, randomUnitVector } from '../lib';
import { dot, norm } from './helpers';

// Singular values from the eigenvalues of M^T M by plain Jacobi, independent of the library.
// Squaring limits them to ~sqrt(eps) * s_max, so "zero" below means < 1e-7 relative.
function singularValues(m: { rows: number; cols: number; data: Float64Array }): number[] {
  const n = m.cols;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < m.rows; r++) s += m.data[r * n + i] * m.data[r * n + j];
      A[i * n + j] = s;
    }
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        off += A[p * n + q] ** 2;
        if (Math.abs(A[p * n + q]) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * A[p * n + q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
      }
    if (off < 1e-30) break;
  }
  return Array.from({ length: n }, (_, i) => Math.sqrt(Math.max(A[i * n + i], 0))).sort((a, b) => b - a);
}

describe('data generators', () => {
  test('Marion-Chizat: ||w*|| = 1 and w* solves the normal equations', () => {
    const d = marionChizatData({ n: 50, d: 5, seed: 0 });
    expect(norm(d.wStar)).toBeCloseTo(1, 14);
    const problem = Problem.regression({ X: d.X, y: d.y, widths: [5, 1] });
    expect(norm(problem.gradient(d.wStar).gradient)).toBeLessThan(1e-14);
    expect(d.XTest.rows).toBe(50);
    // the theory's w* is the same vector
    const t = Problem.regression({ X: d.X, y: d.y, widths: [5, 5, 1] }).theory();
    for (let i = 0; i < 5; i++) expect(t.wStar[i]).toBeCloseTo(d.wStar[i], 14);
  });

  test('Marion-Chizat underdetermined (n < d): w* is the minimum-norm solution and Sigma is singular', () => {
    const d = marionChizatData({ n: 15, d: 20, seed: 1 });
    const problem = Problem.regression({ X: d.X, y: d.y, widths: [20, 20, 1] });
    const t = problem.theory();
    expect(t.singularSigma).toBe(true);
    expect(t.lambda).toBe(0);
    expect(t.criticalLearningRate).toBeNull(); // 2 / 0: reported as null, never as a number
    expect(problem.lossMinimum).toBeLessThan(1e-25); // interpolation
    // Minimum norm: w* lies in the row space of X, so it is orthogonal to the null space: adding
    // any null-space vector only increases the norm. Check w* = X^T z for the least-squares z.
    const w = new Float64Array(20);
    w.set(d.wStar);
    const e = Problem.regression({ X: d.X, y: d.y, widths: [20, 1] }).evaluate(w);
    expect(e.excessLoss as number).toBeLessThan(1e-25);
  });

  test('Jacot teacher: W_T = W_0 W_0^T has rank 3; train targets are noisy, test targets clean', () => {
    const t = jacotTeacherData({ seed: 0 });
    const s = singularValues(t.teacher);
    expect(s[2]).toBeGreaterThan(1);
    expect(s[3] / s[0]).toBeLessThan(1e-7);
    const sNoisy = singularValues(t.noisyTeacher);
    expect(sNoisy[9]).toBeGreaterThan(1e-3); // noise makes it full rank
    // Y_test = X_test W_T^T exactly
    const { XTest, YTest, teacher } = t;
    let err = 0;
    for (let s2 = 0; s2 < 5; s2++)
      for (let i = 0; i < 10; i++) {
        const pred = dot(teacher.data.subarray(i * 10, i * 10 + 10), XTest.data.subarray(s2 * 10, s2 * 10 + 10));
        err = Math.max(err, Math.abs(pred - YTest.data[s2 * 10 + i]));
      }
    expect(err).toBeLessThan(1e-12);
    expect(t.X.rows).toBe(100);
    expect(t.XTest.rows).toBe(1000);
  });

  test('matrix completion: rank-r target, distinct observed entries, the rest held out', () => {
    const c = completionData({ rows: 10, cols: 10, rank: 3, observed: 40, seed: 2 });
    const s = singularValues(c.target);
    expect(s[3] / s[0]).toBeLessThan(1e-7);
    expect(c.entries.length / 3).toBe(40);
    expect(c.testEntries.length / 3).toBe(60);
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) seen.add(c.entries[3 * i] * 10 + c.entries[3 * i + 1]);
    for (let i = 0; i < 60; i++) seen.add(c.testEntries[3 * i] * 10 + c.testEntries[3 * i + 1]);
    expect(seen.size).toBe(100);
    // a full-width network can fit the observations exactly
    expect(Problem.completion({ widths: [10, 10, 10], entries: c.entries }).lossMinimum).toBe(0);
    expect(Problem.completion({ widths: [10, 2, 10], entries: c.entries }).lossMinimum).toBeNull();
  });
});

describe('initializations', () => {
  test('gaussian entries have the requested standard deviation', () => {
    const w = initWeights([200, 200, 1], { scale: 0.3, seed: 1 });
    const rms = norm(w) / Math.sqrt(w.length);
    expect(Math.abs(rms - 0.3) / 0.3).toBeLessThan(0.01);
  });

  test('zero-layer zeroes exactly one layer', () => {
    const widths = [5, 5, 5, 1];
    const w = initWeights(widths, { kind: 'zero-layer', zeroLayer: 1, scale: 1, seed: 2 });
    const L = layers(widths, w);
    expect(norm(L[1].data)).toBe(0);
    expect(norm(L[0].data)).toBeGreaterThan(0);
  });

  test('residual is I + s / sqrt(L d) N', () => {
    const widths = [50, 50, 50, 50];
    const s = 1.2;
    const w = initWeights(widths, { kind: 'residual', scale: s, seed: 3 });
    for (const layer of layers(widths, w)) {
      const noise = layer.data.map((v, i) => (Math.floor(i / 50) === i % 50 ? v - 1 : v));
      const rms = norm(noise) / 50;
      expect(Math.abs(rms - s / Math.sqrt(3 * 50)) / (s / Math.sqrt(3 * 50))).toBeLessThan(0.05);
    }
  });

  test('lazy init: std sigma^{1/L} w^{-(L-1)/(2L)} (0.376 for (2, 50), 0.178 for (4, 100))', () => {
    expect(lazyStd([10, 50, 10])).toBeCloseTo(50 ** -0.25, 12);
    expect(lazyStd([10, 100, 100, 100, 10])).toBeCloseTo(100 ** -0.375, 12);
    expect(lazyStd([10, 100, 100, 100, 10])).toBeCloseTo(0.1778, 4);
  });

  test('random unit vector', () => {
    expect(norm(randomUnitVector(5, 3))).toBeCloseTo(1, 15);
  });
});

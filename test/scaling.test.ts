/**
 * Decompositions across the whole double range: scaling the input by c scales singular values and
 * eigenvalues by c (c^2 for quantities of the data's covariance), whatever c, as long as the answer
 * is representable. Before power-of-two prescaling (src/linalg.cpp), svd returned [Inf, Inf] at
 * 3e154 and [0, 0] at 1e-165, and theory() gave lambda = 0 with singularSigma = true for data
 * scaled by 1e100 or more (Jacobi's alpha * beta overflowed at 1e77, QL's e[l] e[l+1] at 1e154).
 * Powers of two scale exactly, so there the answers must be bitwise the unscaled ones times c.
 */
import { marionChizatData, Problem, svd, jacotTeacherData } from '../lib';

const EPS = Number.EPSILON;

function scaled(m: { rows: number; cols: number; data: Float64Array }, c: number) {
  return { rows: m.rows, cols: m.cols, data: m.data.map((v) => v * c) };
}

/** max_i |a_i / c - b_i| / |b_i| (b is the reference). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>, c: number): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] / c - b[i]) / Math.abs(b[i]));
  return worst;
}

// Decimal scales 1e-300 ... 1e300 and binary scales 2^-1000 ... 2^1000.
const decimal = Array.from({ length: 25 }, (_, i) => 10 ** (-300 + 25 * i));
const binary = Array.from({ length: 41 }, (_, i) => 2 ** (-1000 + 50 * i));

describe('svd across the double range', () => {
  // 5 x 3, singular values ~ 9.6, 3.5, 0.0123 (condition ~ 800): the smallest is what under- or
  // overflow destroys first.
  const A = {
    rows: 5,
    cols: 3,
    data: new Float64Array([1, 2, 3.01, 4, 5, 6.02, 7, 8, 9.03, -1, 0.5, 0.25, 2, -3, -1]),
  };
  const ref = svd(A);

  test('the reference is what it should be (sum of squares = ||A||_F^2)', () => {
    const fro2 = A.data.reduce((s, v) => s + v * v, 0);
    const s2 = ref.S.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(s2 - fro2) / fro2).toBeLessThan(8 * EPS);
    expect(ref.S[2]).toBeGreaterThan(1e-3);
  });

  test.each(decimal)('c = %p: S(cA) = c S(A) to rounding, U and V unchanged', (c) => {
    const r = svd(scaled(A, c));
    expect(Array.from(r.S).every(Number.isFinite)).toBe(true);
    // cA is A with each entry rounded (relative eps/2): sigma_i moves by at most ~eps ||A||.
    expect(relErr(r.S.subarray(0, 2), ref.S.subarray(0, 2), c)).toBeLessThan(16 * EPS);
    expect(Math.abs(r.S[2] / c - ref.S[2])).toBeLessThan(16 * EPS * ref.S[0]);
    // Singular vectors of a perturbed matrix move by ~eps ||A|| / gap (smallest gap here ~ 3.5).
    for (let i = 0; i < r.U.data.length; i++) expect(Math.abs(r.U.data[i] - ref.U.data[i])).toBeLessThan(1e-13);
    for (let i = 0; i < r.V.data.length; i++) expect(Math.abs(r.V.data[i] - ref.V.data[i])).toBeLessThan(1e-13);
  });

  test.each(binary)('c = %p: bitwise c S(A), identical U and V', (c) => {
    const r = svd(scaled(A, c));
    expect(Array.from(r.S)).toEqual(Array.from(ref.S).map((s) => s * c));
    expect(r.U).toEqual(ref.U);
    expect(r.V).toEqual(ref.V);
  });

  test('entries near the largest double: finite exactly when the answer is representable', () => {
    const big = svd({ rows: 2, cols: 2, data: new Float64Array([1.5e308, 0, 0, 1e308]) });
    expect(Array.from(big.S)).toEqual([1.5e308, 1e308]);
    // sigma = 2 * 1.7e308 is beyond the largest double: Infinity is the right answer.
    const over = svd({ rows: 2, cols: 2, data: new Float64Array([1.7e308, 1.7e308, 1.7e308, 1.7e308]) });
    expect(over.S[0]).toBe(Infinity);
  });
});

describe('theory across the range of the data', () => {
  // lambda, Lambda, a, sMin, ... scale like c^2 when X and y are both scaled by c; w* not at all.
  // c^2 must stay representable: |c| within about 1e+-150.
  const data = marionChizatData({ n: 50, d: 5, noise: 1, seed: 0 });
  const widths = [5, 5, 5, 1];
  const theory = (c: number) => Problem.regression({ X: scaled(data.X, c), y: data.y.map((v) => v * c), widths }).theory();
  const ref = theory(1);
  const squared = ['lambda', 'Lambda', 'a', 'sMin', 'sMinRefinedLower', 'sMinRefinedUpper', 'sRankOne', 'codeUpper', 'lossMin'] as const;

  test('the reference is not degenerate', () => {
    expect(ref.singularSigma).toBe(false);
    expect(ref.lambda).toBeGreaterThan(0.1);
  });

  const decimalTheory = Array.from({ length: 13 }, (_, i) => 10 ** (-150 + 25 * i));
  test.each(decimalTheory)('c = %p: quantities times c^2 (w* unchanged) to rounding', (c) => {
    const t = theory(c);
    expect(t.singularSigma).toBe(false);
    for (const key of squared) {
      expect({ key, err: Math.abs(t[key] / (c * c) - ref[key]) / Math.abs(ref[key]) < 1e-12 }).toEqual({ key, err: true });
    }
    expect(Math.abs(t.wStarNorm - ref.wStarNorm)).toBeLessThan(1e-13);
    const eta = t.criticalLearningRate as number;
    const etaRef = ref.criticalLearningRate as number;
    expect(Math.abs(eta * c * c - etaRef) / etaRef).toBeLessThan(1e-12);
  });

  const binaryTheory = Array.from({ length: 21 }, (_, i) => 2 ** (-500 + 50 * i));
  test.each(binaryTheory)('c = %p: quantities bitwise times c^2', (c) => {
    const t = theory(c);
    for (const key of squared) expect({ key, v: t[key] }).toEqual({ key, v: ref[key] * c * c });
    expect(t.wStarNorm).toBe(ref.wStarNorm);
    expect(Array.from(t.sigmaEigenvalues)).toEqual(Array.from(ref.sigmaEigenvalues).map((v) => v * c * c));
  });
});

describe('mse problems (eigen-decomposition of Sigma, svd of A* Sigma^1/2) across the range', () => {
  const t = jacotTeacherData({ d: 6, rank: 2, n: 40, seed: 1 });
  // A bottleneck of width 1 below the teacher's rank: the minimum is the rank-1 tail.
  const lossMinimum = (c: number) => Problem.mse({ X: scaled(t.X, c), Y: scaled(t.Y, c), widths: [6, 1, 6] }).lossMinimum as number;
  const ref = lossMinimum(1);

  test.each([2 ** -500, 1e-150, 1e-100, 1e100, 1e150, 2 ** 500])('c = %p: the rank-constrained minimum times c^2', (c) => {
    expect(ref).toBeGreaterThan(0);
    expect(Math.abs(lossMinimum(c) / (c * c) - ref) / ref).toBeLessThan(1e-12);
  });
});

/**
 * Generic trace analysis (lib/analysis): values at a time, successive values, peak widths, escape
 * times and cross-covariances, each against a closed form, with the cases that must not pass.
 */
import { crossCovariance, topCrossCovariance } from '../lib/analysis/covariance';
import { escapeTime } from '../lib/analysis/escape';
import { peakWidthDecades } from '../lib/analysis/peaks';
import { successiveValues, valueAtTime } from '../lib/analysis/series';
import { DlnError } from '../lib';

const logGrid = (from: number, to: number, perDecade: number) => {
  const n = Math.round((to - from) * perDecade);
  return Array.from({ length: n + 1 }, (_, i) => 10 ** (from + i / perDecade));
};

describe('valueAtTime: the last value recorded at or before t', () => {
  const time = [0, 1, 2, 4];
  const values = [10, 20, NaN, 40];
  test('step-function reading, no interpolation', () => {
    expect(valueAtTime(time, values, 0)).toBe(10);
    expect(valueAtTime(time, values, 1.5)).toBe(20);
    expect(valueAtTime(time, values, 4)).toBe(40);
    expect(valueAtTime(time, values, 1e9)).toBe(40);
    expect(valueAtTime(time, values, 3.9)).not.toBe(30); // what interpolation would give
  });
  test('null before the first record and where the recorded value is missing', () => {
    expect(valueAtTime(time, values, -1)).toBeNull();
    expect(valueAtTime(time, values, 2)).toBeNull();
    expect(valueAtTime(time, values, 3)).toBeNull();
    expect(valueAtTime([], [], 1)).toBeNull();
  });
});

describe('successiveValues', () => {
  test('distinct successive finite values, a value may come back', () => {
    expect(successiveValues([0, 0, 1, NaN, 1, 2, 2, 3, 1])).toEqual([0, 1, 2, 3, 1]);
    expect(successiveValues(Float64Array.from([5, Infinity, 5]))).toEqual([5]);
    expect(successiveValues([])).toEqual([]);
  });
});

describe('peakWidthDecades: width at half height on a log-time axis', () => {
  // A Gaussian bump in log10(t) of standard deviation s has full width at half maximum 2 sqrt(2 ln 2) s.
  const bump = (time: number[], center: number, s: number) => time.map((t) => Math.exp(-((Math.log10(t) - center) ** 2) / (2 * s * s)));
  const fwhm = (s: number) => 2 * Math.sqrt(2 * Math.log(2)) * s;

  test('a Gaussian bump in log time: 2 sqrt(2 ln 2) sigma decades', () => {
    const time = logGrid(-2, 6, 1000);
    for (const s of [0.1, 0.3, 0.8]) expect(peakWidthDecades(time, bump(time, 2, s))).toBeCloseTo(fwhm(s), 5);
    // False case: the width follows sigma, a narrower peak is narrower.
    expect(peakWidthDecades(time, bump(time, 2, 0.1))).toBeLessThan(peakWidthDecades(time, bump(time, 2, 0.3)) / 2);
  });

  test('the largest peak wins; the crossings interpolate linearly in log time (exact for a curve linear in log t)', () => {
    const time = logGrid(0, 2, 7);
    // Rises linearly in log10(t) from 0 to 2: the top is the last point, half height at t = 10.
    expect(
      peakWidthDecades(
        time,
        time.map((t) => Math.log10(t)),
      ),
    ).toBeCloseTo(1, 12);
    const two = logGrid(-1, 5, 1000);
    const big = bump(two, 3, 0.2);
    const v = bump(two, 0, 0.1).map((a, i) => a + 3 * big[i]);
    expect(peakWidthDecades(two, v)).toBeCloseTo(fwhm(0.2), 4);
  });

  test('points at t <= 0 are not candidates; no point with t > 0 gives NaN', () => {
    const time = [0, ...logGrid(-1, 1, 200)];
    const values = [1e6, ...bump(time.slice(1), 0, 0.2)];
    expect(peakWidthDecades(time, values)).toBeCloseTo(fwhm(0.2), 4);
    expect(peakWidthDecades([0, 0], [1, 2])).toBeNaN();
  });
});

describe('escapeTime: when the loss first falls to a fraction of its initial value', () => {
  test('exact for a loss linear in log time, whatever the sampling', () => {
    // loss = 1 - 0.04 ln t from t = 1: reaches 0.9 at t = e^2.5.
    const time = [1, 2, 4, 8, 16, 32];
    const loss = time.map((t) => 1 - 0.04 * Math.log(t));
    expect(escapeTime(time, loss, 0.9)).toBeCloseTo(Math.exp(2.5), 12);
    expect(escapeTime(time, loss, 0.95)).toBeCloseTo(Math.exp(1.25), 12);
  });

  test('an exponential decay sampled densely: t = ln(1/fraction)', () => {
    const time = [0, ...logGrid(-4, 1, 2000)];
    const loss = time.map((t) => 7 * Math.exp(-t));
    expect(Math.abs(escapeTime(time, loss, 0.9)! / Math.log(1 / 0.9) - 1)).toBeLessThan(3e-7); // measured 1.4e-7 (grid of 2,000 points per decade)
    // False case: a lower fraction is reached later.
    expect(escapeTime(time, loss, 0.5)!).toBeGreaterThan(6 * escapeTime(time, loss, 0.9)!);
  });

  test('from t = 0 the crossing takes the later time; never reached is null', () => {
    expect(escapeTime([0, 1, 2], [1, 0.5, 0.25], 0.9)).toBe(1);
    expect(escapeTime([0, 1, 2], [1, 0.95, 0.92], 0.9)).toBeNull();
    expect(escapeTime([0], [1], 0.9)).toBeNull();
  });
});

describe('crossCovariance: Sigma_yx = Y^T X / N and its top singular value', () => {
  const mat = (rows: number, cols: number, f: (i: number, j: number) => number) => ({
    rows,
    cols,
    data: Float64Array.from({ length: rows * cols }, (_, k) => f(Math.floor(k / cols), k % cols)),
  });

  test('against the definition, entry by entry', () => {
    const X = mat(7, 3, (i, j) => Math.sin(1 + 3 * i + j));
    const Y = mat(7, 2, (i, j) => Math.cos(2 + i - 5 * j));
    const S = crossCovariance(X, Y);
    expect([S.rows, S.cols]).toEqual([2, 3]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let n = 0; n < 7; n++) sum += Y.data[n * 2 + i] * X.data[n * 3 + j];
        expect(Math.abs(S.data[i * 3 + j] - sum / 7)).toBeLessThan(1e-15);
      }
    }
  });

  test('s_1 of a known cross-covariance: X^T X / N = I and Y = X A^T give Sigma_yx = A', () => {
    // Rows +-sqrt(2) e_1, +-sqrt(2) e_2: X^T X / 4 = I. A = R(0.3) diag(3, 1) R(-1.1)^T has singular values 3 and 1.
    const r2 = Math.SQRT2;
    const X = { rows: 4, cols: 2, data: Float64Array.from([r2, 0, 0, r2, -r2, 0, 0, -r2]) };
    const rot = (a: number) => [Math.cos(a), -Math.sin(a), Math.sin(a), Math.cos(a)];
    const [a, b, c, d] = rot(0.3);
    const [e, f, g, h] = rot(-1.1);
    // A = R1 diag(3, 1) R2^T
    const A = [3 * a * e + b * f, 3 * a * g + b * h, 3 * c * e + d * f, 3 * c * g + d * h];
    const Y = mat(4, 2, (n, i) => A[i * 2] * X.data[n * 2] + A[i * 2 + 1] * X.data[n * 2 + 1]);
    expect(topCrossCovariance(X, Y)).toBeCloseTo(3, 13);
    // False case: scaling Y scales s_1.
    const Y2 = { ...Y, data: Y.data.map((v) => 2 * v) };
    expect(topCrossCovariance(X, Y2)).toBeCloseTo(6, 12);
  });

  test('shapes that do not match are a DlnError naming the field', () => {
    const X = mat(3, 2, () => 1);
    expect(() =>
      crossCovariance(
        X,
        mat(4, 1, () => 1),
      ),
    ).toThrow(DlnError);
    expect(() =>
      crossCovariance(
        X,
        mat(4, 1, () => 1),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_DLN_SHAPE', field: 'Y' }));
    expect(() =>
      crossCovariance(
        mat(0, 2, () => 1),
        mat(0, 1, () => 1),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_DLN_SHAPE', field: 'X' }));
  });
});

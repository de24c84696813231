/**
 * The report's statistics: the seeded percentile bootstrap that draws the figures' bands (as
 * seaborn's lineplot does), Student-t tail probabilities for the regression p-values, and the
 * sweep figures' bands (inside the data, deterministic, never below it on a log axis).
 */
import { buildFigure } from '../lib/report/figures';
import {
  bootstrapMeanCi,
  incompleteBeta,
  linearFit,
  meanCi,
  percentileSorted,
  seedOf,
  seededUniform,
  slopePValues,
  tCdf,
  tTail,
} from '../lib/report/stats';
import { presetConfig, synthetic } from './synthetic-results';
import { marionChizatFig1 } from '../lib/papers/marion-chizat/fig1';

describe('the percentile bootstrap', () => {
  test('seeded: the same interval for the same seed, another for another seed; uniform draws in [0, 1)', () => {
    const v = Array.from({ length: 20 }, (_, i) => Math.sin(i) ** 2 + i / 10);
    expect(bootstrapMeanCi(v, { seed: 'a' })).toEqual(bootstrapMeanCi(v, { seed: 'a' }));
    expect(bootstrapMeanCi(v, { seed: 'a' }).lo).not.toBe(bootstrapMeanCi(v, { seed: 'b' }).lo);
    expect(seedOf('a')).not.toBe(seedOf('b'));
    const next = seededUniform(7);
    let lo = 1;
    let hi = 0;
    let sum = 0;
    for (let i = 0; i < 100000; i++) {
      const u = next();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      sum += u;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / 100000 - 0.5)).toBeLessThan(0.005);
  });

  test('numpy percentiles (linear interpolation)', () => {
    expect(percentileSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileSorted([1, 2, 3, 4], 2.5)).toBeCloseTo(1.075, 12);
    expect(percentileSorted([5], 97.5)).toBe(5);
  });

  test('two values: the resampled means are 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4, so the 95% interval is [0, 1]', () => {
    const ci = bootstrapMeanCi([0, 1], { seed: 3 });
    expect(ci.mean).toBe(0.5);
    expect(ci.lo).toBe(0);
    expect(ci.hi).toBe(1);
  });

  test('never outside [min, max] of the data, unlike a Student-t interval; close to it for a large normal sample', () => {
    const skewed = [1e-30, 1e-30, 1e-30, 2e-3];
    const boot = bootstrapMeanCi(skewed, { seed: 1 });
    const t = meanCi(skewed);
    expect(t.lo!).toBeLessThan(0); // below every value: off a log axis
    expect(boot.lo!).toBeGreaterThanOrEqual(1e-30);
    expect(boot.hi!).toBeLessThanOrEqual(2e-3);
    // 400 standard normals (Box-Muller on the seeded generator): the two intervals agree to 10%.
    const next = seededUniform(11);
    const z = Array.from({ length: 400 }, () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()));
    const b = bootstrapMeanCi(z, { seed: 2 });
    const s = meanCi(z);
    expect(Math.abs((b.hi! - b.lo!) / (s.hi! - s.lo!) - 1)).toBeLessThan(0.1);
    expect(b.mean).toBe(s.mean);
  });

  test('n = 0 and n = 1', () => {
    expect(bootstrapMeanCi([])).toMatchObject({ n: 0, mean: null, lo: null });
    expect(bootstrapMeanCi([NaN, 4])).toMatchObject({ n: 1, mean: 4, lo: 4, hi: 4 });
  });
});

describe('Student t', () => {
  test('closed forms: Cauchy (df 1), df 2, and the normal limit; the incomplete beta at known points', () => {
    expect(tCdf(1, 1)).toBeCloseTo(0.75, 12);
    expect(tCdf(-1, 1)).toBeCloseTo(0.25, 12);
    expect(tCdf(2, 2)).toBeCloseTo(0.5 + 2 / (2 * Math.sqrt(6)), 12);
    expect(tCdf(1.959963984540054, 1e7)).toBeCloseTo(0.975, 6);
    expect(tCdf(0, 5)).toBeCloseTo(0.5, 14);
    expect(incompleteBeta(0.5, 1, 1)).toBeCloseTo(0.5, 14);
    expect(incompleteBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 12); // 1 - (1-x)^4 - 4x(1-x)^3 ... = 0.3483
    // Far tail: P(T > 30) at 898 degrees of freedom is tiny but not zero (no 1 - (1 - p) cancellation).
    expect(tTail(30, 898)).toBeGreaterThan(0);
    expect(tTail(30, 898)).toBeLessThan(1e-100);
  });

  test('slope p-values as scipy.stats.linregress: t = 2 with 10 degrees of freedom is p = 0.073388 two-sided', () => {
    const fit = { n: 12, slope: 2, slopeStderr: 1, intercept: 0, r2: 0.5 };
    const p = slopePValues(fit)!;
    expect(p.t).toBe(2);
    expect(p.twoSided).toBeCloseTo(0.073388, 6);
    expect(p.greater).toBeCloseTo(0.036694, 6);
    expect(p.less).toBeCloseTo(1 - 0.036694, 6);
    expect(slopePValues({ ...fit, n: 2 })).toBeNull();
    expect(linearFit([1, 2, 3], [2, 4, 6.5])!.slope).toBeCloseTo(2.25, 12);
  });
});

describe('sweep figures draw the bootstrap interval', () => {
  const config = presetConfig(marionChizatFig1, { quick: true });
  const s = synthetic(config, (run) => ({
    initial: { sharpness: 1 + run.rep },
    // Exact zeros and tiny values: a Student-t band would reach below zero here.
    final: { distance: run.rep === 0 ? 0 : 10 ** -(10 + 5 * run.rep), sharpness: 20 + run.rep },
  }));
  const figure = config.report.figures.find((f) => f.id === 'distance')!;

  test('bands within the data, the same on every build, never below the axis floor on a log axis', () => {
    const a = buildFigure(s.ctx.ds, figure, { loadTrace: () => undefined, loadWeights: () => undefined });
    const b = buildFigure(s.ctx.ds, figure, { loadTrace: () => undefined, loadWeights: () => undefined });
    expect(JSON.stringify(a.spec)).toBe(JSON.stringify(b.spec));
    const rows = (a.spec.layer as { data: { values: { mean: number; lo: number; hi: number; series: string }[] } }[])[0].data.values;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.lo).toBeGreaterThan(0);
      expect(r.lo).toBeLessThanOrEqual(r.mean);
      expect(r.hi).toBeGreaterThanOrEqual(r.mean);
    }
    // The final distances (0, 1e-15, 1e-20 over three repetitions): mean 3.3e-16, band inside [0, 1e-15].
    const final = rows.find((r) => r.series !== 'Initialization')!;
    expect(final.hi).toBeLessThanOrEqual(1e-15);
  });
});

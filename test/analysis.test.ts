/** Plateau detection and loss surfaces. */
import { detectPlateaus, initWeights, jacotTeacherData, lossSurface, Problem, train } from '../lib';

describe('plateau detection', () => {
  test('a synthetic staircase in log time', () => {
    const time: number[] = [];
    const loss: number[] = [];
    const rank: number[] = [];
    for (let i = 0; i <= 400; i++) {
      const t = 10 ** (-2 + i / 100); // 1e-2 .. 1e2
      time.push(t);
      const level = t < 0.1 ? 100 : t < 1 ? 10 : t < 10 ? 1 : 0.1;
      loss.push(level * (1 + 0.01 * Math.sin(i)));
      rank.push(t < 0.1 ? 0 : t < 1 ? 1 : t < 10 ? 2 : 3);
    }
    const p = detectPlateaus(time, loss, rank);
    expect(p.map((x) => x.rank)).toEqual([0, 1, 2, 3]);
    expect(p.map((x) => Math.round(Math.log10(x.loss)))).toEqual([2, 1, 0, -1]);
    expect(p[3].final).toBe(true);
    expect(p[0].start).toBeCloseTo(0.01, 12);
    expect(p[1].start).toBeGreaterThanOrEqual(0.1);
    expect(p[1].end).toBeLessThan(1);
  });

  test('a short dip is not a plateau; linear time scale', () => {
    const time = Array.from({ length: 100 }, (_, i) => i);
    const loss = time.map((t) => (t < 50 ? 5 : t < 52 ? 2 : 1));
    const p = detectPlateaus(time, loss, undefined, { timeScale: 'linear', minFraction: 0.05 });
    expect(p.map((x) => [x.start, x.end])).toEqual([
      [0, 49],
      [52, 99],
    ]);
    expect(p[0].loss).toBeCloseTo(5, 12); // a geometric mean of equal values
    expect(p[1].loss).toBeCloseTo(1, 12);
    expect(p[0].rank).toBeNull();
  });

  test('saddle-to-saddle GD from small init (L = 2, w = 50, std w^-2): plateaus at rank 0, then increasing ranks', async () => {
    const t = jacotTeacherData({ seed: 0, nTest: 0 });
    const widths = [10, 50, 10];
    const p = Problem.mse({ X: t.X, Y: t.Y, widths });
    const r = await train(p, initWeights(widths, { scale: 50 ** -2, seed: 1 }), {
      learningRate: 1e-3,
      steps: 5000,
      recordEvery: 5,
      record: ['loss', 'rank'],
      rankTolerance: 0.5,
    });
    const plateaus = detectPlateaus(r.trace.scalar('time'), r.trace.scalar('loss'), r.trace.scalar('rank'));
    const ranks = plateaus.map((x) => x.rank as number);
    expect(ranks[0]).toBe(0);
    expect(ranks).toContain(3); // the teacher's rank
    for (let i = 1; i < plateaus.length; i++) {
      expect(ranks[i]).toBeGreaterThan(ranks[i - 1]);
      expect(plateaus[i].loss).toBeLessThan(plateaus[i - 1].loss);
    }
  });

  test('bad options name the field', () => {
    expect(() => detectPlateaus([0, 1], [1, 1], undefined, { tolerance: 0 })).toThrow(/options.tolerance/);
    expect(() => detectPlateaus([0, 1], [1], undefined)).toThrow(/same length/);
  });
});

describe('loss surface', () => {
  test('the grid passes through theta_1 at (1, 0), theta_2 at (0, 1) and the origin at (0, 0)', () => {
    const t = jacotTeacherData({ seed: 2, nTest: 0 });
    const widths = [10, 4, 10];
    const p = Problem.mse({ X: t.X, Y: t.Y, widths, l2: 0.05 });
    const t1 = initWeights(widths, { scale: 0.5, seed: 1 });
    const t2 = initWeights(widths, { scale: 0.5, seed: 2 });
    const s = lossSurface(p, t1, t2, { a: [0, 1], b: [0, 1], resolution: 5 });
    const at = (i: number, j: number) => s.loss.data[i * 5 + j];
    expect(at(0, 4)).toBe(p.evaluate(t1).loss);
    expect(at(4, 0)).toBe(p.evaluate(t2).loss);
    expect(at(0, 0)).toBe(p.evaluate(new Float64Array(p.paramCount)).loss);
    expect(s.a[4]).toBe(1);
    expect(() => lossSurface(p, t1, t2, { resolution: 1 })).toThrow(/resolution/);
  });
});

/** Jacot et al.'s Algorithm A: a staircase of saddles of increasing rank. */
import { greedyRankIncremental, jacotTeacherData, Problem } from '../lib';
import { widen } from '../lib/api/greedy';

describe('greedy rank-incremental algorithm', () => {
  const t = jacotTeacherData({ seed: 0, nTest: 200 }); // rank-3 teacher + noise
  const data = { kind: 'mse' as const, X: t.X, Y: t.Y, XTest: t.XTest, YTest: t.YTest };

  test('each stage adds one rank and ends at the best rank-k fit (the k-th saddle)', async () => {
    const r = await greedyRankIncremental(data, { depth: 2, epsilon: 0.01, stepsPerStage: 10000, learningRate: 0.002, maxWidth: 5 });
    expect(r.stages.map((s) => s.rank)).toEqual([1, 2, 3, 4, 5]);
    for (let k = 1; k < r.stages.length; k++) expect(r.stages[k].loss).toBeLessThan(r.stages[k - 1].loss);
    // The rank-k saddle is the reduced-rank regression minimum, known in closed form. The weak
    // noise modes (singular values ~1) converge slowest: T = 10,000 steps leave them ~2e-8 off.
    for (const s of r.stages) {
      const best = Problem.mse({ X: t.X, Y: t.Y, widths: [10, s.width, 10] }).lossMinimum as number;
      expect(Math.abs(s.loss - best) / best).toBeLessThan(1e-7);
    }
    // The noiseless test loss is best at the teacher's rank: later modes fit the noise.
    const test = r.stages.map((s) => s.testLoss as number);
    expect(test.indexOf(Math.min(...test))).toBe(2);
    expect(r.converged).toBe(false); // maxWidth reached before the (zero) minimum
  });

  test('deeper networks visit the same saddles', async () => {
    const r = await greedyRankIncremental(data, { depth: 3, epsilon: 0.1, stepsPerStage: 40000, learningRate: 0.0005, maxWidth: 3 });
    expect(r.stages.map((s) => s.rank)).toEqual([1, 2, 3]);
    for (const s of r.stages) {
      const best = Problem.mse({ X: t.X, Y: t.Y, widths: [10, s.width, s.width, 10] }).lossMinimum as number;
      expect(Math.abs(s.loss - best) / best).toBeLessThan(1e-4);
    }
  });

  test('stops once the loss is within the tolerance of its minimum', async () => {
    // Noiseless rank-2 data: the minimum (0) is reached at width 2.
    const clean = jacotTeacherData({ seed: 3, rank: 2, noise: 0, nTest: 0 });
    const r = await greedyRankIncremental(
      { kind: 'mse', X: clean.X, Y: clean.Y },
      { depth: 2, epsilon: 0.01, stepsPerStage: 6000, learningRate: 0.002, tolerance: 1e-6 },
    );
    expect(r.converged).toBe(true);
    expect(r.stages.length).toBe(2);
  });

  test('widening keeps the old network and adds an eps-scaled mode along (u, v)', () => {
    const d = { d0: 2, dL: 3 };
    const u = Float64Array.from([1, 0, 0]);
    const v = Float64Array.from([0, 1]);
    const w1 = widen(d, 3, 0, null, u, v, 0.5); // widths [2, 1, 1, 3]
    expect(Array.from(w1)).toEqual([0, 0.5, 0.5, 0.5, 0, 0]);
    const w2 = widen(d, 3, 1, w1, u, v, 0.5); // widths [2, 2, 2, 3]
    // W_1 = [[0, .5], [0, .5]], W_2 = diag(.5, .5), W_3 = [[.5, .5], [0, 0], [0, 0]]
    expect(Array.from(w2)).toEqual([0, 0.5, 0, 0.5, 0.5, 0, 0, 0.5, 0.5, 0.5, 0, 0, 0, 0]);
  });

  test('bad options name the field', async () => {
    await expect(greedyRankIncremental(data, { depth: 1, epsilon: 0.1, stepsPerStage: 10, learningRate: 0.01 })).rejects.toMatchObject({
      field: 'options.depth',
    });
    await expect(greedyRankIncremental(data, { depth: 2, epsilon: 0, stepsPerStage: 10, learningRate: 0.01 })).rejects.toMatchObject({
      field: 'options.epsilon',
    });
    await expect(greedyRankIncremental(data, { depth: 2, epsilon: 0.1, stepsPerStage: 100, learningRate: 10 })).rejects.toMatchObject({
      field: 'options.learningRate',
    });
  });
});

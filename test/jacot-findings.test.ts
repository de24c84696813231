/**
 * Every Jacot et al. finding can fail: each check is fed numbers (or a synthetic trace) where its
 * claim holds and asserts ✓, then numbers where it is false and asserts ✗. The numbers of the
 * true cases are of the order the presets measure (README; docs/reproduction.md §10 to §14).
 */
import type { Plateau } from '../lib/analysis/plateaus';
import type { TraceFile } from '../lib/experiments/execute';
import { plateausOf, rankSequence, saddlesMatchFinding } from '../lib/papers/jacot/common';
import { chainExactFinding, constantFinding, exponentFinding, shallowSlopeFinding, shorterPlateausFinding } from '../lib/papers/jacot/escape';
import { completesFinding, greedyPathsFinding, lazyFinding as lazyCompletionFinding, type CompletionRun } from '../lib/papers/jacot/fig1';
import { gradientNormFinding, generalizesFinding, lazyFinding, rankClimbFinding, sharperFinding, staircaseFinding } from '../lib/papers/jacot/fig2';
import {
  balancedFinding,
  bestRankFinding,
  convergedFinding,
  lowRankBiasFinding,
  minimaFinding,
  originFinding,
  proposition5Finding,
  surfaceFinding,
  type EndPoint,
} from '../lib/papers/jacot/fig3';
import { greedyConvergedFinding, increasingRankFinding } from '../lib/papers/jacot/greedy';
import { escapeCoefficient } from '../lib/analysis/escape';

/** A synthetic log-time trace: loss levels with their ranks over [t_k, t_{k+1}), 40 points per decade, with a little wiggle. */
function staircaseTrace(levels: { from: number; loss: number; rank: number }[], end: number): TraceFile {
  const time: number[] = [0];
  const loss: number[] = [levels[0].loss];
  const rank: number[] = [levels[0].rank];
  for (let i = 0; ; i++) {
    const t = 10 ** (-3 + i / 40);
    if (t > end) break;
    const level = levels.filter((l) => l.from <= t).pop() ?? levels[0];
    time.push(t);
    loss.push(level.loss * (1 + 0.002 * Math.sin(i)));
    rank.push(level.rank);
  }
  const col = (values: number[]) => ({ width: 1, values });
  return { id: 'synthetic', columns: { step: col(time.map((t) => Math.round(t * 1000))), time: col(time), loss: col(loss), rank: col(rank) } };
}

const DEEP = [
  { from: 0, loss: 1338, rank: 0 },
  { from: 0.3, loss: 424, rank: 1 },
  { from: 0.6, loss: 68, rank: 2 },
  { from: 1.5, loss: 1.86, rank: 3 },
  { from: 10, loss: 0.5, rank: 10 },
];

describe('Figures 2 and 4', () => {
  test('rank climb: 0 -> 1 -> 2 -> 3 from a staircase trace; false: a mode skipped, or learned out of order', () => {
    expect(rankClimbFinding(4, rankSequence(staircaseTrace(DEEP, 30))).pass).toBe(true);
    expect(rankClimbFinding(4, [0, 1, 3, 4]).pass).toBe(false);
    expect(rankClimbFinding(4, [0, 2, 1, 3]).pass).toBe(false);
    expect(rankClimbFinding(4, []).pass).toBe(false);
  });

  test('staircase: plateaus at ranks 0, 1, 2, 3 detected on a synthetic trace; false: a smooth decay, or a missing step', () => {
    const plateaus = plateausOf(staircaseTrace(DEEP, 30)).filter((p) => !p.final);
    expect(plateaus.map((p) => p.rank).slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(staircaseFinding(4, plateaus).pass).toBe(true);
    // A loss falling smoothly (no saddle) has no plateau.
    const smooth: TraceFile = staircaseTrace([{ from: 0, loss: 1, rank: 10 }], 30);
    smooth.columns.loss.values = smooth.columns.time.values.map((t) => 1000 * Math.exp(-(t as number)));
    expect(
      staircaseFinding(
        4,
        plateausOf(smooth).filter((p) => !p.final),
      ).pass,
    ).toBe(false);
    const skipped = plateausOf(staircaseTrace([DEEP[0], DEEP[1], DEEP[3], DEEP[4]], 30)).filter((p) => !p.final);
    expect(staircaseFinding(4, skipped).pass).toBe(false);
    // L = 2 asks for ranks 0 and 3 only.
    expect(staircaseFinding(2, skipped).pass).toBe(true);
    expect(
      staircaseFinding(
        2,
        skipped.filter((p) => p.rank !== 3),
      ).pass,
    ).toBe(false);
  });

  test('lazy: full rank from the start and no plateau below it; false: either fails', () => {
    expect(lazyFinding(4, 10, 10, 0).pass).toBe(true);
    expect(lazyFinding(4, 3, 10, 0).pass).toBe(false);
    expect(lazyFinding(4, 10, 10, 1).pass).toBe(false);
  });

  test('Fig. 4 gradient norm: >= 3 peaks from the small init, none from the lazy; false otherwise', () => {
    expect(gradientNormFinding(4, 7, 0).pass).toBe(true);
    expect(gradientNormFinding(4, 2, 0).pass).toBe(false);
    expect(gradientNormFinding(4, 7, 1).pass).toBe(false);
  });

  test('the rank-3 plateau generalizes best; false: the end point or the lazy run is as good', () => {
    expect(generalizesFinding(4, 2.93, 4.77, 4.83).pass).toBe(true);
    expect(generalizesFinding(4, 4.8, 4.77, 4.83).pass).toBe(false);
    expect(generalizesFinding(4, 2.93, 4.77, 2.5).pass).toBe(false);
    expect(generalizesFinding(4, null, 4.77, 4.83).pass).toBe(false);
  });

  test('sharper transitions at L = 4; false: as wide or wider, or one depth only', () => {
    expect(
      sharperFinding([
        { L: 2, width: 0.136 },
        { L: 4, width: 0.06 },
      ]).pass,
    ).toBe(true);
    expect(
      sharperFinding([
        { L: 4, width: 0.2 },
        { L: 2, width: 0.136 },
      ]).pass,
    ).toBe(false);
    expect(sharperFinding([{ L: 2, width: 0.136 }]).pass).toBe(false);
  });
});

describe('escape time', () => {
  const g1 = 64.23;
  const law = (L: number, K: number, c: number) =>
    [1e-2, 1e-3, 1e-4].map((alpha) => ({ alpha, t: c + K * (L === 2 ? -Math.log(alpha) : alpha ** -(L - 2)) }));

  test('L = 2 slope K = 1/g_1 within 2%; false: the C.6 constant read literally (2/g_1), or 3% off', () => {
    expect(shallowSlopeFinding(law(2, 1 / g1, 0.02), g1).pass).toBe(true);
    expect(shallowSlopeFinding(law(2, 2 / g1, 0.02), g1).pass).toBe(false);
    expect(shallowSlopeFinding(law(2, 1.03 / g1, 0.02), g1).pass).toBe(false);
  });

  test('the exponent -(L - 2) within 2%; false: the exponent of another depth', () => {
    expect(exponentFinding(4, law(4, 0.03, 0.1)).pass).toBe(true);
    expect(exponentFinding(4, law(3, 0.03, 0.1)).pass).toBe(false);
    expect(exponentFinding(3, [{ alpha: 0.1, t: 1 }]).pass).toBe(false);
  });

  test('the constant K (aligned init) within 1e-4; false: C.6 read literally, or 1e-3 off', () => {
    for (const L of [2, 3, 4]) {
      const K = escapeCoefficient(L, g1);
      expect(constantFinding(L, law(L, K, 0.3), g1).pass).toBe(true);
      expect(constantFinding(L, law(L, 2 * K, 0.3), g1).pass).toBe(false);
      expect(constantFinding(L, law(L, 1.001 * K, 0.3), g1).pass).toBe(false);
    }
  });

  test('the exact chain within 1e-7; false: an escape 1e-6 late, or no prediction', () => {
    const rows = [1e-2, 1e-3].map((alpha) => ({ L: 3, alpha, t: 1 / alpha, predicted: (1 / alpha) * (1 + 3e-10) }));
    expect(chainExactFinding(rows).pass).toBe(true);
    expect(chainExactFinding([...rows, { L: 4, alpha: 1e-3, t: 1e6 * (1 + 1e-6), predicted: 1e6 }]).pass).toBe(false);
    expect(chainExactFinding([{ L: 2, alpha: 0.1, t: 1, predicted: null }]).pass).toBe(false);
    expect(chainExactFinding([]).pass).toBe(false);
  });

  test('larger init, shorter plateau; false: one escape out of order, or a tie', () => {
    const pts = law(3, 0.03, 0.1);
    expect(shorterPlateausFinding([{ label: 'L = 3', pts }]).pass).toBe(true);
    const swapped = pts.map((p, i) => (i === 1 ? { ...p, t: pts[2].t * 1.01 } : p));
    expect(
      shorterPlateausFinding([
        { label: 'L = 3', pts },
        { label: 'L = 4', pts: swapped },
      ]).pass,
    ).toBe(false);
    expect(shorterPlateausFinding([{ label: 'L = 3', pts: [pts[0], { ...pts[1], t: pts[0].t }] }]).pass).toBe(false);
  });
});

describe('Figures 3 and 5', () => {
  const end = (std: number, rank: number, loss: number, lambdaMin = 1e-11, testLoss = 3): EndPoint => ({
    std,
    rank,
    loss,
    testLoss,
    lambdaMin,
    sharpness: 800,
  });

  test('converged: all runs; false: one did not', () => {
    expect(convergedFinding(24, 24).pass).toBe(true);
    expect(convergedFinding(23, 24).pass).toBe(false);
    expect(convergedFinding(0, 0).pass).toBe(false);
  });

  test('low-rank bias: rank non-decreasing in the std; false: a dip, or flat', () => {
    const ranks = [1e-4, 5e-4, 1e-3, 2e-3, 0.3].map((std, i) => ({ std, rank: [0, 1, 2, 3, 7][i] }));
    expect(lowRankBiasFinding(ranks).pass).toBe(true);
    expect(lowRankBiasFinding(ranks.map((r, i) => (i === 3 ? { ...r, rank: 1 } : r))).pass).toBe(false);
    expect(lowRankBiasFinding(ranks.map((r) => ({ ...r, rank: 3 }))).pass).toBe(false);
  });

  test('Proposition 5: equal minima; false: gradient descent stuck above the matrix minimum (the quick grid without large inits), or below it', () => {
    const matrix = {
      value: 3.99484545038,
      starts: 41,
      hits: 27,
      minima: [{ value: 3.99484545038, rank: 7, count: 27 }],
      singularValues: Float64Array.from([39, 21, 9.7, 1, 0.46, 0.26, 0.14, 0, 0, 0]),
    };
    expect(proposition5Finding(matrix, 3.99484545038 * (1 + 2e-10)).pass).toBe(true);
    expect(proposition5Finding(matrix, 5.3129).pass).toBe(false); // only the rank-3 minimum was reached over theta
    expect(proposition5Finding(matrix, 3.99484545038 * (1 - 1e-8)).pass).toBe(false); // theta below the matrix minimum: the search failed
    expect(proposition5Finding(null, 3.99).pass).toBe(false);
  });

  test('minima, not saddles: lambda_min >= -1e-8 lambda_max; false: a saddle with lambda_min = -0.05', () => {
    const ends = [end(1e-4, 0, 2105, 0.1), end(5e-4, 1, 607.6, 3e-11), end(0.3, 7, 3.99, -1e-12)];
    expect(minimaFinding(ends).pass).toBe(true);
    expect(minimaFinding([...ends, end(0.01, 4, 4.5, -0.05)]).pass).toBe(false);
    expect(minimaFinding([...ends, { ...end(0.01, 4, 4.5), lambdaMin: null }]).pass).toBe(false);
  });

  test('the origin a strict local minimum: lambda_min = 2 lambda at the rank-0 end points; false: none at rank 0, lambda_min off, or L = 2', () => {
    expect(originFinding([end(1e-4, 0, 2105, 0.0999993)], 0.05, 3).pass).toBe(true);
    expect(originFinding([end(5e-4, 1, 607, 3e-11)], 0.05, 3).pass).toBe(false);
    expect(originFinding([end(1e-4, 0, 2105, 0.05)], 0.05, 3).pass).toBe(false);
    expect(originFinding([end(1e-4, 0, 2105, 0.1)], 0.05, 2).pass).toBe(false);
  });

  test('balanced end points; false: one off by 1e-5', () => {
    expect(balancedFinding(6e-11, 24).pass).toBe(true);
    expect(balancedFinding(1e-5, 24).pass).toBe(false);
    expect(balancedFinding(0, 0).pass).toBe(false);
  });

  test('best test loss at the teacher rank; false: at rank 4', () => {
    expect(bestRankFinding(end(2e-3, 3, 5.3, 1e-11, 2.02), 3).pass).toBe(true);
    expect(bestRankFinding(end(0.01, 4, 4.5, 1e-11, 2.9), 3).pass).toBe(false);
    expect(bestRankFinding(null, 3).pass).toBe(false);
  });

  test('the loss surface: ranks 1 and 2, three minima of the plane, both below the origin; false: each condition broken', () => {
    const facts = { rank1: 1, rank2: 2, loss1: 607.6, loss2: 111.5, lossOrigin: 2105.3, basin1: 0.0024, basin2: 0.42, basinOrigin: 4.2e-4 };
    expect(surfaceFinding(facts).pass).toBe(true);
    expect(surfaceFinding({ ...facts, rank1: 2, rank2: 3 }).pass).toBe(false); // the grid of today: ranks 2 and 3
    expect(surfaceFinding({ ...facts, basin1: 0 }).pass).toBe(false); // a saddle on the plane
    expect(surfaceFinding({ ...facts, basinOrigin: 0 }).pass).toBe(false);
    expect(surfaceFinding({ ...facts, loss2: 3000 }).pass).toBe(false);
    expect(surfaceFinding({}).pass).toBe(false);
  });
});

describe('Figure 1 and Algorithm A', () => {
  const run = (over: Partial<CompletionRun>): CompletionRun => ({
    scale: 0.0279,
    rankSequence: [0, 1, 2, 3],
    plateauRanks: [0, 1, 2],
    trainFinal: 1e-12,
    testInitial: 2.78,
    testFinal: 4.6e-7,
    rankFinal: 3,
    ...over,
  });

  test('lazy fit without completion; false: the test cost falls, or the fit fails', () => {
    const lazy = run({ scale: 0.279, trainFinal: 6e-32, testInitial: 3.41, testFinal: 2.98, rankFinal: 10, rankSequence: [10] });
    expect(lazyCompletionFinding(lazy).pass).toBe(true);
    expect(lazyCompletionFinding({ ...lazy, testFinal: 0.5 }).pass).toBe(false);
    expect(lazyCompletionFinding({ ...lazy, trainFinal: 1e-3 }).pass).toBe(false);
    expect(lazyCompletionFinding({ ...lazy, rankFinal: 3 }).pass).toBe(false);
  });

  test('small init completes through plateaus; false: rank past 3, one plateau, or not completed', () => {
    expect(completesFinding(run({})).pass).toBe(true);
    expect(completesFinding(run({ rankSequence: [0, 1, 2, 3, 4] })).pass).toBe(false);
    expect(completesFinding(run({ plateauRanks: [0] })).pass).toBe(false);
    expect(completesFinding(run({ testFinal: 0.1 })).pass).toBe(false);
  });

  test("Algorithm A's three paths to a completing rank-3 solution; false: a fourth stage, a rank skipped, or not completed", () => {
    const stages = [
      { rank: 1, loss: 1.51, testLoss: 2.77 },
      { rank: 2, loss: 0.145, testLoss: 1.35 },
      { rank: 3, loss: 1.5e-9, testLoss: 3.1e-7 },
    ];
    expect(greedyPathsFinding(stages, 1e-6, 2.78).pass).toBe(true);
    expect(greedyPathsFinding([...stages, { rank: 3, loss: 1e-12, testLoss: 1e-10 }], 1e-6, 2.78).pass).toBe(false);
    expect(greedyPathsFinding([stages[0], { ...stages[1], rank: 3 }, stages[2]], 1e-6, 2.78).pass).toBe(false);
    expect(greedyPathsFinding([stages[0], stages[1], { ...stages[2], testLoss: 0.1 }], 1e-6, 2.78).pass).toBe(false);
  });

  test('saddles match the plateaus by rank; false: a saddle 1% off, or a rank without a plateau', () => {
    const plateau = (rank: number, loss: number): Plateau => ({ start: 1, end: 2, loss, rank, final: false });
    const plateaus = [plateau(0, 1338), plateau(1, 423.33), plateau(2, 67.73), plateau(3, 1.8596)];
    const stages = [
      { rank: 1, loss: 423.35 },
      { rank: 2, loss: 67.82 },
      { rank: 3, loss: 1.8642 },
    ];
    expect(saddlesMatchFinding(plateaus, stages, 5e-3).pass).toBe(true);
    expect(saddlesMatchFinding(plateaus, [...stages.slice(0, 2), { rank: 3, loss: 1.8596 * 1.01 }], 5e-3).pass).toBe(false);
    expect(saddlesMatchFinding(plateaus.slice(0, 3), stages, 5e-3).pass).toBe(false);
  });

  test('increasing rank and convergence of Algorithm A; false: a stage that adds no rank, or the largest width reached', () => {
    const stages = [1, 2, 3, 4].map((rank, i) => ({ width: i + 1, rank, loss: 10 ** -i }));
    expect(increasingRankFinding(stages).pass).toBe(true);
    expect(increasingRankFinding([stages[0], { ...stages[1], rank: 1 }, stages[2]]).pass).toBe(false);
    expect(greedyConvergedFinding('converged', 9, 0.108).pass).toBe(true);
    expect(greedyConvergedFinding('completed', 10, 0.3).pass).toBe(false);
  });
});

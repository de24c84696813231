/**
 * Jacot et al., Figures 3 and 5: the low-rank bias of L2 regularization. A (3, 20)-DLN trained to
 * convergence from initialization stds over four decades: smaller initializations end at
 * lower-rank minima, down to the origin (for L >= 3 a strict local minimum: the Hessian there is
 * 2 lambda I). Proposition 5 tested for real: the minimum of C(A) + lambda L ||A||_{2/L}^{2/L}
 * found in matrix space, independently of any network (analysis/schatten.ts), equals the best
 * minimum gradient descent found over theta; every end point is a minimum, not a saddle
 * (Lanczos' smallest Hessian eigenvalue); the loss on the plane through the origin and the
 * rank-1 and rank-2 minima (Fig. 3 right).
 *
 * The checks are pure functions of the measured numbers, so that each can be fed a case where
 * its claim is false (test/jacot-findings.test.ts).
 */
import { globalSchattenMinimum, matrixCostOf, type GlobalSearchResult } from '../../analysis/schatten';
import type { Matrix } from '../../api/matrix';
import { valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers } from '../common';
import type { Preset } from '../types';
import { RANK_TOLERANCE } from './common';

/** Tolerances: the two minima of Proposition 5 (relative); the Hessian's smallest eigenvalue relative to its largest; the balance of Lemma 39. */
export const PROPOSITION_5_TOLERANCE = 1e-9;
export const SADDLE_TOLERANCE = 1e-8;
export const BALANCE_TOLERANCE = 1e-6;

/** Teacher seed 81: the closest to the expected singular values of W_0 W_0^T (38.2, 20.3, 9.4) among seeds 0-299. */
const TEACHER_SEED = 81;

/** One end point of gradient descent. */
export interface EndPoint {
  std: number;
  rank: number | null;
  loss: number | null;
  testLoss: number | null;
  lambdaMin: number | null;
  sharpness: number | null;
}

/** Every run converged (gradient norm at the target). */
export function convergedFinding(converged: number, total: number): Finding {
  return {
    id: 'converged',
    claim: 'gradient descent converges (gradient norm below 1e-9) from every initialization',
    observed: `${converged}/${total} runs`,
    expected: 'all',
    pass: total > 0 && converged === total,
  };
}

/** Fig. 3 (left), Fig. 5: the mean final rank is non-decreasing in the std and lower at the smallest std than at the largest. */
export function lowRankBiasFinding(ranks: { std: number; rank: number | null }[]): Finding {
  const sorted = ranks.slice().sort((a, b) => a.std - b.std);
  const first = sorted[0]?.rank ?? null;
  const last = sorted[sorted.length - 1]?.rank ?? null;
  return {
    id: 'low-rank-bias',
    claim: 'with L2 regularization, smaller initializations end at lower-rank minima (Fig. 3 left, Fig. 5)',
    observed: sorted.map((r) => `std ${r.std}: rank ${fmt(r.rank, 3)}`).join('; '),
    expected: 'rank non-increasing as the std shrinks, lower at the smallest std than at the largest',
    pass:
      first !== null &&
      last !== null &&
      first < last &&
      sorted.every((r, i) => i === 0 || (r.rank !== null && r.rank >= (sorted[i - 1].rank ?? Infinity))),
  };
}

/**
 * Proposition 5: min_theta C(A_theta) + lambda ||theta||^2 = min_A C(A) + lambda L ||A||_{2/L}^{2/L}.
 * The right side is the matrix-space search; the left, the best end point of gradient descent.
 */
export function proposition5Finding(
  matrix: Pick<GlobalSearchResult, 'value' | 'starts' | 'hits' | 'minima' | 'singularValues'> | null,
  bestTheta: number | null,
  tol = PROPOSITION_5_TOLERANCE,
): Finding {
  const diff = matrix && bestTheta !== null ? (bestTheta - matrix.value) / Math.abs(matrix.value) : null;
  const rank = matrix ? matrix.singularValues.filter((s) => s > 1e-8 * matrix.singularValues[0]).length : null;
  const others = matrix
    ? matrix.minima
        .slice(1, 4)
        .map((m) => `${fmt(m.value, 8)} (rank ${m.rank}, ${m.count})`)
        .join(', ')
    : '';
  return {
    id: 'proposition-5',
    claim:
      'Proposition 5: the minimum over θ of C(A_θ) + λ‖θ‖² (the best end point of gradient descent) equals the minimum over A of C(A) + λL‖A‖_{2/L}^{2/L}, found in matrix space by proximal gradient from many starts',
    observed: matrix
      ? `matrix space: ${fmt(matrix.value, 12)} at rank ${rank} (reached from ${matrix.hits} of ${matrix.starts} starts${others ? `; other minima ${others}` : ''}); over θ: ${fmt(bestTheta, 12)}; relative difference ${fmt(diff, 2)}`
      : 'no matrix-space minimum (no least-squares data)',
    expected: `equal within ${tol}`,
    pass: diff !== null && Math.abs(diff) <= tol,
  };
}

/** Every end point is a minimum: lambda_min(H) >= -tol lambda_max(H) (Lanczos, smallest and largest eigenvalues). */
export function minimaFinding(ends: EndPoint[], tol = SADDLE_TOLERANCE): Finding {
  const bad = ends.filter((e) => !(e.lambdaMin !== null && e.sharpness !== null && e.lambdaMin >= -tol * Math.abs(e.sharpness)));
  const worst = ends.reduce<EndPoint | null>(
    (w, e) => (e.lambdaMin !== null && e.sharpness ? (w === null || e.lambdaMin / e.sharpness < w.lambdaMin! / w.sharpness! ? e : w) : w),
    null,
  );
  return {
    id: 'minima-not-saddles',
    claim: 'every end point is a minimum, not a saddle: the smallest Hessian eigenvalue is not negative (beyond rounding)',
    observed: bad.length
      ? `${bad.length} of ${ends.length} end points have λ_min < −${tol}·λ_max: ${bad
          .slice(0, 3)
          .map((e) => `std ${e.std}: λ_min ${fmt(e.lambdaMin, 3)}, λ_max ${fmt(e.sharpness, 4)}`)
          .join('; ')}`
      : `${ends.length} end points; lowest λ_min/λ_max ${fmt(worst ? worst.lambdaMin! / worst.sharpness! : null, 2)} (std ${worst?.std}, rank ${worst?.rank})`,
    expected: `λ_min ≥ −${tol}·λ_max at every end point (Lanczos, docs/algorithms.md §2)`,
    pass: ends.length > 0 && bad.length === 0,
  };
}

/** For L >= 3 the origin is a strict local minimum (the Hessian there is 2 lambda I): the runs that end at A = 0 have lambda_min = 2 lambda. */
export function originFinding(ends: EndPoint[], lambda: number, depth: number): Finding {
  const atOrigin = ends.filter((e) => e.rank === 0);
  const worst = atOrigin.reduce((w, e) => Math.max(w, e.lambdaMin === null ? Infinity : Math.abs(e.lambdaMin / (2 * lambda) - 1)), 0);
  return {
    id: 'origin-minimum',
    claim: `for L ≥ 3 (here ${depth}) the origin is a strict local minimum (Hessian 2λI): the smallest initializations stay there, with λ_min = 2λ = ${2 * lambda}`,
    observed: atOrigin.length
      ? `${atOrigin.length} runs end at rank 0 (stds ${[...new Set(atOrigin.map((e) => e.std))].join(', ')}); |λ_min/(2λ) − 1| ≤ ${fmt(worst, 2)}`
      : 'no run ends at rank 0',
    expected: 'at least one run at rank 0, λ_min within 1e-3 of 2λ',
    pass: depth >= 3 && atOrigin.length > 0 && worst <= 1e-3,
  };
}

/** Lemma 39 at the end points: ||theta||^2 = L ||A||_{2/L}^{2/L} (true at every critical point of the regularized loss: a check of convergence, not of Proposition 5). */
export function balancedFinding(worst: number, checked: number, tol = BALANCE_TOLERANCE): Finding {
  return {
    id: 'balanced',
    claim:
      'Lemma 39 at every end point: ‖θ‖² = L‖A‖_{2/L}^{2/L} (holds at every critical point of C + λ‖θ‖², so it checks that the runs converged, not Proposition 5)',
    observed: `${checked} end points; worst |‖θ‖² − L‖A‖_{2/L}^{2/L}| / max(‖θ‖², 1) ${fmt(worst, 2)}`,
    expected: `< ${tol}`,
    pass: checked > 0 && worst < tol,
  };
}

/** The end point with the lowest test loss has the teacher's rank. */
export function bestRankFinding(best: EndPoint | null, teacherRank: number): Finding {
  return {
    id: 'best-rank',
    claim: `the minimum that generalizes best has the teacher’s rank, ${teacherRank}`,
    observed: best ? `lowest test loss ${fmt(best.testLoss, 4)} at rank ${best.rank} (std ${best.std})` : 'none',
    expected: `rank ${teacherRank}`,
    pass: best !== null && best.rank === teacherRank,
  };
}

/**
 * Fig. 3 (right): the plane through the origin and the rank-1 and rank-2 minima. All three are
 * local minima within the plane (the loss rises on every small ring around each: a basin radius
 * >= 1e-5 in plane coordinates) and the minima lie below the origin.
 */
export function surfaceFinding(facts: Record<string, unknown>): Finding {
  const num = (k: string) => (typeof facts[k] === 'number' ? (facts[k] as number) : null);
  const [l1, l2, l0] = [num('loss1'), num('loss2'), num('lossOrigin')];
  const [b1, b2, b0] = [num('basin1'), num('basin2'), num('basinOrigin')];
  const minimum = (b: number | null) => b !== null && b >= 1e-5;
  return {
    id: 'loss-surface',
    claim:
      'Fig. 3 (right): on the plane through the origin and the rank-1 and rank-2 minima, all three are local minima of the plane, and the two minima lie below the origin',
    observed: `minima of rank ${facts.rank1} and ${facts.rank2}: loss ${fmt(l1, 7)} and ${fmt(l2, 7)}, basin radii in the plane ${fmt(b1, 2)} and ${fmt(b2, 2)}; origin: loss ${fmt(l0, 7)}, basin radius ${fmt(b0, 2)} (the plotted grid step is 0.025)`,
    expected: 'ranks 1 and 2; each of the three points a minimum within the plane (basin radius ≥ 1e-5); both minima below the origin',
    pass:
      facts.rank1 === 1 &&
      facts.rank2 === 2 &&
      l1 !== null &&
      l2 !== null &&
      l0 !== null &&
      l1 < l0 &&
      l2 < l0 &&
      minimum(b1) &&
      minimum(b2) &&
      minimum(b0),
  };
}

function endPoint(r: RunView): EndPoint {
  return {
    std: r.record.values['init.scale'] as number,
    rank: valueOf(r, 'final', 'rank'),
    loss: valueOf(r, 'final', 'loss'),
    testLoss: valueOf(r, 'final', 'testLoss'),
    lambdaMin: valueOf(r, 'final', 'lambdaMin'),
    sharpness: valueOf(r, 'final', 'sharpness'),
  };
}

function fig3Findings({ ds, loadWeights, figures }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const converged = ds.runs.filter((r) => r.record.status === 'converged');
  const ends = converged.map(endPoint);
  out.push(convergedFinding(converged.length, ds.runs.length));
  const ranks = numbers(ds, 'init.scale').map((std) => {
    const rs = ends.filter((e) => e.std === std && e.rank !== null).map((e) => e.rank!);
    return { std, rank: rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : null };
  });
  out.push(lowRankBiasFinding(ranks));

  // Proposition 5: the matrix-space search, started (among others) from every end point's A.
  const first = converged[0] ?? ds.runs[0];
  let matrix: GlobalSearchResult | null = null;
  let worstBalance = 0;
  let balanced = 0;
  if (first?.built.data) {
    const L = first.depth;
    const lambda = first.config.model.l2;
    const starts: Float64Array[] = [];
    for (const r of converged) {
      const w = loadWeights(r.record.id);
      if (!w) continue;
      const theta = Float64Array.from(w.weights);
      starts.push((r.built.problem.evaluate(theta).endToEnd as Matrix).data);
      const schatten = valueOf(r, 'final', 'schatten2OverL');
      if (schatten !== null) {
        const norm2 = theta.reduce((a, v) => a + v * v, 0);
        worstBalance = Math.max(worstBalance, Math.abs(norm2 - L * schatten) / Math.max(norm2, 1));
        balanced++;
      }
    }
    matrix = globalSchattenMinimum({ cost: matrixCostOf(first.built.data), mu: lambda * L, p: 2 / L }, { starts });
  }
  const bestTheta = ends.reduce<number | null>((b, e) => (e.loss !== null && (b === null || e.loss < b) ? e.loss : b), null);
  out.push(proposition5Finding(matrix, bestTheta));
  out.push(minimaFinding(ends));
  if (first) out.push(originFinding(ends, first.config.model.l2, first.depth));
  out.push(balancedFinding(worstBalance, balanced));
  const best = ends.reduce<EndPoint | null>((b, e) => ((e.testLoss ?? Infinity) < (b?.testLoss ?? Infinity) ? e : b), null);
  const teacherRank = first?.config.data.kind === 'jacot-teacher' ? first.config.data.rank : 3;
  out.push(bestRankFinding(best, teacherRank));
  const surface = figures['loss-surface']?.facts ?? {};
  out.push(surfaceFinding(surface));
  return {
    headline: {
      ranks,
      surface,
      proposition5: matrix
        ? { matrixMinimum: matrix.value, thetaMinimum: bestTheta, starts: matrix.starts, hits: matrix.hits, minima: matrix.minima }
        : null,
    },
    findings: out,
  };
}

const STDS = [1e-4, 3e-4, 5e-4, 7e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.03, 0.1, 0.3, 0.6];

export const jacotFig3: Preset = {
  name: 'jacot-fig3',
  summary:
    'Jacot et al. Fig. 3 and 5: (3, 20)-DLN with L2 (0.05): rank, nuclear norm, losses at convergence vs init std; Proposition 5 against a matrix-space minimization; the loss surface through the origin and the rank-1 and rank-2 minima',
  config: {
    name: 'jacot-fig3',
    description:
      'Jacot et al., Figures 3 and 5: a (3, 20)-DLN on the teacher with W_0 entries N(0, 1.5²), MSE + 0.05‖θ‖², gradient descent at η = 1e-3 ' +
      'until the gradient norm is below 1e-9, from init stds 1e-4 to 0.6 (2 repetitions). Rank and nuclear norm of A at convergence, train and test loss; ' +
      'Proposition 5 against the minimum of C(A) + λL‖A‖_{2/L}^{2/L} found in matrix space (proximal gradient from many starts); the smallest and largest ' +
      'Hessian eigenvalues at every end point (minima, not saddles); the loss on the plane through the origin and the rank-1 and rank-2 minima. ' +
      `Teacher seed ${TEACHER_SEED}: singular values (39.4, 21.3, 9.5), the closest among seeds 0-299 to their expectations (38.2, 20.3, 9.4), the rule of the other Jacot presets. ` +
      'Rank: singular values above 1e-2.',
    seed: 0,
    data: { kind: 'jacot-teacher', d: 10, rank: 3, n: 100, nTest: 1000, noise: 0.2, teacherScale: 'constant', teacherStd: 1.5, seed: TEACHER_SEED },
    model: { depth: 3, width: 20, l2: 0.05 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'gd',
      learningRate: 1e-3,
      steps: 1000000,
      gradNormTarget: 1e-9,
      record: ['loss', 'testLoss', 'rank', 'nuclearNorm', 'schatten2OverL', 'singularValues', 'gradNorm', 'sharpness', 'lambdaMin'],
      rankTolerance: RANK_TOLERANCE,
    },
    repetitions: 2,
    sweep: [{ 'init.scale': STDS }],
    output: { weights: true },
    report: {
      title: 'Jacot et al., Figures 3 and 5: the L2 low-rank bias',
      figures: [
        // One dot per run, as the paper ("each dot represents a (3, 20)-DLN at convergence").
        {
          kind: 'scatter',
          id: 'rank',
          title: 'Fig. 3 (left) / 5: rank of A at convergence, one dot per run',
          x: 'init.scale',
          xScale: 'log',
          xLabel: 'Initialization std',
          y: 'rank',
          yScale: 'linear',
          yLabel: 'Rank of A',
          regression: false,
        },
        {
          kind: 'scatter',
          id: 'nuclear-norm',
          title: 'Fig. 5: nuclear norm of A at convergence, one dot per run',
          x: 'init.scale',
          xScale: 'log',
          xLabel: 'Initialization std',
          y: 'nuclearNorm',
          yScale: 'linear',
          yLabel: 'Nuclear norm of A',
          regression: false,
        },
        {
          kind: 'sweep',
          id: 'train-loss',
          title: 'Train loss (with the L2 term) at convergence',
          x: 'init.scale',
          xScale: 'log',
          xLabel: 'Initialization std',
          y: 'loss',
          yScale: 'log',
        },
        {
          kind: 'sweep',
          id: 'test-loss',
          title: 'Test loss at convergence',
          x: 'init.scale',
          xScale: 'log',
          xLabel: 'Initialization std',
          y: 'testLoss',
          yScale: 'log',
        },
        {
          kind: 'sweep',
          id: 'lambda-min',
          title: 'Smallest Hessian eigenvalue at convergence, relative to the largest (≥ 0: minima, not saddles)',
          x: 'init.scale',
          xScale: 'log',
          xLabel: 'Initialization std',
          y: 'lambdaMin/sharpness',
          yLabel: 'λ_min / λ_max',
        },
        {
          kind: 'surface',
          id: 'loss-surface',
          title: 'Fig. 3 (right): the loss on the plane through the origin (+, left) and the rank-1 and rank-2 minima (log colour)',
          ranks: [1, 2],
        },
      ],
    },
    quick: { repetitions: 1, sweep: [{ 'init.scale': [3e-4, 5e-4, 1e-3, 2e-3, 0.3] }] },
  },
  findings: fig3Findings,
};

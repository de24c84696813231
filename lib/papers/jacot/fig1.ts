/**
 * Jacot et al., Figure 1: matrix completion of a rank-3 10 x 10 matrix by an L = 4, w = 100
 * network from three initialization scales (left: the lazy regime fits the observed entries
 * without completing the matrix; smaller scales pass saddles of rank 1, 2, 3 and complete it), the
 * gradient paths in a 2-D picture of parameter space with the manifold of solutions (middle), and
 * Algorithm A's successive paths, train and test cost end to end (right).
 *
 * The picture of parameter space (middle): x = ||P_obs(A - A*)||_F = sqrt(N_obs * train cost), the
 * distance to the target over the observed entries, and y = ||P_unobs(A - A*)||_F =
 * sqrt(N_test * test cost), over the unobserved ones. The manifold of solutions {A : A = A* on the
 * observed entries} is exactly the line x = 0 and the target A* its point (0, 0); A = 0 (every
 * small initialization) is the cross. A linear projection of theta would not do: the hidden-layer
 * rotations make the parameter paths of different initializations incomparable, while A_theta
 * (and these two distances) are invariant under them.
 */
import { valueOf } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { Preset } from '../types';
import { plateausOf, RANK_TOLERANCE, rankSequence, saddlesMatchFinding } from './common';

/** Init stds alpha * (lazy std w^-(L-1)/(2L), sigma = 1) at L = 4, for alpha = 1, 0.1, 0.03. */
const completionScales = (w: number) => [1, 0.1, 0.03].map((a) => Number((a * w ** (-3 / 8)).toPrecision(6)));
const LAZY_STD_L4_W100 = 100 ** (-3 / 8);
/** Algorithm A on the same problem: epsilon, T, its tolerance on the train cost. */
const GREEDY = { epsilon: 0.2, steps: 20000, tolerance: 1e-6 };

/** What a gradient-descent run of the figure shows. */
export interface CompletionRun {
  scale: number;
  rankSequence: number[];
  plateauRanks: (number | null)[];
  trainFinal: number | null;
  testInitial: number | null;
  testFinal: number | null;
  rankFinal: number | null;
}

/** The lazy regime (largest scale): fits the observed entries (train < 1e-6), the test cost stays above 0.3 of its initial value, full rank. */
export function lazyFinding(lazy: CompletionRun): Finding {
  return {
    id: 'lazy',
    claim: `largest scale (std ${fmt(lazy.scale, 3)}): the lazy regime fits the observed entries without completing the matrix`,
    observed: `train cost ${fmt(lazy.trainFinal, 2)}, test cost ${fmt(lazy.testInitial, 3)} -> ${fmt(lazy.testFinal, 3)}, rank ${lazy.rankFinal}`,
    expected: 'train cost < 1e-6, test cost above 0.3 of its initial value, rank 10',
    pass: (lazy.trainFinal ?? Infinity) < 1e-6 && (lazy.testFinal ?? 0) > 0.3 * (lazy.testInitial ?? Infinity) && lazy.rankFinal === 10,
  };
}

/** A small scale: the rank climbs 0 -> 1 -> 2 -> 3 (and no further), at least two plateaus, the test cost below 1e-3 of its initial value. */
export function completesFinding(r: CompletionRun): Finding {
  return {
    id: `low-rank-${r.scale}`,
    claim: `std ${fmt(r.scale, 3)}: plateaus appear, the rank climbs one at a time to the target's 3 and the test cost falls (the matrix is completed)`,
    observed: `rank ${r.rankSequence.join(' -> ')}; ${r.plateauRanks.length} plateaus (ranks ${r.plateauRanks.join(', ') || 'none'}); test cost ${fmt(r.testInitial, 3)} -> ${fmt(r.testFinal, 2)}`,
    expected: 'rank 0 -> 1 -> 2 -> 3 exactly, at least two plateaus, test cost below 1e-3 of its initial value',
    pass:
      r.rankSequence.length === 4 &&
      [0, 1, 2, 3].every((k, i) => r.rankSequence[i] === k) &&
      r.plateauRanks.length >= 2 &&
      (r.testFinal ?? Infinity) < 1e-3 * (r.testInitial ?? 0),
  };
}

/** Algorithm A's stages: one path per rank, ending at ranks 1, 2, 3, the last within the tolerance (train) with the matrix completed (test < 1e-3 of the first stage's start). */
export function greedyPathsFinding(
  stages: { rank: number; loss: number; testLoss: number | null }[],
  tolerance: number,
  testInitial: number | null,
): Finding {
  const last = stages[stages.length - 1];
  return {
    id: 'greedy-paths',
    claim:
      'Fig. 1 (right): Algorithm A’s successive paths go from the origin through the saddles of rank 1 and 2 to a rank-3 solution that completes the matrix',
    observed: stages.map((s, k) => `path ${k + 1}: rank ${s.rank}, train ${fmt(s.loss, 4)}, test ${fmt(s.testLoss, 4)}`).join('; ') || 'no stages',
    expected: `three paths ending at ranks 1, 2, 3; the last with train cost < ${tolerance} and test cost below 1e-3 of its initial ${fmt(testInitial, 4)}`,
    pass:
      stages.length === 3 &&
      [1, 2, 3].every((k, i) => stages[i].rank === k) &&
      last.loss < tolerance &&
      last.testLoss !== null &&
      testInitial !== null &&
      last.testLoss < 1e-3 * testInitial,
  };
}

function fig1Findings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const gd = ds.runs
    .filter((r) => r.config.train.method === 'gd' && r.record.rep === 0)
    .sort((a, b) => (b.record.values['init.scale'] as number) - (a.record.values['init.scale'] as number));
  const rows: CompletionRun[] = gd.map((r) => {
    const t = loadTrace(r.record.id);
    return {
      scale: r.record.values['init.scale'] as number,
      rankSequence: t ? rankSequence(t) : [],
      plateauRanks: t
        ? plateausOf(t)
            .filter((p) => !p.final)
            .map((p) => p.rank)
        : [],
      trainFinal: valueOf(r, 'final', 'loss'),
      testInitial: valueOf(r, 'initial', 'testLoss'),
      testFinal: valueOf(r, 'final', 'testLoss'),
      rankFinal: valueOf(r, 'final', 'rank'),
    };
  });
  if (rows.length) out.push(lazyFinding(rows[0]));
  for (const r of rows.slice(1)) out.push(completesFinding(r));
  const greedy = ds.runs.find((r) => r.config.train.method === 'greedy');
  const headline: Record<string, unknown> = { runs: rows };
  if (greedy) {
    const stages = greedy.record.stages ?? [];
    out.push(greedyPathsFinding(stages, greedy.config.train.tolerance ?? greedy.config.train.epsilon ?? 0, valueOf(greedy, 'initial', 'testLoss')));
    const smallestGd = gd[gd.length - 1];
    const trace = smallestGd ? loadTrace(smallestGd.record.id) : undefined;
    const plateaus = trace ? plateausOf(trace).filter((p) => !p.final) : [];
    out.push(saddlesMatchFinding(plateaus, stages.slice(0, -1), 5e-3));
    headline.stages = stages;
    headline.plateaus = plateaus;
  }
  return { headline, findings: out };
}

const PATH_X = '(data.observed*loss)^0.5';
const PATH_Y = '((data.rows*data.cols-data.observed)*testLoss)^0.5';

export const jacotFig1: Preset = {
  name: 'jacot-fig1',
  summary:
    'Jacot et al. Fig. 1: matrix completion of a rank-3 10x10 matrix, L = 4, w = 100: three init scales (lazy fit vs saddle-to-saddle completion), the paths in parameter space with the solution manifold, Algorithm A’s paths end to end',
  config: {
    name: 'jacot-fig1',
    description:
      'Jacot et al., Figure 1: completion of a rank-3 10 x 10 matrix U V^T (U, V Gaussian) by an L = 4, w = 100 network from init std α times ' +
      'the lazy std w^-3/8 for α in {1, 0.1, 0.03}, and Algorithm A (ε = 0.2, T = 20,000, stopping at train cost 1e-6) on the same problem. The paper leaves the setup unstated; chosen here: ' +
      '70 of the 100 entries observed (the rank-3 matrices have 51 degrees of freedom, so 50 would not determine it), the other 30 as the test set, η = 0.05, 1e5 steps, 200 log-spaced records per decade. ' +
      'Middle panel: the paths in the plane x = ‖A − A*‖ over the observed entries, y = the same over the unobserved ones (√(N·cost) of the train and test costs): ' +
      'the solutions are exactly the line x = 0, A* is (0, 0), A = 0 the cross; this picture is invariant under the hidden-layer rotations that make θ-paths of ' +
      'different inits incomparable. Rank: singular values above 1e-2.',
    seed: 0,
    data: { kind: 'completion', rows: 10, cols: 10, rank: 3, observed: 70, seed: 0 },
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: LAZY_STD_L4_W100 },
    train: {
      method: 'gd',
      learningRate: 0.05,
      steps: 100000,
      epsilon: GREEDY.epsilon,
      tolerance: GREEDY.tolerance,
      recordPerDecade: 200,
      record: ['loss', 'testLoss', 'rank', 'singularValues'],
      rankTolerance: RANK_TOLERANCE,
    },
    sweep: [
      {
        'train.method': ['gd', 'gd', 'gd', 'greedy'],
        'init.scale': [...completionScales(100), completionScales(100)[2]],
        'train.steps': [100000, 100000, 100000, GREEDY.steps],
        'train.recordEvery': [0, 0, 0, 50],
      },
    ],
    output: { traces: true },
    report: {
      title: 'Jacot et al., Figure 1: matrix completion',
      figures: [
        {
          kind: 'trace',
          id: 'completion-cost',
          title: 'Fig. 1 (left): train (observed entries) and test (the others) completion cost',
          x: 'step',
          xLabel: 'Iterations',
          xScale: 'log',
          y: ['loss', 'testLoss', 'rank'],
          yScale: ['log', 'log', 'linear'],
          yLabels: ['Train cost', 'Test cost', 'Rank of A'],
          series: 'init.scale',
          filter: { 'train.method': 'gd' },
        },
        {
          kind: 'paths',
          id: 'paths',
          title: 'Fig. 1 (middle): gradient paths; black line: the solutions; +: A = 0; dots: the saddles between Algorithm A’s paths',
          series: 'init.scale',
          x: PATH_X,
          y: PATH_Y,
          xLabel: 'distance to A* over the observed entries',
          yLabel: 'distance to A* over the unobserved entries',
          rules: [{ x: '0', label: 'solutions' }],
        },
        {
          kind: 'stages',
          id: 'greedy-paths',
          title: 'Fig. 1 (right): Algorithm A’s paths end to end, train (solid) and test (dashed) cost',
          y: ['loss', 'testLoss'],
          yLabel: 'Cost',
        },
      ],
    },
    quick: {
      model: { depth: 4, width: 30 },
      train: { recordPerDecade: 50 },
      sweep: [
        {
          'train.method': ['gd', 'gd', 'gd', 'greedy'],
          'init.scale': [...completionScales(30), completionScales(30)[2]],
          'train.steps': [100000, 100000, 100000, GREEDY.steps],
          'train.recordEvery': [0, 0, 0, 50],
        },
      ],
    },
  },
  findings: fig1Findings,
};

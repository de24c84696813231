/**
 * Jacot et al., Figures 3 and 5: the low-rank bias of L2 regularization. A (3, 20)-DLN trained to
 * convergence from initialization stds over three decades: smaller initializations end at
 * lower-rank minima; Proposition 5's identity at the minima; the loss on the plane through the
 * origin and two minima of different rank.
 */
import { valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers } from '../common';
import type { Preset } from '../types';
import { RANK_TOLERANCE } from './common';

function fig3Findings({ ds, loadWeights, figures }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const converged = ds.runs.filter((r) => r.record.status === 'converged');
  const scales = numbers(ds, 'init.scale');
  const meanRank = (s: number) => {
    const rs = converged.filter((r) => r.record.values['init.scale'] === s).map((r) => valueOf(r, 'final', 'rank')!);
    return rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : null;
  };
  const ranks = scales.map((s) => ({ scale: s, rank: meanRank(s) }));
  out.push({
    id: 'converged',
    claim: 'gradient descent converges (gradient norm below 1e-9) from every initialization',
    observed: `${converged.length}/${ds.runs.length} runs`,
    expected: 'all',
    pass: converged.length === ds.runs.length,
  });
  const first = ranks[0].rank;
  const last = ranks[ranks.length - 1].rank;
  out.push({
    id: 'low-rank-bias',
    claim: 'with L2 regularization, smaller initializations end at lower-rank local minima (Fig. 3 left, Fig. 5)',
    observed: ranks.map((r) => `std ${r.scale}: rank ${fmt(r.rank, 3)}`).join('; '),
    expected: 'rank non-increasing as the std shrinks, lower at the smallest std than at the largest',
    pass: first !== null && last !== null && first < last && ranks.every((r, i) => i === 0 || (r.rank ?? 0) >= (ranks[i - 1].rank ?? 0)),
  });
  let worst = 0;
  let checked = 0;
  for (const r of converged) {
    const w = loadWeights(r.record.id);
    const schatten = valueOf(r, 'final', 'schatten2OverL');
    if (!w || schatten === null) continue;
    const theta2 = w.weights.reduce((a, v) => a + v * v, 0);
    worst = Math.max(worst, Math.abs(theta2 / (r.depth * schatten) - 1));
    checked++;
  }
  out.push({
    id: 'proposition-5',
    claim: 'Proposition 5 at the minima found: lambda ||theta||^2 = lambda L ||A||_{2/L}^{2/L} (balanced minimizers)',
    observed: `${checked} minima; worst relative difference ${fmt(worst, 2)}`,
    expected: '< 1e-6',
    pass: checked > 0 && worst < 1e-6,
  });
  const best = converged.reduce<RunView | null>((b, r) => (b === null || (valueOf(r, 'final', 'testLoss') ?? Infinity) < (valueOf(b, 'final', 'testLoss') ?? Infinity) ? r : b), null);
  out.push({
    id: 'best-rank',
    claim: 'the minimum that generalizes best has the teacher’s rank, 3',
    observed: best ? `lowest test loss ${fmt(valueOf(best, 'final', 'testLoss'), 4)} at rank ${valueOf(best, 'final', 'rank')} (std ${best.record.values['init.scale']})` : 'none',
    expected: 'rank 3',
    pass: best !== null && valueOf(best, 'final', 'rank') === 3,
  });
  const surface = figures['loss-surface']?.facts ?? {};
  out.push({
    id: 'loss-surface',
    claim: 'Fig. 3 (right): the plane through the origin and two minima of different rank',
    observed: `minima of rank ${surface.rank1} and ${surface.rank2}: loss ${fmt(surface.loss1 as number, 4)} and ${fmt(surface.loss2 as number, 4)}; origin ${fmt(surface.lossOrigin as number, 4)}`,
    expected: 'both minima below the origin',
    pass: typeof surface.loss1 === 'number' && typeof surface.loss2 === 'number' && typeof surface.lossOrigin === 'number' && surface.loss1 < surface.lossOrigin && surface.loss2 < surface.lossOrigin,
  });
  return { headline: { ranks, surface }, findings: out };
}

export const jacotFig3: Preset = {
  name: 'jacot-fig3',
  summary: 'Jacot et al. Fig. 3 and 5: (3, 20)-DLN with L2 (0.05): rank, nuclear norm and losses at convergence vs init std; the loss surface through two minima',
  config: {
    name: 'jacot-fig3',
    description:
      'Jacot et al., Figures 3 and 5: a (3, 20)-DLN on the teacher with W_0 entries N(0, 1.5^2), MSE + 0.05 ||theta||^2, gradient descent at eta = 1e-3 ' +
      'until the gradient norm is below 1e-9, from init stds over three decades. Rank and nuclear norm of A at convergence, train and test loss, ' +
      'Proposition 5’s identity, and the loss on the plane through the origin and two minima of different rank.',
    seed: 0,
    data: { kind: 'jacot-teacher', d: 10, rank: 3, n: 100, nTest: 1000, noise: 0.2, teacherScale: 'constant', teacherStd: 1.5, seed: 5 },
    model: { depth: 3, width: 20, l2: 0.05 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'gd',
      learningRate: 1e-3,
      steps: 1000000,
      gradNormTarget: 1e-9,
      record: ['loss', 'testLoss', 'rank', 'nuclearNorm', 'schatten2OverL', 'singularValues', 'gradNorm'],
      rankTolerance: RANK_TOLERANCE,
    },
    repetitions: 3,
    sweep: [{ 'init.scale': [0.001, 0.002, 0.005, 0.01, 0.03, 0.1, 0.3, 0.6] }],
    output: { weights: true },
    report: {
      title: 'Jacot et al., Figures 3 and 5: the L2 low-rank bias',
      figures: [
        { kind: 'sweep', id: 'rank', title: 'Fig. 3 (left) / 5: rank of A at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'rank', yLabel: 'Rank of A' },
        { kind: 'sweep', id: 'nuclear-norm', title: 'Fig. 5: nuclear norm of A at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'nuclearNorm' },
        { kind: 'sweep', id: 'train-loss', title: 'Train loss (with the L2 term) at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'loss', yScale: 'log' },
        { kind: 'sweep', id: 'test-loss', title: 'Test loss at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'testLoss', yScale: 'log' },
        { kind: 'surface', id: 'loss-surface', title: 'Fig. 3 (right): the loss on the plane through the origin and two minima of different rank (log colour)' },
      ],
    },
    quick: { repetitions: 1, sweep: [{ 'init.scale': [0.001, 0.01, 0.3] }] },
  },
  findings: fig3Findings,
};

/**
 * Jacot et al., Figure 1: matrix completion of a rank-3 10 x 10 matrix by an L = 4, w = 100
 * network from three initialization scales: the lazy regime fits the observed entries without
 * completing the matrix; smaller scales pass saddles of rank 1, 2, 3 and complete it.
 */
import { valueOf } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers } from '../common';
import type { Preset } from '../types';
import { plateausOf, RANK_TOLERANCE, rankSequence } from './common';

/** Init stds alpha * (lazy std w^-(L-1)/(2L), sigma = 1) at L = 4, for alpha = 1, 0.1, 0.03. */
const completionScales = (w: number) => [1, 0.1, 0.03].map((a) => Number((a * w ** (-3 / 8)).toPrecision(6)));
const LAZY_STD_L4_W100 = 100 ** (-3 / 8);

function fig1Findings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const alphas = numbers(ds, 'init.scale').sort((a, b) => b - a);
  const rows = alphas.map((s) => {
    const r = ds.runs.find((x) => x.record.values['init.scale'] === s && x.record.rep === 0)!;
    const t = loadTrace(r.record.id);
    const plateaus = t ? plateausOf(t).filter((p) => !p.final) : [];
    return {
      rankSequence: t ? rankSequence(t) : [],
      scale: s,
      trainFinal: valueOf(r, 'final', 'loss'),
      testInitial: valueOf(r, 'initial', 'testLoss'),
      testFinal: valueOf(r, 'final', 'testLoss'),
      rankFinal: valueOf(r, 'final', 'rank'),
      plateauRanks: plateaus.map((p) => p.rank),
    };
  });
  const lazy = rows[0];
  out.push({
    id: 'lazy',
    claim: `largest scale (std ${fmt(lazy.scale, 3)}): the lazy regime fits the observed entries without completing the matrix`,
    observed: `train cost ${fmt(lazy.trainFinal, 2)}, test cost ${fmt(lazy.testInitial, 3)} -> ${fmt(lazy.testFinal, 3)}, rank ${lazy.rankFinal}`,
    expected: 'train cost -> 0, test cost stays of the order of its initial value, full rank',
    pass: (lazy.trainFinal ?? 1) < 1e-6 && (lazy.testFinal ?? 0) > 0.3 * (lazy.testInitial ?? 0),
  });
  for (const r of rows.slice(1)) {
    out.push({
      id: `low-rank-${r.scale}`,
      claim: `std ${fmt(r.scale, 3)}: plateaus appear, the rank climbs one at a time to the target's 3 and the test cost falls (the matrix is completed)`,
      observed: `rank ${r.rankSequence.join(' -> ')}; ${r.plateauRanks.length} plateaus (ranks ${r.plateauRanks.join(', ') || 'none'}); test cost ${fmt(
        r.testInitial,
        3,
      )} -> ${fmt(r.testFinal, 2)}`,
      expected: 'rank 0 -> 1 -> 2 -> 3, at least two plateaus, test cost below 1e-3 of its initial value',
      pass:
        r.rankSequence.length === 4 &&
        [0, 1, 2, 3].every((k, i) => r.rankSequence[i] === k) &&
        r.plateauRanks.length >= 2 &&
        (r.testFinal ?? Infinity) < 1e-3 * (r.testInitial ?? 0),
    });
  }
  return { headline: { runs: rows }, findings: out };
}

export const jacotFig1: Preset = {
  name: 'jacot-fig1',
  summary: 'Jacot et al. Fig. 1: matrix completion of a rank-3 10x10 matrix, L = 4, w = 100, three init scales: lazy fit vs saddle-to-saddle completion',
  config: {
    name: 'jacot-fig1',
    description:
      'Jacot et al., Figure 1 (left): completion of a rank-3 10 x 10 matrix U V^T (U, V Gaussian) by an L = 4, w = 100 network from init std alpha times ' +
      'the lazy std w^-3/8 for alpha in {1, 0.1, 0.03}. The paper leaves these unstated; chosen here: 70 of the 100 entries observed (the rank-3 ' +
      'matrices have 51 degrees of freedom, so 50 would not determine it), the other 30 as the test set, eta = 0.05, 1e5 steps. Rank: singular values above 1e-2.',
    seed: 0,
    data: { kind: 'completion', rows: 10, cols: 10, rank: 3, observed: 70, seed: 0 },
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: LAZY_STD_L4_W100 },
    train: { method: 'gd', learningRate: 0.05, steps: 100000, recordPerDecade: 40, record: ['loss', 'testLoss', 'rank', 'singularValues'], rankTolerance: RANK_TOLERANCE },
    sweep: [{ 'init.scale': completionScales(100) }],
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
        },
      ],
    },
    quick: { model: { depth: 4, width: 30 }, train: { recordPerDecade: 20 }, sweep: [{ 'init.scale': completionScales(30) }] },
  },
  findings: fig1Findings,
};

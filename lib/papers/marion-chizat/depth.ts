/**
 * Marion & Chizat (2024), learning rate against depth (the code's make_plot_learning_rate, from
 * the camera-ready): residual init s = 0.25, L in {5, 10, 20, 40}, 25 learning rates on a log
 * grid, 1,000 steps, 50 repetitions. Each depth breaks down past its own critical learning rate,
 * 2/(2aL) = 1/(aL) (dashed, in the depth's colour): the critical rate shrinks like 1/L.
 */
import { isDiverged, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { linearFit } from '../../report/stats';
import { at, fraction, numbers } from '../common';
import type { Preset } from '../types';
import { PAPER_LIKE_DATA_NOTE, PAPER_LIKE_DATA_SEED } from './common';

/** A run "trained": it did not diverge and ended within 1e-3 of w* (Fig.'s y axis runs to 0.2). */
const TRAINED = 1e-3;

function trained(r: RunView): boolean {
  if (isDiverged(r)) return false;
  const d = r.record.final.distance;
  return typeof d === 'number' && d < TRAINED;
}

function findings({ ds }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const depths = numbers(ds, 'model.depth');
  const etas = numbers(ds, 'train.learningRate');
  const step = etas[1] / etas[0];
  const rows = depths.map((L) => {
    const runs = at(ds, { 'model.depth': L });
    const t = runs[0].theory!;
    // The empirical critical rate: the largest eta up to which at least half the runs train, at every smaller eta too.
    let critical: number | null = null;
    for (const eta of etas) {
      if (fraction(at(ds, { 'train.learningRate': eta }, runs), trained) >= 0.5) critical = eta;
      else break;
    }
    const predicted = 2 / t.sMinRefinedLower;
    return { L, critical, predicted, ratio: critical === null ? null : critical / predicted };
  });
  for (const r of rows) {
    out.push({
      id: `critical-L${r.L}`,
      claim: `L = ${r.L}: training breaks down near the predicted critical learning rate 1/(aL)`,
      observed: `largest eta on the grid where at least half the runs train (and at every smaller eta): ${fmt(r.critical)}`,
      expected: `at most 1/(aL) = ${fmt(r.predicted)} (no minimizer is stable above it) and within two grid steps (x${fmt(step, 3)} each) of it`,
      pass: r.ratio !== null && r.ratio <= 1 + 1e-9 && r.ratio >= 1 / (step * step),
    });
  }
  const fit = linearFit(
    rows.filter((r) => r.critical !== null).map((r) => Math.log(r.L)),
    rows.filter((r) => r.critical !== null).map((r) => Math.log(r.critical!)),
  );
  out.push({
    id: 'one-over-depth',
    claim: 'the critical learning rate shrinks like 1/L',
    observed: fit ? `log-log slope of the critical eta against L: ${fmt(fit.slope, 3)} ± ${fmt(fit.slopeStderr, 2)} (R² ${fmt(fit.r2, 3)})` : 'not enough depths',
    expected: 'slope -1 (within 0.25)',
    pass: fit !== null && Math.abs(fit.slope + 1) <= 0.25,
  });
  return { headline: { criticalLearningRates: rows, slope: fit?.slope ?? null }, findings: out };
}

export const marionChizatDepth: Preset = {
  name: 'marion-chizat-depth',
  summary: 'Marion & Chizat, learning rate vs depth: final distance against eta for L = 5, 10, 20, 40 (residual init), with the critical 1/(aL) per depth',
  config: {
    name: 'marion-chizat-depth',
    description:
      'Marion & Chizat (2024), camera-ready figure "distance vs learning rate for several depths": residual initialization with s = 0.25 and a random unit ' +
      `projection, L in {5, 10, 20, 40}, eta in logspace(-2, -0.3, 25), 1,000 GD steps, 50 repetitions. ${PAPER_LIKE_DATA_NOTE}`,
    seed: 0,
    data: { kind: 'marion-chizat', n: 50, d: 5, noise: 1, seed: PAPER_LIKE_DATA_SEED },
    model: { depth: 10, projection: 'random-unit' },
    init: { kind: 'residual', scale: 0.25 },
    train: { method: 'gd', learningRate: 0.02, steps: 1000, recordEvery: 0, record: ['loss', 'distance', 'distanceMean'] },
    repetitions: 50,
    sweep: [{ 'model.depth': [5, 10, 20, 40] }, { 'train.learningRate': { logspace: [-2, -0.3, 25] } }],
    report: {
      title: 'Marion & Chizat (2024): learning rate against depth',
      figures: [
        {
          kind: 'sweep',
          id: 'distance-vs-learning-rate',
          title: 'Squared distance after 1,000 steps against the learning rate, per depth; dashed: 1/(aL)',
          x: 'train.learningRate',
          xScale: 'log',
          y: 'distance',
          series: 'model.depth',
          rules: [{ x: '2/sMinRefinedLower', label: '1/(aL)' }],
        },
        { kind: 'divergence', id: 'divergence', title: 'Probability of divergence', x: 'train.learningRate', xScale: 'log', series: 'model.depth' },
      ],
    },
    quick: { repetitions: 6, sweep: [{ 'model.depth': [5, 10, 20] }, { 'train.learningRate': { logspace: [-2, -0.3, 13] } }] },
  },
  findings,
};

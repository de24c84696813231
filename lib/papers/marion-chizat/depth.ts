/**
 * Marion & Chizat (2024), learning rate against depth (the October 2024 code's
 * make_plot_learning_rate, from the camera-ready), on the authors' October data with each depth's
 * own projection p from their key chain: residual init s = 0.25, L in {5, 10, 20, 40}, 25
 * learning rates on a log grid, 1,000 steps, 50 repetitions. Each depth breaks down just below its
 * own critical learning rate 2/(2aL) = 1/(aL) (dashed, in the depth's colour), which shrinks like
 * 1/L; Theorem 1's 2/S_min = 1/(lambda L) is not where it breaks down (docs/reproduction.md §6).
 */
import { isDiverged, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { linearFit } from '../../report/stats';
import { at, fraction, numbers, pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_2024_10_DATA, reproductionNotes } from './common';

const ABOUT = ['model.depth', 'train.learningRate', 'train.steps', 'init.scale', 'init.kind'];

/** A run "trained": it did not diverge and ended within 1e-3 of w* (Fig.'s y axis runs to 0.2). */
const TRAINED = 1e-3;

function trained(r: RunView): boolean {
  if (isDiverged(r)) return false;
  const d = r.record.final.distance;
  return typeof d === 'number' && d < TRAINED;
}

function findings(ctx: FindingsContext): FindingsResult {
  const { ds } = ctx;
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
    const theorem1 = t.criticalLearningRate!;
    // The grid points between the two predictions: if 2/S_min were the critical rate, they would train.
    const between = etas
      .filter((eta) => eta > predicted && eta < theorem1)
      .map((eta) => ({ eta, trained: fraction(at(ds, { 'train.learningRate': eta }, runs), trained) }));
    return { L, critical, predicted, theorem1, between, ratio: critical === null ? null : critical / predicted };
  });
  for (const r of rows) {
    out.push({
      id: `critical-L${r.L}`,
      claim: `L = ${r.L}: training breaks down near the predicted critical learning rate 1/(aL)`,
      observed: `largest eta on the grid where at least half the runs train (and at every smaller eta): ${fmt(r.critical)}`,
      expected: `at most 1/(aL) = ${fmt(r.predicted)} (no minimizer is stable above it) and within two grid steps (x${fmt(step, 3)} each) of it`,
      pass: r.ratio !== null && r.ratio <= 1 + 1e-9 && r.ratio >= 1 / (step * step),
      about: ABOUT,
    });
  }
  out.push({
    id: 'not-two-over-s-min',
    claim:
      'Theorem 1’s 2/S_min = 1/(λL) is not the critical rate: at every depth, training fails at the grid’s learning rates between 1/(aL) and 2/S_min',
    observed: rows
      .map(
        (r) =>
          `L ${r.L}: ${r.between.length} grid points in (${fmt(r.predicted)}, ${fmt(r.theorem1)}), at most ${pct(Math.max(...r.between.map((b) => b.trained)))} of runs train there`,
      )
      .join('; '),
    expected: 'at least one grid point between them at every depth, and fewer than half the runs train at each',
    pass: rows.every((r) => r.between.length > 0 && r.between.every((b) => b.trained < 0.5)),
    about: ABOUT,
  });
  const fit = linearFit(
    rows.filter((r) => r.critical !== null).map((r) => Math.log(r.L)),
    rows.filter((r) => r.critical !== null).map((r) => Math.log(r.critical!)),
  );
  out.push({
    id: 'one-over-depth',
    claim: 'the critical learning rate shrinks like 1/L',
    observed: fit
      ? `log-log slope of the critical eta against L: ${fmt(fit.slope, 3)} ± ${fmt(fit.slopeStderr, 2)} (R² ${fmt(fit.r2, 3)})`
      : 'not enough depths',
    expected: 'slope -1 (within 0.25)',
    pass: fit !== null && Math.abs(fit.slope + 1) <= 0.25,
    about: ABOUT,
  });
  return {
    headline: { criticalLearningRates: rows.map(({ between: _b, ...r }) => r), slope: fit?.slope ?? null },
    findings: out,
    notes: reproductionNotes(ctx, {
      scaled: false,
      extra: [
        "Code version: this experiment exists only in the authors' October 2024 code (the camera-ready figure): its data (data.source authors-2024-10) and, for each depth, its own projection p (model.projection authors-depth), drawn along that code's key chain.",
        "Initial draws: common random numbers: repetition r starts from the same N(0, 1) matrices at every learning rate, and layer k's matrix is the same at every depth (scaled by s/sqrt(Ld)); the authors' code draws a new key per (learning rate, repetition), and the draws are dlnflow's, not JAX's.",
        "Lines: dashed, 1/(aL) = 2/(2aL) per depth in its colour, as the October 2024 code draws them (a from that code's data).",
        "Axis: the y axis is the sum ‖w_prod − w*‖²; the authors' figure plots the mean over the d = 5 coordinates with ylim 0.2.",
      ],
    }),
  };
}

export const marionChizatDepth: Preset = {
  name: 'marion-chizat-depth',
  summary:
    "Marion & Chizat, learning rate vs depth: final distance against eta for L = 5, 10, 20, 40 (residual init, the authors' October data and projections), with the critical 1/(aL) per depth",
  config: {
    name: 'marion-chizat-depth',
    description:
      'Marion & Chizat (2024), camera-ready figure "distance vs learning rate for several depths", on the authors\' October 2024 data: residual initialization with s = 0.25 and ' +
      "each depth's own projection from the authors' key chain, L in {5, 10, 20, 40}, eta in logspace(-2, -0.3, 25), 1,000 GD steps, 50 repetitions.",
    seed: 0,
    data: AUTHORS_2024_10_DATA,
    model: { depth: 10, projection: 'authors-depth' },
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

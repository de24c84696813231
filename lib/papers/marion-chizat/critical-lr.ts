/**
 * The critical learning rate, bracketed to 2% on the authors' data (beyond the paper's figures).
 * Fig. 1's grid (0.07, 0.1, 0.2) cannot tell the slides' 1/(aL) = 0.105 from Theorem 1's
 * 2/S_min = 0.167: both lie between the last eta that trains and the first that does not. Here
 * gradient descent runs on a geometric grid eta = 0.1 * 1.02^k (k = -10 ... 12) from small Gaussian
 * scales (0.25-0.4, where nothing diverges near the critical rate) for up to 100,000 steps
 * (stopping at an excess loss of 1e-12). Near the critical rate convergence slows down without
 * bound, so the budget matters: at 0.102 a run needs some 10^5 steps, at 0.1032 more than 4 * 10^5;
 * above it the runs settle on a periodic orbit at a distance 1e-4 to 1e-2 from w* and never reach
 * it (docs/reproduction.md §3.1).
 */
import { isDiverged, valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { at, fraction, numbers, pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, reached, reproductionNotes } from './common';

/** The grid: eta = 0.1 * 1.02^k, k = -10 ... 12 (0.082 to 0.127), to 6 significant digits. */
export const GRID = Array.from({ length: 23 }, (_, i) => Number((0.1 * 1.02 ** (i - 10)).toPrecision(6)));
const QUICK_GRID = GRID.slice(8, 15);
const STEP = 1.02;
const ABOUT = ['train.learningRate', 'train.steps', 'init.scale', 'init.kind', 'train.excessLossTarget'];

/** Per eta: the share of non-diverged runs within 1e-6 of w*, and how many survived. */
function perEta(runs: RunView[], etas: number[]) {
  return etas.map((eta) => {
    const mine = runs.filter((r) => r.record.values['train.learningRate'] === eta);
    const survivors = mine.filter((r) => !isDiverged(r));
    return { eta, runs: mine.length, survivors: survivors.length, reached: fraction(survivors, (r) => reached(r)) };
  });
}

/**
 * The bracket of the critical rate: `lo`, the largest eta at and below which every non-diverged run
 * reaches w*; `hi`, the smallest eta at and above which none does (null when the grid does not
 * show such a point, or when no run survives).
 */
export function criticalBracket(rows: { eta: number; survivors: number; reached: number }[]): { lo: number | null; hi: number | null } {
  const sorted = rows.slice().sort((a, b) => a.eta - b.eta);
  let lo: number | null = null;
  for (const r of sorted) {
    if (r.survivors > 0 && r.reached === 1) lo = r.eta;
    else break;
  }
  let hi: number | null = null;
  for (let i = sorted.length - 1; i >= 0; i--) {
    if (sorted[i].reached === 0) hi = sorted[i].eta;
    else break;
  }
  return { lo, hi };
}

function findings(ctx: FindingsContext): FindingsResult {
  const { ds } = ctx;
  const t = ctx.theory!;
  const etas = numbers(ds, 'train.learningRate');
  const scales = numbers(ds, 'init.scale');
  const rows = perEta(ds.runs, etas);
  const { lo, hi } = criticalBracket(rows);
  const oneOverAL = 2 / t.sMinRefinedLower;
  const twoOverSMin = t.criticalLearningRate!;
  const lowerWindow = 2 / t.sMinRefinedUpper!;
  const rankOne = 2 / t.sRankOne!;
  const out: Finding[] = [];
  const width = lo !== null && hi !== null ? hi / lo : null;
  out.push({
    id: 'bracket',
    claim: 'gradient descent reaches w* below a critical learning rate and never above it; the grid brackets that rate to 2%',
    observed: `every non-diverged run reaches w* for η ≤ ${fmt(lo)}, none for η ≥ ${fmt(hi)}${width !== null ? ` (a bracket ×${fmt(width, 4)})` : ''}; in between: ${
      rows
        .filter((r) => lo !== null && hi !== null && r.eta > lo && r.eta < hi)
        .map((r) => `η ${r.eta}: ${pct(r.reached)}`)
        .join(', ') || 'nothing'
    }`,
    expected: `adjacent grid points (×${STEP})`,
    pass: width !== null && width <= STEP * (1 + 1e-5),
    about: ABOUT,
  });
  const gapToSlides = hi !== null ? oneOverAL / hi - 1 : NaN;
  const gapToTheorem1 = hi !== null ? twoOverSMin / hi - 1 : NaN;
  out.push({
    id: 'which-bound',
    claim: 'the critical rate is the slides’ 1/(aL) (no minimizer is stable above it), not Theorem 1’s 2/S_min',
    observed: `bracket [${fmt(lo)}, ${fmt(hi)}]; 1/(aL) = ${fmt(oneOverAL)} lies ${pct(gapToSlides)} above its top, 2/S_min = ${fmt(twoOverSMin)} ${pct(
      gapToTheorem1,
    )} above it; the slides' other bound 2/S_upper = ${fmt(lowerWindow)} (below it some minimizer is stable) and the rank-one minimizers' 2/S_r1 = ${fmt(rankOne)} (docs/theory.md §2.4)`,
    expected: '1/(aL) at or above the bracket’s top by at most 3%; 2/S_min above it by more than 20%',
    pass: lo !== null && hi !== null && oneOverAL >= lo && gapToSlides >= -1e-9 && gapToSlides <= 0.03 && gapToTheorem1 > 0.2,
    about: ABOUT,
  });
  const perScale = scales.map((s) => ({ s, ...criticalBracket(perEta(at(ds, { 'init.scale': s }), etas)) }));
  out.push({
    id: 'scale-independent',
    claim: 'the critical rate does not depend on the initialization scale',
    observed: perScale.map((b) => `scale ${b.s}: [${fmt(b.lo)}, ${fmt(b.hi)}]`).join('; '),
    expected: 'the same bracket at every scale',
    pass: perScale.length > 0 && perScale.every((b) => b.lo !== null && b.hi !== null && b.lo === lo && b.hi === hi),
    about: ABOUT,
  });
  const stalled = ds.runs.filter((r) => hi !== null && (r.record.values['train.learningRate'] as number) >= hi && !isDiverged(r));
  const dist = stalled.map((r) => valueOf(r, 'final', 'distance')).filter((v): v is number => v !== null);
  out.push({
    id: 'above-critical',
    claim: 'above the critical rate the runs that do not diverge stall near w* (a periodic orbit), without reaching it',
    observed: dist.length
      ? `${stalled.length} runs; final ‖w − w*‖² ${fmt(Math.min(...dist), 2)} to ${fmt(Math.max(...dist), 2)}; ${pct(
          fraction(
            ds.runs.filter((r) => hi !== null && (r.record.values['train.learningRate'] as number) >= hi),
            isDiverged,
          ),
        )} of the runs there diverged`
      : 'no such runs',
    expected: '',
    pass: null,
    about: ABOUT,
  });
  return {
    headline: { bracket: { lo, hi }, oneOverAL, twoOverSMin, twoOverSUpper: lowerWindow, twoOverSRankOne: rankOne, perEta: rows, perScale },
    findings: out,
    notes: reproductionNotes(ctx, {
      extra: [
        'A run reaches w* when ‖w − w*‖² < 1e-6 at the end; runs stop early at an excess loss of 1e-12 (‖w − w*‖² ≤ 1e-12/λ), the others run 100,000 steps. Near the critical rate convergence slows without bound, so a larger budget can only move the bracket’s lower end up (at η = 0.1032 a run is at 1e-7 after 4·10^5 steps).',
        'Not in the paper: its Fig. 1 grid (0.07, 0.1, 0.2) cannot separate the two predictions.',
      ],
    }),
  };
}

export const marionChizatCriticalLr: Preset = {
  name: 'marion-chizat-critical-lr',
  summary:
    "Marion & Chizat, the critical learning rate bracketed to 2% on the authors' data: eta = 0.1·1.02^k around 1/(aL), Gaussian scales 0.25-0.4, up to 10^5 steps",
  config: {
    name: 'marion-chizat-critical-lr',
    description:
      "Beyond Marion & Chizat's Fig. 1, on the authors' dataset: gradient descent (L = 10, Gaussian init at scales 0.25-0.4) on a 2% geometric grid of learning rates " +
      "from 0.082 to 0.127, up to 100,000 steps, to bracket the critical learning rate and tell the slides' 1/(aL) from Theorem 1's 2/S_min.",
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: 0.1,
      steps: 100000,
      excessLossTarget: 1e-12,
      recordEvery: 0,
      record: ['loss', 'distance', 'sharpness'],
      sharpness: { method: 'lanczos', tol: 1e-10 },
    },
    repetitions: 3,
    sweep: [{ 'train.learningRate': GRID }, { 'init.scale': [0.25, 0.3, 0.35, 0.4] }],
    report: {
      title: 'Marion & Chizat (2024): the critical learning rate, bracketed',
      figures: [
        {
          kind: 'sweep',
          id: 'distance-vs-learning-rate',
          title: 'Squared distance to w* after up to 100,000 steps, against the learning rate; 1/(aL) (slides) and 2/S_min (Theorem 1)',
          x: 'train.learningRate',
          xScale: 'log',
          y: 'distance',
          yScale: 'log',
          series: 'init.scale',
          rules: [
            { x: '2/sMinRefinedLower', label: '1/(aL)' },
            { x: '2/sMin', label: '2/S_min' },
          ],
        },
        {
          kind: 'sweep',
          id: 'sharpness-vs-learning-rate',
          title: 'Final sharpness relative to 2/η: 1 where gradient descent ends at the edge of stability',
          x: 'train.learningRate',
          xScale: 'log',
          y: 'sharpness*eta/2',
          yLabel: 'Final sharpness × η/2',
          series: 'init.scale',
          rules: [
            { y: '1', label: 'S = 2/η' },
            { x: '2/sMinRefinedLower', label: '1/(aL)' },
          ],
        },
        { kind: 'divergence', id: 'divergence', title: 'Probability of divergence', x: 'train.learningRate', xScale: 'log', series: 'init.scale' },
      ],
    },
    quick: { repetitions: 2, sweep: [{ 'train.learningRate': QUICK_GRID }, { 'init.scale': [0.3] }] },
  },
  findings,
};

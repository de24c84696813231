/**
 * Beyond the paper: Muon against gradient descent on Jacot et al.'s teacher in the Fig. 2 setting
 * (L = 4, w = 100, init std 0.01, eta = 1e-3; lib/papers/jacot/fig2.ts). GD from this small
 * initialization is saddle-to-saddle: the loss a staircase, the rank of A climbing 0 -> 1 -> 2 -> 3
 * one mode at a time. Muon replaces each layer's gradient by its orthogonal polar factor (exact by
 * SVD; docs/algorithms.md §7), so every singular direction of every layer moves at the same rate
 * eta per step whatever its gradient's size: the claim (issue 17; "Muon learns balanced solutions
 * without slow saddle-to-saddle dynamics", 2026) is that it has no staircase and ends balanced.
 *
 * The comparison is in steps, not in t = eta * step: a Muon step moves each layer by eta in
 * spectral norm, a GD step by eta times the gradient (up to ~10^3 here), so the two rules' "time"
 * is not the same quantity. Both are recorded at the same log-spaced steps; GD over its Fig. 2
 * horizon (1.5e6 steps, where its staircase is complete), Muon over 3,000 (its loss is at 1e-3 by
 * then; each Muon step costs one SVD per layer, ~10^3 GD steps).
 *
 * Plateaus are read as in Fig. 2 (plateausOf: the loss within 2% over at least a factor 1.3 of
 * the step count), here against the step. Each check is a pure function of the measured numbers,
 * fed false cases in test/jacot-muon.test.ts.
 */
import { detectPlateaus, type Plateau } from '../../analysis/plateaus';
import { successiveValues, valueAtTime } from '../../analysis/series';
import type { TraceFile } from '../../experiments/execute';
import type { RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { Preset } from '../types';
import { column, RANK_TOLERANCE, TEACHER, TEACHER_NOTE } from './common';

/** The teacher's rank (its three modes; the noise is learned afterwards). */
export const TEACHER_RANK = 3;
/** Muon's layers end balanced: the final layerImbalance relative to the mean squared layer norm below this. */
export const BALANCE_TOL = 0.05;
const GD_STEPS = 1500000;
const MUON_STEPS = 3000;

/** Plateaus of a run's loss against the step (first record, step 0, left out of the log axis). */
export function stepPlateaus(trace: TraceFile): Plateau[] {
  const step = column(trace, 'step');
  const keep = step.map((s, i) => (s > 0 ? i : -1)).filter((i) => i >= 0);
  const pick = (xs: number[]) => keep.map((i) => xs[i]);
  return detectPlateaus(pick(step), pick(column(trace, 'loss')), trace.columns.rank ? pick(column(trace, 'rank')) : undefined, {
    tolerance: 0.02,
    minRatio: 1.3,
  });
}

/**
 * GD's staircase: a plateau (not the final stretch) at each saddle below the teacher's rank,
 * ranks 0, 1, 2 in this order, each lasting at least a factor 1.3 in steps.
 */
export function gdStaircaseFinding(plateaus: Plateau[]): Finding {
  const saddles = plateaus.filter((p) => !p.final);
  const below = saddles.filter((p) => p.rank !== null && p.rank < TEACHER_RANK).map((p) => p.rank as number);
  const distinct = successiveValues(below);
  const want = Array.from({ length: TEACHER_RANK }, (_, k) => k);
  return {
    id: 'gd-staircase',
    claim: `GD (eta = 1e-3): the loss is a staircase, a long plateau at each saddle below the teacher's rank (ranks ${want.join(', ')}, in order)`,
    observed:
      saddles
        .map((p) => `rank ${p.rank} at loss ${fmt(p.loss, 4)} over steps ${fmt(p.start, 3)} to ${fmt(p.end, 3)} (${fmt(p.end - p.start, 3)} steps)`)
        .join('; ') || 'no plateau',
    expected: `plateaus (loss within 2% over at least a factor 1.3 in steps) at ranks ${want.join(', ')} in this order`,
    pass: want.every((k, i) => distinct[i] === k),
  };
}

/** What muonNoStaircaseFinding() judges. */
export interface MuonRun {
  plateaus: Plateau[];
  /** Largest recorded rank, and the loss at the last record. */
  maxRank: number;
  finalLoss: number;
  /** GD's plateau at the teacher's rank (its loss), the level Muon must get below; null when GD has none. */
  gdRankLevel: number | null;
}

/**
 * Muon has no saddle-to-saddle: apart from its first stretch (the weights growing from the small
 * init at eta per step, the loss still at its initial level) and the final one, no plateau; it
 * reaches the teacher's rank and ends below GD's plateau at that rank (past every saddle).
 */
export function muonNoStaircaseFinding(m: MuonRun): Finding {
  const inner = m.plateaus.filter((p, i) => i > 0 && !p.final);
  const first = m.plateaus[0];
  const longest = inner.reduce((w, p) => Math.max(w, p.end / p.start), 1);
  return {
    id: 'muon-no-staircase',
    claim: `Muon (polar factor by SVD, eta = 1e-3): no saddle-to-saddle: after its first stretch (growth from the small init) no plateau before the end, the teacher's rank ${TEACHER_RANK} reached, the loss below GD's rank-${TEACHER_RANK} plateau`,
    observed:
      `first stretch ${first ? `at loss ${fmt(first.loss, 4)}, rank ${first.rank}, steps ${fmt(first.start, 3)} to ${fmt(first.end, 3)}` : 'none'}; ` +
      `${inner.length} plateaus after it${inner.length ? ` (${inner.map((p) => `rank ${p.rank} at loss ${fmt(p.loss, 4)} over steps ${fmt(p.start, 3)} to ${fmt(p.end, 3)}`).join('; ')}; longest a factor ${fmt(longest, 3)})` : ''}; ` +
      `largest rank ${m.maxRank}; final loss ${fmt(m.finalLoss, 4)} (GD's rank-${TEACHER_RANK} plateau: ${fmt(m.gdRankLevel, 4)})`,
    expected: `no plateau (loss within 2% over a factor 1.3 in steps) between the first stretch and the end; rank >= ${TEACHER_RANK}; final loss below GD's rank-${TEACHER_RANK} plateau`,
    pass: inner.length === 0 && m.maxRank >= TEACHER_RANK && m.gdRankLevel !== null && m.finalLoss < m.gdRankLevel,
  };
}

/** The final layer imbalance max_l ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F relative to the mean squared layer norm ||theta||^2 / L. */
export function relativeImbalance(imbalance: number, weightNorm: number, depth: number): number {
  return imbalance / ((weightNorm * weightNorm) / depth);
}

/** Muon's layers end balanced: relative imbalance below BALANCE_TOL (GD's, which GD conserves up to O(eta^2), for comparison). */
export function muonBalancedFinding(muon: number | null, gd: number | null): Finding {
  return {
    id: 'muon-balanced',
    claim: `Muon's layers end balanced: the final layerImbalance (max over l of ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F) below ${BALANCE_TOL} of the mean squared layer norm ||theta||^2 / L`,
    observed: `relative imbalance at the end: Muon ${fmt(muon, 4)}, GD ${fmt(gd, 4)} (GD conserves the imbalance up to O(eta^2) per step)`,
    expected: `Muon's < ${BALANCE_TOL}`,
    pass: muon !== null && Number.isFinite(muon) && muon < BALANCE_TOL,
  };
}

/** At Muon's horizon (the same number of steps), Muon is past the saddles and GD is not: Muon's loss below 1e-2 L(0), GD's above L(0) / 2. */
export function sameStepsFinding(steps: number, l0: number, muonLoss: number | null, gdLoss: number | null, gdRank: number | null): Finding {
  return {
    id: 'same-steps',
    claim: `after the same ${steps} steps, Muon has fitted the teacher while GD has not left the origin's saddle`,
    observed: `at step ${steps}: Muon's loss ${fmt(muonLoss, 4)}, GD's ${fmt(gdLoss, 4)} (rank ${gdRank}); initial loss ${fmt(l0, 5)}`,
    expected: `Muon's < 1e-2 x L(0), GD's > L(0) / 2`,
    pass: muonLoss !== null && gdLoss !== null && muonLoss < 1e-2 * l0 && gdLoss > l0 / 2,
  };
}

const kindOf = (r: RunView) => r.config.train.optimizer?.kind ?? 'gd';

function findings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const gd = ds.runs.find((r) => kindOf(r) === 'gd' && r.record.rep === 0);
  const muon = ds.runs.find((r) => kindOf(r) === 'muon' && r.record.rep === 0);
  const tg = gd ? loadTrace(gd.record.id) : undefined;
  const tm = muon ? loadTrace(muon.record.id) : undefined;
  if (!gd || !muon || !tg || !tm) return { headline: {}, findings: [] };
  const gdPlateaus = stepPlateaus(tg);
  const muonPlateaus = stepPlateaus(tm);
  const gdRankLevel = gdPlateaus.find((p) => p.rank === TEACHER_RANK)?.loss ?? null;
  const mLoss = column(tm, 'loss');
  const mRank = column(tm, 'rank');
  const last = (xs: number[]) => xs[xs.length - 1];
  const rel = (t: TraceFile, depth: number) => relativeImbalance(last(column(t, 'layerImbalance')), last(column(t, 'weightNorm')), depth);
  const muonRel = rel(tm, muon.depth);
  const gdRel = rel(tg, gd.depth);
  const horizon = last(column(tm, 'step'));
  const gdStep = column(tg, 'step');
  const at = (name: string) => valueAtTime(gdStep, column(tg, name), horizon * (1 + 1e-9));
  const l0 = column(tm, 'loss')[0];
  const muonRun: MuonRun = { plateaus: muonPlateaus, maxRank: Math.max(...mRank.filter(Number.isFinite)), finalLoss: last(mLoss), gdRankLevel };
  return {
    headline: {
      comparedIn: 'steps (a Muon step moves each layer by eta in spectral norm, a GD step by eta times the gradient)',
      gd: { plateaus: gdPlateaus, rankSequence: successiveValues(column(tg, 'rank')), finalLoss: last(column(tg, 'loss')), relativeImbalance: gdRel },
      muon: { plateaus: muonPlateaus, rankSequence: successiveValues(mRank), finalLoss: last(mLoss), relativeImbalance: muonRel },
      atMuonHorizon: { step: horizon, gdLoss: at('loss'), gdRank: at('rank'), muonLoss: last(mLoss) },
    },
    findings: [
      gdStaircaseFinding(gdPlateaus),
      muonNoStaircaseFinding(muonRun),
      muonBalancedFinding(muonRel, gdRel),
      sameStepsFinding(horizon, l0, last(mLoss), at('loss'), at('rank')),
    ],
  };
}

const figure = (id: string, title: string, y: string[], yScale: ('log' | 'linear')[], yLabels: string[]) => ({
  kind: 'trace' as const,
  id,
  title,
  x: 'step' as const,
  xLabel: 'Steps',
  xScale: 'log' as const,
  y,
  yScale,
  yLabels,
  series: 'train.optimizer.kind',
});

export const jacotMuon: Preset = {
  name: 'jacot-muon',
  summary:
    "Beyond the paper: Muon against GD on Jacot et al.'s teacher (Fig. 2 setting, L = 4, w = 100, eta = 1e-3), against the step: GD's plateaus and rank staircase 0 -> 1 -> 2 -> 3 against Muon's, and whether Muon's layers end balanced",
  config: {
    name: 'jacot-muon',
    description:
      "Jacot et al.'s Fig. 2 setting (the noisy rank-3 teacher, L = 4, w = 100, Gaussian init std 0.01, eta = 1e-3): gradient descent for 1.5e6 steps against Muon (each layer's update the orthogonal polar factor of its gradient, by SVD) for 3,000 steps, " +
      `compared against the step (not t = eta * step: the rules' steps have different scales), recorded at 50 log-spaced steps per decade: loss, test loss, rank of A, gradient norm, layer imbalance and weight norm. ${TEACHER_NOTE}`,
    seed: 0,
    data: TEACHER,
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'gd',
      learningRate: 1e-3,
      steps: MUON_STEPS,
      recordPerDecade: 50,
      record: ['loss', 'testLoss', 'rank', 'gradNorm', 'layerImbalance', 'weightNorm'],
      rankTolerance: RANK_TOLERANCE,
      optimizer: { kind: 'gd' },
    },
    sweep: [{ 'train.optimizer.kind': ['gd', 'muon'], 'train.steps': [GD_STEPS, MUON_STEPS] }],
    output: { traces: true },
    report: {
      title: "Muon against gradient descent on Jacot et al.'s teacher (L = 4): saddle-to-saddle or not",
      figures: [
        figure(
          'loss-rank',
          'Train loss, test loss and rank of A against the step, GD and Muon',
          ['loss', 'testLoss', 'rank'],
          ['log', 'log', 'linear'],
          ['Train loss', 'Test loss', 'Rank of A'],
        ),
        figure(
          'balance',
          'Layer imbalance max_l ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F and weight norm',
          ['layerImbalance', 'weightNorm'],
          ['log', 'log'],
          ['Layer imbalance', 'Weight norm'],
        ),
      ],
    },
    quick: {
      model: { width: 20 },
      train: { recordPerDecade: 20 },
      sweep: [{ 'train.optimizer.kind': ['gd', 'muon'], 'train.steps': [60000, 3000] }],
    },
  },
  findings,
};

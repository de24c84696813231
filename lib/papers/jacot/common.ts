/**
 * Jacot, Ged, Şimşek, Hongler, Gabriel: "Deep Linear Networks Dynamics: Low-Rank Biases Induced
 * by Initialization Scale and L2 Regularization". Saddle-to-saddle dynamics from small
 * initializations against the lazy regime (Figs. 2 and 4), the escape time's scaling with the
 * initialization scale, the L2 low-rank bias (Figs. 3 and 5), matrix completion (Fig. 1), and the
 * greedy rank-incremental Algorithm A. This module holds what the Jacot presets share: the
 * teacher, the rank threshold, and the readings of a trace (columns, plateaus, the rank sequence).
 *
 * The teacher: W_T = W_0 W_0^T (10 x 10, rank 3, column i of W_0 with variance i) plus N(0, 0.2^2)
 * noise; the paper's draw is not known. Data seed 208 gives singular values (29.4, 19.7, 9.0), the
 * closest among seeds 0-299 to their expected values (30, 20, 10). Some draws are too sharp for
 * eta = 1e-3 at L = 4 (e.g. seed 3, sigma_1 = 39: S > 2/eta, GD oscillates instead of converging).
 *
 * Rank: the paper sets "eigenvalues smaller than 1e-4" to zero. Read as eigenvalues of A^T A, that
 * is singular values of A below 1e-2, the reading used here (rankTolerance 1e-2): at 1e-4 the
 * random components of a w^-1 initialization (singular values about 6e-5) cross the threshold long
 * before they are learned. `--set train.rankTolerance=1e-4` gives the literal reading.
 */
import { detectPlateaus, type Plateau } from '../../analysis/plateaus';
import { successiveValues } from '../../analysis/series';
import type { TraceFile } from '../../experiments/execute';
import { fmt, type Finding } from '../../report/findings';

const TEACHER_SEED = 208;
export const RANK_TOLERANCE = 1e-2;
export const TEACHER = { kind: 'jacot-teacher' as const, d: 10, rank: 3, n: 100, nTest: 1000, noise: 0.2, seed: TEACHER_SEED };
export const TEACHER_NOTE =
  'Teacher seed 208: singular values (29.4, 19.7, 9.0), the closest to their expectations (30, 20, 10) among seeds 0-299. ' +
  'Rank counts singular values above 1e-2 (eigenvalues of AᵀA above 1e-4, the paper’s threshold).';

/** A trace column as numbers (missing values as NaN; an absent column is empty). */
export function column(trace: TraceFile, name: string): number[] {
  return (trace.columns[name]?.values ?? []).map((v) => (v === null ? NaN : v));
}

/** Plateaus of a run's loss curve on a log-time axis, with the rank on each. */
export function plateausOf(trace: TraceFile): Plateau[] {
  const time = column(trace, 'time');
  const keep = time.map((t, i) => (t > 0 ? i : -1)).filter((i) => i >= 0);
  const pick = (xs: number[]) => keep.map((i) => xs[i]);
  return detectPlateaus(pick(time), pick(column(trace, 'loss')), trace.columns.rank ? pick(column(trace, 'rank')) : undefined, {
    tolerance: 0.02,
    minRatio: 1.3,
  });
}

/** The distinct successive values of the recorded rank. */
export function rankSequence(trace: TraceFile): number[] {
  return successiveValues(column(trace, 'rank'));
}

/**
 * Algorithm A's stage end points are the saddles small-initialization gradient descent passes:
 * the stage that ends at rank k has the loss of the plateau at rank k (relative `tol`; a plateau
 * drifts down slowly, a stage ends after T steps). Every given stage must have its plateau.
 */
export function saddlesMatchFinding(plateaus: Plateau[], stages: { rank: number; loss: number }[], tol: number): Finding {
  const pairs = stages.map((s) => ({ s, p: plateaus.find((p) => p.rank === s.rank) ?? null }));
  const errors = pairs.map(({ s, p }) => (p ? Math.abs(s.loss / p.loss - 1) : Infinity));
  const worst = errors.length ? Math.max(...errors) : Infinity;
  return {
    id: 'saddles-match-plateaus',
    claim:
      'Algorithm A’s stage end points are the saddles that small-initialization gradient descent passes: the stage ending at rank k has the loss of the plateau at rank k',
    observed: pairs.map(({ s, p }) => `rank ${s.rank}: stage ${fmt(s.loss, 6)}, plateau ${p ? fmt(p.loss, 6) : 'none'}`).join('; ') || 'no stages',
    expected: `relative difference < ${tol} for each (a plateau drifts down slowly; a stage ends after T steps)`,
    pass: pairs.length >= 2 && worst < tol,
  };
}

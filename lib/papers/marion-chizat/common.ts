/**
 * What the Marion-Chizat presets share: the authors' data, what "reached the minimizer" means, the
 * theory lines their figures draw (and which code version each follows), and the statements every
 * report makes about how the reproduction was made (docs/reproduction.md §2).
 */
import type { Experiment } from '../../experiments/schema';
import { isDiverged, valueOf, type RunView } from '../../report/dataset';
import { fmt, type FindingsContext } from '../../report/findings';
import { INTERVAL_STATEMENT } from '../../report/figures';

/** A run "reached the minimizer": not diverged and ||w - w*||^2 below the tolerance at the end. */
export function reached(r: RunView, tolerance = 1e-6): boolean {
  if (isDiverged(r)) return false;
  const d = valueOf(r, 'final', 'distance');
  return d !== null && d < tolerance;
}

/**
 * The authors' dataset as their May 2024 code (the paper's) draws it: JAX's PRNGKey(0) key chain,
 * n = 50, d = 5, no test set (README "Data sources").
 */
export const AUTHORS_DATA = { kind: 'marion-chizat', source: 'authors', n: 50, d: 5, noise: 1 } as const;

/** Their October 2024 code's draw: the same X, a test set, other w_true and noise; the depth and underdetermined experiments. */
export const AUTHORS_2024_10_DATA = { kind: 'marion-chizat', source: 'authors-2024-10', n: 50, d: 5, noise: 1 } as const;

/** The theory lines, labelled with their source. */
export const LINES = {
  sMin: { y: 'sMin', label: 'S_min = 2Lλ (Thm 1)' },
  corollary3: { y: 'smallInitUpper', label: '4(Λ/λ)S_min = 8LΛ (Cor. 3)' },
  twoLa: { y: 'sMinRefinedLower', label: '2La (slides; Oct. 2024 code)' },
  codeUpper: { y: 'codeUpper', label: '8LΛ (Oct. 2024 code)' },
} as const;

/** Which theory lines a figure draws, for the report's statement of where each comes from. */
export type LineName = keyof typeof LINES;

function dataNote(config: Experiment, ctx: FindingsContext): string {
  const d = config.data;
  if (d.kind !== 'marion-chizat') return `Data: ${d.kind}.`;
  const t = ctx.theory;
  const values = t ? ` (λ = ${fmt(t.lambda)}, Λ = ${fmt(t.Lambda)}, a = ${fmt(t.a)} at the first grid point)` : '';
  if (d.source === 'authors') {
    return `Data: the authors' exact dataset, as their May 2024 code (the paper's) draws it: JAX's PRNGKey(0) key chain, X as JAX's float32 draws bit for bit, n = 50, d = 5, no test set${values}.`;
  }
  if (d.source === 'authors-2024-10') {
    return `Data: the authors' dataset as their October 2024 code draws it: the same X as the paper's, a test set drawn after it, so other w_true, noise, y and w*${values}.`;
  }
  return `Data: dlnflow's own generator (data.source seed${d.seed !== undefined ? `, seed ${d.seed}` : ', seed derived from the master seed'}), n = ${d.n}, d = ${d.d}: not the authors' dataset${values}.`;
}

export interface NotesOptions {
  /** Gradient descent from scaled draws (common random numbers across scales and learning rates apply). */
  scaled?: boolean;
  /** The preset has sweep figures with bands (default true). */
  intervals?: boolean;
  /** The theory lines the figures draw. */
  lines?: LineName[];
  /** Extra statements specific to the preset. */
  extra?: string[];
}

/**
 * The report's statements on how this reproduction was made: data, precision, the distance's
 * definition, the initial draws, the sharpness, the intervals, and which code version each line
 * follows.
 */
export function reproductionNotes(ctx: FindingsContext, options: NotesOptions = {}): string[] {
  const config = ctx.ds.plan.experiment;
  const notes = [dataNote(config, ctx)];
  notes.push(
    "Precision: float64 throughout. The authors' code computes in float32 (about 1e-7 relative rounding in every quantity, which hides squared distances below about 1e-12); divergence here is a non-finite loss or one above 1e12·max(1, initial loss) (docs/algorithms.md §1.2), not a float32 overflow.",
  );
  notes.push(
    "Squared distance: ‖w_prod − w*‖², the paper's definition (Appendix C); the authors' code plots the mean over the d coordinates, ‖w_prod − w*‖²/d (5 times smaller at d = 5; recorded as distanceMean).",
  );
  if (options.scaled !== false) {
    const crn = config.seeds.initBy.length === 0;
    notes.push(
      crn
        ? "Initial draws: common random numbers. Repetition r starts from the same N(0, 1) draws at every scale and learning rate (scaled), where the authors' code draws a new key per (learning rate, repetition, scale); the draws are dlnflow's, not JAX's."
        : `Initial draws: independent per ${config.seeds.initBy.join(', ')} (seeds.initBy); the draws are dlnflow's, not JAX's.`,
    );
  }
  notes.push(
    "Sharpness: the exact largest Hessian eigenvalue (Lanczos) at the final weights. The authors' code runs 20 power iterations (an estimate of the spectral radius, recorded as sharpnessPower), and in the sweeps measures it after the update at the last step divisible by 5, 4 updates before the end.",
  );
  if (options.intervals !== false) notes.push(`Intervals: ${INTERVAL_STATEMENT}.`);
  const lines = options.lines ?? [];
  const t = ctx.theory;
  const L = ctx.ds.runs[0]?.depth ?? 10;
  const lineText: Record<LineName, string> = {
    sMin: `S_min = 2Lλ‖w*‖^(2−2/L) (Theorem 1${t ? `, ${fmt(t.sMin)}` : ''}): drawn by the May 2024 code (the paper's figures)`,
    corollary3: `4(Λ/λ)S_min = 8LΛ (Corollary 3${t ? `, ${fmt(t.smallInitUpper)}` : ''}): the October 2024 code draws it; the May 2024 code, and so the published Fig. 1b and 1d, draws 8Lλ${
      t ? ` = ${fmt(8 * L * t.lambda)}` : ''
    } instead (its variable for Λ takes the smallest eigenvalue of Σ)`,
    twoLa: `2La‖w*‖^(2−2/L) (the slides' lower bound on the sharpness of every minimizer${t ? `, ${fmt(t.sMinRefinedLower)}` : ''}): the October 2024 code's lower line`,
    codeUpper: `8LΛ (${t ? `${fmt(t.codeUpper)}, ` : ''}the October 2024 code's upper line; not a bound of the paper)`,
  };
  if (lines.length)
    notes.push(`Lines: dashed, 2/η per learning rate (both code versions); dotted black: ${lines.map((l) => lineText[l]).join('; ')}.`);
  return [...notes, ...(options.extra ?? [])];
}

/** The median of some numbers (NaN for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

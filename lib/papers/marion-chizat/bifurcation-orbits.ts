/**
 * What the orbit after a run's last step is (docs/theory.md §4.1): a fixed point, a settled orbit
 * of period p ∈ {2, 4, 8, 16}, a transient (a period-p pattern whose amplitude still changes),
 * chaos (no period, a positive Lyapunov exponent), or the run collapsed onto the flat region
 * around W = 0, or diverged. The rules read the sharpness orbit in units of the edge,
 * q_j = η S(θ_j)/2 (the recorded orbitSharpness, W = 64 points), and the recorded lyapunov:
 *
 * - collapsed: max_j q_j < 0.01 (the sharpness a hundred times below the edge: the layers near 0);
 * - fixed: max_j q_j − min_j q_j ≤ 1e-4 (the orbit repeats every step to 10⁻⁴ of 2/η);
 * - period p: the smallest p with max_j |q_{j+p} − q_j| ≤ 1e-4 + 0.02 · (max q − min q) (the
 *   second term lets a slow drift of the pattern pass, so that a decaying period-2 transient is
 *   recognized as one); then settled when the spread of its first p points and of its last p
 *   points differ by at most 0.1%, else a transient (near the critical rate the amplitude of a
 *   decaying period-2 transient changes by only ~1% over the window after 10⁴ steps);
 * - chaotic: no period ≤ 16 and lyapunov > 0.01 per step (a separation growing e^{0.64} ≈ 1.9-fold
 *   over the window; periodic orbits measure ≤ 0 up to the window's O(1/W) bias, their neutral
 *   directions along the minimizers give 0); aperiodic otherwise (a longer period, or a slow drift).
 */
import { isDiverged, type RunView } from '../../report/dataset';

export const ORBIT_RULES = {
  periods: [2, 4, 8, 16],
  /** Two points of the orbit repeat when their q agree to this (a fraction of 2/η). */
  periodTolerance: 1e-4,
  /** The drift a repeating pattern may show, as a fraction of the orbit's spread. */
  driftFraction: 0.02,
  /** A periodic orbit is settled when its amplitude changes by at most this fraction over the window. */
  settleTolerance: 1e-3,
  /** An orbit without a period is chaotic when its Lyapunov exponent (per step) exceeds this. */
  chaosThreshold: 0.01,
  /** Collapsed: the orbit's largest q below this. */
  collapseFraction: 0.01,
} as const;

export type OrbitKind = 'diverged' | 'collapsed' | 'fixed' | 'period' | 'transient' | 'chaotic' | 'aperiodic' | 'unknown';

export interface OrbitClass {
  kind: OrbitKind;
  /** The period of a periodic orbit or transient (1 for a fixed point), else null. */
  period: number | null;
  /** Spread of q over the window. */
  spread: number | null;
  lyapunov: number | null;
}

function spreadOf(q: number[]): number {
  return Math.max(...q) - Math.min(...q);
}

/**
 * The class of an orbit from its sharpness orbit q (in units of 2/η) and Lyapunov exponent
 * (null when not finite).
 */
export function classifyOrbit(q: number[], lyapunov: number | null, rules = ORBIT_RULES): OrbitClass {
  if (q.length === 0 || q.some((v) => !Number.isFinite(v))) return { kind: 'unknown', period: null, spread: null, lyapunov };
  const spread = spreadOf(q);
  if (Math.max(...q) < rules.collapseFraction) return { kind: 'collapsed', period: null, spread, lyapunov };
  if (spread <= rules.periodTolerance) return { kind: 'fixed', period: 1, spread, lyapunov };
  for (const p of rules.periods) {
    if (2 * p > q.length) break;
    let worst = 0;
    for (let j = 0; j + p < q.length; j++) worst = Math.max(worst, Math.abs(q[j + p] - q[j]));
    if (worst > rules.periodTolerance + rules.driftFraction * spread) continue;
    const first = spreadOf(q.slice(0, p));
    const last = spreadOf(q.slice(q.length - p));
    const settled = Math.abs(last - first) <= rules.settleTolerance * Math.max(first, last);
    return { kind: settled ? 'period' : 'transient', period: p, spread, lyapunov };
  }
  if (lyapunov !== null && lyapunov > rules.chaosThreshold) return { kind: 'chaotic', period: null, spread, lyapunov };
  return { kind: 'aperiodic', period: null, spread, lyapunov };
}

/** A run's orbit class from its recorded orbitSharpness and lyapunov (at the end). */
export function classifyRun(r: RunView, rules = ORBIT_RULES): OrbitClass {
  const lyapunov = typeof r.record.final.lyapunov === 'number' ? r.record.final.lyapunov : null;
  if (isDiverged(r)) return { kind: 'diverged', period: null, spread: null, lyapunov: null };
  const eta = r.config.train.learningRate!;
  const s = r.record.final.orbitSharpness;
  if (!Array.isArray(s)) return { kind: 'unknown', period: null, spread: null, lyapunov };
  return classifyOrbit(
    s.map((v) => (v === null ? NaN : (v * eta) / 2)),
    lyapunov,
    rules,
  );
}

/** A label for tables: "period 4", "transient (period 2)", "chaotic". */
export function orbitLabel(c: OrbitClass): string {
  if (c.kind === 'period') return `period ${c.period}`;
  if (c.kind === 'transient') return `transient (period ${c.period})`;
  return c.kind;
}

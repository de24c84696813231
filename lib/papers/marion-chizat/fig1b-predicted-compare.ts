/**
 * Fig. 1b predicted: per (η, scale) point of Marion & Chizat's Fig. 1b, gradient descent's final
 * sharpness beside the end-point sharpness of its central flow and of the plain gradient flow from
 * the same initializations (pure, from plain numbers, so tests can feed false cases).
 *
 * Each repetition r is one initialization, shared by the three methods (common random numbers).
 * What the central flow predicts from the initialization alone sorts a repetition into a regime:
 *   'edge'          from an initialization below 2/η, the central flow ends at 2/η (within 1%):
 *                   the plateau (its end edgeCount says nothing here: at a minimizer on the edge
 *                   σ² → 0 and the eigenvalue may leave the edge where it stands);
 *   'gradient-flow' it ends off the edge from an initialization below 2/η: it should be the
 *                   gradient flow (both the same ODE until an eigenvalue reaches 2/η);
 *   'above'         the initialization is at or above 2/η (GD's first steps are unstable there: a
 *                   catapult, or divergence, which no flow models), wherever the central flow ends;
 *   'undefined'     the central flow did not run (more than 4 eigenvalues above 2/η at t = 0, or
 *                   another failure).
 * A point's regime is its repetitions' if they agree, else 'mixed'.
 * Agreement of a point: the mean over repetitions where both exist (GD not diverged, the central
 * flow completed) of |S_cf − S_gd| / S_gd.
 */

export type Regime = 'edge' | 'gradient-flow' | 'above' | 'undefined';

/** One repetition at one point: the three methods' end points (null: diverged or failed). */
export interface PredictedRep {
  rep: number;
  initialSharpness: number;
  gd: number | null;
  gdDiverged: boolean;
  central: number | null;
  flow: number | null;
}

/** How close to 2/η (relative) the central flow's end point counts as on the plateau. */
export const EDGE_TOLERANCE = 0.01;

export interface PredictedPoint {
  eta: number;
  scale: number;
  regime: Regime | 'mixed';
  reps: number;
  /** How many repetitions fall in each regime. */
  regimes: Partial<Record<Regime, number>>;
  /** The repetitions themselves (the findings pool them by regime across points). */
  pairs: PredictedRep[];
  /** GD: mean final sharpness over the survivors (null: all diverged), and the share that diverged. */
  gd: number | null;
  gdDivergence: number;
  /** The central flow's and the gradient flow's mean end-point sharpness over the runs that completed. */
  central: number | null;
  flow: number | null;
  /** Mean |S_cf − S_gd| / S_gd over the paired repetitions (null: no pair). */
  agreement: number | null;
  /** Largest |S_cf − S_gf| / S_gf over the repetitions (null: no pair). */
  centralVsFlow: number | null;
  /** Mean |S_gd − S_gf| / S_gf over the paired repetitions (null: no pair). */
  gdVsFlow: number | null;
}

export function regimeOf(r: PredictedRep, eta: number): Regime {
  if (r.central === null) return 'undefined';
  if (r.initialSharpness >= 2 / eta) return 'above';
  return Math.abs(r.central - 2 / eta) <= EDGE_TOLERANCE * (2 / eta) ? 'edge' : 'gradient-flow';
}

const mean = (v: number[]): number | null => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : null);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

export function predictedPoint(eta: number, scale: number, reps: PredictedRep[]): PredictedPoint {
  const regimes = new Set(reps.map((r) => regimeOf(r, eta)));
  const both = reps.filter((r) => r.gd !== null && r.central !== null);
  const cfgf = reps.filter((r) => r.central !== null && r.flow !== null);
  const gdgf = reps.filter((r) => r.gd !== null && r.flow !== null);
  return {
    eta,
    scale,
    regime: regimes.size === 1 ? [...regimes][0] : 'mixed',
    reps: reps.length,
    regimes: reps.reduce<Partial<Record<Regime, number>>>((c, r) => {
      const g = regimeOf(r, eta);
      c[g] = (c[g] ?? 0) + 1;
      return c;
    }, {}),
    pairs: reps,
    gd: mean(reps.filter((r) => r.gd !== null).map((r) => r.gd!)),
    gdDivergence: reps.length ? reps.filter((r) => r.gdDiverged).length / reps.length : NaN,
    central: mean(reps.filter((r) => r.central !== null).map((r) => r.central!)),
    flow: mean(reps.filter((r) => r.flow !== null).map((r) => r.flow!)),
    agreement: mean(both.map((r) => rel(r.central!, r.gd!))),
    centralVsFlow: cfgf.length ? Math.max(...cfgf.map((r) => rel(r.central!, r.flow!))) : null,
    gdVsFlow: mean(gdgf.map((r) => rel(r.gd!, r.flow!))),
  };
}

/**
 * Marion & Chizat (2024), the sweeps over initialization scale: Figures 1a, 1b and 2 (Gaussian
 * init, scale 0.25-0.6) and 3a, 3b and 4 (residual init, s in 0-1.7): gradient descent on a
 * depth-10 linear network for univariate regression on the authors' data (n = 50, d = 5), five
 * learning rates with the paper's step budgets and repetitions (Appendix C; 80 repetitions for
 * eta = 0.2 as in the code). Sharpness is exact (Lanczos, the top algebraic eigenvalue) at
 * initialization and at the final point; the reference code's 20-step power iteration is recorded
 * beside it for parity.
 *
 * What the config shares lives here (scaleSweepPreset); the findings are built from the per-cell
 * statistics below by fig1.ts and fig3.ts, each stating what its figure shows on the authors' data
 * (docs/reproduction.md §3 and §5).
 */
import { isDiverged, valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext } from '../../report/findings';
import { at, fraction, meanFinal, meanInitial, numbers, pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, LINES, reached, type LineName } from './common';

export const LEARNING_RATES = [0.005, 0.02, 0.07, 0.1, 0.2];

/** What every finding of a scale sweep is about: the learning rates with their budgets, the scales, the init. */
export const SWEEP_ABOUT = ['train.learningRate', 'train.steps', 'init.scale', 'init.kind'];

/** One grid point (learning rate, scale) over its repetitions. */
export interface Cell {
  eta: number;
  scale: number;
  runs: number;
  /** The runs that did not diverge. */
  survivors: RunView[];
  divergence: number;
  /** Mean final squared distance over the survivors (null: all diverged). */
  distance: number | null;
  /** Fraction of the survivors within 1e-6 of w*. */
  reached: number;
  /** Mean final sharpness over the survivors. */
  sharpness: number | null;
  /** Fraction of the survivors whose final sharpness exceeds 2/eta. */
  above: number;
  /** Mean sharpness at initialization (every run). */
  initialSharpness: number | null;
}

export function cells(ctx: FindingsContext): Cell[] {
  const { ds } = ctx;
  const out: Cell[] = [];
  for (const eta of numbers(ds, 'train.learningRate')) {
    for (const scale of numbers(ds, 'init.scale')) {
      const runs = at(ds, { 'train.learningRate': eta, 'init.scale': scale });
      if (runs.length === 0) continue;
      const survivors = runs.filter((r) => !isDiverged(r));
      out.push({
        eta,
        scale,
        runs: runs.length,
        survivors,
        divergence: fraction(runs, isDiverged),
        distance: meanFinal(runs, 'distance'),
        reached: fraction(survivors, (r) => reached(r)),
        sharpness: meanFinal(runs, 'sharpness'),
        above: fraction(survivors, (r) => (valueOf(r, 'final', 'sharpness') ?? 0) > 2 / eta),
        initialSharpness: meanInitial(runs, 'sharpness'),
      });
    }
  }
  return out;
}

export const ofEta = (all: Cell[], eta: number) => all.filter((c) => c.eta === eta);
/** Cells where some run survived (the paper draws no point where every run diverged). */
export const alive = (all: Cell[]) => all.filter((c) => c.survivors.length > 0);

function range(values: (number | null)[], digits = 2): string {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? `${fmt(Math.min(...v), digits)} to ${fmt(Math.max(...v), digits)}` : 'n/a';
}

/** "eta reaches w* at every scale": every run that did not diverge ends within 1e-6 of w*. */
export function convergesFinding(all: Cell[], eta: number, steps: number): Finding {
  const mine = alive(ofEta(all, eta));
  const survivors = mine.reduce((n, c) => n + c.survivors.length, 0);
  const reachedRuns = mine.reduce((n, c) => n + Math.round(c.reached * c.survivors.length), 0);
  return {
    id: `eta-${eta}`,
    claim: `η = ${eta}: every run that does not diverge reaches w* within ${steps.toLocaleString('en-US')} steps, at every scale`,
    observed: `${reachedRuns} of ${survivors} non-diverged runs end within 1e-6 of w* (mean ‖w − w*‖² ${range(mine.map((c) => c.distance))} across scales); ${pct(
      ofEta(all, eta).reduce((n, c) => n + c.divergence * c.runs, 0) / ofEta(all, eta).reduce((n, c) => n + c.runs, 0),
    )} of all runs diverged`,
    expected: 'every non-diverged run below 1e-6',
    pass: mine.length > 0 && reachedRuns === survivors,
    about: SWEEP_ABOUT,
  };
}

/** "eta fails at every scale": no run reaches w*; the survivors stall far from it. */
export function failsFinding(all: Cell[], eta: number): Finding {
  const mine = ofEta(all, eta);
  const living = alive(mine);
  const reachedAny = living.some((c) => c.reached > 0);
  const near = mine.filter((c) => !failsAt(c)).map((c) => c.scale);
  return {
    id: `eta-${eta}`,
    claim: `η = ${eta}: training fails at every scale: runs diverge, or stall far from w*`,
    observed: `mean final ‖w − w*‖² over non-diverged runs ${range(living.map((c) => c.distance))} across scales (initialization: about 1); divergence ${range(
      mine.map((c) => c.divergence),
    )} by scale; ${reachedAny ? 'some run reached w*' : 'no run reached w*'}`,
    expected: 'no run within 1e-6 of w*, mean distance above 1e-2 at every scale',
    pass: mine.length > 0 && !reachedAny && near.length === 0,
    about: SWEEP_ABOUT,
  };
}

/** A learning rate "fails" at a scale: every run diverges, or the survivors end farther than 1e-2 from w* on average. */
export const failsAt = (c: Cell) => c.survivors.length === 0 || (c.distance !== null && c.distance > 1e-2);

/**
 * The paper's grid around the critical rate: the largest eta at which every survivor reaches w*
 * at every scale, and the smallest at which training fails at every scale (diverges, or stalls
 * farther than 1e-2 from w*); both candidate predictions lie between them.
 */
export function gridBracketFinding(all: Cell[], ctx: FindingsContext): { finding: Finding; largest: number | null; smallest: number | null } {
  const t = ctx.theory!;
  const etas = [...new Set(all.map((c) => c.eta))].sort((a, b) => a - b);
  const every = (eta: number) => alive(ofEta(all, eta)).length > 0 && alive(ofEta(all, eta)).every((c) => c.reached === 1);
  const failing = etas.filter((eta) => ofEta(all, eta).every(failsAt));
  const converging = etas.filter(every);
  const largest = converging.length ? Math.max(...converging) : null;
  const smallest = failing.length ? Math.min(...failing) : null;
  const oneOverAL = 2 / t.sMinRefinedLower;
  const twoOverSMin = t.criticalLearningRate!;
  const between = (x: number) => largest !== null && smallest !== null && largest < x && x < smallest;
  return {
    largest,
    smallest,
    finding: {
      id: 'critical-learning-rate',
      claim:
        'on the paper’s grid, gradient descent reaches w* at every scale below a critical learning rate and fails above it (diverges, or stalls far from w*); both predictions of that rate lie in the gap, which this grid cannot split',
      observed: `largest η at which every non-diverged run reaches w*: ${fmt(largest)}; smallest η failing at every scale: ${fmt(smallest)}`,
      expected: `between them 1/(aL) = ${fmt(oneOverAL)} (slides: no minimizer is stable above it) and 2/S_min = ${fmt(twoOverSMin)} (Theorem 1 with Section 1's "η > 2/S_min"); the paper: success at 0.1, failure at 0.2 — marion-chizat-critical-lr brackets the rate to 2%`,
      pass: between(oneOverAL) && between(twoOverSMin),
      about: SWEEP_ABOUT,
    },
  };
}

/**
 * Two-sided plateau: at the largest scales where runs survive (at most three, in the upper half of
 * the scale grid) the mean final sharpness is 2/eta, within `tolerance` below and at most 0.1% above.
 */
export function plateauFinding(all: Cell[], eta: number, tolerance = 0.03): Finding {
  const two = 2 / eta;
  const scales = [...new Set(all.map((c) => c.scale))].sort((a, b) => a - b);
  const middle = (scales[0] + scales[scales.length - 1]) / 2;
  const living = alive(ofEta(all, eta)).sort((a, b) => a.scale - b.scale);
  const top = living.filter((c) => c.scale >= middle).slice(-3);
  const maxRun = Math.max(...living.flatMap((c) => c.survivors.map((r) => valueOf(r, 'final', 'sharpness') ?? -Infinity)));
  const inBand = top.length > 0 && top.every((c) => c.sharpness !== null && c.sharpness >= (1 - tolerance) * two && c.sharpness <= (1 + 1e-3) * two);
  return {
    id: `plateau-${eta}`,
    claim: `η = ${eta}: as the scale grows the final sharpness rises and plateaus at 2/η = ${fmt(two)}`,
    observed: `mean final sharpness at the largest scales with surviving runs (${top.map((c) => fmt(c.scale, 3)).join(', ')}): ${top
      .map((c) => fmt(c.sharpness))
      .join(', ')}; the largest of any run ${fmt(maxRun)}`,
    expected: `each within ${100 * tolerance}% below 2/η and not above it (a run that converged cannot be sharper than 2/η)`,
    pass: inBand && maxRun <= (1 + 1e-3) * two,
    about: SWEEP_ABOUT,
  };
}

/**
 * Where the paper's scales do not reach the plateau: every run ends below 2/eta, and the mean at
 * the largest scale with survivors stays well below it. The runs have converged, so the step
 * budget is not the reason: at the scales that would land on 2/eta, gradient descent diverges.
 */
export function noPlateauFinding(all: Cell[], etas: number[]): Finding {
  const rows = etas.map((eta) => {
    const living = alive(ofEta(all, eta)).sort((a, b) => a.scale - b.scale);
    const last = living[living.length - 1];
    const runs = living.flatMap((c) => c.survivors);
    const maxRun = Math.max(...runs.map((r) => valueOf(r, 'final', 'sharpness') ?? -Infinity));
    const worstDistance = Math.max(...runs.map((r) => valueOf(r, 'final', 'distance') ?? Infinity));
    const lastAll = ofEta(all, eta)
      .sort((a, b) => a.scale - b.scale)
      .slice(-1)[0];
    return { eta, last, maxRun, worstDistance, divergenceLargest: lastAll?.divergence ?? NaN };
  });
  const ok = rows.every((r) => r.last && r.last.sharpness !== null && r.last.sharpness < 0.9 * (2 / r.eta) && r.maxRun <= (1 + 1e-3) * (2 / r.eta));
  return {
    id: 'no-plateau-small-eta',
    claim: `η = ${etas.join(' and ')}: within the paper's scales the mean final sharpness does not reach the 2/η plateau`,
    observed: rows
      .map(
        (r) =>
          `η ${r.eta}: mean ${fmt(r.last?.sharpness ?? null)} at scale ${fmt(r.last?.scale ?? null, 3)} (${fmt((r.last?.sharpness ?? NaN) / (2 / r.eta), 2)} of 2/η), largest run ${fmt(
            r.maxRun,
          )}, ${pct(r.divergenceLargest)} of the runs at the largest scale diverge; every run converged (‖w − w*‖² ≤ ${fmt(r.worstDistance, 2)}), so more steps would not change it`,
      )
      .join('; '),
    expected: 'mean below 0.9 × 2/η at the largest scale with surviving runs; no run above 2/η',
    pass: ok,
    about: SWEEP_ABOUT,
  };
}

/**
 * Fig. 2 / 4: no divergence at the smallest scale, and at least `minimum` of the runs diverge at
 * the largest, for each of `etas` (default: every learning rate).
 */
export function divergenceFinding(all: Cell[], minimum = 0.5, etas?: number[]): Finding {
  const chosen = etas ?? [...new Set(all.map((c) => c.eta))].sort((a, b) => a - b);
  const rows = chosen.map((eta) => {
    const mine = ofEta(all, eta).sort((a, b) => a.scale - b.scale);
    return { eta, first: mine[0]?.divergence ?? NaN, last: mine[mine.length - 1]?.divergence ?? NaN };
  });
  return {
    id: 'divergence',
    claim: `the probability of divergence rises with the scale${etas ? ` for η ≥ ${Math.min(...chosen)}` : ', for every learning rate'}: none at the smallest scale, most runs at the largest`,
    observed: rows.map((r) => `η ${r.eta}: ${pct(r.first)} → ${pct(r.last)}`).join('; '),
    expected: `0% at the smallest scale and at least ${pct(minimum)} at the largest`,
    pass: rows.length > 0 && rows.every((r) => r.first === 0 && r.last >= minimum),
    about: SWEEP_ABOUT,
  };
}

/** Training succeeds from an initial sharpness far above 2/eta (Section 1, Fig. 1b). */
export function beyondFinding(all: Cell[], eta = 0.02): Finding {
  const two = 2 / eta;
  const far = alive(ofEta(all, eta)).filter((c) => c.initialSharpness !== null && c.initialSharpness >= 2 * two);
  const ok = far.length > 0 && far.every((c) => c.reached === 1);
  return {
    id: 'initial-beyond-2-over-eta',
    claim: `training succeeds from an initial sharpness far above 2/η (η = ${eta}, 2/η = ${fmt(two)})`,
    observed: far.length
      ? `at the scales ${far.map((c) => fmt(c.scale, 3)).join(', ')} the mean initial sharpness is ${range(
          far.map((c) => c.initialSharpness),
          3,
        )}, and every non-diverged run reaches w* (${far.reduce((n, c) => n + c.survivors.length, 0)} runs)`
      : 'no scale starts above 2 × 2/η with surviving runs',
    expected: 'some scale with initial sharpness above 2 × 2/η, where every non-diverged run reaches w*',
    pass: ok,
    about: SWEEP_ABOUT,
  };
}

/** The spread of the final sharpness across learning rates at one scale: (max - min) / min. */
export function spreadAt(all: Cell[], scale: number, etas: number[]): { values: { eta: number; s: number | null }[]; spread: number } {
  const values = etas.map((eta) => ({ eta, s: all.find((c) => c.eta === eta && c.scale === scale)?.sharpness ?? null }));
  const v = values.map((x) => x.s).filter((x): x is number => x !== null);
  return { values, spread: v.length === etas.length ? (Math.max(...v) - Math.min(...v)) / Math.min(...v) : NaN };
}

export interface SweepSpec {
  name: string;
  summary: string;
  description: string;
  kind: 'gaussian' | 'residual';
  scales: { linspace: [number, number, number] };
  steps: number[];
  repetitions: number[];
  quickScales: number[];
  quickRepetitions: number[];
  figures: { distance: string; sharpness: string; divergence: string };
  /** The theory lines of the sharpness figure. */
  lines: LineName[];
  findings: Preset['findings'];
}

/** A scale sweep preset (Gaussian or residual init) on the authors' data. */
export function scaleSweepPreset(spec: SweepSpec): Preset {
  const residual = spec.kind === 'residual';
  const xLabel = residual ? 'Scale of initialization s' : 'Scale of initialization';
  const bounds = spec.lines.map((l) => LINES[l]);
  return {
    name: spec.name,
    summary: spec.summary,
    config: {
      name: spec.name,
      description: spec.description,
      seed: 0,
      data: AUTHORS_DATA,
      model: residual ? { depth: 10, projection: 'authors' } : { depth: 10 },
      init: { kind: spec.kind, scale: 0.3 },
      train: {
        method: 'gd',
        learningRate: 0.02,
        steps: 4000,
        recordEvery: 0,
        record: ['loss', 'distance', 'distanceMean', 'sharpness', 'spectralRadius', 'sharpnessPower'],
        sharpness: { method: 'lanczos', tol: 1e-10 },
      },
      sweep: [{ 'train.learningRate': LEARNING_RATES, 'train.steps': spec.steps, repetitions: spec.repetitions }, { 'init.scale': spec.scales }],
      report: {
        title: spec.summary.split(':')[0],
        figures: [
          {
            kind: 'sweep',
            id: 'distance',
            title: `${spec.figures.distance}: squared distance to the optimal regressor after training`,
            x: 'init.scale',
            xLabel,
            y: 'distance',
            series: 'train.learningRate',
            initialSeries: true,
            yScale: 'log',
          },
          {
            kind: 'sweep',
            id: 'sharpness',
            title: `${spec.figures.sharpness}: sharpness at initialization and after training (eta < 0.09)`,
            x: 'init.scale',
            xLabel,
            y: 'sharpness',
            series: 'train.learningRate',
            filter: { 'train.learningRate': { lt: 0.09 } },
            initialSeries: true,
            yScale: 'log',
            yDomain: [0.1, 30000],
            rules: ['2/eta', ...bounds],
          },
          {
            kind: 'sweep',
            id: 'sharpness-power-iteration',
            title: `${spec.figures.sharpness} as the reference code measures it: 20 power iterations (spectral radius)`,
            x: 'init.scale',
            xLabel,
            y: 'sharpnessPower',
            series: 'train.learningRate',
            filter: { 'train.learningRate': { lt: 0.09 } },
            initialSeries: true,
            yScale: 'log',
            yDomain: [0.1, 30000],
            rules: ['2/eta', ...bounds],
          },
          {
            kind: 'divergence',
            id: 'divergence',
            title: `${spec.figures.divergence}: probability of divergence`,
            x: 'init.scale',
            xLabel,
            series: 'train.learningRate',
          },
        ],
      },
      quick: {
        sweep: [
          { 'train.learningRate': LEARNING_RATES, 'train.steps': spec.steps, repetitions: spec.quickRepetitions },
          { 'init.scale': spec.quickScales },
        ],
      },
    },
    findings: spec.findings,
  };
}

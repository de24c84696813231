/**
 * Beyond the edge of stability: the bifurcation diagram of gradient descent on the authors' data
 * (docs/reproduction.md §3.2). 2,000 learning rates from 0.09 to 0.25 (and 60 more to 0.40, where
 * the runs diverge), 10⁴ steps each from one Gaussian draw at scale 0.3 (L = 10, the Fig. 1a
 * setup), then the orbit of the next 64 steps (src/orbit.hpp): its loss and sharpness, the
 * alignment of its steps with the top Hessian eigenvector, and its Lyapunov exponent. Each orbit
 * is classified (bifurcation-orbits.ts): fixed point, period 2, 4, 8, 16, transient, chaos,
 * collapse onto W = 0, divergence; the findings place the period-doubling cascade against the
 * critical learning rates of the slides (1/(aL)), of the rank-one minimizers (2/S_r1, where
 * marion-chizat-critical-lr finds gradient descent stops converging) and of Theorem 1 (2/S_min,
 * Fig. 1a's).
 */
import type { RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { Preset } from '../types';
import { classifyRun, ORBIT_RULES, orbitLabel, type OrbitClass } from './bifurcation-orbits';
import { AUTHORS_DATA, reproductionNotes } from './common';

const FINE = 2000;
/** 2,000 learning rates evenly from 0.09 to 0.25, then 0.2525 to 0.40 by 0.0025 (6 significant digits). */
export const GRID = [
  ...Array.from({ length: FINE }, (_, i) => Number((0.09 + (0.16 * i) / (FINE - 1)).toPrecision(6))),
  ...Array.from({ length: 60 }, (_, i) => Number((0.2525 + 0.0025 * i).toPrecision(6))),
];
/** --quick: the critical band by 0.0002 to 0.001, the rest coarsely (32 runs). */
export const QUICK_GRID = [
  0.09, 0.095, 0.1, 0.103, 0.1034, 0.1038, 0.1042, 0.1044, 0.1046, 0.105, 0.106, 0.107, 0.108, 0.109, 0.12, 0.125, 0.13, 0.134, 0.136, 0.14, 0.15,
  0.16, 0.17, 0.18, 0.19, 0.2, 0.21, 0.22, 0.23, 0.25, 0.3, 0.4,
];
const ABOUT = ['train.learningRate', 'train.steps', 'init.scale', 'init.kind'];
/** A settled period-2 orbit's steps lie along the top eigenvector to this (mean |cosine|). */
export const ALIGNMENT_TOLERANCE = 1e-4;
/** The flip point extrapolated from the period-2 amplitudes lies within this of 2/S_r1 (relative). */
export const RANK_ONE_WINDOW = 0.005;
/** The flip fit uses the settled period-2 orbits up to this far above the first one. */
export const FLIP_FIT_WIDTH = 0.005;

/**
 * Where the period-2 amplitude vanishes: near a (supercritical) flip bifurcation the orbit's
 * amplitude grows like sqrt(eta - eta_c), so A^2 (A the peak-to-peak spread of eta S/2) is linear
 * in eta; a least-squares line through the settled period-2 orbits within FLIP_FIT_WIDTH of the
 * first one meets 0 at eta_c. The transients below them (critical slowing down) are left out.
 */
export function flipPoint(rows: OrbitRow[]): { eta: number | null; points: number } {
  const settled = rows.filter((r) => r.orbit.kind === 'period' && r.orbit.period === 2 && r.orbit.spread !== null);
  if (settled.length === 0) return { eta: null, points: 0 };
  const pts = settled.filter((r) => r.eta <= settled[0].eta + FLIP_FIT_WIDTH);
  if (pts.length < 3) return { eta: null, points: pts.length };
  const xs = pts.map((r) => r.eta);
  const ys = pts.map((r) => r.orbit.spread! ** 2);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { eta: slope > 0 ? mx - my / slope : null, points: pts.length };
}

export interface OrbitRow {
  eta: number;
  orbit: OrbitClass;
  alignment: number | null;
}

export function orbitRows(runs: RunView[]): OrbitRow[] {
  return runs
    .map((r) => ({
      eta: r.config.train.learningRate!,
      orbit: classifyRun(r),
      alignment: typeof r.record.final.orbitAlignment === 'number' ? r.record.final.orbitAlignment : null,
    }))
    .sort((a, b) => a.eta - b.eta);
}

/** Where the cascade's regimes begin along eta (null: not seen). */
export function landmarks(rows: OrbitRow[]) {
  const first = (p: (r: OrbitRow) => boolean) => rows.find(p)?.eta ?? null;
  const settled = (period: number) => first((r) => r.orbit.kind === 'period' && r.orbit.period === period);
  const period2 = settled(2);
  // The last fixed point below the first settled period-2 orbit: the doubling lies in between.
  const lastFixed = [...rows].reverse().find((r) => r.orbit.kind === 'fixed' && (period2 === null || r.eta < period2))?.eta ?? null;
  const transients = rows.filter(
    (r) => r.orbit.kind === 'transient' && lastFixed !== null && period2 !== null && r.eta > lastFixed && r.eta < period2,
  );
  return {
    lastFixed,
    period2,
    period4: settled(4),
    period8: settled(8),
    chaos: first((r) => r.orbit.kind === 'chaotic'),
    collapse: first((r) => r.orbit.kind === 'collapsed'),
    divergence: first((r) => r.orbit.kind === 'diverged'),
    transientsBetween: transients.length,
  };
}

export function bifurcationFindings(ctx: FindingsContext): FindingsResult {
  const t = ctx.theory!;
  const rows = orbitRows(ctx.ds.runs);
  const m = landmarks(rows);
  const oneOverAL = 2 / t.sMinRefinedLower;
  const rankOne = 2 / t.sRankOne!;
  const twoOverSMin = t.criticalLearningRate!;
  const out: Finding[] = [];
  const bracket = `the last fixed point at η = ${fmt(m.lastFixed)}, the first settled period-2 orbit at η = ${fmt(m.period2)} (${m.transientsBetween} transients in between)`;

  const flip = flipPoint(rows);
  const gap = flip.eta !== null ? flip.eta / rankOne - 1 : NaN;
  out.push({
    id: 'first-doubling-above-1/(aL)',
    claim: 'the first period doubling (fixed point → period 2) lies above 1/(aL), the slides’ rate above which no minimizer is stable',
    observed: `${bracket}; the period-2 amplitude² extrapolates to 0 at η_c = ${fmt(flip.eta, 5)}; 1/(aL) = ${fmt(oneOverAL, 5)}`,
    expected: 'η_c at or above 1/(aL)',
    pass: flip.eta !== null && flip.eta >= oneOverAL,
    about: ABOUT,
  });
  out.push({
    id: 'first-doubling-at-rank-one',
    claim:
      'the first period doubling lies at 2/S_r1, where the rank-one balanced minimizers that gradient descent reaches stop being stable (marion-chizat-critical-lr: it stops converging there)',
    observed: `the period-2 amplitude² extrapolates to 0 at η_c = ${fmt(flip.eta, 5)} (${flip.points} settled orbits from η = ${fmt(m.period2)}), ${(
      100 * gap
    ).toFixed(2)}% from 2/S_r1 = ${fmt(rankOne, 5)}; 1/(aL) = ${fmt(oneOverAL)}, 2/S_min = ${fmt(twoOverSMin)} (Theorem 1)`,
    expected: `η_c within ${100 * RANK_ONE_WINDOW}% of 2/S_r1 (a fit through at least 3 orbits)`,
    pass: flip.eta !== null && Math.abs(gap) <= RANK_ONE_WINDOW,
    about: ABOUT,
  });

  const period2 = rows.filter((r) => r.orbit.kind === 'period' && r.orbit.period === 2);
  const alignments = period2.map((r) => r.alignment).filter((a): a is number => a !== null);
  const worst = alignments.length ? Math.min(...alignments) : null;
  out.push({
    id: 'period-2-subspace',
    claim:
      'on the period-2 orbits the oscillation lies along the top Hessian eigenvector (one direction: θ_b − θ_a is an eigenvector at the midpoint with eigenvalue 2/η)',
    observed: `${period2.length} settled period-2 orbits (η ${fmt(period2[0]?.eta ?? null)} to ${fmt(period2[period2.length - 1]?.eta ?? null)}); mean |cos(step, top eigenvector)| at least ${
      worst === null ? 'n/a' : `1 − ${fmt(1 - worst, 2)}`
    }; chaotic orbits: ${fmt(median(rows.filter((r) => r.orbit.kind === 'chaotic').map((r) => r.alignment)), 3)} (median)`,
    expected: `at least 1 − ${ALIGNMENT_TOLERANCE} on every settled period-2 orbit`,
    pass: period2.length > 0 && alignments.length === period2.length && worst! >= 1 - ALIGNMENT_TOLERANCE,
    about: ABOUT,
  });

  const ordered = [m.period2, m.period4, m.period8, m.chaos];
  const inOrder = ordered.every((v) => v !== null) && ordered.every((v, i) => i === 0 || v! > ordered[i - 1]!);
  const end = m.collapse ?? m.divergence;
  const feigenbaum = m.period2 !== null && m.period4 !== null && m.period8 !== null ? (m.period4 - m.period2) / (m.period8 - m.period4) : null;
  out.push({
    id: 'cascade',
    claim: 'a period-doubling route to chaos: period 2, 4 and 8 appear in that order as η grows, then chaos, before training fails',
    observed: `first period 2 at η = ${fmt(m.period2)}, 4 at ${fmt(m.period4)}, 8 at ${fmt(m.period8)}, chaos at ${fmt(m.chaos)}; collapse onto W ≈ 0 from ${fmt(
      m.collapse,
    )}, divergence from ${fmt(m.divergence)}; (η₄ − η₂)/(η₈ − η₄) = ${fmt(feigenbaum, 3)} (Feigenbaum's δ = 4.669 in the limit)`,
    expected: 'η₂ < η₄ < η₈ < η_chaos < the first collapse or divergence',
    pass: inOrder && end !== null && m.chaos! < end,
    about: ABOUT,
  });

  const periodic = rows.filter((r) => (r.orbit.kind === 'period' || r.orbit.kind === 'fixed') && r.orbit.lyapunov !== null);
  const maxPeriodic = periodic.length ? Math.max(...periodic.map((r) => r.orbit.lyapunov!)) : null;
  const aperiodic = rows.filter((r) => r.orbit.kind === 'chaotic' || r.orbit.kind === 'aperiodic');
  const chaotic = aperiodic.filter((r) => r.orbit.kind === 'chaotic');
  const positive = chaotic.map((r) => r.orbit.lyapunov!);
  out.push({
    id: 'lyapunov',
    claim:
      'the Lyapunov exponent tells the regimes apart: at most 0 (up to the window’s bias) on every fixed point and settled periodic orbit, positive where no period is found',
    observed: `largest exponent on ${periodic.length} fixed/periodic orbits ${fmt(maxPeriodic, 3)}; ${chaotic.length} of ${aperiodic.length} orbits without a period ≤ 16 have an exponent above ${
      ORBIT_RULES.chaosThreshold
    } (median ${fmt(median(positive), 3)}, largest ${fmt(positive.length ? Math.max(...positive) : null, 3)} per step)`,
    expected: `≤ ${ORBIT_RULES.chaosThreshold} on every periodic orbit (their classification reads the sharpness only); some orbit chaotic`,
    pass: periodic.length > 0 && maxPeriodic! <= ORBIT_RULES.chaosThreshold && chaotic.length > 0,
    about: ABOUT,
  });

  const nearest = (eta: number) =>
    rows.reduce<OrbitRow | null>((b, r) => (b === null || Math.abs(r.eta - eta) < Math.abs(b.eta - eta) ? r : b), null);
  const atSMin = nearest(twoOverSMin);
  const atPaper = nearest(0.2);
  out.push({
    id: 'fig1a-critical',
    claim:
      'Fig. 1a’s critical learning rate 2/S_min (Theorem 1; the paper prints 0.2) lies deep in the chaotic band, far above where the cascade begins',
    observed: `at 2/S_min = ${fmt(twoOverSMin)}: ${atSMin ? orbitLabel(atSMin.orbit) : 'no run'} (η = ${fmt(atSMin?.eta ?? null)}, Lyapunov ${fmt(
      atSMin?.orbit.lyapunov ?? null,
      3,
    )}); at 0.2: ${atPaper ? orbitLabel(atPaper.orbit) : 'no run'}; 2/S_min is ${m.period2 ? `${(100 * (twoOverSMin / m.period2 - 1)).toFixed(0)}%` : 'n/a'} above the first doubling`,
    expected: 'the orbit at 2/S_min chaotic, and 2/S_min more than 20% above the first doubling',
    pass: atSMin !== null && atSMin.orbit.kind === 'chaotic' && m.period2 !== null && twoOverSMin > 1.2 * m.period2,
    about: ABOUT,
  });

  out.push({
    id: 'end-of-training',
    claim: 'where training fails for good: the orbit collapses onto the flat region around W = 0, then the runs diverge',
    observed: `collapse (the sharpness below 1% of 2/η all along the orbit: the layers near 0, the loss near R(0)) from η = ${fmt(m.collapse)}; divergence from η = ${fmt(m.divergence)}`,
    expected: '',
    pass: null,
    about: ABOUT,
  });

  const counts: Record<string, number> = {};
  for (const r of rows) counts[orbitLabel(r.orbit)] = (counts[orbitLabel(r.orbit)] ?? 0) + 1;
  return {
    headline: {
      landmarks: m,
      flipPoint: flip,
      oneOverAL,
      twoOverSRankOne: rankOne,
      twoOverSMin,
      counts,
      orbits: rows.map((r) => ({ eta: r.eta, orbit: orbitLabel(r.orbit), lyapunov: r.orbit.lyapunov })),
    },
    findings: out,
    notes: reproductionNotes(ctx, {
      intervals: false,
      extra: [
        'Orbits: after the 10⁴ steps, gradient descent continues 64 steps on a copy (src/orbit.hpp); orbitLoss and orbitSharpness are the loss and exact sharpness (Lanczos, relative Ritz residual 1e-8) at those 64 points, orbitAlignment the mean |cosine| between each step and the top Hessian eigenvector, lyapunov (1/64) Σ log |(I − ηH(θ_j)) v_j| for a unit tangent vector v_j carried along with exact Hessian-vector products.',
        `Classification (bifurcation-orbits.ts), on q = ηS/2 over the window: fixed when q varies by at most ${ORBIT_RULES.periodTolerance}; period p ∈ {2, 4, 8, 16} when q repeats after p steps to ${ORBIT_RULES.periodTolerance} + ${ORBIT_RULES.driftFraction} × its spread, settled when the amplitude changes by at most ${100 * ORBIT_RULES.settleTolerance}% over the window (else a transient); chaotic when no period is found and the Lyapunov exponent exceeds ${ORBIT_RULES.chaosThreshold} per step; collapsed when q stays below ${ORBIT_RULES.collapseFraction}.`,
        'Near the critical rate 10⁴ steps do not reach the attractor (convergence and the approach to the period-2 orbit both slow down without bound): those orbits are transients, and the first doubling lies between the last fixed point and the first settled period-2 orbit.',
      ],
    }),
  };
}

function median(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** The figures show the fine grid (up to 0.25); the tail to 0.40 only collapses and diverges. */
const SHOWN = { 'train.learningRate': { lt: 0.2501 } };

const RULES = [
  { x: '2/sMinRefinedLower', label: '1/(aL)' },
  { x: '2/sRankOne', label: '2/S_r1' },
  { x: '2/sMin', label: '2/S_min' },
];

export const marionChizatBifurcation: Preset = {
  name: 'marion-chizat-bifurcation',
  summary:
    "Beyond the edge of stability on the authors' data: the bifurcation diagram of GD over 2,000 learning rates from 0.09 to 0.25 (10^4 steps each), period doubling, chaos (Lyapunov), collapse and divergence",
  config: {
    name: 'marion-chizat-bifurcation',
    description:
      "Beyond Marion & Chizat's Fig. 1a, on the authors' dataset: gradient descent (L = 10, one Gaussian init at scale 0.3) at 2,000 learning rates from 0.09 to 0.25 and 60 more to 0.40, " +
      '10^4 steps each, then the orbit of the next 64 steps: loss, exact sharpness, the steps’ alignment with the top Hessian eigenvector and the Lyapunov exponent. The period-doubling route to chaos (Ghosh et al., ICLR 2025) against 1/(aL), 2/S_r1 and 2/S_min.',
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: 0.1,
      steps: 10000,
      recordEvery: 0,
      record: ['loss', 'distance', 'orbitLoss', 'orbitSharpness', 'orbitAlignment', 'lyapunov'],
      sharpness: { method: 'lanczos', tol: 1e-8 },
    },
    repetitions: 1,
    sweep: [{ 'train.learningRate': GRID }],
    report: {
      title: 'Beyond the edge of stability: the bifurcation diagram of gradient descent (Marion & Chizat data)',
      figures: [
        {
          kind: 'orbit',
          id: 'bifurcation-sharpness',
          title: 'Sharpness × η/2 on the 64 steps after 10^4, against η: 1 is the edge 2/η',
          x: 'train.learningRate',
          filter: SHOWN,
          y: 'orbitSharpness',
          factor: 'eta/2',
          yLabel: 'Sharpness × η/2 (orbit)',
          rules: [{ y: '1', label: 'S = 2/η' }, ...RULES],
        },
        {
          kind: 'orbit',
          id: 'bifurcation-loss',
          title: 'Training loss on the 64 steps after 10^4, against η',
          x: 'train.learningRate',
          filter: SHOWN,
          y: 'orbitLoss',
          yScale: 'log',
          yLabel: 'Training loss (orbit)',
          rules: RULES,
        },
        {
          kind: 'scatter',
          id: 'lyapunov',
          title: 'Largest Lyapunov exponent over the 64 steps (per step): positive where the orbit is chaotic',
          x: 'train.learningRate',
          filter: SHOWN,
          y: 'lyapunov',
          yLabel: 'Lyapunov exponent (per step)',
          xScale: 'linear',
          yScale: 'linear',
          regression: false,
        },
        {
          kind: 'scatter',
          id: 'alignment',
          title: 'Mean |cos| between the steps and the top Hessian eigenvector: 1 on the period-2 orbits',
          x: 'train.learningRate',
          filter: SHOWN,
          y: 'orbitAlignment',
          yLabel: 'Alignment with the top eigenvector',
          xScale: 'linear',
          yScale: 'linear',
          regression: false,
        },
      ],
    },
    quick: { sweep: [{ 'train.learningRate': QUICK_GRID }] },
  },
  findings: bifurcationFindings,
};

/**
 * Marion & Chizat (2024), Fig. 1b predicted: for every (η, scale) point of Fig. 1b (η < 0.09: the
 * learning rates 0.005, 0.02, 0.07 with the paper's step budgets, the ten scales 0.25-0.6, the
 * authors' data), gradient descent's final sharpness beside the end-point sharpness of its central
 * flow (Cohen et al. 2025; src/central_flow.hpp) and of the plain gradient flow, run from the same
 * initializations to the same time t = η·steps. The central flow uses nothing but the
 * initialization and η, so where it ends is a prediction of GD's final sharpness. Findings (numbers
 * from fig1b-predicted-compare.ts):
 *   - plateau: for every initialization whose central flow ends at 2/η (within 1%), GD's final
 *     sharpness agrees with it within 5% (initializations pooled across points);
 *   - small scales: for every initialization whose central flow never reaches the edge, it is the
 *     gradient flow (end-point sharpness within 1e-4) and GD's final sharpness agrees within 5%;
 *   - every point: the central flow's end point within 5% of GD's at every point where both exist
 *     (initializations already above 2/η included: GD's first steps there are unstable, which the
 *     central flow does not model);
 *   - informational: the points whose initialization is above 2/η.
 */
import { isDiverged, valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers, pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, reproductionNotes } from './common';
import { EDGE_TOLERANCE, predictedPoint, regimeOf, type PredictedPoint, type PredictedRep, type Regime } from './fig1b-predicted-compare';

const ETAS = [0.005, 0.02, 0.07];
const STEPS = [40000, 10000, 4000];
const ABOUT = ['train.learningRate', 'train.steps', 'train.tEnd', 'init.scale', 'init.kind', 'train.method'];

/** Thresholds of the claims. */
export const FIG1B_PREDICTED_TARGETS = { agreement: 0.05, sameFlow: 1e-4 };

/** A relative error in percent with two significant digits (null: n/a). */
const pc = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : `${fmt(100 * x, 2)}%`);
const pointName = (p: PredictedPoint) => `η ${p.eta}, scale ${fmt(p.scale, 3)}`;
const worst = (points: PredictedPoint[], f: (p: PredictedPoint) => number | null, n = 3) =>
  [...points]
    .filter((p) => f(p) !== null)
    .sort((a, b) => f(b)! - f(a)!)
    .slice(0, n)
    .map((p) => `${pointName(p)}: ${pc(f(p))}`)
    .join('; ');

/** The findings from the per-point comparisons (exported for the tests' false cases). */
export function fig1bPredictedFindings(points: PredictedPoint[]): Finding[] {
  const T = FIG1B_PREDICTED_TARGETS;
  // Repetitions pooled across points by the central flow's regime (a point's repetitions may differ).
  const pooled = (regime: Regime) =>
    points.flatMap((p) =>
      p.pairs.filter((r) => regimeOf(r, p.eta) === regime).map((r) => ({ p, r, gdError: r.gd === null ? null : Math.abs(r.central! - r.gd) / r.gd })),
    );
  const edge = pooled('edge');
  const edgeGd = edge.filter((x) => x.gdError !== null);
  const small = pooled('gradient-flow');
  const smallGd = small.filter((x) => x.gdError !== null);
  const flowError = (x: (typeof small)[number]) => (x.r.flow === null ? Infinity : Math.abs(x.r.central! - x.r.flow) / x.r.flow);
  const both = points.filter((p) => p.agreement !== null);
  const above = points.filter((p) => (p.regimes.above ?? 0) + (p.regimes.undefined ?? 0) > 0);
  const agrees = (p: PredictedPoint) => p.agreement !== null && p.agreement <= T.agreement;
  const maxOf = (v: number[]) => (v.length ? Math.max(...v) : null);
  const where = (xs: { p: PredictedPoint }[]) => [...new Set(xs.map((x) => pointName(x.p)))].join('; ');
  const count = (p: PredictedPoint) =>
    Object.entries(p.regimes)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
  return [
    {
      id: 'plateau-predicted',
      claim:
        "where the central flow ends at 2/η, GD's final sharpness is at its plateau 2/η: the plateau of Fig. 1b predicted from the initialization alone",
      observed: edge.length
        ? `${edge.length} initializations at ${new Set(edge.map((x) => x.p)).size} points (${where(edge)}); GD did not diverge in ${edgeGd.length}, of which ${edgeGd.filter((x) => x.gdError! <= T.agreement).length} end within ${pct(T.agreement)} of 2/η (largest error ${pc(maxOf(edgeGd.map((x) => x.gdError!)))})`
        : 'the central flow ended at 2/η from no initialization',
      expected: `at least one initialization whose central flow ends within ${pct(EDGE_TOLERANCE)} of 2/η and whose GD survives; every such GD's final sharpness within ${pct(T.agreement)} of it`,
      pass: edgeGd.length > 0 && edgeGd.every((x) => x.gdError! <= T.agreement),
      about: ABOUT,
    },
    {
      id: 'small-scale-gradient-flow',
      claim: "where the central flow never reaches the edge (small scales), it is the gradient flow, and GD's final sharpness equals both",
      observed: small.length
        ? `${small.length} initializations at ${new Set(small.map((x) => x.p)).size} points: central flow against gradient flow at most ${fmt(maxOf(small.map(flowError)), 2)} relative; GD against the central flow ${smallGd.filter((x) => x.gdError! <= T.agreement).length} of ${smallGd.length} within ${pct(T.agreement)} (largest ${pc(maxOf(smallGd.map((x) => x.gdError!)))})`
        : 'no initialization stayed off the edge',
      expected: `at least one such initialization; each: central flow and gradient flow within ${fmt(T.sameFlow)} relative, GD (where it survives) within ${pct(T.agreement)} of the central flow`,
      pass: smallGd.length > 0 && small.every((x) => flowError(x) <= T.sameFlow) && smallGd.every((x) => x.gdError! <= T.agreement),
      about: ABOUT,
    },
    {
      id: 'agreement-every-point',
      claim: "the central flow's end-point sharpness predicts GD's final sharpness at every point of Fig. 1b where both exist",
      observed: `${both.filter(agrees).length} of ${both.length} points within ${pct(T.agreement)} (mean over the initializations); largest errors: ${worst(both, (p) => p.agreement) || 'none'}`,
      expected: `within ${pct(T.agreement)} at every point where GD has a survivor and the central flow completed`,
      pass: both.length > 0 && both.every(agrees),
      about: ABOUT,
    },
    {
      id: 'above-edge-at-init',
      claim:
        'points with initializations at or above 2/η that the central flow does not hold at the edge, or cannot start from (more than 4 eigenvalues above 2/η): GD starts unstable there (a catapult, or divergence), which no flow models',
      observed: above.length
        ? above
            .map(
              (p) =>
                `${pointName(p)} (${count(p)}): GD ${p.gd === null ? 'diverged' : fmt(p.gd)} (${pct(p.gdDivergence)} diverged), central flow ${p.central === null ? 'undefined' : fmt(p.central)}, gradient flow ${fmt(p.flow)}`,
            )
            .join('; ')
        : 'none',
      expected: 'informational',
      pass: null,
      about: ABOUT,
    },
  ];
}

const method = (r: RunView) => (r.record.values['train.method'] ?? r.config.train.method) as string;

/** The per-point comparisons of an experiment's runs. */
export function predictedPoints(runs: RunView[], etas: number[], scales: number[]): PredictedPoint[] {
  const out: PredictedPoint[] = [];
  const finalOf = (r: RunView | undefined) => (r && !isDiverged(r) && r.record.status !== 'failed' ? valueOf(r, 'final', 'sharpness') : null);
  for (const eta of etas) {
    for (const scale of scales) {
      const here = runs.filter((r) => r.record.values['train.learningRate'] === eta && r.record.values['init.scale'] === scale);
      if (here.length === 0) continue;
      const reps: PredictedRep[] = [];
      for (const g of here.filter((r) => method(r) === 'gd')) {
        const cf = here.find((r) => method(r) === 'central-flow' && r.record.rep === g.record.rep);
        const gf = here.find((r) => method(r) === 'flow' && r.record.rep === g.record.rep);
        const central = finalOf(cf);
        reps.push({
          rep: g.record.rep,
          initialSharpness: valueOf(g, 'initial', 'sharpness') ?? NaN,
          gd: finalOf(g),
          gdDiverged: isDiverged(g),
          central,
          flow: finalOf(gf),
        });
      }
      out.push(predictedPoint(eta, scale, reps));
    }
  }
  return out;
}

function findings(ctx: FindingsContext): FindingsResult {
  const { ds } = ctx;
  const points = predictedPoints(ds.runs, numbers(ds, 'train.learningRate'), numbers(ds, 'init.scale'));
  return {
    headline: { points },
    findings: fig1bPredictedFindings(points),
    notes: reproductionNotes(ctx, {
      lines: ['sMin'],
      extra: [
        'Central flow: Cohen, Damian, Talwalkar, Kolter & Lee (ICLR 2025), integrated exactly (docs/central-flow.md): gradient flow until an eigenvalue reaches 2/η, then held at the edge; from an initialization above 2/η the eigenvalues whose constraint is active start on the edge. It is undefined (the run fails) where more than 4 eigenvalues are above 2/η at t = 0.',
        'Each method runs to t = η·steps from the same initializations (common random numbers); GD as in marion-chizat-fig1. The flows use DOPRI5 (rtol 1e-6).',
        'Agreement of a point: the mean over its initializations of |S_central − S_GD| / S_GD, where GD did not diverge and the central flow completed.',
      ],
    }),
  };
}

const scaleFigure = (eta: number) => ({
  kind: 'sweep' as const,
  id: `sharpness-eta-${eta}`,
  title: `η = ${eta}: GD's final sharpness beside the end points of its central flow and of the gradient flow`,
  x: 'init.scale',
  xLabel: 'Scale of initialization',
  y: 'sharpness',
  series: 'train.method',
  filter: { 'train.learningRate': eta },
  initialSeries: true,
  yScale: 'log' as const,
  rules: ['2/eta'],
});

export const marionChizatFig1bPredicted: Preset = {
  name: 'marion-chizat-fig1b-predicted',
  summary:
    "Marion & Chizat Fig. 1b predicted: GD's final sharpness beside its central flow's end point (from the init alone) and the gradient flow's, per (eta, scale) point (the authors' data)",
  config: {
    name: 'marion-chizat-fig1b-predicted',
    description:
      "Marion & Chizat (2024), Fig. 1b on the authors' dataset: for eta = 0.005, 0.02, 0.07 (40,000, 10,000 and 4,000 steps) and ten Gaussian init scales 0.25-0.6, gradient descent's final sharpness " +
      'beside the end-point sharpness of its central flow (Cohen et al. 2025) and of the plain gradient flow from the same initialization at the same time t = eta * steps.',
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: 0.02,
      steps: 4000,
      recordEvery: 0,
      record: ['loss', 'distance', 'sharpness'],
      sharpness: { method: 'lanczos', tol: 1e-10 },
    },
    repetitions: 10,
    sweep: [
      { 'train.learningRate': ETAS, 'train.steps': STEPS, 'train.tEnd': [200, 200, 280] },
      { 'init.scale': { linspace: [0.25, 0.6, 10] } },
      { 'train.method': ['gd', 'central-flow', 'flow'] },
    ],
    report: {
      title: "Fig. 1b predicted: GD's final sharpness against its central flow's end point (Marion & Chizat 2024)",
      figures: ETAS.map(scaleFigure),
    },
    quick: {
      repetitions: 2,
      sweep: [
        { 'train.learningRate': [0.02, 0.07], 'train.steps': [10000, 4000], 'train.tEnd': [200, 280] },
        { 'init.scale': [0.25, 0.4] },
        { 'train.method': ['gd', 'central-flow', 'flow'] },
      ],
    },
  },
  findings,
};

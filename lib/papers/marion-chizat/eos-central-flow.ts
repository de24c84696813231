/**
 * Marion & Chizat (2024), Fig. 1d beside its central flow: gradient descent at η = 0.1 from a
 * Gaussian initialization at scale 0.3 on the authors' data (450 steps, the October 2024 code's
 * budget), its central flow (Cohen et al. 2025; src/central_flow.hpp) and the plain gradient flow
 * from the same point, overlaid in GD time t = η·step. Findings (numbers from
 * eos-central-flow-compare.ts, per initialization):
 *   - the central flow's predicted loss follows GD's two-step average (L_k + L_{k+1})/2 within 5%
 *     mean relative error over the edge-of-stability window (where the central flow is on the edge);
 *   - the central flow's sharpness stays at 2/η (within 1%) over the window, while GD's oscillates
 *     around it (at least 25% of the samples on each side, mean within 15%);
 *   - the plain flow does something else: its loss is at least twice as far from GD's average as
 *     the prediction, and its sharpness rises at least 5% past 2/η.
 * A claim holds when it holds for every initialization; the observed text gives the range.
 */
import { isDiverged } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, reproductionNotes } from './common';
import { compareCentralFlow, type CentralFlowComparison } from './eos-central-flow-compare';

const ETA = 0.1;
const STEPS = 450;
const ABOUT = ['train.learningRate', 'init.scale', 'init.kind', 'train.steps', 'train.tEnd', 'train.method'];

/** Thresholds of the claims (the targets). */
export const CENTRAL_FLOW_TARGETS = { predictedError: 0.05, centralSharpness: 0.01, gdSide: 0.25, gdMean: 0.15, plainRatio: 2, plainPast: 1.05 };

/** The findings from one comparison per initialization (exported for the tests' false cases). */
export function centralFlowFindings(comparisons: CentralFlowComparison[], eta: number): Finding[] {
  const T = CENTRAL_FLOW_TARGETS;
  const two = 2 / eta;
  const ok = comparisons.filter((c) => c.window !== null);
  const range = (f: (c: CentralFlowComparison) => number, digits = 3) =>
    ok.length ? `${fmt(Math.min(...ok.map(f)), digits)} to ${fmt(Math.max(...ok.map(f)), digits)}` : 'n/a';
  const count = (test: (c: CentralFlowComparison) => boolean) => ok.filter(test).length;
  const all = (test: (c: CentralFlowComparison) => boolean) => comparisons.length > 0 && ok.length === comparisons.length && ok.every(test);
  const predicted = (c: CentralFlowComparison) => c.predictedError <= T.predictedError;
  const held = (c: CentralFlowComparison) => c.centralSharpness <= T.centralSharpness;
  const oscillates = (c: CentralFlowComparison) =>
    c.gdAbove >= T.gdSide && c.gdBelow >= T.gdSide && Math.abs(c.gdSharpnessMean - two) <= T.gdMean * two;
  const differs = (c: CentralFlowComparison) => c.plainError >= T.plainRatio * c.predictedError && c.plainSharpnessMax >= T.plainPast;
  const windows = ok.length
    ? `edge-of-stability windows from GD step ${Math.min(...ok.map((c) => c.entryStep!))}–${Math.max(...ok.map((c) => c.entryStep!))} to the end`
    : 'the central flow never reached the edge';
  return [
    {
      id: 'central-flow-predicted-loss',
      claim: `η = ${eta}: the central flow's predicted loss R + ½⟨Σ, ∇²R⟩ follows GD's two-step average loss (Cohen et al. 2025)`,
      observed: `${count(predicted)} of ${comparisons.length} initializations within ${pct(T.predictedError)}; mean relative error ${range((c) => c.predictedError)} over the ${windows}; over the windows' second halves ${range((c) => c.predictedErrorLate)}`,
      expected: `mean relative error |predicted − (L_k + L_{k+1})/2| / ((L_k + L_{k+1})/2) ≤ ${pct(T.predictedError)} over the window, for every initialization`,
      pass: all(predicted),
      about: ABOUT,
    },
    {
      id: 'central-flow-sharpness',
      claim: `η = ${eta}: the central flow's sharpness stays at 2/η = ${fmt(two)} while GD's oscillates around it`,
      observed: `central flow: largest |S − 2/η|/(2/η) ${range((c) => c.centralSharpness, 2)} (${count(held)} of ${comparisons.length} within ${pct(T.centralSharpness)}); GD: mean sharpness ${range((c) => c.gdSharpnessMean)}, samples above 2/η ${range((c) => c.gdAbove, 2)}, below ${range((c) => c.gdBelow, 2)}`,
      expected: `central flow within ${pct(T.centralSharpness)} of 2/η over the window; GD at least ${pct(T.gdSide)} of its samples on each side of 2/η, mean within ${pct(T.gdMean)}; for every initialization`,
      pass: all((c) => held(c) && oscillates(c)),
      about: ABOUT,
    },
    {
      id: 'plain-flow-differs',
      claim: `η = ${eta}: the plain gradient flow from the same point does something else`,
      observed: `its loss's mean relative distance to GD's two-step average ${range((c) => c.plainError)} (the prediction's ${range((c) => c.predictedError)}); its largest sharpness ${range((c) => c.plainSharpnessMax)} × 2/η`,
      expected: `for every initialization: at least ${T.plainRatio}× the prediction's error, and a sharpness at least ${pct(T.plainPast - 1)} past 2/η`,
      pass: all(differs),
      about: ABOUT,
    },
  ];
}

function findings(ctx: FindingsContext): FindingsResult {
  const { ds, loadTrace } = ctx;
  const eta = (ds.plan.experiment.train.learningRate as number | undefined) ?? ETA;
  const byMethod = (m: string) => ds.runs.filter((r) => (r.record.values['train.method'] ?? r.config.train.method) === m);
  const gd = byMethod('gd');
  const comparisons: CentralFlowComparison[] = [];
  const perRep: Record<string, unknown>[] = [];
  for (const g of gd) {
    const rep = g.record.rep;
    const cf = byMethod('central-flow').find((r) => r.record.rep === rep);
    const pf = byMethod('flow').find((r) => r.record.rep === rep);
    const traces = [g, cf, pf].map((r) => (r && !isDiverged(r) ? loadTrace(r.record.id) : undefined));
    if (!traces[0] || !traces[1] || !traces[2]) continue;
    const c = compareCentralFlow(traces[0], traces[1], traces[2], eta);
    comparisons.push(c);
    perRep.push({ rep, ...c });
  }
  return {
    headline: { comparisons: perRep },
    findings: centralFlowFindings(comparisons, eta),
    notes: reproductionNotes(ctx, {
      intervals: false,
      extra: [
        'Central flow: Cohen, Damian, Talwalkar, Kolter & Lee (ICLR 2025), integrated exactly (no substeps, no autodiff): gradient flow until the sharpness reaches 2/η, then dW/dt = −[∇R + ½∇⟨Σ, ∇²R⟩] with Σ from the complementarity problem, adaptive RK45 (rtol 1e-6) between edge events (docs/central-flow.md).',
        'Time in GD units (t = η·step): GD is recorded every step, the flows at t = η·k by dense output; the window is where the central flow has an eigenvalue at the edge.',
        "The paper draws GD only (Fig. 1d); the central flow and the plain flow are this preset's additions.",
      ],
    }),
  };
}

export const marionChizatEosCentralFlow: Preset = {
  name: 'marion-chizat-eos-central-flow',
  summary:
    "Marion & Chizat Fig. 1d with its central flow: GD at eta 0.1 (scale 0.3, authors' data), its central flow and the plain gradient flow overlaid; predicted loss vs GD's two-step average, sharpness held at 2/eta",
  config: {
    name: 'marion-chizat-eos-central-flow',
    description:
      "Marion & Chizat (2024), Fig. 1d on the authors' dataset: gradient descent at eta = 0.1 from a Gaussian init at scale 0.3 for 450 steps, beside its central flow (Cohen et al. 2025) " +
      "and the plain gradient flow from the same point, in GD time t = eta * step; loss (and the central flow's predicted loss), sharpness and distance to w*. 6 initializations, the figures draw the first.",
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: ETA,
      steps: STEPS,
      tEnd: STEPS * ETA,
      times: Array.from({ length: STEPS + 1 }, (_, k) => k / 10),
      recordEvery: 1,
      record: ['loss', 'sharpness', 'distance'],
      sharpness: { method: 'lanczos', tol: 1e-10, warmStart: true },
    },
    repetitions: 6,
    sweep: [{ 'train.method': ['gd', 'central-flow', 'flow'] }],
    output: { traces: true },
    report: {
      title: 'GD at the edge of stability against its central flow (Marion & Chizat 2024, Fig. 1d)',
      figures: [
        {
          kind: 'trace',
          id: 'gd-central-plain',
          title: 'η = 0.1, scale 0.3: GD, its central flow and the plain gradient flow (the first initialization)',
          x: 'time',
          xLabel: 'Time t = η · step',
          y: ['loss', 'sharpness', 'distance'],
          yLabels: ['Loss', 'Sharpness', 'Squared distance to optimal regressor'],
          series: 'train.method',
          yScale: ['log', 'linear', 'log'],
          rules: [{ y: '2/eta', label: '2/η', panel: 1 }],
        },
        {
          kind: 'trace',
          id: 'predicted-loss',
          title: "The central flow's loss and its predicted time-averaged loss of GD, R + ½⟨Σ, ∇²R⟩",
          x: 'time',
          xLabel: 'Time t = η · step',
          y: ['loss', 'predictedLoss', 'edgeCount'],
          yLabels: ['Loss', 'Predicted loss', 'Eigenvalues at the edge'],
          filter: { 'train.method': 'central-flow' },
          yScale: ['log', 'log', 'linear'],
        },
      ],
    },
    quick: { repetitions: 2 },
  },
  findings,
};

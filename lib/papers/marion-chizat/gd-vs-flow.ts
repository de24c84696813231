/**
 * Gradient descent against its gradient flow on the Marion–Chizat problem (the authors' data, L = 10,
 * Gaussian init at scale 0.3 as in Fig. 1d), for several learning rates, all to the same time
 * t = η·steps = 45 (Fig. 1d's 450 steps at η = 0.1):
 *   - gfsSharpness along GD: at each recording, the sharpness of the gradient flow's limit from the
 *     current iterate (Kreisler, Nacson, Soudry & Carmon, ICML 2023, prove it decreases
 *     monotonically along GD for scalar networks; here it is measured on a deep linear network);
 *   - GD's and the gradient flow's end points per η: sharpness, gfsSharpness, weight norm ‖θ‖ and
 *     layer imbalance max_k ‖W_{k+1}ᵀW_{k+1} − W_kW_kᵀ‖_F (conserved by the flow, Lemma 1 of Marion
 *     & Chizat; shrunk by GD, Beneventano & Woodworth 2025).
 * Findings:
 *   - gfs-monotone: gfsSharpness never rises along GD by more than 1e-6 relative between recordings
 *     (the limit is computed to about 1e-8), for every η and initialization;
 *   - gd-tracks-flow: where the flow's limit is flatter than 2/η (GD never at the edge), GD's final
 *     gfsSharpness is within 1% of the flow's limit;
 *   - flow-conserves-imbalance: the flow's final imbalance equals its initial within 1e-5 relative;
 *   - gd-shrinks-imbalance: GD's final imbalance is below the initial for every run, and the mean
 *     relative shrinkage grows with η;
 *   - informational: the end points per η.
 */
import { isDiverged, valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, reproductionNotes } from './common';

const T_END = 45;
const ETAS = [0.01, 0.05, 0.09, 0.1];
const STEPS = ETAS.map((eta) => Math.round(T_END / eta)); // 4500, 900, 500, 450
const ABOUT = ['train.learningRate', 'train.steps', 'train.tEnd', 'init.scale', 'init.kind', 'train.method'];

/** Thresholds of the claims. */
export const GD_VS_FLOW_TARGETS = { monotone: 1e-6, tracks: 0.01, conserved: 1e-5 };

/** One initialization at one η: GD's gfsSharpness along the run and both end points. */
export interface GdFlowRun {
  rep: number;
  /** Largest relative rise of gfsSharpness between consecutive GD recordings (0: never rises; NaN: no trace). */
  gfsMaxRise: number;
  /** GD's gfsSharpness at the first and last recording. */
  gfsStart: number;
  gfsEnd: number;
  gd: { sharpness: number; weightNorm: number; imbalance0: number; imbalance: number } | null;
  flow: { sharpness: number; weightNorm: number; imbalance0: number; imbalance: number } | null;
}

export interface GdFlowEta {
  eta: number;
  runs: GdFlowRun[];
}

const pc = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : `${fmt(100 * x, 2)}%`);
const mean = (v: number[]) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN);

/** Largest relative rise between consecutive finite values (0 if it never rises). */
export function maxRise(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length < 2) return NaN;
  let rise = 0;
  for (let i = 1; i < v.length; i++) rise = Math.max(rise, (v[i] - v[i - 1]) / Math.abs(v[i - 1]));
  return rise;
}

/** The findings from the per-η summaries (exported for the tests' false cases). */
export function gdVsFlowFindings(etas: GdFlowEta[]): Finding[] {
  const T = GD_VS_FLOW_TARGETS;
  const all = etas.flatMap((e) => e.runs.map((r) => ({ eta: e.eta, ...r })));
  const withGd = all.filter((r) => r.gd !== null && Number.isFinite(r.gfsMaxRise));
  const monotone = withGd.filter((r) => r.gfsMaxRise <= T.monotone);
  const below = all.filter((r) => r.gd !== null && r.flow !== null && r.flow.sharpness < 2 / r.eta);
  const trackError = (r: (typeof all)[number]) => Math.abs(r.gfsEnd - r.flow!.sharpness) / r.flow!.sharpness;
  const flows = all.filter((r) => r.flow !== null);
  const drift = (r: (typeof all)[number]) => Math.abs(r.flow!.imbalance - r.flow!.imbalance0) / r.flow!.imbalance0;
  const gds = all.filter((r) => r.gd !== null);
  const shrink = (r: (typeof all)[number]) => (r.gd!.imbalance0 - r.gd!.imbalance) / r.gd!.imbalance0;
  const perEta = etas
    .map((e) => ({ eta: e.eta, shrink: mean(e.runs.filter((r) => r.gd !== null).map((r) => shrink({ eta: e.eta, ...r }))) }))
    .filter((e) => Number.isFinite(e.shrink))
    .sort((a, b) => a.eta - b.eta);
  const increasing = perEta.length >= 2 && perEta.every((e, i) => i === 0 || e.shrink > perEta[i - 1].shrink);
  const byEta = (f: (r: (typeof all)[number]) => number, runs: typeof all) =>
    [...new Set(runs.map((r) => r.eta))].map((eta) => `η ${eta}: ${pc(Math.max(...runs.filter((r) => r.eta === eta).map(f)))}`).join('; ');
  return [
    {
      id: 'gfs-monotone',
      claim:
        "gfsSharpness (the sharpness of the gradient flow's limit from the current iterate) decreases monotonically along GD (Kreisler et al. 2023 prove it for scalar networks)",
      observed: `${monotone.length} of ${withGd.length} runs never rise by more than ${fmt(T.monotone)} relative; largest rise by η: ${withGd.length ? byEta((r) => r.gfsMaxRise, withGd) : 'n/a'}`,
      expected: `every run, every η: no rise above ${fmt(T.monotone)} relative between consecutive recordings (the limit is computed to about 1e-8)`,
      pass: withGd.length > 0 && monotone.length === withGd.length,
      about: ABOUT,
    },
    {
      id: 'gd-tracks-flow',
      claim:
        "where the gradient flow's limit is flatter than 2/η, GD ends at its flow's limit: GD's final gfsSharpness equals the gradient flow's limit",
      observed: below.length
        ? `${below.filter((r) => trackError(r) <= T.tracks).length} of ${below.length} runs within ${pc(T.tracks)}; largest by η: ${byEta(trackError, below)}`
        : "no run whose flow's limit is below 2/η",
      expected: `at least one such run; each within ${pc(T.tracks)}`,
      pass: below.length > 0 && below.every((r) => trackError(r) <= T.tracks),
      about: ABOUT,
    },
    {
      id: 'flow-conserves-imbalance',
      claim: 'the gradient flow conserves the layer imbalance W_{k+1}ᵀW_{k+1} − W_kW_kᵀ (Marion & Chizat, Lemma 1)',
      observed: flows.length
        ? `largest relative change over the flow: ${fmt(Math.max(...flows.map(drift)), 2)} (${flows.length} runs)`
        : 'no flow run',
      expected: `at most ${fmt(T.conserved)} relative in every run`,
      pass: flows.length > 0 && flows.every((r) => drift(r) <= T.conserved),
      about: ABOUT,
    },
    {
      id: 'gd-shrinks-imbalance',
      claim: 'gradient descent shrinks the layer imbalance, more at larger η (Beneventano & Woodworth 2025)',
      observed: `${gds.filter((r) => shrink(r) > 0).length} of ${gds.length} runs end below their initial imbalance; mean relative shrinkage by η: ${perEta.map((e) => `η ${e.eta}: ${pc(e.shrink)}`).join('; ')}`,
      expected: 'every run below its initial imbalance; the mean shrinkage increasing with η',
      pass: gds.length > 0 && gds.every((r) => shrink(r) > 0) && increasing,
      about: ABOUT,
    },
    {
      id: 'end-points',
      claim: "GD's and the gradient flow's end points per η (means over the initializations)",
      observed: etas
        .map((e) => {
          const g = e.runs.filter((r) => r.gd !== null);
          const f = e.runs.filter((r) => r.flow !== null);
          return `η ${e.eta} (2/η = ${fmt(2 / e.eta)}): GD sharpness ${fmt(mean(g.map((r) => r.gd!.sharpness)))}, gfsSharpness ${fmt(mean(g.map((r) => r.gfsEnd)))}, ‖θ‖ ${fmt(mean(g.map((r) => r.gd!.weightNorm)))}, imbalance ${fmt(mean(g.map((r) => r.gd!.imbalance)))}; flow sharpness ${fmt(mean(f.map((r) => r.flow!.sharpness)))}, ‖θ‖ ${fmt(mean(f.map((r) => r.flow!.weightNorm)))}, imbalance ${fmt(mean(f.map((r) => r.flow!.imbalance)))}`;
        })
        .join('; '),
      expected: 'informational',
      pass: null,
      about: ABOUT,
    },
  ];
}

const method = (r: RunView) => (r.record.values['train.method'] ?? r.config.train.method) as string;

function endPoint(r: RunView | undefined) {
  if (!r || isDiverged(r) || r.record.status === 'failed') return null;
  const v = (at: 'initial' | 'final', q: string) => valueOf(r, at, q) ?? NaN;
  return {
    sharpness: v('final', 'sharpness'),
    weightNorm: v('final', 'weightNorm'),
    imbalance0: v('initial', 'layerImbalance'),
    imbalance: v('final', 'layerImbalance'),
  };
}

function findings(ctx: FindingsContext): FindingsResult {
  const { ds, loadTrace } = ctx;
  const etas: GdFlowEta[] = numbers(ds, 'train.learningRate').map((eta) => {
    const here = ds.runs.filter((r) => r.record.values['train.learningRate'] === eta);
    const runs: GdFlowRun[] = here
      .filter((r) => method(r) === 'gd')
      .map((g) => {
        const f = here.find((r) => method(r) === 'flow' && r.record.rep === g.record.rep);
        const trace = isDiverged(g) ? undefined : loadTrace(g.record.id);
        const gfs = (trace?.columns.gfsSharpness?.values ?? []).map((x) => (x === null ? NaN : x));
        const finite = gfs.filter((x) => Number.isFinite(x));
        return {
          rep: g.record.rep,
          gfsMaxRise: maxRise(gfs),
          gfsStart: finite[0] ?? NaN,
          gfsEnd: finite[finite.length - 1] ?? NaN,
          gd: endPoint(g),
          flow: endPoint(f),
        };
      });
    return { eta, runs };
  });
  return {
    headline: { etas },
    findings: gdVsFlowFindings(etas),
    notes: reproductionNotes(ctx, {
      intervals: false,
      extra: [
        'gfsSharpness: at each GD recording, gradient flow (RK45, rtol 1e-8, atol 1e-12) from the iterate until ‖∇R‖ ≤ 1e-7·max(‖∇R‖, ‖∇R(θ₀)‖), then Lanczos at the limit (docs/central-flow.md).',
        'Every learning rate runs to the same time t = η·steps = 45 (Fig. 1d: 450 steps at η = 0.1); the gradient flow runs from the same initializations to t = 45.',
      ],
    }),
  };
}

export const marionChizatGdVsFlow: Preset = {
  name: 'marion-chizat-gd-vs-flow',
  summary:
    "GD against its gradient flow (Marion & Chizat problem, authors' data): gfsSharpness along GD for 4 learning rates (monotone? Kreisler et al. 2023), GD and flow end points (sharpness, weight norm, imbalance)",
  config: {
    name: 'marion-chizat-gd-vs-flow',
    description:
      "Gradient descent against its gradient flow on the Marion & Chizat problem (authors' dataset, depth 10, Gaussian init at scale 0.3): for eta = 0.01, 0.05, 0.09, 0.1 to the same time t = eta * steps = 45, " +
      "the sharpness of the gradient flow's limit from each GD iterate (gfsSharpness), and the end points of GD and of the gradient flow from the same initialization (sharpness, weight norm, layer imbalance).",
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: 0.1,
      steps: 450,
      tEnd: T_END,
      recordEvery: 5,
      record: ['loss', 'sharpness', 'gfsSharpness', 'layerImbalance', 'weightNorm'],
      sharpness: { method: 'lanczos', tol: 1e-10, warmStart: true },
    },
    repetitions: 6,
    sweep: [
      { 'train.learningRate': ETAS, 'train.steps': STEPS, 'train.recordEvery': STEPS.map((s) => Math.round(s / 90)) },
      { 'train.method': ['gd', 'flow'] },
    ],
    output: { traces: true },
    report: {
      title: "Gradient descent against its gradient flow: the flow's limit along GD (Kreisler et al. 2023), end points per learning rate",
      figures: [
        {
          kind: 'trace',
          id: 'gfs-sharpness',
          title: "GD: sharpness and the sharpness of the gradient flow's limit from each iterate (the first initialization)",
          x: 'time',
          xLabel: 'Time t = η · step',
          y: ['sharpness', 'gfsSharpness', 'layerImbalance'],
          yLabels: ['Sharpness', 'gfsSharpness', 'Layer imbalance'],
          series: 'train.learningRate',
          filter: { 'train.method': 'gd' },
          yScale: ['linear', 'linear', 'linear'],
        },
      ],
    },
    quick: {
      repetitions: 2,
      sweep: [{ 'train.learningRate': [0.05, 0.1], 'train.steps': [900, 450], 'train.recordEvery': [10, 5] }, { 'train.method': ['gd', 'flow'] }],
    },
  },
  findings,
};

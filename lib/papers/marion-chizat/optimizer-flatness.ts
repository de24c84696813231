/**
 * Beyond the paper: Fig. 1b's sweep (final sharpness against the Gaussian init's scale, L = 10,
 * the authors' data) for six training rules, each against its own edge of stability — which rule
 * lands where, and whether each run that settled sits below its edge. One sweep: the rules are
 * whole `train.optimizer` objects on one axis (zipped with the learning rate), labelled in the
 * results `gd`, `sgd batchSize=10`, ... (lib/experiments/plan.ts, axisLabel).
 *
 * Rules and their edges (docs/algorithms.md §7.2-7.3), at learning rate eta:
 * - gd, eta = 0.07: lambda_max against 2/eta.
 * - sgd (batch 10) and label-noise (sigma = 0.1, full batch), eta = 0.07: lambda_max against 2/eta.
 *   Both steps are unbiased (a batch gradient's mean is the full gradient; the label-noise gradient
 *   is affine in the targets and the noise has mean zero), so near a minimizer the mean error obeys
 *   GD's linearization: lambda_max < 2/eta is necessary for stability in mean. Neither converges
 *   (the authors' targets are noisy, so batch gradients do not vanish at w*; label noise never
 *   stops): the claim is on every non-diverged run's final point.
 * - momentum (heavy ball, beta = 0.9), eta = 0.007 (the same effective rate eta/(1 - beta) as GD's
 *   0.07): lambda_max against 2(1 + beta)/eta.
 * - adam (beta1 = 0.9), eta = 0.01: the preconditioned sharpness lambda_max(P^-1 H) against
 *   (2 + 2 beta1)/((1 - beta1) eta) = 38/eta.
 * - sam (rho = 0.05), eta = 0.07: lambda_max against SAM's gradient-dependent edge at the final step
 *   (recorded stabilityEdge). SAM ends on a 2-cycle, never at a minimizer: every non-diverged run.
 * "Converged" for gd, momentum and adam: within 1e-6 of w* (common.ts, reached); the claim is on
 * those runs. A run is below its edge when its edge quantity is at most (1 + 1e-3) x the edge.
 */
import { axisLabel } from '../../experiments/plan';
import { isDiverged, valueOf, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers, pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, reached, reproductionNotes } from './common';

/** The six rules in sweep order, each with its learning rate. */
export const RULES = [
  { optimizer: { kind: 'gd' }, eta: 0.07 },
  { optimizer: { kind: 'sgd', batchSize: 10 }, eta: 0.07 },
  { optimizer: { kind: 'label-noise', sigma: 0.1 }, eta: 0.07 },
  { optimizer: { kind: 'momentum', beta: 0.9 }, eta: 0.007 },
  { optimizer: { kind: 'adam' }, eta: 0.01 },
  { optimizer: { kind: 'sam', rho: 0.05 }, eta: 0.07 },
] as const;

/** Rules that never settle at a minimizer here: the claim covers every non-diverged run. */
const NOISY = new Set(['sgd', 'label-noise', 'sam']);
/** Rules expected to end flatter than GD (noise and SAM's ascent step favour flat minima). */
export const FLATTER = ['sgd', 'label-noise', 'sam'];

/** How each rule's edge reads (docs/algorithms.md §7.2). */
const EDGES: Record<string, string> = {
  gd: '2/η',
  sgd: '2/η, the mean dynamics’ edge',
  'label-noise': '2/η, the mean dynamics’ edge',
  momentum: '2(1 + β)/η',
  adam: '(2 + 2β₁)/((1 − β₁)η) = 38/η',
  sam: 'SAM’s edge at the final gradient norm',
};

const ABOUT = ['train.optimizer', 'train.learningRate', 'train.steps', 'init.scale'];
const SLACK = 1e-3;

/** The optimizer kind of a run (the axis holds the rule's label, e.g. `sgd batchSize=10`: kind first). */
export function kindOf(r: RunView): string {
  return String(r.record.values['train.optimizer']).split(' ')[0];
}

/** The quantity a rule's edge bounds: the preconditioned sharpness for adam, lambda_max otherwise. */
export const edgeQuantity = (kind: string) => (kind === 'adam' ? 'preconditionedSharpness' : 'sharpness');

/** A run's final edge quantity over its final edge (null: diverged or not recorded). */
export function edgeRatio(r: RunView): number | null {
  if (isDiverged(r)) return null;
  const q = valueOf(r, 'final', edgeQuantity(kindOf(r)));
  const edge = valueOf(r, 'final', 'stabilityEdge');
  return q === null || edge === null || !(edge > 0) ? null : q / edge;
}

/** The runs a rule's below-edge claim covers (see the header). */
export const covered = (runs: RunView[], kind: string) => runs.filter((r) => !isDiverged(r) && (NOISY.has(kind) || reached(r)));

function meanSharpness(runs: RunView[]): number | null {
  const v = runs.filter((r) => !isDiverged(r)).map((r) => valueOf(r, 'final', 'sharpness'));
  const ok = v.filter((x): x is number => x !== null && Number.isFinite(x));
  return ok.length ? ok.reduce((s, x) => s + x, 0) / ok.length : null;
}

function findings(ctx: FindingsContext): FindingsResult {
  const { ds } = ctx;
  const kinds = [...new Set(ds.runs.map(kindOf))];
  const scales = numbers(ds, 'init.scale');
  const of = (kind: string, scale?: number) =>
    ds.runs.filter((r) => kindOf(r) === kind && (scale === undefined || r.record.values['init.scale'] === scale));
  const out: Finding[] = [];
  const landing: Record<string, unknown>[] = [];
  for (const kind of kinds) {
    const runs = of(kind);
    const mine = covered(runs, kind);
    const ratios = mine.map(edgeRatio);
    const below = ratios.filter((x) => x !== null && x <= 1 + SLACK).length;
    const finite = ratios.filter((x): x is number => x !== null);
    const eta = runs[0]?.record.values['train.learningRate'];
    const population = NOISY.has(kind) ? 'non-diverged runs (this rule does not converge here)' : 'runs that converged (within 1e-6 of w*)';
    const who = NOISY.has(kind) ? 'run that does not diverge' : 'run that converges';
    const base = {
      id: `below-edge-${kind}`,
      claim: `${kind} (η = ${eta}): every ${who} ends with ${edgeQuantity(kind) === 'sharpness' ? 'λ_max' : 'λ_max(P⁻¹H)'} below its own edge (${EDGES[kind] ?? 'stabilityEdge'})`,
      expected: `${edgeQuantity(kind)} ≤ (1 + ${SLACK}) × stabilityEdge in every one of the ${population}`,
      about: ABOUT,
    };
    if (mine.length === 0) {
      out.push({
        ...base,
        observed: `no run of ${runs.length} qualifies (${pct(runs.filter(isDiverged).length / Math.max(1, runs.length))} diverged)`,
        pass: null,
        notApplicable: `no ${population}`,
      });
    } else {
      out.push({
        ...base,
        observed: `${below} of ${mine.length} ${population} below; ${edgeQuantity(kind)}/edge ${fmt(Math.min(...finite), 3)} to ${fmt(Math.max(...finite), 3)}; ${runs.length - mine.length} of ${runs.length} runs not covered (diverged${NOISY.has(kind) ? '' : ' or not converged'})`,
        pass: below === mine.length,
      });
    }
    landing.push({
      kind,
      eta,
      edgeAtEnd: valueOf(runs.find((r) => !isDiverged(r)) ?? runs[0], 'final', 'stabilityEdge'),
      meanFinalSharpnessByScale: scales.map((s) => meanSharpness(of(kind, s))),
      divergenceByScale: scales.map((s) => of(kind, s).filter(isDiverged).length / Math.max(1, of(kind, s).length)),
      converged: runs.filter((r) => reached(r)).length,
      runs: runs.length,
    });
  }
  // Flatter than GD: mean final sharpness over the scales where both GD and the rule have survivors.
  for (const kind of FLATTER.filter((k) => kinds.includes(k) && kinds.includes('gd'))) {
    const pairs = scales
      .map((s) => ({ s, gd: meanSharpness(of('gd', s)), rule: meanSharpness(of(kind, s)) }))
      .filter((p) => p.gd !== null && p.rule !== null);
    const gd = pairs.reduce((t, p) => t + p.gd!, 0) / Math.max(1, pairs.length);
    const rule = pairs.reduce((t, p) => t + p.rule!, 0) / Math.max(1, pairs.length);
    out.push({
      id: `flatter-than-gd-${kind}`,
      claim: `${kind} ends flatter than gradient descent: its mean final λ_max, averaged over the scales where both have surviving runs, is below GD's`,
      observed: `${kind} ${fmt(rule)} against GD ${fmt(gd)} over ${pairs.length} scales (${pairs.map((p) => `${fmt(p.s, 3)}: ${fmt(p.rule)} vs ${fmt(p.gd)}`).join('; ')})`,
      expected: `below GD's (ratio ${fmt(rule / gd, 3)})`,
      pass: pairs.length > 0 && rule < gd,
      about: ABOUT,
    });
  }
  out.push({
    id: 'landing',
    claim: 'where each rule lands: mean final λ_max by scale, against its own edge',
    observed: landing
      .map(
        (l) =>
          `${l.kind}: ${(l.meanFinalSharpnessByScale as (number | null)[]).map((v) => fmt(v, 3)).join(', ')} (edge at the end ${fmt(l.edgeAtEnd as number | null, 4)})`,
      )
      .join('; '),
    expected: `scales ${scales.map((s) => fmt(s, 3)).join(', ')}`,
    pass: null,
    about: ABOUT,
  });
  return {
    headline: { scales, perRule: landing },
    findings: out,
    notes: reproductionNotes(ctx, {
      extra: [
        'One sweep over whole optimizer objects (train.optimizer), zipped with the learning rate: each rule is labelled by its kind and fields (gd, sgd batchSize=10, momentum beta=0.9, …) in runs.csv, the figures and filters.',
        'SGD and label noise: their edge here is 2/η on λ_max, the edge of the mean dynamics (both steps are unbiased, so the mean error near a minimizer follows GD’s linearization); it is necessary, not sufficient, for stability in mean square. Their batch sharpness (Andreyev & Beneventano’s edge) is recorded beside it.',
        'Adam: at a minimizer v̂ decays and P → εI, so λ_max(P⁻¹H) grows without bound: a converged Adam run cannot stay below 38/η (docs/algorithms.md §7.3).',
      ],
    }),
  };
}

export const marionChizatOptimizerFlatness: Preset = {
  name: 'marion-chizat-optimizer-flatness',
  summary:
    "Beyond the paper: Fig. 1b's sweep (final sharpness vs init scale, L = 10, the authors' data) for GD, SGD (batch 10), label noise, heavy ball 0.9, Adam and SAM, each against its own edge of stability",
  config: {
    name: 'marion-chizat-optimizer-flatness',
    description:
      "Marion & Chizat's Fig. 1b sweep (Gaussian init, scale 0.25-0.6, depth 10, widths 5 ... 5, 1, the authors' dataset) for six training rules in one sweep over train.optimizer: " +
      'gd, sgd (batch 10), label-noise (sigma 0.1) and sam (rho 0.05) at eta = 0.07; heavy ball (beta 0.9) at eta = 0.007 (the same eta/(1 - beta)); adam at eta = 0.01; 4,000 steps. ' +
      'Final sharpness (Lanczos), the rule’s stability edge, the preconditioned sharpness (Adam) and the batch sharpness at the end.',
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: 0.07,
      steps: 4000,
      recordEvery: 0,
      record: ['loss', 'distance', 'sharpness', 'stabilityEdge', 'preconditionedSharpness', 'batchSharpness'],
      sharpness: { method: 'lanczos', tol: 1e-10 },
    },
    repetitions: 20,
    sweep: [
      { 'train.optimizer': RULES.map((r) => ({ ...r.optimizer })), 'train.learningRate': RULES.map((r) => r.eta) },
      { 'init.scale': { linspace: [0.25, 0.6, 10] } },
    ],
    report: {
      title: 'Flatness by optimizer: Fig. 1b for six training rules, each against its own edge',
      figures: [
        {
          kind: 'sweep',
          id: 'sharpness',
          title: 'Fig. 1b by optimizer: final sharpness λ_max against the scale of initialization',
          x: 'init.scale',
          xLabel: 'Scale of initialization',
          y: 'sharpness',
          series: 'train.optimizer',
          initialSeries: true,
          yScale: 'log',
        },
        {
          kind: 'sweep',
          id: 'edge',
          title: 'Each rule’s stability edge at the end (2/η, 2(1+β)/η, 38/η on λ_max(P⁻¹H), SAM’s gradient-dependent edge)',
          x: 'init.scale',
          xLabel: 'Scale of initialization',
          y: 'stabilityEdge',
          series: 'train.optimizer',
          yScale: 'log',
        },
        {
          kind: 'sweep',
          id: 'edge-ratio',
          title: 'λ_max over each rule’s edge at the end (Adam left out: its edge bounds λ_max(P⁻¹H), in the findings): below 1 is stable',
          x: 'init.scale',
          xLabel: 'Scale of initialization',
          y: 'sharpness/stabilityEdge',
          series: 'train.optimizer',
          filter: { 'train.optimizer': RULES.filter((r) => r.optimizer.kind !== 'adam').map((r) => String(axisLabel({ ...r.optimizer }))) },
          yScale: 'log',
          rules: ['1'],
        },
      ],
    },
    quick: {
      repetitions: 3,
      sweep: [
        { 'train.optimizer': RULES.map((r) => ({ ...r.optimizer })), 'train.learningRate': RULES.map((r) => r.eta) },
        { 'init.scale': [0.25, 0.4, 0.5, 0.6] },
      ],
    },
  },
  findings,
};

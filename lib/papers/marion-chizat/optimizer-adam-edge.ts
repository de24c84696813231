/**
 * Beyond the paper: Adam at its adaptive edge of stability (Cohen et al. 2022, "Adaptive gradient
 * methods at the edge of stability") on the Marion-Chizat network and the authors' data. With
 * P = diag(sqrt(v_hat)) + eps the preconditioner of the step, Adam's stability threshold on the
 * preconditioned sharpness lambda_max(P^-1 H) is (2 + 2 beta1) / ((1 - beta1) eta) = 38/eta at
 * beta1 = 0.9 (docs/algorithms.md §7.3): the claim is that the preconditioned sharpness rises to it
 * and hovers there while the plain sharpness lambda_max does not.
 *
 * The test on one trace (adaptiveEdgeShape): the window starts at the first record where the
 * preconditioned sharpness reaches 0.9 x the edge; over the window, its median must lie within 15%
 * of the edge and at least 70% of the records within 30% of it (hovering, not passing through);
 * the plain sharpness's median over the same window must stay below a tenth of the edge. A run
 * that never reaches 0.9 x the edge, or overshoots it and keeps rising, fails.
 */
import { isDiverged } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { TraceFile } from '../../experiments/execute';
import { numbers, pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, median, reproductionNotes } from './common';

const BETA1 = 0.9;
/** Adam's edge on the preconditioned sharpness at learning rate eta. */
export const adamEdge = (eta: number, beta1 = BETA1) => (2 + 2 * beta1) / ((1 - beta1) * eta);

const ABOUT = ['train.learningRate', 'train.optimizer.kind', 'train.optimizer.beta1', 'train.steps', 'init.scale'];

/** How one run's preconditioned and plain sharpness sit against the edge. */
export interface AdaptiveEdgeShape {
  /** The step at which the preconditioned sharpness first reached 0.9 x the edge (null: never). */
  reachedAt: number | null;
  /** Over the window from there: median preconditioned sharpness / edge. */
  medianRatio: number;
  /** Share of the window's records within 30% of the edge. */
  within: number;
  /** Median plain sharpness / edge over the same window. */
  sharpnessRatio: number;
  /** Largest preconditioned sharpness / edge over the run. */
  maxRatio: number;
}

export function adaptiveEdgeShape(trace: TraceFile, edge: number): AdaptiveEdgeShape | null {
  const steps = trace.columns.step?.values ?? [];
  const pre = (trace.columns.preconditionedSharpness?.values ?? []).map((v) => (v === null ? NaN : v));
  const sharp = (trace.columns.sharpness?.values ?? []).map((v) => (v === null ? NaN : v));
  if (pre.length < 4 || sharp.length !== pre.length) return null;
  const start = pre.findIndex((v) => v >= 0.9 * edge);
  const maxRatio = Math.max(...pre.filter(Number.isFinite)) / edge;
  if (start < 0) return { reachedAt: null, medianRatio: NaN, within: 0, sharpnessRatio: NaN, maxRatio };
  const window = pre.slice(start).map((v) => v / edge);
  return {
    reachedAt: steps[start] ?? null,
    medianRatio: median(window),
    within: window.filter((r) => Math.abs(r - 1) <= 0.3).length / window.length,
    sharpnessRatio: median(sharp.slice(start)) / edge,
    maxRatio,
  };
}

/** The preconditioned sharpness hovers at the edge (see the header). */
export function hoversAtEdge(s: AdaptiveEdgeShape | null): boolean {
  return s !== null && s.reachedAt !== null && Math.abs(s.medianRatio - 1) <= 0.15 && s.within >= 0.7;
}

/** Share of the runs in which the claim must hold. */
const REQUIRED = 0.9;

function findings(ctx: FindingsContext): FindingsResult {
  const { ds, loadTrace } = ctx;
  const out: Finding[] = [];
  const perEta: Record<string, unknown>[] = [];
  for (const eta of numbers(ds, 'train.learningRate')) {
    const edge = adamEdge(eta);
    const runs = ds.runs.filter((r) => r.record.values['train.learningRate'] === eta);
    const shapes = runs.map((r) => {
      const trace = isDiverged(r) ? undefined : loadTrace(r.record.id);
      return trace ? adaptiveEdgeShape(trace, edge) : null;
    });
    const hover = shapes.filter(hoversAtEdge).length / Math.max(1, shapes.length);
    const plainBelow = shapes.filter((s) => s !== null && s.reachedAt !== null && s.sharpnessRatio < 0.1).length / Math.max(1, shapes.length);
    const describe = (f: (s: AdaptiveEdgeShape) => number, digits = 3) => {
      const v = shapes.filter((s): s is AdaptiveEdgeShape => s !== null && s.reachedAt !== null).map(f);
      return v.length ? `${fmt(Math.min(...v), digits)} to ${fmt(Math.max(...v), digits)}` : 'none reached';
    };
    const reachedAt = shapes.map((s) => s?.reachedAt).filter((x): x is number => typeof x === 'number');
    out.push({
      id: `adaptive-edge-eta-${eta}`,
      claim: `Adam (β₁ = ${BETA1}), η = ${eta}: the preconditioned sharpness λ_max(P⁻¹H) rises to 38/η = ${fmt(edge)} and hovers there (Cohen et al. 2022)`,
      observed: `${pct(hover)} of ${runs.length} runs hover; reached 0.9·38/η at steps ${reachedAt.length ? `${Math.min(...reachedAt)} to ${Math.max(...reachedAt)}` : 'never'}; median λ_max(P⁻¹H)/(38/η) after that ${describe(
        (s) => s.medianRatio,
      )}, share of records within 30% ${describe((s) => s.within, 2)}; largest ratio over the run ${fmt(Math.max(...shapes.map((s) => s?.maxRatio ?? NaN)), 3)}`,
      expected: `in ≥ ${pct(REQUIRED)} of the runs: reaches 0.9·38/η, then median within 15% of 38/η and ≥ 70% of the records within 30%`,
      pass: runs.length > 0 && hover >= REQUIRED,
      about: ABOUT,
    });
    out.push({
      id: `sharpness-below-adaptive-edge-eta-${eta}`,
      claim: `Adam, η = ${eta}: the plain sharpness λ_max does not rise to the edge: its median after the preconditioned sharpness reached it stays below a tenth of 38/η`,
      observed: `median λ_max/(38/η) ${describe((s) => s.sharpnessRatio, 3)} (λ_max against GD's 2/η = ${fmt(2 / eta)}: ${describe(
        (s) => (s.sharpnessRatio * edge) / (2 / eta),
        3,
      )})`,
      expected: `< 0.1 in ≥ ${pct(REQUIRED)} of the runs`,
      pass: runs.length > 0 && plainBelow >= REQUIRED,
      about: ABOUT,
    });
    perEta.push({ eta, edge, hoverShare: hover, shapes });
  }
  return {
    headline: { beta1: BETA1, perLearningRate: perEta },
    findings: out,
    notes: reproductionNotes(ctx, {
      scaled: false,
      intervals: false,
      extra: [
        'Adam as Kingma & Ba write it (bias-corrected, β₂ = 0.999, ε = 10⁻⁸; docs/algorithms.md §7.2); P = diag(√v̂) + ε with v̂ including the step’s own gradient, λ_max(P^{−1/2}HP^{−1/2}) by Lanczos on exact Hessian-vector products every 100 steps.',
        'The edge 38/η is the heavy-ball edge of Adam’s momentum under a frozen preconditioner (docs/algorithms.md §7.3); it is not a theorem for a moving P.',
      ],
    }),
  };
}

export const marionChizatOptimizerAdamEdge: Preset = {
  name: 'marion-chizat-optimizer-adam-edge',
  summary:
    "Beyond the paper: Adam on the Marion-Chizat network (L = 10, the authors' data), the preconditioned sharpness against 38/eta and the plain sharpness (Cohen et al. 2022's adaptive edge of stability)",
  config: {
    name: 'marion-chizat-optimizer-adam-edge',
    description:
      "Adam (beta1 = 0.9, beta2 = 0.999, eps = 1e-8) on the Marion-Chizat network (L = 10, widths 5 ... 5, 1) and the authors' dataset, Gaussian init at scale 0.3, at eta = 0.03 and 0.01 for 20,000 steps: " +
      'the preconditioned sharpness lambda_max(P^-1 H) (P = sqrt(v_hat) + eps) against its edge 38/eta, the plain sharpness and the loss every 100 steps (Cohen et al. 2022, "Adaptive gradient methods at the edge of stability").',
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: 0.03,
      steps: 20000,
      recordEvery: 100,
      optimizer: { kind: 'adam', beta1: BETA1 },
      record: ['loss', 'sharpness', 'preconditionedSharpness', 'stabilityEdge', 'secondMomentNorm'],
      sharpness: { method: 'lanczos', tol: 1e-8 },
    },
    repetitions: 5,
    sweep: [{ 'train.learningRate': [0.03, 0.01] }],
    output: { traces: true },
    report: {
      title: 'Adam at its adaptive edge of stability on the Marion & Chizat network',
      figures: [
        {
          kind: 'trace',
          id: 'adaptive-edge',
          title: 'Preconditioned sharpness λ_max(P⁻¹H), its edge 38/η, the plain sharpness λ_max and the loss along Adam (first initialization)',
          x: 'step',
          y: ['preconditionedSharpness', 'stabilityEdge', 'sharpness', 'loss'],
          yLabels: ['λ_max(P⁻¹H)', '38/η', 'λ_max(H)', 'Loss'],
          yScale: ['log', 'log', 'log', 'log'],
          series: 'train.learningRate',
        },
      ],
    },
    quick: { repetitions: 2, train: { steps: 8000 } },
  },
  findings,
};

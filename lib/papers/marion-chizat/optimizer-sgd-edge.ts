/**
 * Beyond the paper: SGD at the "edge of stochastic stability" (Andreyev & Beneventano 2024) on the
 * Marion-Chizat network and the authors' data. Their claim: mini-batch SGD trains until the batch
 * sharpness (the mini-batch loss's curvature along its own gradient, averaged over batches;
 * batchSharpness, docs/algorithms.md §7.3) sits at 2/eta, while the full-batch lambda_max stays
 * below 2/eta; for several batch sizes.
 *
 * The test on one trace (sgdEdgeShape): over the second half of the run, the median batch
 * sharpness must lie within 15% of 2/eta, and the median lambda_max below 2/eta; each claim must
 * hold in 90% of the runs of a batch size. Runs that diverge count against both.
 */
import { isDiverged } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { TraceFile } from '../../experiments/execute';
import { numbers, pct } from '../common';
import type { Preset } from '../types';
import { AUTHORS_DATA, median, reproductionNotes } from './common';

const ETA = 0.1;
const ABOUT = ['train.learningRate', 'train.optimizer.kind', 'train.optimizer.batchSize', 'train.steps', 'init.scale'];

export interface SgdEdgeShape {
  /** Median over the second half of batchSharpness / (2/eta). */
  batchRatio: number;
  /** Median over the second half of lambda_max / (2/eta). */
  sharpnessRatio: number;
  /** Loss at the end. */
  finalLoss: number;
}

export function sgdEdgeShape(trace: TraceFile, eta: number): SgdEdgeShape | null {
  const finite = (name: string) => (trace.columns[name]?.values ?? []).map((v) => (v === null ? NaN : v));
  const batch = finite('batchSharpness');
  const sharp = finite('sharpness');
  const loss = finite('loss');
  if (batch.length < 4 || sharp.length !== batch.length) return null;
  const half = Math.floor(batch.length / 2);
  const two = 2 / eta;
  return {
    batchRatio: median(batch.slice(half).filter(Number.isFinite)) / two,
    sharpnessRatio: median(sharp.slice(half).filter(Number.isFinite)) / two,
    finalLoss: loss[loss.length - 1] ?? NaN,
  };
}

export const atStochasticEdge = (s: SgdEdgeShape | null) => s !== null && Math.abs(s.batchRatio - 1) <= 0.15;
export const sharpnessBelowEdge = (s: SgdEdgeShape | null) => s !== null && s.sharpnessRatio < 1;

const REQUIRED = 0.9;

function findings(ctx: FindingsContext): FindingsResult {
  const { ds, loadTrace } = ctx;
  const out: Finding[] = [];
  const perBatch: Record<string, unknown>[] = [];
  const eta = ds.plan.experiment.train.learningRate ?? ETA;
  for (const b of numbers(ds, 'train.optimizer.batchSize')) {
    const runs = ds.runs.filter((r) => r.record.values['train.optimizer.batchSize'] === b);
    const shapes = runs.map((r) => {
      const trace = isDiverged(r) ? undefined : loadTrace(r.record.id);
      return trace ? sgdEdgeShape(trace, eta) : null;
    });
    const range = (f: (s: SgdEdgeShape) => number) => {
      const v = shapes.filter((s): s is SgdEdgeShape => s !== null).map(f);
      return v.length ? `${fmt(Math.min(...v), 3)} to ${fmt(Math.max(...v), 3)}` : 'no run';
    };
    const diverged = runs.filter(isDiverged).length;
    const atEdge = shapes.filter(atStochasticEdge).length / Math.max(1, shapes.length);
    const below = shapes.filter(sharpnessBelowEdge).length / Math.max(1, shapes.length);
    out.push({
      id: `batch-sharpness-at-edge-b${b}`,
      claim: `SGD, batch ${b}, η = ${eta}: the batch sharpness sits at 2/η = ${fmt(2 / eta)} (Andreyev & Beneventano's edge of stochastic stability)`,
      observed: `${pct(atEdge)} of ${runs.length} runs (${diverged} diverged); median batch sharpness/(2/η) over the second half ${range((s) => s.batchRatio)}; final loss ${range(
        (s) => s.finalLoss,
      )}`,
      expected: `within 15% of 2/η in ≥ ${pct(REQUIRED)} of the runs`,
      pass: runs.length > 0 && atEdge >= REQUIRED,
      about: ABOUT,
    });
    out.push({
      id: `sharpness-below-edge-b${b}`,
      claim: `SGD, batch ${b}, η = ${eta}: the full-batch λ_max stays below 2/η`,
      observed: `${pct(below)} of the runs; median λ_max/(2/η) over the second half ${range((s) => s.sharpnessRatio)}`,
      expected: `median below 2/η in ≥ ${pct(REQUIRED)} of the runs`,
      pass: runs.length > 0 && below >= REQUIRED,
      about: ABOUT,
    });
    perBatch.push({ batchSize: b, atEdgeShare: atEdge, belowShare: below, diverged, shapes });
  }
  return {
    headline: { eta, perBatchSize: perBatch },
    findings: out,
    notes: reproductionNotes(ctx, {
      scaled: false,
      intervals: false,
      extra: [
        'SGD without replacement (epochs of random permutations, batches keyed by (seed, step); docs/algorithms.md §7.1). batchSharpness: the mean over the next ⌈n/b⌉ batches of g_Bᵀ H_B g_B/‖g_B‖² (docs/algorithms.md §7.3), recorded every 50 steps with the full-batch λ_max (Lanczos).',
        "The authors' regression has label noise (the minimum's loss is 0.0994, not 0): the mini-batch gradients do not vanish at the minimum, unlike the interpolating settings of Andreyev & Beneventano.",
      ],
    }),
  };
}

export const marionChizatOptimizerSgdEdge: Preset = {
  name: 'marion-chizat-optimizer-sgd-edge',
  summary:
    "Beyond the paper: SGD (batch 5, 10, 25) on the Marion-Chizat network (L = 10, the authors' data) at eta = 0.1, batch sharpness and lambda_max against 2/eta (the edge of stochastic stability)",
  config: {
    name: 'marion-chizat-optimizer-sgd-edge',
    description:
      "SGD (without replacement) on the Marion-Chizat network (L = 10, widths 5 ... 5, 1) and the authors' dataset, Gaussian init at scale 0.3, eta = 0.1 (where full-batch GD is at its edge of stability, Fig. 1d), batch sizes 5, 10 and 25, 5,000 steps: " +
      'the batch sharpness (Andreyev & Beneventano 2024) and the full-batch sharpness every 50 steps against 2/eta.',
    seed: 0,
    data: AUTHORS_DATA,
    model: { depth: 10 },
    init: { kind: 'gaussian', scale: 0.3 },
    train: {
      method: 'gd',
      learningRate: ETA,
      steps: 5000,
      recordEvery: 50,
      optimizer: { kind: 'sgd', batchSize: 10 },
      record: ['loss', 'sharpness', 'batchSharpness', 'stabilityEdge'],
      sharpness: { method: 'lanczos', tol: 1e-8 },
    },
    repetitions: 5,
    sweep: [{ 'train.optimizer.batchSize': [5, 10, 25] }],
    output: { traces: true },
    report: {
      title: 'SGD and the edge of stochastic stability on the Marion & Chizat network',
      figures: [
        {
          kind: 'trace',
          id: 'stochastic-edge',
          title: 'Batch sharpness, full-batch λ_max, 2/η and the loss along SGD (first initialization per batch size)',
          x: 'step',
          y: ['batchSharpness', 'sharpness', 'stabilityEdge', 'loss'],
          yLabels: ['Batch sharpness', 'λ_max', '2/η', 'Loss'],
          yScale: ['linear', 'linear', 'linear', 'log'],
          series: 'train.optimizer.batchSize',
        },
      ],
    },
    quick: { repetitions: 2, train: { steps: 2000 } },
  },
  findings,
};

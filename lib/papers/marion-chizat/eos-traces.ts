/**
 * Marion & Chizat (2024), Figures 1c,d (Gaussian init) and 3c,d (residual init): gradient descent
 * at eta = 0.02 (no edge of stability) and 0.1 (edge of stability), distance and sharpness every 5
 * steps, as the authors' May 2024 code (the paper): Gaussian scale 0.3, residual s = 0.5, 400
 * steps. The paper shows one randomly chosen run per panel; here 20 initializations run, the
 * figure draws the first, and the findings check every one.
 *
 * Edge of stability, as a test that a converged run fails: over the second half of a run the
 * sharpness straddles 2/eta (at least a quarter of the samples on each side, their mean within 15%)
 * and the distance keeps rising (at least a quarter of the samples above the one before, by more
 * than 1% and above 1e-12). No edge of stability: the sharpness stays below 2/eta and the distance
 * never rises after the first sample at which it has fallen (docs/reproduction.md §4).
 */
import { isDiverged } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import type { TraceFile } from '../../experiments/execute';
import { numbers, pct } from '../common';
import type { PresetConfig } from '../types';
import { LINES, reproductionNotes, type LineName } from './common';

/** What the trace findings are about: the learning rates, the scales, the init and the step budget. */
export const TRACES_ABOUT = ['train.learningRate', 'init.scale', 'init.kind', 'train.steps'];

/** How a trace moves: the numbers behind the edge-of-stability test. */
export interface TraceShape {
  maxSharpness: number;
  /**
   * Mean of the second half's sharpness samples (a period-2 oscillation sampled every 5 steps
   * alternates between its two values, so the mean, not the median, is its centre).
   */
  lateMean: number;
  /** Fractions of the second half's samples above and below 2/eta. */
  above: number;
  below: number;
  /** Fraction of the second half's samples at which the distance rose (by > 1%, above 1e-12). */
  rises: number;
  /** Rises of the distance anywhere after it first fell. */
  risesAfterFall: number;
  finalDistance: number;
}

function rose(prev: number, next: number): boolean {
  return next > 1e-12 && next > prev * 1.01;
}

/** The shape of one run's trace at learning rate eta (null: no samples). */
export function traceShape(trace: TraceFile, eta: number): TraceShape | null {
  const sharp = trace.columns.sharpness?.values ?? [];
  const dist = trace.columns.distance?.values ?? [];
  const s = sharp.filter((v): v is number => v !== null);
  const d = dist.map((v) => (v === null ? NaN : v));
  if (s.length < 4 || d.length < 4) return null;
  const two = 2 / eta;
  const half = Math.floor(s.length / 2);
  const late = s.slice(half).sort((a, b) => a - b);
  let lateRises = 0;
  const dHalf = Math.floor(d.length / 2);
  for (let i = dHalf + 1; i < d.length; i++) if (rose(d[i - 1], d[i])) lateRises++;
  let risesAfterFall = 0;
  let fallen = false;
  for (let i = 1; i < d.length; i++) {
    if (d[i] < d[i - 1]) fallen = true;
    else if (fallen && rose(d[i - 1], d[i])) risesAfterFall++;
  }
  return {
    maxSharpness: Math.max(...s),
    lateMean: late.reduce((a, b) => a + b, 0) / late.length,
    above: late.filter((v) => v > two).length / late.length,
    below: late.filter((v) => v < two).length / late.length,
    rises: lateRises / Math.max(1, d.length - dHalf - 1),
    risesAfterFall,
    finalDistance: d[d.length - 1],
  };
}

/** Edge of stability: the run oscillates around 2/eta (see the header). */
export function atEdge(shape: TraceShape, eta: number): boolean {
  const two = 2 / eta;
  return shape.above >= 0.25 && shape.below >= 0.25 && Math.abs(shape.lateMean - two) <= 0.15 * two && shape.rises >= 0.25;
}

/** No edge of stability: below 2/eta throughout, and a distance that never rises once it falls. */
export function belowEdge(shape: TraceShape, eta: number): boolean {
  return shape.maxSharpness < 2 / eta && shape.risesAfterFall === 0;
}

/** Share of the runs in which the edge (or its absence) must show: the figure's run and 90% of the others. */
const REQUIRED = 0.9;

/** Findings from the runs' traces: per learning rate and scale, the run drawn (rep 0) and all of them. */
export function edgeOfStabilityFindings(kind: string, lines: LineName[], extraNotes: string[] = []) {
  return (ctx: FindingsContext): FindingsResult => {
    const { ds, loadTrace } = ctx;
    const out: Finding[] = [];
    const summaries: Record<string, unknown>[] = [];
    const steps = ds.plan.experiment.train.steps ?? NaN;
    for (const eta of numbers(ds, 'train.learningRate')) {
      for (const scale of numbers(ds, 'init.scale')) {
        const runs = ds.runs.filter((r) => r.record.values['train.learningRate'] === eta && r.record.values['init.scale'] === scale);
        const shapes = runs.map((r) => {
          const trace = isDiverged(r) ? undefined : loadTrace(r.record.id);
          return { rep: r.record.rep, shape: trace ? traceShape(trace, eta) : null };
        });
        const edge = eta > 0.05;
        const test = (s: TraceShape | null) => s !== null && (edge ? atEdge(s, eta) : belowEdge(s, eta));
        const holding = shapes.filter((s) => test(s.shape)).length;
        const shown = shapes.find((s) => s.rep === 0);
        const share = shapes.length ? holding / shapes.length : NaN;
        const two = 2 / eta;
        const valid = shapes.map((s) => s.shape).filter((s): s is TraceShape => s !== null);
        const band = valid.map((s) => s.lateMean);
        summaries.push({
          eta,
          scale,
          runs: shapes.length,
          holding,
          shownHolds: shown ? test(shown.shape) : null,
          shapes: shapes.map((s) => ({ rep: s.rep, ...s.shape })),
        });
        const claim = edge
          ? `${kind} scale ${scale}, η = ${eta}: the network enters the edge of stability: the sharpness rises to 2/η = ${fmt(two)} and oscillates around it while the distance oscillates (Fig. ${kind === 'Gaussian' ? '1d' : '3d'})`
          : `${kind} scale ${scale}, η = ${eta}: no edge of stability: the sharpness stays below 2/η = ${fmt(two)} and the distance falls without oscillating (Fig. ${kind === 'Gaussian' ? '1c' : '3c'})`;
        const observed = edge
          ? `${holding} of ${shapes.length} runs oscillate (the one drawn: ${shown && test(shown.shape) ? 'yes' : 'no'}); second-half mean sharpness ${fmt(Math.min(...band))} to ${fmt(
              Math.max(...band),
            )}, samples above 2/η ${pct(Math.min(...valid.map((s) => s.above)))} to ${pct(Math.max(...valid.map((s) => s.above)))}, distance rising at ${pct(
              Math.min(...valid.map((s) => s.rises)),
            )} to ${pct(Math.max(...valid.map((s) => s.rises)))} of samples; final ‖w − w*‖² ${fmt(Math.min(...valid.map((s) => s.finalDistance)), 2)} to ${fmt(
              Math.max(...valid.map((s) => s.finalDistance)),
              2,
            )}`
          : `${holding} of ${shapes.length} runs stay below 2/η without oscillating (the one drawn: ${shown && test(shown.shape) ? 'yes' : 'no'}; its final ‖w − w*‖² ${fmt(
              shown?.shape?.finalDistance ?? null,
              2,
            )}); ${valid.filter((s) => s.finalDistance > 0.5).length} still on the plateau at the origin (‖w − w*‖² > 0.5) after ${steps} steps; largest sharpness ${fmt(
              Math.max(...valid.map((s) => s.maxSharpness)),
            )}; final ‖w − w*‖² ${fmt(Math.min(...valid.map((s) => s.finalDistance)), 2)} to ${fmt(Math.max(...valid.map((s) => s.finalDistance)), 2)}`;
        out.push({
          id: `${edge ? 'eos' : 'no-eos'}-${eta}-${scale}`,
          claim,
          observed,
          expected: edge
            ? `in the run drawn and in at least ${pct(REQUIRED)} of the runs: over the second half, at least 25% of the sharpness samples on each side of 2/η, their mean within 15% of it, and the distance rising at at least 25% of the samples`
            : `in the run drawn and in at least ${pct(REQUIRED)} of the runs: sharpness below 2/η throughout, and no rise of the distance (> 1%) once it has started to fall; the run drawn ends within 1e-6 of w*`,
          pass:
            shapes.length > 0 &&
            shown !== undefined &&
            test(shown.shape) &&
            share >= REQUIRED &&
            (edge || (shown.shape?.finalDistance ?? Infinity) < 1e-6),
          about: TRACES_ABOUT,
        });
      }
    }
    return {
      headline: { traces: summaries },
      findings: out,
      notes: reproductionNotes(ctx, { lines, intervals: false, extra: extraNotes }),
    };
  };
}

/** The config of one figure's traces: GD at eta 0.02 and 0.1 from each scale, sharpness every 5 steps. */
export function tracesConfig(
  name: string,
  description: string,
  init: PresetConfig['init'],
  model: PresetConfig['model'],
  scales: number[],
  steps: number,
  lines: LineName[],
  panels: { noEdge: string; edge: string },
): PresetConfig {
  const rules = [{ y: '2/eta', label: '2/η', panel: 1 }, ...lines.map((l) => ({ ...LINES[l], panel: 1 }))];
  const figure = (eta: number, id: string, title: string) => ({
    kind: 'trace' as const,
    id,
    title,
    x: 'step' as const,
    y: ['distance', 'sharpness'],
    yLabels: ['Squared distance to optimal regressor', 'Sharpness'],
    series: 'init.scale',
    filter: { 'train.learningRate': eta },
    yScale: 'log' as const,
    yDomain: [0.1, 30000] as [number, number],
    rules,
  });
  return {
    name,
    description,
    seed: 0,
    data: { kind: 'marion-chizat', source: 'authors', n: 50, d: 5, noise: 1 },
    model,
    init,
    train: {
      method: 'gd',
      learningRate: 0.02,
      steps,
      recordEvery: 5,
      record: ['loss', 'distance', 'sharpness', 'sharpnessPower'],
      sharpness: { method: 'lanczos', tol: 1e-8, warmStart: true },
    },
    repetitions: 20,
    sweep: [{ 'train.learningRate': [0.02, 0.1] }, { 'init.scale': scales }],
    output: { traces: true },
    report: {
      figures: [
        figure(0.02, 'eta-0.02', `η = 0.02: no edge of stability (${panels.noEdge}; the first of the runs)`),
        figure(0.1, 'eta-0.1', `η = 0.1: edge of stability (${panels.edge}; the first of the runs)`),
      ],
    },
    quick: { repetitions: 4 },
  };
}

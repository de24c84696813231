/**
 * Jacot et al., Figures 2 and 4: saddle-to-saddle dynamics from small initializations (the loss a
 * staircase, the rank climbing 0 -> 1 -> 2 -> 3, sharper transitions for the deeper network)
 * against the lazy regime, at L = 2 (w = 50) and L = 4 (w = 100).
 */
import { peakWidthDecades } from '../../analysis/peaks';
import { valueAtTime } from '../../analysis/series';
import type { RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers } from '../common';
import type { Preset } from '../types';
import { column, plateausOf, RANK_TOLERANCE, rankSequence, TEACHER, TEACHER_NOTE } from './common';

const kindOf = (r: RunView) => r.record.values['init.kind'];

function fig2Findings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const headline: Record<string, unknown> = {};
  const widths: Record<number, number[]> = {};
  for (const L of numbers(ds, 'model.depth')) {
    const small = ds.runs.find((r) => r.depth === L && kindOf(r) === 'gaussian' && r.record.rep === 0);
    const lazy = ds.runs.find((r) => r.depth === L && kindOf(r) === 'lazy' && r.record.rep === 0);
    if (!small || !lazy) continue;
    const ts = loadTrace(small.record.id);
    const tl = loadTrace(lazy.record.id);
    if (!ts || !tl) continue;
    const plateaus = plateausOf(ts).filter((p) => !p.final);
    const ranks = plateaus.map((p) => p.rank);
    const climb = rankSequence(ts);
    headline[`L${L}`] = {
      plateaus,
      rankSequence: climb,
      finalLoss: small.record.final.loss,
      finalTestLoss: small.record.final.testLoss,
      lazyFinalTestLoss: lazy.record.final.testLoss,
    };
    out.push({
      id: `rank-climb-L${L}`,
      claim: `L = ${L}, small init: the rank of A climbs one at a time, 0 -> 1 -> 2 -> 3 (the teacher's modes, strongest first)`,
      observed: `successive ranks ${climb.join(' -> ')}`,
      expected: 'starts 0 -> 1 -> 2 -> 3',
      pass: [0, 1, 2, 3].every((k, i) => climb[i] === k),
    });
    out.push({
      id: `staircase-L${L}`,
      claim: `L = ${L}, small init: the loss is a staircase, a plateau at each saddle${L > 2 ? '' : ' (at L = 2 the intermediate saddles are passed quickly)'}`,
      observed: plateaus.map((p) => `rank ${p.rank} at loss ${fmt(p.loss, 4)} over t in [${fmt(p.start, 3)}, ${fmt(p.end, 3)}]`).join('; ') || 'no plateau',
      expected: L > 2 ? 'plateaus at ranks 0, 1, 2, 3' : 'plateaus at rank 0 and 3 at least',
      pass: L > 2 ? ranks.length >= 4 && [0, 1, 2, 3].every((k, i) => ranks[i] === k) : ranks.includes(0) && ranks.includes(3),
    });
    const lazyPlateaus = plateausOf(tl).filter((p) => !p.final && (p.rank ?? 0) < 10);
    const lazyRank0 = tl.columns.rank?.values[0] ?? null;
    out.push({
      id: `lazy-L${L}`,
      claim: `L = ${L}, lazy init: no saddle-to-saddle, the rank is full from the start`,
      observed: `initial rank ${lazyRank0}; plateaus below full rank: ${lazyPlateaus.length}`,
      expected: 'rank 10 at initialization, no intermediate plateau',
      pass: lazyRank0 === 10 && lazyPlateaus.length === 0,
    });
    widths[L] = [peakWidthDecades(column(ts, 'time'), column(ts, 'gradNorm'))];
    const rank3 = plateaus.find((p) => p.rank === 3);
    const rank3Test = rank3 ? valueAtTime(column(ts, 'time'), column(ts, 'testLoss'), Math.sqrt(rank3.start * rank3.end)) : null;
    out.push({
      id: `low-rank-generalizes-L${L}`,
      claim: `L = ${L}: the rank-3 saddle generalizes better than the interpolating end point (the noise is learned last)`,
      observed: `test loss ${fmt(rank3Test, 4)} on the rank-3 plateau, ${fmt(small.record.final.testLoss as number, 4)} at the end (lazy: ${fmt(
        lazy.record.final.testLoss as number,
        4,
      )})`,
      expected: 'lower on the plateau',
      pass: rank3Test !== null && rank3Test < (small.record.final.testLoss as number),
    });
  }
  const median = (xs: number[]) => (xs.length ? xs.slice().sort((a, b) => a - b)[xs.length >> 1] : NaN);
  const depths = Object.keys(widths).map(Number).sort((a, b) => a - b);
  if (depths.length >= 2) {
    const shallow = median(widths[depths[0]]);
    const deep = median(widths[depths[depths.length - 1]]);
    headline.gradientPeakWidths = widths;
    out.push({
      id: 'sharper-transitions',
      claim: 'transitions between saddles are sharper for the deeper network (Fig. 4: sharper gradient-norm peaks)',
      observed: `width at half height of the largest gradient-norm peak, in decades of time: L = ${depths[0]}: ${fmt(shallow, 3)}, L = ${
        depths[depths.length - 1]
      }: ${fmt(deep, 3)}`,
      expected: 'narrower for the deeper network',
      pass: deep < shallow,
    });
  }
  return { headline, findings: out };
}

const traceFigure = (id: string, title: string, depth: number, y: string[], yScale: ('log' | 'linear')[], yLabels: string[], rules: { y: string; label: string }[] = []) => ({
  kind: 'trace' as const,
  id,
  title,
  x: 'step' as const,
  xLabel: 'Iterations',
  xScale: 'log' as const,
  y,
  yScale,
  yLabels,
  series: 'init.kind',
  filter: { 'model.depth': depth },
  rules,
});

export const jacotFig2: Preset = {
  name: 'jacot-fig2',
  summary: 'Jacot et al. Fig. 2 and 4: saddle-to-saddle (loss staircase, rank 0 -> 1 -> 2 -> 3) from small init vs lazy, L = 2 (w = 50) and L = 4 (w = 100)',
  config: {
    name: 'jacot-fig2',
    description:
      'Jacot et al., Figures 2 and 4: the noisy rank-3 teacher, 100 training and 1,000 noiseless test points, MSE, gradient descent at eta = 1e-3. ' +
      'Shallow L = 2, w = 50 (init std w^-2) for 1e5 steps and deep L = 4, w = 100 (init std w^-1) for 1.5e6 steps, each beside the lazy initialization ' +
      `(std w^-(L-1)/(2L)). Recorded at 50 log-spaced steps per decade. ${TEACHER_NOTE}`,
    seed: 0,
    data: TEACHER,
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'gd',
      learningRate: 1e-3,
      steps: 1500000,
      recordPerDecade: 50,
      record: ['loss', 'testLoss', 'rank', 'gradNorm', 'singularValues'],
      rankTolerance: RANK_TOLERANCE,
    },
    sweep: [
      {
        'model.depth': [2, 2, 4, 4],
        'model.width': [50, 50, 100, 100],
        'init.kind': ['gaussian', 'lazy', 'gaussian', 'lazy'],
        'init.scale': [4e-4, 4e-4, 0.01, 0.01],
        'train.steps': [100000, 100000, 1500000, 1500000],
      },
    ],
    output: { traces: true },
    report: {
      title: 'Jacot et al., Figures 2 and 4: saddle-to-saddle dynamics against the lazy regime',
      figures: [
        traceFigure('fig2-shallow', 'Fig. 2 (left), L = 2, w = 50: train and test loss, rank of A (gaussian: std w^-2)', 2, ['loss', 'testLoss', 'rank'], ['log', 'log', 'linear'], ['Train loss', 'Test loss', 'Rank of A']),
        traceFigure('fig2-deep', 'Fig. 2 (right), L = 4, w = 100: train and test loss, rank of A (gaussian: std w^-1)', 4, ['loss', 'testLoss', 'rank'], ['log', 'log', 'linear'], ['Train loss', 'Test loss', 'Rank of A']),
        traceFigure('fig4-gradient-norm', 'Fig. 4: gradient norm, L = 2 (dips near saddles, peaks at escapes)', 2, ['gradNorm'], ['log'], ['Gradient norm']),
        traceFigure('fig4-gradient-norm-deep', 'Fig. 4: gradient norm, L = 4 (sharper peaks)', 4, ['gradNorm'], ['log'], ['Gradient norm']),
        traceFigure('singular-values-deep', 'Singular values of A, L = 4 (dotted: the rank thresholds 1e-2 and 1e-4)', 4, ['singularValues'], ['log'], ['Singular values of A'], [
          { y: '0.01', label: '1e-2' },
          { y: '0.0001', label: '1e-4' },
        ]),
      ],
    },
    quick: {
      sweep: [
        {
          'model.depth': [2, 2, 4, 4],
          'model.width': [50, 50, 30, 30],
          'init.kind': ['gaussian', 'lazy', 'gaussian', 'lazy'],
          'init.scale': [4e-4, 4e-4, 0.0333, 0.0333],
          'train.steps': [20000, 20000, 60000, 60000],
        },
      ],
      train: { recordPerDecade: 20 },
    },
  },
  findings: fig2Findings,
};

/**
 * Beyond Jacot et al.'s figures (their Section 3.2.1 and Appendix C.6): the time gradient flow
 * spends near the origin saddle before the first mode is learned (the loss below 90% of its
 * initial value), against the initialization scale alpha: c - log(alpha)/(2 s_1) at L = 2,
 * alpha^-(L-2) at L = 3, 4.
 */
import { topCrossCovariance } from '../../analysis/covariance';
import { escapeTime } from '../../analysis/escape';
import type { Matrix } from '../../api/matrix';
import { isDiverged, type RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { linearFit } from '../../report/stats';
import { numbers } from '../common';
import type { Preset } from '../types';
import { column, RANK_TOLERANCE, TEACHER, TEACHER_NOTE } from './common';

/** s_1 of the run's data (an MSE dataset): the strength of the mode learned first. */
function firstModeStrength(run: RunView): number | null {
  const data = run.built.data;
  if (!data || data.kind !== 'mse') return null;
  return topCrossCovariance(data.X as Matrix, data.Y as Matrix);
}

function escapeFindings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const headline: Record<string, unknown> = {};
  for (const L of numbers(ds, 'model.depth')) {
    const pts = ds.runs
      .filter((r) => r.depth === L && !isDiverged(r))
      .map((r) => ({ alpha: r.record.values['init.scale'] as number, t: (() => {
        const tr = loadTrace(r.record.id);
        return tr ? escapeTime(column(tr, 'time'), column(tr, 'loss'), 0.9) : null;
      })() }))
      .filter((p): p is { alpha: number; t: number } => p.t !== null)
      .sort((a, b) => b.alpha - a.alpha);
    headline[`L${L}`] = pts;
    if (L === 2) {
      const s1 = firstModeStrength(ds.runs.find((r) => r.depth === 2)!);
      const fit = linearFit(pts.map((p) => Math.log(p.alpha)), pts.map((p) => p.t));
      const predicted = s1 ? -1 / (2 * s1) : null;
      out.push({
        id: 'escape-L2',
        claim: 'L = 2: the first escape time grows like c - log(alpha) / (2 s_1), s_1 the top singular value of Sigma_yx',
        observed: fit ? `slope of t against ln(alpha): ${fmt(fit.slope, 5)} (R² ${fmt(fit.r2, 5)})` : 'not enough points',
        expected: `${fmt(predicted, 5)} (s_1 = ${fmt(s1, 5)}; within 5%). Jacot et al. write c - log(alpha)/s_1 for their normalization of the cost`,
        pass: fit !== null && predicted !== null && Math.abs(fit.slope / predicted - 1) <= 0.05,
      });
      headline.s1 = s1;
    } else {
      const tail = pts.slice(-3);
      const fit = linearFit(tail.map((p) => Math.log(p.alpha)), tail.map((p) => Math.log(p.t)));
      out.push({
        id: `escape-L${L}`,
        claim: `L = ${L}: the first escape time grows like alpha^-(L-2) as alpha -> 0`,
        observed: fit ? `log-log slope over the three smallest alphas: ${fmt(fit.slope, 4)}` : 'not enough points',
        expected: `${-(L - 2)} (within 5%)`,
        pass: fit !== null && Math.abs(fit.slope + (L - 2)) <= 0.05 * (L - 2),
      });
    }
  }
  return { headline, findings: out };
}

export const jacotEscape: Preset = {
  name: 'jacot-escape',
  summary: 'Escape time from the origin saddle vs init scale alpha (gradient flow, RK45): c - log(alpha)/(2 s_1) at L = 2, alpha^-(L-2) at L = 3, 4',
  config: {
    name: 'jacot-escape',
    description:
      'Beyond the paper’s figures (its Section 3.2.1 and Appendix C.6): the time gradient flow spends near the origin saddle before the first mode ' +
      'is learned (the loss falls below 90% of its initial value; each flow stops at 50%), against the initialization scale alpha, for L = 2, 3, 4 (width 20). Gradient flow ' +
      `(adaptive RK45) crosses the plateaus, which last up to t ~ alpha^-(L-2), in a few hundred steps. ${TEACHER_NOTE}`,
    seed: 0,
    data: TEACHER,
    model: { depth: 2, width: 20 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'flow',
      tEnd: 'inf',
      rtol: 1e-8,
      atol: 1e-12,
      maxSteps: 100000,
      events: [{ lossBelow: '0.5*initialLoss' }],
      recordEvery: 1,
      record: ['loss', 'rank'],
      rankTolerance: RANK_TOLERANCE,
    },
    sweep: [{ 'model.depth': [2, 3, 4] }, { 'init.scale': { logspace: [-1, -4, 7] } }],
    output: { traces: true },
    report: {
      title: 'Escape time from the origin against the initialization scale',
      figures: [
        {
          kind: 'trace',
          id: 'loss-curves',
          title: 'Loss against time (gradient flow), per depth and alpha',
          x: 'time',
          xScale: 'log',
          y: ['loss'],
          yScale: 'log',
          series: 'init.scale',
          filter: { 'model.depth': 3 },
        },
      ],
    },
    quick: { sweep: [{ 'model.depth': [2, 3, 4] }, { 'init.scale': { logspace: [-1, -3, 5] } }] },
  },
  findings: escapeFindings,
};

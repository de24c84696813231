/**
 * Marion & Chizat (2024), the underdetermined case of their code (n = 15 < d = 20, L = 5): the
 * minimizers no longer share one regressor, so the sharpness of the one GD finds matters for
 * generalization. Sharpness against init scale, and the log-log regression of the generalization
 * gap (test loss - training loss) on the final sharpness at eta = 0.001, as the code prints it.
 */
import { isDiverged } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { at, meanFinal, numbers, pct, fraction } from '../common';
import type { Preset } from '../types';

function findings({ ds, figures, theory }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const fit = figures['gap-vs-sharpness']?.facts ?? {};
  const etas = numbers(ds, 'train.learningRate');
  const scales = numbers(ds, 'init.scale');
  out.push({
    id: 'singular-covariance',
    claim: 'n < d: the empirical covariance is singular, so Theorem 1 gives no positive lower bound (lambda = 0) and w* is the minimum-norm solution',
    observed: `lambda = ${fmt(theory?.lambda ?? null)}, S_min (Thm 1) = ${fmt(theory?.sMin ?? null)}; the code's lower line 2La = ${fmt(theory?.sMinRefinedLower ?? null)}`,
    expected: 'lambda = 0',
    pass: theory !== null && theory.lambda === 0,
  });
  for (const eta of etas) {
    const runs = at(ds, { 'train.learningRate': eta });
    const first = meanFinal(at(ds, { 'init.scale': scales[0] }, runs), 'loss');
    const last = meanFinal(at(ds, { 'init.scale': scales[scales.length - 1] }, runs), 'loss');
    out.push({
      id: `training-loss-${eta}`,
      claim: `eta = ${eta}: training loss at the end of the budget (small inits are still on their way to interpolation)`,
      observed: `${fmt(first, 2)} at scale ${scales[0]}, ${fmt(last, 2)} at scale ${scales[scales.length - 1]}; ${pct(fraction(runs, isDiverged))} diverged`,
      expected: '',
      pass: null,
    });
  }
  const lo = meanFinal(at(ds, { 'train.learningRate': etas[0], 'init.scale': scales[0] }), 'sharpness');
  const hi = meanFinal(at(ds, { 'train.learningRate': etas[0], 'init.scale': scales[scales.length - 1] }), 'sharpness');
  out.push({
    id: 'sharpness-grows-with-scale',
    claim: `eta = ${etas[0]}: the final sharpness grows with the initialization scale`,
    observed: `${fmt(lo)} at scale ${scales[0]}, ${fmt(hi)} at scale ${scales[scales.length - 1]}`,
    expected: 'increasing',
    pass: lo !== null && hi !== null && hi > lo,
  });
  const slope = typeof fit.slope === 'number' ? fit.slope : null;
  const tStat = slope !== null && typeof fit.slopeStderr === 'number' && fit.slopeStderr > 0 ? slope / fit.slopeStderr : null;
  out.push({
    id: 'gap-vs-sharpness',
    claim: `eta = ${etas[0]}: log10(generalization gap) against log10(final sharpness), least squares (the code's regression)`,
    observed:
      slope === null
        ? 'not enough runs'
        : `slope ${fmt(slope, 3)} ± ${fmt(fit.slopeStderr as number, 2)} (t = ${fmt(tStat, 3)}), R² ${fmt(fit.r2 as number, 3)}, n = ${fit.n}`,
    expected: 'the paper reports no value: read the sign and its t statistic',
    pass: null,
  });
  return { headline: { regression: fit, tStatistic: tStat }, findings: out };
}

export const marionChizatUnderdetermined: Preset = {
  name: 'marion-chizat-underdetermined',
  summary: 'Marion & Chizat, underdetermined case (n = 15, d = 20, L = 5): sharpness vs scale and the log-log regression of generalization gap on sharpness',
  config: {
    name: 'marion-chizat-underdetermined',
    description:
      'Marion & Chizat (2024), the underdetermined MLP of their code: n = 15 training points in d = 20 dimensions (a test set of 15), L = 5, Gaussian init ' +
      'with scale in linspace(0.1, 0.36, 9), eta in {0.001, 0.004, 0.01} with 40,000 / 10,000 / 4,000 steps and 100 / 20 / 20 repetitions.',
    seed: 0,
    data: { kind: 'marion-chizat', n: 15, d: 20, noise: 1 },
    model: { depth: 5 },
    init: { kind: 'gaussian', scale: 0.2 },
    train: {
      method: 'gd',
      learningRate: 0.001,
      steps: 40000,
      recordEvery: 0,
      record: ['loss', 'testLoss', 'distance', 'sharpness'],
      sharpness: { method: 'lanczos', tol: 1e-10 },
    },
    sweep: [
      { 'train.learningRate': [0.001, 0.004, 0.01], 'train.steps': [40000, 10000, 4000], repetitions: [100, 20, 20] },
      { 'init.scale': { linspace: [0.1, 0.36, 9] } },
    ],
    report: {
      title: 'Marion & Chizat (2024): the underdetermined case',
      figures: [
        {
          kind: 'sweep',
          id: 'sharpness',
          title: 'Sharpness at initialization and after training',
          x: 'init.scale',
          y: 'sharpness',
          series: 'train.learningRate',
          initialSeries: true,
          yScale: 'log',
          yDomain: [0.1, 30000],
          rules: ['2/eta', { y: 'sMinRefinedLower', label: '2La (code)' }, { y: 'codeUpper', label: '8LΛ (code)' }],
        },
        {
          kind: 'scatter',
          id: 'gap-vs-sharpness',
          title: 'Generalization gap against sharpness after training (eta = 0.001)',
          x: 'sharpness',
          y: 'testLoss-loss',
          xLabel: 'Sharpness after training',
          yLabel: 'Generalization gap',
          filter: { 'train.learningRate': 0.001 },
        },
      ],
    },
    quick: {
      sweep: [
        { 'train.learningRate': [0.001, 0.004, 0.01], 'train.steps': [40000, 10000, 4000], repetitions: [12, 3, 3] },
        { 'init.scale': { linspace: [0.1, 0.36, 4] } },
      ],
    },
  },
  findings,
};

/**
 * Marion & Chizat (2024), the underdetermined case of their code (n = 15 < d = 20, L = 5): the
 * minimizers no longer share one regressor, so the sharpness of the one GD finds matters for
 * generalization. Sharpness against init scale, and the log-log regression of the generalization
 * gap (test loss - training loss) on the final sharpness at eta = 0.001, as the code prints it.
 */
import { isDiverged, valueOf } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { linearFit, slopePValues } from '../../report/stats';
import { at, meanFinal, numbers, pct, fraction } from '../common';
import type { Preset } from '../types';
import { LINES, reproductionNotes } from './common';

const ABOUT = ['train.learningRate', 'train.steps', 'init.scale', 'init.kind'];

function findings(ctx: FindingsContext): FindingsResult {
  const { ds, theory } = ctx;
  const out: Finding[] = [];
  const etas = numbers(ds, 'train.learningRate');
  const scales = numbers(ds, 'init.scale');
  const eta0 = etas[0];
  out.push({
    id: 'singular-covariance',
    claim:
      'n < d: the empirical covariance is singular, so Theorem 1 gives no positive lower bound (λ = 0), and the minimizers implement different regressors',
    observed: `λ = ${fmt(theory?.lambda ?? null)}, S_min (Thm 1) = ${fmt(theory?.sMin ?? null)}; the October 2024 code's line 2La = ${fmt(theory?.sMinRefinedLower ?? null)} (a from the minimum-norm w*)`,
    expected: 'by construction',
    pass: null,
    about: ABOUT,
  });
  const byScale = (eta: number, q: string) => scales.map((s) => meanFinal(at(ds, { 'train.learningRate': eta, 'init.scale': s }), q));
  const sharp = byScale(eta0, 'sharpness');
  const test = byScale(eta0, 'testLoss');
  const increasing = (v: (number | null)[]) => v.every((x, i) => x !== null && (i === 0 || x > (v[i - 1] as number)));
  const factor = (v: (number | null)[]) => (v[v.length - 1] ?? NaN) / (v[0] ?? NaN);
  out.push({
    id: 'sharpness-grows-with-scale',
    claim: `η = ${eta0}: the final sharpness rises with the initialization scale, at every step of the grid`,
    observed: `${sharp.map((v, i) => `${scales[i]}: ${fmt(v, 3)}`).join('; ')} (a factor ${fmt(factor(sharp), 3)})`,
    expected: 'strictly increasing, by a factor of at least 10 over the grid',
    pass: increasing(sharp) && factor(sharp) >= 10,
    about: ABOUT,
  });
  out.push({
    id: 'test-loss-grows-with-scale',
    claim: `η = ${eta0}: the test loss rises with the initialization scale (the sharper minimizers generalize worse)`,
    observed: `${test.map((v, i) => `${scales[i]}: ${fmt(v, 3)}`).join('; ')}`,
    expected: 'strictly increasing',
    pass: increasing(test),
    about: ABOUT,
  });
  const smallest = etas.map((eta) => ({ eta, s: meanFinal(at(ds, { 'train.learningRate': eta, 'init.scale': scales[0] }), 'sharpness') }));
  const sv = smallest.map((x) => x.s).filter((x): x is number => x !== null);
  const spread = sv.length === etas.length ? (Math.max(...sv) - Math.min(...sv)) / Math.min(...sv) : NaN;
  out.push({
    id: 'small-scale-sharpness',
    claim: `at the smallest scale (${scales[0]}) the final sharpness is the same for every learning rate`,
    observed: `${smallest.map(({ eta, s }) => `η ${eta}: ${fmt(s)}`).join('; ')} (spread ${pct(spread)})`,
    expected: 'spread below 2%',
    pass: spread < 0.02,
    about: ABOUT,
  });
  const stability = etas.map((eta) => {
    const runs = at(ds, { 'train.learningRate': eta }).filter((r) => !isDiverged(r));
    return {
      eta,
      max: Math.max(...runs.map((r) => valueOf(r, 'final', 'sharpness') ?? -Infinity)),
      diverged: fraction(at(ds, { 'train.learningRate': eta }), isDiverged),
    };
  });
  out.push({
    id: 'below-2-over-eta',
    claim: 'every run that does not diverge ends at a minimizer flatter than 2/η',
    observed: stability.map((x) => `η ${x.eta}: largest ${fmt(x.max)} (2/η = ${fmt(2 / x.eta)}), ${pct(x.diverged)} diverged`).join('; '),
    expected: 'largest final sharpness below 2/η for every η',
    pass: stability.every((x) => x.max < 2 / x.eta),
    about: ABOUT,
  });
  // The code's regression: log10(test - train loss) on log10(final sharpness) at the smallest eta.
  const pts = at(ds, { 'train.learningRate': eta0 })
    .filter((r) => !isDiverged(r))
    .map((r) => ({ x: valueOf(r, 'final', 'sharpness'), y: valueOf(r, 'final', 'testLoss-loss') }))
    .filter((p): p is { x: number; y: number } => p.x !== null && p.y !== null && p.x > 0 && p.y > 0);
  const fit = linearFit(
    pts.map((p) => Math.log10(p.x)),
    pts.map((p) => Math.log10(p.y)),
  );
  const p = fit ? slopePValues(fit) : null;
  out.push({
    id: 'gap-vs-sharpness',
    claim: `η = ${eta0}: the generalization gap grows with the sharpness of the minimizer found (log10 gap on log10 sharpness, least squares, as the October 2024 code)`,
    observed: fit
      ? `slope ${fmt(fit.slope, 3)} ± ${fmt(fit.slopeStderr, 2)} (t = ${fmt(p?.t ?? null, 3)}), R² ${fmt(fit.r2, 3)}, n = ${fit.n}; p-values: two-sided ${fmt(p?.twoSided ?? null, 2)}, the code's one-sided test (alternative "less": slope < 0) ${fmt(p?.less ?? null, 3)}`
      : 'not enough runs',
    expected: 'a positive slope with t > 3',
    pass: fit !== null && p !== null && fit.slope > 0 && p.t > 3,
    about: ABOUT,
  });
  for (const eta of etas) {
    const runs = at(ds, { 'train.learningRate': eta });
    const first = meanFinal(at(ds, { 'init.scale': scales[0] }, runs), 'loss');
    const last = meanFinal(at(ds, { 'init.scale': scales[scales.length - 1] }, runs), 'loss');
    out.push({
      id: `training-loss-${eta}`,
      claim: `η = ${eta}: training loss at the end of the budget (n < d: the minimum is 0; small inits are still on their way)`,
      observed: `${fmt(first, 2)} at scale ${scales[0]}, ${fmt(last, 2)} at scale ${scales[scales.length - 1]}; ${pct(fraction(runs, isDiverged))} diverged`,
      expected: '',
      pass: null,
      about: ABOUT,
    });
  }
  return {
    headline: { regression: fit, pValues: p, finalSharpnessByScale: sharp, testLossByScale: test },
    findings: out,
    notes: reproductionNotes(ctx, {
      extra: [
        "Code version: this experiment exists only in the authors' October 2024 code: its data (n = 15, d = 20 and a test set of 15, drawn after the depth experiment on its key chain; data.source authors-2024-10).",
        'Lines: dashed, 2/η per learning rate; dotted black, 2La (a from the minimum-norm w*), the line the October 2024 code draws; with n < d it bounds nothing (every minimizer implements its own regressor).',
        'Regression: least squares over the non-diverged runs with a positive gap (the code drops the others as NaN); p-values from Student t with n − 2 degrees of freedom, as scipy.stats.linregress.',
      ],
    }),
  };
}

export const marionChizatUnderdetermined: Preset = {
  name: 'marion-chizat-underdetermined',
  summary:
    "Marion & Chizat, underdetermined case (n = 15, d = 20, L = 5, the authors' October data): sharpness vs scale and the log-log regression of generalization gap on sharpness",
  config: {
    name: 'marion-chizat-underdetermined',
    description:
      "Marion & Chizat (2024), the underdetermined MLP of their October 2024 code, on its data (the authors' draw): n = 15 training points in d = 20 dimensions (a test set of 15), L = 5, Gaussian init " +
      'with scale in linspace(0.1, 0.36, 9), eta in {0.001, 0.004, 0.01} with 40,000 / 10,000 / 4,000 steps and 100 / 20 / 20 repetitions.',
    seed: 0,
    data: { kind: 'marion-chizat', source: 'authors-2024-10', n: 15, d: 20, noise: 1 },
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
          rules: ['2/eta', { ...LINES.twoLa, label: '2La (Oct. 2024 code; no bound for n < d)' }],
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

/**
 * Marion & Chizat (2024), Figures 3a, 3b and 4: Figure 1's sweep from the residual initialization
 * I + s/sqrt(Ld) N with the authors' projection p (their code's key chain), on the authors' data.
 * What it shows (docs/reproduction.md §5): eta <= 0.07 reaches w* at every s; eta = 0.1 converges
 * slowly at the edge of stability (final sharpness 2/eta) and has not finished in 4,000 steps;
 * eta = 0.2 fails. From s = 0 (W_k = I) the final sharpness is 2.5 S_min for the small learning
 * rates, capped at 2/eta for eta = 0.07; at initialization the sharpness varies over a factor of
 * about 10 across s, against 10^5 for the Gaussian init.
 */
import { valueOf } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { fraction, numbers, pct } from '../common';
import { reproductionNotes } from './common';
import {
  alive,
  beyondFinding,
  cells,
  convergesFinding,
  divergenceFinding,
  failsFinding,
  gridBracketFinding,
  noPlateauFinding,
  ofEta,
  plateauFinding,
  scaleSweepPreset,
  spreadAt,
  SWEEP_ABOUT,
  type Cell,
} from './scale-sweep';

const STEPS = [4000, 4000, 4000, 4000, 4000];

/**
 * eta = 0.1 from the residual init: slow convergence at the edge of stability. The median final
 * sharpness is 2/eta (within 5%), fewer than half the runs are within 1e-6 of w*, and the mean
 * distance stays above 1e-7 at every s.
 */
export function slowEdgeFinding(all: Cell[], eta: number, steps: number): Finding {
  const living = alive(ofEta(all, eta));
  const survivors = living.flatMap((c) => c.survivors);
  const finals = survivors
    .map((r) => valueOf(r, 'final', 'sharpness'))
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  const median = finals.length ? finals[Math.floor(finals.length / 2)] : NaN;
  const reachedShare = fraction(survivors, (r) => (valueOf(r, 'final', 'distance') ?? Infinity) < 1e-6);
  const distances = living.map((c) => c.distance).filter((x): x is number => x !== null);
  const two = 2 / eta;
  return {
    id: `eta-${eta}`,
    claim: `η = ${eta}: gradient descent converges slowly at the edge of stability and has not finished after ${steps.toLocaleString('en-US')} steps (the paper: training succeeds for η ≤ 0.1)`,
    observed: `median final sharpness ${fmt(median)} (2/η = ${fmt(two)}); ${pct(reachedShare)} of the ${survivors.length} non-diverged runs within 1e-6 of w*; mean ‖w − w*‖² ${fmt(
      Math.min(...distances),
      2,
    )} to ${fmt(Math.max(...distances), 2)} across s`,
    expected: 'median final sharpness within 5% of 2/η; fewer than half the runs within 1e-6; mean distance above 1e-7 at every s',
    pass: survivors.length > 0 && Math.abs(median - two) <= 0.05 * two && reachedShare < 0.5 && distances.every((d) => d > 1e-7),
    about: SWEEP_ABOUT,
  };
}

function findings(ctx: FindingsContext): FindingsResult {
  const { ds } = ctx;
  const t = ctx.theory!;
  const all = cells(ctx);
  const scales = numbers(ds, 'init.scale');
  const small = scales[0];
  const out: Finding[] = [];
  const bracket = gridBracketFinding(all, ctx);
  out.push(bracket.finding);
  out.push(convergesFinding(all, 0.005, STEPS[0]), convergesFinding(all, 0.02, STEPS[1]), convergesFinding(all, 0.07, STEPS[2]));
  out.push(slowEdgeFinding(all, 0.1, STEPS[3]));
  out.push(failsFinding(all, 0.2));

  // s = 0 (W_k = I, the same network in every repetition): the flow-like learning rates agree;
  // eta = 0.07 cannot, because 2/eta is below the sharpness they end at.
  const { values, spread } = spreadAt(all, small, [0.005, 0.02]);
  const at07 = all.find((c) => c.eta === 0.07 && c.scale === small)?.sharpness ?? null;
  out.push({
    id: 'small-scale-sharpness',
    claim: `at the smallest s (${small}) the final sharpness is the same for η = 0.005 and 0.02; at η = 0.07 the edge of stability caps it at 2/η`,
    observed: `${values.map(({ eta, s }) => `η ${eta}: ${fmt(s)}`).join('; ')} (spread ${pct(spread)}; S/S_min = ${fmt((values[0].s ?? NaN) / t.sMin, 3)}); η 0.07: ${fmt(
      at07,
    )} (2/η = ${fmt(2 / 0.07)})`,
    expected: 'spread below 5%; at η = 0.07 below 2/η and below the smaller learning rates’ value',
    pass: spread < 0.05 && at07 !== null && at07 <= (2 / 0.07) * (1 + 1e-3) && values.every(({ s }) => s !== null && at07 < s),
    about: SWEEP_ABOUT,
  });
  out.push(plateauFinding(all, 0.07));
  out.push(noPlateauFinding(all, [0.005, 0.02]));
  out.push(beyondFinding(all, 0.02));
  out.push(divergenceFinding(all, 0.5, [0.07, 0.1, 0.2]));

  const inits = scales.map((sc) => all.find((c) => c.scale === sc)?.initialSharpness ?? null).filter((v): v is number => v !== null);
  const ratio = Math.max(...inits) / Math.min(...inits);
  out.push({
    id: 'initial-conditioning',
    claim: 'the sharpness at initialization is better conditioned than with a Gaussian init (Appendix C): it varies little with s',
    observed: `mean initial sharpness from ${fmt(Math.min(...inits))} to ${fmt(Math.max(...inits))} over s in [${small}, ${scales[scales.length - 1]}] (a factor ${fmt(ratio, 3)})`,
    expected: 'a factor below 20 (the Gaussian init of Fig. 1b: about 10^5 over its scales)',
    pass: ratio < 20,
    about: SWEEP_ABOUT,
  });

  return {
    headline: {
      theory: {
        lambda: t.lambda,
        Lambda: t.Lambda,
        a: t.a,
        sMin: t.sMin,
        sMinRefinedLower: t.sMinRefinedLower,
        criticalLearningRate: t.criticalLearningRate,
        criticalLearningRateRefined: 2 / t.sMinRefinedLower,
      },
      largestConvergingLearningRate: bracket.largest,
      smallestFailingLearningRate: bracket.smallest,
      perLearningRate: numbers(ds, 'train.learningRate').map((eta) => {
        const mine = ofEta(all, eta).sort((a, b) => a.scale - b.scale);
        return {
          eta,
          twoOverEta: 2 / eta,
          divergenceByScale: mine.map((c) => c.divergence),
          meanFinalDistanceByScale: mine.map((c) => c.distance),
          meanFinalSharpnessByScale: mine.map((c) => c.sharpness),
          reachedAmongNonDiverged: mine.map((c) => c.reached),
        };
      }),
      scales,
    },
    findings: out,
    notes: reproductionNotes(ctx, {
      lines: ['sMin'],
      extra: ["Projection: the authors' p (model.projection authors: a normal draw of their key chain, normalized), the same in both code versions."],
    }),
  };
}

export const marionChizatFig3 = scaleSweepPreset({
  name: 'marion-chizat-fig3',
  summary: "Marion & Chizat Fig. 3a,b and 4: the same sweep from the residual init I + s/sqrt(Ld) N with the authors' projection, s in [0, 1.7]",
  description:
    "Marion & Chizat (2024), Figures 3a, 3b and 4, on the authors' dataset. Gradient descent from the residual initialization W_k = I + s/sqrt(Ld) N_k (all layers 5 x 5, " +
    "the authors' fixed unit projection p), 4,000 steps and 20 repetitions for every learning rate (Appendix C); exact sharpness at initialization and after training.",
  kind: 'residual',
  scales: { linspace: [0, 1.7, 10] },
  steps: STEPS,
  repetitions: [20, 20, 20, 20, 20],
  quickScales: [0, 0.5, 1.5, 1.7],
  quickRepetitions: [6, 6, 6, 6, 6],
  figures: { distance: 'Fig. 3a', sharpness: 'Fig. 3b', divergence: 'Fig. 4' },
  lines: ['sMin'],
  findings,
});

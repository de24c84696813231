/**
 * Jacot et al., Figures 2 and 4: saddle-to-saddle dynamics from small initializations (the loss a
 * staircase, the rank climbing 0 -> 1 -> 2 -> 3, the gradient norm peaking at each escape, sharper
 * transitions for the deeper network) against the lazy regime, at L = 2 (w = 50) and L = 4
 * (w = 100). The checks are pure functions of the measured numbers, so that each can be fed a
 * case where its claim is false (test/jacot-findings.test.ts).
 *
 * Beside gradient descent at eta = 1e-3, the exact gradient flow of the deep network (L = 4) over
 * the whole horizon t = eta * steps (the eta -> 0 limit the paper's conjecture is about), by the
 * `auto` integrator (exprb43 where the flow is stiff: docs/stiff-integration.md §8-§9), recorded
 * at the same log-spaced times; the report says whether GD follows the flow (the same saddles in
 * the same order at the same times: compareWithFlow) and where, if anywhere, the flow's sharpness
 * passes 2 / eta (GD cannot follow a trajectory sharper than that).
 */
import { peakWidthDecades, prominentPeaks } from '../../analysis/peaks';
import { detectPlateaus, type Plateau } from '../../analysis/plateaus';
import { successiveValues, valueAtTime } from '../../analysis/series';
import type { RunView } from '../../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../../report/findings';
import { numbers } from '../common';
import type { Preset } from '../types';
import { column, plateausOf, RANK_TOLERANCE, rankSequence, TEACHER, TEACHER_NOTE } from './common';

const kindOf = (r: RunView) => r.record.values['init.kind'];
const isFlow = (r: RunView) => r.config.train.method === 'flow';
const ETA = 1e-3;
/** GD's loss on a saddle plateau against the flow's (relative): a plateau is flat, so a time shift barely moves it. */
const LEVEL_TOL = 0.01;

/**
 * The times t = eta * step of GD's log-spaced rows (recordPerDecade: the first step >= 10^(j / perDecade),
 * src/driver.hpp RecordSchedule) below tEnd: the flow's rows at exactly GD's times.
 */
export function logTimes(eta: number, tEnd: number, perDecade: number): number[] {
  const out: number[] = [];
  let last = 0;
  for (let j = 0; ; j++) {
    const step = Math.ceil(Math.pow(10, j / perDecade) - 1e-9);
    if (eta * step >= tEnd) break;
    if (step > last) out.push(eta * step);
    last = step;
  }
  return out;
}

/**
 * The first time a loss curve is at or below `level`: interpolated linearly in (log t, log loss)
 * between the recorded points around the crossing (exactly a recorded time when one sits on the
 * level); null when the curve never reaches it.
 */
export function firstPassage(time: ArrayLike<number>, loss: ArrayLike<number>, level: number): number | null {
  for (let i = 0; i < loss.length; i++) {
    if (!(loss[i] <= level)) continue;
    if (i === 0 || !(time[i - 1] > 0) || !(loss[i - 1] > level)) return time[i];
    const a = Math.log(loss[i - 1]);
    const f = (Math.log(level) - a) / (Math.log(loss[i]) - a);
    return Math.exp(Math.log(time[i - 1]) + f * (Math.log(time[i]) - Math.log(time[i - 1])));
  }
  return null;
}

/** GD's and the exact flow's records at the same times (the flow is recorded at GD's times). */
export interface FlowComparison {
  time: number[];
  gdLoss: number[];
  flowLoss: number[];
  gdRank: number[];
  flowRank: number[];
  gdSharpness: number[];
  flowSharpness: number[];
}

/** What followsFlowFinding() judges: time-shift tolerant quantities of GD against its eta -> 0 limit. */
export interface FollowsFlowMeasure {
  /** Records with the flow's loss at or below this are not compared (a numerical floor: compareWithFlow). */
  lossFloor: number;
  /** The successive ranks of each run over the compared records (before tCross, above lossFloor). */
  gdRanks: number[];
  flowRanks: number[];
  /** Each of the flow's saddle plateaus before tCross: its loss and GD's at the plateau's geometric-mid time. */
  plateaus: { rank: number | null; t: number; flowLoss: number; gdLoss: number | null; gap: number }[];
  /** Each escape (the loss halfway, geometrically, between successive plateaus): when each run first reaches it. */
  escapes: { level: number; tFlow: number | null; tGd: number | null; shift: number }[];
  /** The first recorded time where the flow's sharpness passes 2/eta (null: never), its largest sharpness and where. */
  tCross: number | null;
  flowMaxS: number;
  flowMaxSAt: number;
  gdMaxS: number;
  /** GD's and the flow's largest sharpness at or after tCross (null without a crossing). */
  gdMaxSAfter: number | null;
  flowMaxSAfter: number | null;
}

/**
 * Compares GD with the exact flow by quantities a time shift does not dominate. Around a saddle
 * escape the loss falls by orders of magnitude within a few percent of t, so a pointwise loss
 * ratio at a steep drop measures the slope times a small shift, not whether GD follows the flow.
 * What the eta -> 0 conjecture needs is that GD visits the same saddles (the plateaus' losses and
 * ranks) and leaves each at the same time: the plateau levels (flat, insensitive to a shift) and
 * the times each run first reaches the loss halfway between successive plateaus (relative shift).
 * Plateaus are detected on the flow as plateausOf() does (2% band, at least a factor 1.3 in time).
 * Only the stretch before the flow passes 2/eta is compared (past it GD cannot follow), and only
 * where the flow's loss is above its accuracy floor rtol^2 L(0) (the flow integrated at relative
 * tolerance rtol: below it both runs sit at their own floors, integration error and rounding).
 */
export function compareWithFlow(c: FlowComparison, eta: number, rtol: number): FollowsFlowMeasure {
  const n = c.time.length;
  const cross = c.flowSharpness.findIndex((v) => v > 2 / eta);
  const tCross = cross >= 0 ? c.time[cross] : null;
  const end = cross >= 0 ? cross : n;
  // The flow's accuracy floor: its weights are accurate to about rtol (relative), so its residual
  // to about rtol of the data's scale and its loss to about rtol^2 of the initial loss. Below that
  // the flow's loss is integration error, not the dynamics (at Jacot's width both runs fit the
  // data: the flow's loss ends at ~1e-22, GD's at ~1e-27, each at its own floor).
  const lossFloor = rtol * rtol * c.flowLoss[0];
  const keep: number[] = [];
  for (let i = 0; i < end; i++) if (c.time[i] > 0 && c.flowLoss[i] > lossFloor) keep.push(i);
  const pick = (xs: number[]) => keep.map((i) => xs[i]);
  const time = pick(c.time);
  const flowLoss = pick(c.flowLoss);
  const gdLoss = pick(c.gdLoss);
  const found = detectPlateaus(time, flowLoss, pick(c.flowRank), { tolerance: 0.02, minRatio: 1.3 });
  const plateaus = found.map((p) => {
    const t = Math.sqrt(p.start * p.end);
    const f = valueAtTime(time, flowLoss, t * (1 + 1e-9));
    const g = valueAtTime(time, gdLoss, t * (1 + 1e-9));
    return { rank: p.rank, t, flowLoss: f ?? NaN, gdLoss: g, gap: f !== null && g !== null ? Math.abs(g / f - 1) : Infinity };
  });
  const escapes = [];
  for (let k = 0; k + 1 < found.length; k++) {
    const level = Math.sqrt(found[k].loss * found[k + 1].loss);
    const tFlow = firstPassage(time, flowLoss, level);
    const tGd = firstPassage(time, gdLoss, level);
    escapes.push({ level, tFlow, tGd, shift: tFlow !== null && tGd !== null ? tGd / tFlow - 1 : Infinity });
  }
  const finiteMax = (v: number[]) => v.reduce((m, x) => (Number.isFinite(x) && x > m ? x : m), -Infinity);
  const flowMaxS = finiteMax(c.flowSharpness);
  const after = (v: number[]) => (cross < 0 ? null : finiteMax(v.slice(cross)));
  return {
    gdRanks: successiveValues(pick(c.gdRank)),
    flowRanks: successiveValues(pick(c.flowRank)),
    lossFloor,
    plateaus,
    escapes,
    tCross,
    flowMaxS,
    flowMaxSAt: c.time[c.flowSharpness.indexOf(flowMaxS)],
    gdMaxS: finiteMax(c.gdSharpness),
    gdMaxSAfter: after(c.gdSharpness),
    flowMaxSAfter: after(c.flowSharpness),
  };
}

/**
 * GD at eta follows its eta -> 0 limit (the exact gradient flow) wherever the flow's sharpness is
 * below 2/eta: the same successive ranks, each saddle plateau's loss within `levelTol` (relative)
 * of the flow's, and each escape within `timeTol` (relative time shift). timeTol is the record
 * spacing 10^(1/perDecade) - 1: a drop between two records is located to that resolution. If the
 * flow passes 2/eta, GD's sharpness afterwards must stay below the flow's (it cannot follow a
 * trajectory sharper than 2/eta). At least two escapes must be compared (else nothing was shown).
 */
export function followsFlowFinding(L: number, eta: number, horizon: number, m: FollowsFlowMeasure, levelTol: number, timeTol: number): Finding {
  const worstGap = m.plateaus.reduce((w, p) => Math.max(w, p.gap), 0);
  const worstShift = m.escapes.reduce((w, e) => Math.max(w, Math.abs(e.shift)), 0);
  const sameRanks = m.gdRanks.length === m.flowRanks.length && m.gdRanks.every((r, i) => r === m.flowRanks[i]);
  const crossed = m.tCross !== null;
  const sharpnessOk = !crossed || (m.gdMaxSAfter !== null && m.flowMaxSAfter !== null && m.gdMaxSAfter < m.flowMaxSAfter);
  const where = crossed
    ? `the flow's sharpness passes 2/eta at t = ${fmt(m.tCross, 4)} (largest ${fmt(m.flowMaxS, 5)} at t = ${fmt(m.flowMaxSAt, 4)}; after it GD's largest is ${fmt(m.gdMaxSAfter, 5)}, the flow's ${fmt(m.flowMaxSAfter, 5)}); compared before it`
    : `the flow's sharpness stays below 2/eta = ${fmt(2 / eta, 4)} up to t = ${fmt(horizon, 4)} (largest ${fmt(m.flowMaxS, 5)} at t = ${fmt(m.flowMaxSAt, 4)}; GD's largest ${fmt(m.gdMaxS, 5)})`;
  const escapes = m.escapes.map((e) => `${fmt(e.level, 4)} at t = ${fmt(e.tFlow, 4)} (flow) / ${fmt(e.tGd, 4)} (GD)`).join(', ');
  return {
    id: `gd-follows-flow-L${L}`,
    claim: `L = ${L}: GD at eta = ${eta} follows the exact gradient flow (its eta -> 0 limit) wherever the flow's sharpness is below 2/eta = ${fmt(2 / eta, 4)}: the same saddles in the same order at the same times (plateau losses and ranks, escape times), GD's sharpness below the flow's where the flow passes 2/eta`,
    observed:
      `${where}; compared where the flow's loss is above ${fmt(m.lossFloor, 3)} (rtol^2 times the initial loss: the flow's accuracy); ranks ${m.gdRanks.join(' -> ')} (GD) / ${m.flowRanks.join(' -> ')} (flow); ` +
      `${m.plateaus.length} plateaus, GD's loss within ${fmt(100 * worstGap, 2)}% of the flow's on each; ` +
      `${m.escapes.length} escapes, time shift at most ${fmt(100 * worstShift, 2)}% (loss reached: ${escapes || 'none'})`,
    expected: `the same successive ranks, plateau losses within ${fmt(100 * levelTol, 2)}%, escape times within ${fmt(100 * timeTol, 2)}% (one record interval), at least 2 escapes`,
    pass: sameRanks && m.escapes.length >= 2 && worstGap < levelTol && worstShift < timeTol && sharpnessOk,
  };
}

export function rankClimbFinding(L: number, climb: number[]): Finding {
  return {
    id: `rank-climb-L${L}`,
    claim: `L = ${L}, small init: the rank of A climbs one at a time, 0 -> 1 -> 2 -> 3 (the teacher's modes, strongest first)`,
    observed: `successive ranks ${climb.join(' -> ') || 'none'}`,
    expected: 'starts 0 -> 1 -> 2 -> 3 (the noise is learned afterwards)',
    pass: [0, 1, 2, 3].every((k, i) => climb[i] === k),
  };
}

/** Small init: the loss is a staircase: plateaus at ranks 0, 1, 2, 3 in order (L > 2); at L = 2, at rank 0 and at rank 3 at least. */
export function staircaseFinding(L: number, plateaus: Plateau[]): Finding {
  const ranks = plateaus.map((p) => p.rank);
  return {
    id: `staircase-L${L}`,
    claim: `L = ${L}, small init: the loss is a staircase, a plateau at each saddle${L > 2 ? '' : ' (at L = 2 the intermediate saddles are passed quickly)'}`,
    observed:
      plateaus.map((p) => `rank ${p.rank} at loss ${fmt(p.loss, 4)} over t in [${fmt(p.start, 3)}, ${fmt(p.end, 3)}]`).join('; ') || 'no plateau',
    expected: L > 2 ? 'plateaus at ranks 0, 1, 2, 3, in this order' : 'plateaus at rank 0 and 3 at least',
    pass: L > 2 ? ranks.length >= 4 && [0, 1, 2, 3].every((k, i) => ranks[i] === k) : ranks.includes(0) && ranks.includes(3),
  };
}

/** Lazy init: no saddle-to-saddle, no plateau below full rank (and the rank full from the start). */
export function lazyFinding(L: number, initialRank: number | null, fullRank: number, plateausBelowFull: number): Finding {
  return {
    id: `lazy-L${L}`,
    claim: `L = ${L}, lazy init: no saddle-to-saddle, the rank is full from the start`,
    observed: `initial rank ${initialRank}; plateaus below full rank: ${plateausBelowFull}`,
    expected: `rank ${fullRank} at initialization, no intermediate plateau`,
    pass: initialRank === fullRank && plateausBelowFull === 0,
  };
}

/** Fig. 4: small init, the gradient norm rises at each escape and falls near each saddle (at least 3 prominent peaks); lazy, none. */
export function gradientNormFinding(L: number, smallPeaks: number, lazyPeaks: number): Finding {
  return {
    id: `gradient-norm-L${L}`,
    claim: `L = ${L} (Fig. 4): from the small init the gradient norm is non-monotonic, a peak at each escape and a dip near each saddle; from the lazy init it has no such peak`,
    observed: `peaks standing 2× above the dips on both sides: small init ${smallPeaks}, lazy ${lazyPeaks}`,
    expected: 'at least 3 from the small init (the teacher’s three modes), none from the lazy init',
    pass: smallPeaks >= 3 && lazyPeaks === 0,
  };
}

/** The rank-3 saddle generalizes better than the interpolating end point and than the lazy end point (the noise is learned last). */
export function generalizesFinding(L: number, rank3Test: number | null, finalTest: number | null, lazyTest: number | null): Finding {
  return {
    id: `low-rank-generalizes-L${L}`,
    claim: `L = ${L}: the rank-3 saddle generalizes better than the interpolating end point and than the lazy run (the noise is learned last)`,
    observed: `test loss ${fmt(rank3Test, 4)} on the rank-3 plateau, ${fmt(finalTest, 4)} at the end (lazy: ${fmt(lazyTest, 4)})`,
    expected: 'lowest on the plateau',
    pass: rank3Test !== null && finalTest !== null && lazyTest !== null && rank3Test < finalTest && rank3Test < lazyTest,
  };
}

/** Fig. 4: the largest gradient-norm peak is narrower (in decades of time) for the deeper network. */
export function sharperFinding(widths: { L: number; width: number }[]): Finding {
  const sorted = widths.slice().sort((a, b) => a.L - b.L);
  const shallow = sorted[0];
  const deep = sorted[sorted.length - 1];
  return {
    id: 'sharper-transitions',
    claim: 'transitions between saddles are sharper for the deeper network (Fig. 4: sharper gradient-norm peaks)',
    observed: `width at half height of the largest gradient-norm peak, in decades of time: ${sorted.map((w) => `L = ${w.L}: ${fmt(w.width, 3)}`).join(', ')}`,
    expected: 'narrower for the deeper network',
    pass: sorted.length >= 2 && deep.L > shallow.L && deep.width < shallow.width,
  };
}

function fig2Findings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const headline: Record<string, unknown> = {};
  const widths: { L: number; width: number }[] = [];
  for (const L of numbers(ds, 'model.depth')) {
    const small = ds.runs.find((r) => r.depth === L && kindOf(r) === 'gaussian' && r.record.rep === 0 && !isFlow(r));
    const lazy = ds.runs.find((r) => r.depth === L && kindOf(r) === 'lazy' && r.record.rep === 0 && !isFlow(r));
    if (!small || !lazy) continue;
    const ts = loadTrace(small.record.id);
    const tl = loadTrace(lazy.record.id);
    if (!ts || !tl) continue;
    const plateaus = plateausOf(ts).filter((p) => !p.final);
    const climb = rankSequence(ts);
    const fullRank = Math.min(small.built.widths[0], small.built.widths[small.built.widths.length - 1]);
    const smallPeaks = prominentPeaks(column(ts, 'gradNorm')).length;
    const lazyPeaks = prominentPeaks(column(tl, 'gradNorm')).length;
    headline[`L${L}`] = {
      plateaus,
      rankSequence: climb,
      gradientPeaks: { small: smallPeaks, lazy: lazyPeaks },
      finalLoss: small.record.final.loss,
      finalTestLoss: small.record.final.testLoss,
      lazyFinalTestLoss: lazy.record.final.testLoss,
    };
    out.push(rankClimbFinding(L, climb));
    out.push(staircaseFinding(L, plateaus));
    const lazyPlateaus = plateausOf(tl).filter((p) => !p.final && (p.rank ?? 0) < fullRank);
    out.push(lazyFinding(L, tl.columns.rank?.values[0] ?? null, fullRank, lazyPlateaus.length));
    out.push(gradientNormFinding(L, smallPeaks, lazyPeaks));
    const rank3 = plateaus.find((p) => p.rank === 3);
    const rank3Test = rank3 ? valueAtTime(column(ts, 'time'), column(ts, 'testLoss'), Math.sqrt(rank3.start * rank3.end)) : null;
    out.push(generalizesFinding(L, rank3Test, small.record.final.testLoss as number | null, lazy.record.final.testLoss as number | null));
    widths.push({ L, width: peakWidthDecades(column(ts, 'time'), column(ts, 'gradNorm')) });
    const exact = ds.runs.find((r) => r.depth === L && kindOf(r) === 'gaussian' && r.record.rep === 0 && isFlow(r));
    const tf = exact ? loadTrace(exact.record.id) : null;
    if (tf && ts.columns.sharpness && tf.columns.sharpness) {
      // The flow is recorded at GD's times: align by time (GD's rows are a superset).
      const gdTime = column(ts, 'time');
      const time = column(tf, 'time');
      const at = (xs: number[]) => time.map((t) => valueAtTime(gdTime, xs, t * (1 + 1e-9)) ?? NaN);
      const m = compareWithFlow(
        {
          time,
          gdLoss: at(column(ts, 'loss')),
          flowLoss: column(tf, 'loss'),
          gdRank: at(column(ts, 'rank')),
          flowRank: column(tf, 'rank'),
          gdSharpness: at(column(ts, 'sharpness')),
          flowSharpness: column(tf, 'sharpness'),
        },
        ETA,
        Number(exact!.config.train.rtol ?? 1e-6),
      );
      const perDecade = Number(small.config.train.recordPerDecade ?? 50);
      headline[`L${L}`] = {
        ...(headline[`L${L}`] as object),
        flow: { ...m, nfev: exact!.record.flow?.nfev, t: exact!.record.flow?.t },
      };
      out.push(followsFlowFinding(L, ETA, time[time.length - 1], m, LEVEL_TOL, Math.pow(10, 1 / perDecade) - 1));
    }
  }
  if (widths.length >= 2) {
    headline.gradientPeakWidths = widths;
    out.push(sharperFinding(widths));
  }
  return { headline, findings: out };
}

const traceFigure = (
  id: string,
  title: string,
  depth: number,
  y: string[],
  yScale: ('log' | 'linear')[],
  yLabels: string[],
  rules: { y: string; label: string }[] = [],
) => ({
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
  filter: { 'model.depth': depth, 'train.method': 'gd' },
  rules,
});

/** GD and the exact flow of the deep network against time t = eta * step. */
const flowFigure = {
  kind: 'trace' as const,
  id: 'fig2-deep-flow',
  title:
    'L = 4, small init: GD at eta = 1e-3 beside the exact gradient flow (auto: RK45 / exprb43) against t = eta * step (dotted: 2/eta, where GD could no longer follow)',
  x: 'time' as const,
  xLabel: 't = eta * step',
  xScale: 'log' as const,
  y: ['loss', 'sharpness'],
  yScale: ['log' as const, 'log' as const],
  yLabels: ['Train loss', 'Sharpness'],
  series: 'train.method',
  filter: { 'model.depth': 4, 'init.kind': 'gaussian' },
  rules: [{ y: '2000', label: '2/eta' }],
};

export const jacotFig2: Preset = {
  name: 'jacot-fig2',
  summary:
    'Jacot et al. Fig. 2 and 4: saddle-to-saddle (loss staircase, rank 0 -> 1 -> 2 -> 3) from small init vs lazy, L = 2 (w = 50) and L = 4 (w = 100); the exact gradient flow beside GD at L = 4 (does GD follow its eta -> 0 limit; where S > 2/eta)',
  config: {
    name: 'jacot-fig2',
    description:
      'Jacot et al., Figures 2 and 4: the noisy rank-3 teacher, 100 training and 1,000 noiseless test points, MSE, gradient descent at eta = 1e-3. ' +
      'Shallow L = 2, w = 50 (init std w^-2) for 1e5 steps and deep L = 4, w = 100 (init std w^-1) for 1.5e6 steps, each beside the lazy initialization ' +
      `(std w^-(L-1)/(2L)). Recorded at 50 log-spaced steps per decade. At L = 4 the exact gradient flow over the same t = eta * steps (auto integrator, rtol 1e-6) beside GD: GD follows it (ranks, plateau losses, escape times) where the flow's sharpness is below 2/eta. ${TEACHER_NOTE}`,
    seed: 0,
    data: TEACHER,
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'gd',
      learningRate: 1e-3,
      steps: 1500000,
      recordPerDecade: 50,
      record: ['loss', 'testLoss', 'rank', 'gradNorm', 'singularValues', 'sharpness'],
      rankTolerance: RANK_TOLERANCE,
      // The flow run (train.method flow): t = eta * steps, rows at GD's recorded times.
      tEnd: 1500,
      integrator: 'auto',
      rtol: 1e-6,
      atol: 1e-9,
      times: logTimes(ETA, 1500, 50),
    },
    sweep: [
      {
        'model.depth': [2, 2, 4, 4, 4],
        'model.width': [50, 50, 100, 100, 100],
        'init.kind': ['gaussian', 'lazy', 'gaussian', 'lazy', 'gaussian'],
        'init.scale': [4e-4, 4e-4, 0.01, 0.01, 0.01],
        'train.steps': [100000, 100000, 1500000, 1500000, 1500000],
        'train.method': ['gd', 'gd', 'gd', 'gd', 'flow'],
      },
    ],
    output: { traces: true },
    report: {
      title: 'Jacot et al., Figures 2 and 4: saddle-to-saddle dynamics against the lazy regime',
      figures: [
        traceFigure(
          'fig2-shallow',
          'Fig. 2 (left), L = 2, w = 50: train and test loss, rank of A (gaussian: std w^-2)',
          2,
          ['loss', 'testLoss', 'rank'],
          ['log', 'log', 'linear'],
          ['Train loss', 'Test loss', 'Rank of A'],
        ),
        traceFigure(
          'fig2-deep',
          'Fig. 2 (right), L = 4, w = 100: train and test loss, rank of A (gaussian: std w^-1)',
          4,
          ['loss', 'testLoss', 'rank'],
          ['log', 'log', 'linear'],
          ['Train loss', 'Test loss', 'Rank of A'],
        ),
        traceFigure(
          'fig4-gradient-norm',
          'Fig. 4: gradient norm, L = 2 (dips near saddles, peaks at escapes)',
          2,
          ['gradNorm'],
          ['log'],
          ['Gradient norm'],
        ),
        traceFigure('fig4-gradient-norm-deep', 'Fig. 4: gradient norm, L = 4 (sharper peaks)', 4, ['gradNorm'], ['log'], ['Gradient norm']),
        flowFigure,
        traceFigure(
          'singular-values-deep',
          'Singular values of A, L = 4 (dotted: the rank thresholds 1e-2 and 1e-4)',
          4,
          ['singularValues'],
          ['log'],
          ['Singular values of A'],
          [
            { y: '0.01', label: '1e-2' },
            { y: '0.0001', label: '1e-4' },
          ],
        ),
      ],
    },
    quick: {
      sweep: [
        {
          'model.depth': [2, 2, 4, 4, 4],
          'model.width': [50, 50, 30, 30, 30],
          'init.kind': ['gaussian', 'lazy', 'gaussian', 'lazy', 'gaussian'],
          'init.scale': [4e-4, 4e-4, 0.0333, 0.0333, 0.0333],
          'train.steps': [20000, 20000, 60000, 60000, 60000],
          'train.method': ['gd', 'gd', 'gd', 'gd', 'flow'],
        },
      ],
      train: { recordPerDecade: 20, tEnd: 60, times: logTimes(ETA, 60, 20) },
    },
  },
  findings: fig2Findings,
};

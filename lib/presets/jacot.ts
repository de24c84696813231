/**
 * Jacot, Ged, Şimşek, Hongler, Gabriel: "Deep Linear Networks Dynamics: Low-Rank Biases Induced
 * by Initialization Scale and L2 Regularization". Saddle-to-saddle dynamics from small
 * initializations against the lazy regime (Figs. 2 and 4), the escape time's scaling with the
 * initialization scale, the L2 low-rank bias (Figs. 3 and 5), matrix completion (Fig. 1), and the
 * greedy rank-incremental Algorithm A.
 *
 * The teacher: W_T = W_0 W_0^T (10 x 10, rank 3, column i of W_0 with variance i) plus N(0, 0.2^2)
 * noise; the paper's draw is not known. Data seed 208 gives singular values (29.4, 19.7, 9.0), the
 * closest among seeds 0-299 to their expected values (30, 20, 10). Some draws are too sharp for
 * eta = 1e-3 at L = 4 (e.g. seed 3, sigma_1 = 39: S > 2/eta, GD oscillates instead of converging).
 *
 * Rank: the paper sets "eigenvalues smaller than 1e-4" to zero. Read as eigenvalues of A^T A, that
 * is singular values of A below 1e-2, the reading used here (rankTolerance 1e-2): at 1e-4 the
 * random components of a w^-1 initialization (singular values about 6e-5) cross the threshold long
 * before they are learned. `--set train.rankTolerance=1e-4` gives the literal reading.
 */
import { detectPlateaus, type Plateau } from '../analysis/plateaus';
import { svd } from '../api/linalg';
import type { Matrix } from '../api/matrix';
import type { TraceFile } from '../experiments/execute';
import { isDiverged, valueOf, type RunView } from '../report/dataset';
import { fmt, type Finding, type FindingsContext, type FindingsResult } from '../report/findings';
import { linearFit } from '../report/stats';
import { numbers } from './common';
import type { Preset } from './types';

const TEACHER_SEED = 208;
const RANK_TOLERANCE = 1e-2;
const TEACHER = { kind: 'jacot-teacher' as const, d: 10, rank: 3, n: 100, nTest: 1000, noise: 0.2, seed: TEACHER_SEED };
const TEACHER_NOTE =
  'Teacher seed 208: singular values (29.4, 19.7, 9.0), the closest to their expectations (30, 20, 10) among seeds 0-299. ' +
  'Rank counts singular values above 1e-2 (eigenvalues of AᵀA above 1e-4, the paper’s threshold).';

function column(trace: TraceFile, name: string): number[] {
  return (trace.columns[name]?.values ?? []).map((v) => (v === null ? NaN : v));
}

/** Plateaus of a run's loss curve on a log-time axis, with the rank on each. */
function plateausOf(trace: TraceFile): Plateau[] {
  const time = column(trace, 'time');
  const keep = time.map((t, i) => (t > 0 ? i : -1)).filter((i) => i >= 0);
  const pick = (xs: number[]) => keep.map((i) => xs[i]);
  return detectPlateaus(pick(time), pick(column(trace, 'loss')), trace.columns.rank ? pick(column(trace, 'rank')) : undefined, {
    tolerance: 0.02,
    minRatio: 1.3,
  });
}

const kindOf = (r: RunView) => r.record.values['init.kind'];

// --- Figures 2 and 4 -------------------------------------------------------------------------

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
    widths[L] = [peakWidth(ts)];
    const rank3 = plateaus.find((p) => p.rank === 3);
    const rank3Test = rank3 ? valueAtTime(ts, 'testLoss', Math.sqrt(rank3.start * rank3.end)) : null;
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

/** The distinct successive values of the recorded rank. */
function rankSequence(trace: TraceFile): number[] {
  const out: number[] = [];
  for (const r of column(trace, 'rank')) if (Number.isFinite(r) && out[out.length - 1] !== r) out.push(r);
  return out;
}

/** Width, in decades of time, of the largest gradient-norm peak at half its height (t > 0). */
function peakWidth(trace: TraceFile): number {
  const time = column(trace, 'time');
  const g = column(trace, 'gradNorm');
  let top = -1;
  for (let i = 0; i < g.length; i++) if (time[i] > 0 && (top < 0 || g[i] > g[top])) top = i;
  if (top < 0) return NaN;
  const half = g[top] / 2;
  let lo = top;
  let hi = top;
  while (lo > 0 && time[lo - 1] > 0 && g[lo - 1] >= half) lo--;
  while (hi + 1 < g.length && g[hi + 1] >= half) hi++;
  // Interpolate the half-height crossings in log time; at least one record spacing wide.
  const cross = (a: number, b: number) => {
    if (!(time[a] > 0) || !(time[b] > 0) || g[a] === g[b]) return Math.log10(time[b]);
    const f = (half - g[a]) / (g[b] - g[a]);
    return Math.log10(time[a]) + f * (Math.log10(time[b]) - Math.log10(time[a]));
  };
  const left = lo > 0 && time[lo - 1] > 0 ? cross(lo - 1, lo) : Math.log10(time[lo]);
  const right = hi + 1 < g.length ? cross(hi, hi + 1) : Math.log10(time[hi]);
  return right - left;
}

function valueAtTime(trace: TraceFile, name: string, t: number): number | null {
  const time = column(trace, 'time');
  const v = column(trace, name);
  let best = -1;
  for (let i = 0; i < time.length; i++) if (time[i] <= t) best = i;
  return best >= 0 && Number.isFinite(v[best]) ? v[best] : null;
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

// --- Escape-time scaling ----------------------------------------------------------------------

/** First time the loss falls below 90% of its initial value, log-interpolated between recorded rows. */
function firstEscape(trace: TraceFile): number | null {
  const time = column(trace, 'time');
  const loss = column(trace, 'loss');
  const threshold = 0.9 * loss[0];
  for (let i = 1; i < loss.length; i++) {
    if (loss[i] <= threshold) {
      const [t0, t1, l0, l1] = [time[i - 1], time[i], loss[i - 1], loss[i]];
      if (!(t0 > 0)) return t1;
      const f = (l0 - threshold) / (l0 - l1);
      return Math.exp(Math.log(t0) + f * (Math.log(t1) - Math.log(t0)));
    }
  }
  return null;
}

/** sigma_1 of Sigma_yx = Y^T X / N: the strength of the first mode (samples are rows of X and Y). */
function topCrossCovariance(run: RunView): number | null {
  const data = run.built.data;
  if (!data || data.kind !== 'mse') return null;
  const X = data.X as Matrix;
  const Y = data.Y as Matrix;
  const S = new Float64Array(Y.cols * X.cols);
  for (let n = 0; n < X.rows; n++) {
    for (let i = 0; i < Y.cols; i++) {
      const y = Y.data[n * Y.cols + i] / X.rows;
      for (let j = 0; j < X.cols; j++) S[i * X.cols + j] += y * X.data[n * X.cols + j];
    }
  }
  return svd({ rows: Y.cols, cols: X.cols, data: S }).S[0];
}

function escapeFindings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const headline: Record<string, unknown> = {};
  for (const L of numbers(ds, 'model.depth')) {
    const pts = ds.runs
      .filter((r) => r.depth === L && !isDiverged(r))
      .map((r) => ({ alpha: r.record.values['init.scale'] as number, t: (() => {
        const tr = loadTrace(r.record.id);
        return tr ? firstEscape(tr) : null;
      })() }))
      .filter((p): p is { alpha: number; t: number } => p.t !== null)
      .sort((a, b) => b.alpha - a.alpha);
    headline[`L${L}`] = pts;
    if (L === 2) {
      const s1 = topCrossCovariance(ds.runs.find((r) => r.depth === 2)!);
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

// --- Figures 3 and 5 --------------------------------------------------------------------------

function fig3Findings({ ds, loadWeights, figures }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const converged = ds.runs.filter((r) => r.record.status === 'converged');
  const scales = numbers(ds, 'init.scale');
  const meanRank = (s: number) => {
    const rs = converged.filter((r) => r.record.values['init.scale'] === s).map((r) => valueOf(r, 'final', 'rank')!);
    return rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : null;
  };
  const ranks = scales.map((s) => ({ scale: s, rank: meanRank(s) }));
  out.push({
    id: 'converged',
    claim: 'gradient descent converges (gradient norm below 1e-9) from every initialization',
    observed: `${converged.length}/${ds.runs.length} runs`,
    expected: 'all',
    pass: converged.length === ds.runs.length,
  });
  const first = ranks[0].rank;
  const last = ranks[ranks.length - 1].rank;
  out.push({
    id: 'low-rank-bias',
    claim: 'with L2 regularization, smaller initializations end at lower-rank local minima (Fig. 3 left, Fig. 5)',
    observed: ranks.map((r) => `std ${r.scale}: rank ${fmt(r.rank, 3)}`).join('; '),
    expected: 'rank non-increasing as the std shrinks, lower at the smallest std than at the largest',
    pass: first !== null && last !== null && first < last && ranks.every((r, i) => i === 0 || (r.rank ?? 0) >= (ranks[i - 1].rank ?? 0)),
  });
  let worst = 0;
  let checked = 0;
  for (const r of converged) {
    const w = loadWeights(r.record.id);
    const schatten = valueOf(r, 'final', 'schatten2OverL');
    if (!w || schatten === null) continue;
    const theta2 = w.weights.reduce((a, v) => a + v * v, 0);
    worst = Math.max(worst, Math.abs(theta2 / (r.depth * schatten) - 1));
    checked++;
  }
  out.push({
    id: 'proposition-5',
    claim: 'Proposition 5 at the minima found: lambda ||theta||^2 = lambda L ||A||_{2/L}^{2/L} (balanced minimizers)',
    observed: `${checked} minima; worst relative difference ${fmt(worst, 2)}`,
    expected: '< 1e-6',
    pass: checked > 0 && worst < 1e-6,
  });
  const best = converged.reduce<RunView | null>((b, r) => (b === null || (valueOf(r, 'final', 'testLoss') ?? Infinity) < (valueOf(b, 'final', 'testLoss') ?? Infinity) ? r : b), null);
  out.push({
    id: 'best-rank',
    claim: 'the minimum that generalizes best has the teacher’s rank, 3',
    observed: best ? `lowest test loss ${fmt(valueOf(best, 'final', 'testLoss'), 4)} at rank ${valueOf(best, 'final', 'rank')} (std ${best.record.values['init.scale']})` : 'none',
    expected: 'rank 3',
    pass: best !== null && valueOf(best, 'final', 'rank') === 3,
  });
  const surface = figures['loss-surface']?.facts ?? {};
  out.push({
    id: 'loss-surface',
    claim: 'Fig. 3 (right): the plane through the origin and two minima of different rank',
    observed: `minima of rank ${surface.rank1} and ${surface.rank2}: loss ${fmt(surface.loss1 as number, 4)} and ${fmt(surface.loss2 as number, 4)}; origin ${fmt(surface.lossOrigin as number, 4)}`,
    expected: 'both minima below the origin',
    pass: typeof surface.loss1 === 'number' && typeof surface.loss2 === 'number' && typeof surface.lossOrigin === 'number' && surface.loss1 < surface.lossOrigin && surface.loss2 < surface.lossOrigin,
  });
  return { headline: { ranks, surface }, findings: out };
}

export const jacotFig3: Preset = {
  name: 'jacot-fig3',
  summary: 'Jacot et al. Fig. 3 and 5: (3, 20)-DLN with L2 (0.05): rank, nuclear norm and losses at convergence vs init std; the loss surface through two minima',
  config: {
    name: 'jacot-fig3',
    description:
      'Jacot et al., Figures 3 and 5: a (3, 20)-DLN on the teacher with W_0 entries N(0, 1.5^2), MSE + 0.05 ||theta||^2, gradient descent at eta = 1e-3 ' +
      'until the gradient norm is below 1e-9, from init stds over three decades. Rank and nuclear norm of A at convergence, train and test loss, ' +
      'Proposition 5’s identity, and the loss on the plane through the origin and two minima of different rank.',
    seed: 0,
    data: { kind: 'jacot-teacher', d: 10, rank: 3, n: 100, nTest: 1000, noise: 0.2, teacherScale: 'constant', teacherStd: 1.5, seed: 5 },
    model: { depth: 3, width: 20, l2: 0.05 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'gd',
      learningRate: 1e-3,
      steps: 1000000,
      gradNormTarget: 1e-9,
      record: ['loss', 'testLoss', 'rank', 'nuclearNorm', 'schatten2OverL', 'singularValues', 'gradNorm'],
      rankTolerance: RANK_TOLERANCE,
    },
    repetitions: 3,
    sweep: [{ 'init.scale': [0.001, 0.002, 0.005, 0.01, 0.03, 0.1, 0.3, 0.6] }],
    output: { weights: true },
    report: {
      title: 'Jacot et al., Figures 3 and 5: the L2 low-rank bias',
      figures: [
        { kind: 'sweep', id: 'rank', title: 'Fig. 3 (left) / 5: rank of A at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'rank', yLabel: 'Rank of A' },
        { kind: 'sweep', id: 'nuclear-norm', title: 'Fig. 5: nuclear norm of A at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'nuclearNorm' },
        { kind: 'sweep', id: 'train-loss', title: 'Train loss (with the L2 term) at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'loss', yScale: 'log' },
        { kind: 'sweep', id: 'test-loss', title: 'Test loss at convergence', x: 'init.scale', xScale: 'log', xLabel: 'Initialization std', y: 'testLoss', yScale: 'log' },
        { kind: 'surface', id: 'loss-surface', title: 'Fig. 3 (right): the loss on the plane through the origin and two minima of different rank (log colour)' },
      ],
    },
    quick: { repetitions: 1, sweep: [{ 'init.scale': [0.001, 0.01, 0.3] }] },
  },
  findings: fig3Findings,
};

// --- Figure 1 (matrix completion) -------------------------------------------------------------

/** Init stds alpha * (lazy std w^-(L-1)/(2L), sigma = 1) at L = 4, for alpha = 1, 0.1, 0.03. */
const completionScales = (w: number) => [1, 0.1, 0.03].map((a) => Number((a * w ** (-3 / 8)).toPrecision(6)));
const LAZY_STD_L4_W100 = 100 ** (-3 / 8);

function fig1Findings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const alphas = numbers(ds, 'init.scale').sort((a, b) => b - a);
  const rows = alphas.map((s) => {
    const r = ds.runs.find((x) => x.record.values['init.scale'] === s && x.record.rep === 0)!;
    const t = loadTrace(r.record.id);
    const plateaus = t ? plateausOf(t).filter((p) => !p.final) : [];
    return {
      rankSequence: t ? rankSequence(t) : [],
      scale: s,
      trainFinal: valueOf(r, 'final', 'loss'),
      testInitial: valueOf(r, 'initial', 'testLoss'),
      testFinal: valueOf(r, 'final', 'testLoss'),
      rankFinal: valueOf(r, 'final', 'rank'),
      plateauRanks: plateaus.map((p) => p.rank),
    };
  });
  const lazy = rows[0];
  out.push({
    id: 'lazy',
    claim: `largest scale (std ${fmt(lazy.scale, 3)}): the lazy regime fits the observed entries without completing the matrix`,
    observed: `train cost ${fmt(lazy.trainFinal, 2)}, test cost ${fmt(lazy.testInitial, 3)} -> ${fmt(lazy.testFinal, 3)}, rank ${lazy.rankFinal}`,
    expected: 'train cost -> 0, test cost stays of the order of its initial value, full rank',
    pass: (lazy.trainFinal ?? 1) < 1e-6 && (lazy.testFinal ?? 0) > 0.3 * (lazy.testInitial ?? 0),
  });
  for (const r of rows.slice(1)) {
    out.push({
      id: `low-rank-${r.scale}`,
      claim: `std ${fmt(r.scale, 3)}: plateaus appear, the rank climbs one at a time to the target's 3 and the test cost falls (the matrix is completed)`,
      observed: `rank ${r.rankSequence.join(' -> ')}; ${r.plateauRanks.length} plateaus (ranks ${r.plateauRanks.join(', ') || 'none'}); test cost ${fmt(
        r.testInitial,
        3,
      )} -> ${fmt(r.testFinal, 2)}`,
      expected: 'rank 0 -> 1 -> 2 -> 3, at least two plateaus, test cost below 1e-3 of its initial value',
      pass:
        r.rankSequence.length === 4 &&
        [0, 1, 2, 3].every((k, i) => r.rankSequence[i] === k) &&
        r.plateauRanks.length >= 2 &&
        (r.testFinal ?? Infinity) < 1e-3 * (r.testInitial ?? 0),
    });
  }
  return { headline: { runs: rows }, findings: out };
}

export const jacotFig1: Preset = {
  name: 'jacot-fig1',
  summary: 'Jacot et al. Fig. 1: matrix completion of a rank-3 10x10 matrix, L = 4, w = 100, three init scales: lazy fit vs saddle-to-saddle completion',
  config: {
    name: 'jacot-fig1',
    description:
      'Jacot et al., Figure 1 (left): completion of a rank-3 10 x 10 matrix U V^T (U, V Gaussian) by an L = 4, w = 100 network from init std alpha times ' +
      'the lazy std w^-3/8 for alpha in {1, 0.1, 0.03}. The paper leaves these unstated; chosen here: 70 of the 100 entries observed (the rank-3 ' +
      'matrices have 51 degrees of freedom, so 50 would not determine it), the other 30 as the test set, eta = 0.05, 1e5 steps. Rank: singular values above 1e-2.',
    seed: 0,
    data: { kind: 'completion', rows: 10, cols: 10, rank: 3, observed: 70, seed: 0 },
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: LAZY_STD_L4_W100 },
    train: { method: 'gd', learningRate: 0.05, steps: 100000, recordPerDecade: 40, record: ['loss', 'testLoss', 'rank', 'singularValues'], rankTolerance: RANK_TOLERANCE },
    sweep: [{ 'init.scale': completionScales(100) }],
    output: { traces: true },
    report: {
      title: 'Jacot et al., Figure 1: matrix completion',
      figures: [
        {
          kind: 'trace',
          id: 'completion-cost',
          title: 'Fig. 1 (left): train (observed entries) and test (the others) completion cost',
          x: 'step',
          xLabel: 'Iterations',
          xScale: 'log',
          y: ['loss', 'testLoss', 'rank'],
          yScale: ['log', 'log', 'linear'],
          yLabels: ['Train cost', 'Test cost', 'Rank of A'],
          series: 'init.scale',
        },
      ],
    },
    quick: { model: { depth: 4, width: 30 }, train: { recordPerDecade: 20 }, sweep: [{ 'init.scale': completionScales(30) }] },
  },
  findings: fig1Findings,
};

// --- Algorithm A --------------------------------------------------------------------------------

function greedyFindings({ ds, loadTrace }: FindingsContext): FindingsResult {
  const out: Finding[] = [];
  const greedy = ds.runs.find((r) => r.record.values['train.method'] === 'greedy');
  const gd = ds.runs.find((r) => r.record.values['train.method'] === 'gd');
  if (!greedy || !gd) return { headline: {}, findings: out };
  const stages = greedy.record.stages ?? [];
  const trace = loadTrace(gd.record.id);
  const plateaus = trace ? plateausOf(trace).filter((p) => !p.final && (p.rank ?? 0) > 0) : [];
  out.push({
    id: 'increasing-rank',
    claim: 'Algorithm A visits saddles of increasing rank, one more at each stage',
    observed: stages.map((s) => `stage ${s.width}: rank ${s.rank}, loss ${fmt(s.loss, 5)}`).join('; '),
    expected: 'rank k after stage k while the teacher’s modes are added (k = 1, 2, 3)',
    pass: stages.length >= 3 && [1, 2, 3].every((k, i) => stages[i].rank === k),
  });
  const pairs = plateaus.slice(0, 3).map((p, i) => ({ plateau: p, stage: stages[i] }));
  const worst = Math.max(...pairs.map(({ plateau, stage }) => (stage ? Math.abs(stage.loss / plateau.loss - 1) : Infinity)));
  out.push({
    id: 'saddles-match-plateaus',
    claim: 'its stage end points are the saddles that small-init gradient descent passes: the same losses as the plateaus',
    observed: pairs.map(({ plateau, stage }) => `rank ${plateau.rank}: plateau ${fmt(plateau.loss, 6)} vs stage ${fmt(stage?.loss, 6)}`).join('; '),
    expected: 'relative difference < 5e-3 on the first three (a plateau drifts down slowly; a stage ends after T steps)',
    pass: pairs.length === 3 && worst < 5e-3,
  });
  out.push({
    id: 'greedy-converged',
    claim: 'Algorithm A reaches the minimum within epsilon',
    observed: `${greedy.record.status} after ${stages.length} stages; final loss ${fmt(greedy.record.final.loss as number, 3)}`,
    expected: 'converged',
    pass: greedy.record.status === 'converged',
  });
  return { headline: { stages, plateaus }, findings: out };
}

export const jacotGreedy: Preset = {
  name: 'jacot-greedy',
  summary: 'Jacot et al. Algorithm A (greedy rank-incremental): its sequence of saddles (loss, rank) against the plateaus of small-init gradient descent',
  config: {
    name: 'jacot-greedy',
    description:
      'Jacot et al., Algorithm A(epsilon, T, eta): a width-1 network started along the top singular pair of -grad C, trained T steps, widened by one unit ' +
      'along the new top pair, until the loss is within epsilon of its minimum (with the two corrections of docs/algorithms.md §5.2: -grad C, and W_L grows as ' +
      `[W~_L, eps u]). L = 4, epsilon = 0.2, T = 10,000, eta = 1e-3; beside it gradient descent from std 0.01 (w = 100). ${TEACHER_NOTE}`,
    seed: 0,
    data: TEACHER,
    model: { depth: 4, width: 100 },
    init: { kind: 'gaussian', scale: 0.01 },
    train: {
      method: 'greedy',
      learningRate: 1e-3,
      steps: 10000,
      epsilon: 0.2,
      recordPerDecade: 40,
      recordEvery: 1000,
      record: ['loss', 'testLoss', 'rank'],
      rankTolerance: RANK_TOLERANCE,
    },
    sweep: [{ 'train.method': ['greedy', 'gd'], 'train.steps': [10000, 60000] }],
    output: { traces: true },
    report: {
      title: 'Jacot et al., Algorithm A against small-init gradient descent',
      figures: [
        {
          kind: 'trace',
          id: 'greedy-vs-gd',
          title: 'Loss and rank: Algorithm A (stages of T steps, one after another) and gradient descent',
          x: 'step',
          xLabel: 'Iterations',
          y: ['loss', 'rank'],
          yScale: ['log', 'linear'],
          yLabels: ['Train loss', 'Rank of A'],
          series: 'train.method',
        },
      ],
    },
    quick: { model: { depth: 4, width: 30 }, init: { scale: 0.0333 } },
  },
  findings: greedyFindings,
};

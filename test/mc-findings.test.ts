/**
 * Every Marion-Chizat finding is a claim that can fail: each is fed synthetic results (the preset's
 * real plan, made-up records and traces, test/synthetic-results.ts) where its claim holds, and one
 * where it does not, and must say ✓ then ✗. The synthetic "true" worlds are drawn after what the
 * authors' data shows (docs/reproduction.md §3-§8); each false case changes one thing.
 */
import type { PlannedRun } from '../lib/experiments/plan';
import type { Experiment } from '../lib/experiments/schema';
import type { FindingsFn } from '../lib/report/findings';
import { marionChizatCriticalLr } from '../lib/papers/marion-chizat/critical-lr';
import { marionChizatDepth } from '../lib/papers/marion-chizat/depth';
import { marionChizatFig1 } from '../lib/papers/marion-chizat/fig1';
import { marionChizatFig1Traces } from '../lib/papers/marion-chizat/fig1-traces';
import { marionChizatFig3 } from '../lib/papers/marion-chizat/fig3';
import { marionChizatGfLimit } from '../lib/papers/marion-chizat/gf-limit';
import { marionChizatResidual } from '../lib/papers/marion-chizat/residual';
import { marionChizatUnderdetermined } from '../lib/papers/marion-chizat/underdetermined';
import { atEdge, belowEdge, traceShape } from '../lib/papers/marion-chizat/eos-traces';
import { criticalBracket } from '../lib/papers/marion-chizat/critical-lr';
import { AUTHORS_THEORY, axis, findingsById, presetConfig, synthetic, type MadeRun } from './synthetic-results';
import type { TheoryRecord } from '../lib/experiments/execute';

type World = (run: PlannedRun, point: Experiment) => MadeRun;
type Mutation = (run: PlannedRun, made: MadeRun) => MadeRun;

/** Runs `fn` on `config` with the world, then with each mutation: the named finding is ✓, then ✗. */
function expectCanFail(
  fn: FindingsFn,
  config: Experiment,
  world: World,
  cases: Record<string, Mutation>,
  theory?: TheoryRecord | ((p: Experiment) => TheoryRecord),
) {
  const truth = findingsById(fn, synthetic(config, world, theory));
  for (const [id, mutate] of Object.entries(cases)) {
    const f = truth.get(id);
    if (!f) throw new Error(`no finding ${id} (has ${[...truth.keys()].join(', ')})`);
    expect({ id, pass: f.pass, observed: f.observed }).toMatchObject({ id, pass: true });
    const broken = findingsById(
      fn,
      synthetic(config, (run, point) => mutate(run, world(run, point)), theory),
    ).get(id)!;
    expect({ id, pass: broken.pass, observed: broken.observed }).toMatchObject({ id, pass: false });
  }
  return truth;
}

const eta = (run: PlannedRun) => axis(run, 'train.learningRate');
const scale = (run: PlannedRun) => axis(run, 'init.scale');

describe('Figure 1 (Gaussian init)', () => {
  const config = presetConfig(marionChizatFig1, { quick: true }); // scales 0.25, 0.4, 0.5, 0.6
  const world: World = (run) => {
    const e = eta(run);
    const s = scale(run);
    if (s === 0.6 && run.rep % 3 !== 2) return { status: 'diverged', initial: { sharpness: 7000 } };
    const initial = { sharpness: 0.2 * (s / 0.25) ** 12 };
    if (e <= 0.07) {
      const sharp = e === 0.07 ? (s === 0.25 ? 21.7 : 28.5) : s === 0.25 ? 21.7 : Math.min(30 + 40 * (s - 0.4) * 10, 0.8 * (2 / e));
      return { initial, final: { distance: 1e-30, sharpness: sharp } };
    }
    if (e === 0.1) return { initial, final: { distance: 1e-3, sharpness: run.rep % 2 ? 22 : 18 } };
    return { initial, final: { distance: 0.6, sharpness: 5 } };
  };
  const set =
    (pred: (run: PlannedRun) => boolean, m: MadeRun): Mutation =>
    (run, made) =>
      pred(run) ? { ...made, ...m, initial: made.initial } : made;

  test('each finding holds on a Figure-1-like world and fails when its claim is false', () => {
    const truth = expectCanFail(marionChizatFig1.findings!, config, world, {
      'critical-learning-rate': set((r) => eta(r) === 0.2, { status: 'completed', final: { distance: 1e-30, sharpness: 9 } }),
      'eta-0.005': set((r) => eta(r) === 0.005 && scale(r) === 0.4 && r.rep === 1, { final: { distance: 1e-3, sharpness: 30 } }),
      'eta-0.02': set((r) => eta(r) === 0.02 && scale(r) === 0.5, { final: { distance: 2e-5, sharpness: 40 } }),
      'eta-0.07': set((r) => eta(r) === 0.07 && scale(r) === 0.25 && r.rep === 0, { final: { distance: 1e-5, sharpness: 21.7 } }),
      // A run that converged without oscillating is not "still oscillating near w*".
      'eta-0.1': set((r) => eta(r) === 0.1, { final: { distance: 1e-30, sharpness: 19.4 } }),
      'eta-0.2': set((r) => eta(r) === 0.2 && scale(r) === 0.25 && r.rep === 0, { final: { distance: 1e-8, sharpness: 10 } }),
      'small-scale-sharpness': set((r) => eta(r) === 0.07 && scale(r) === 0.25, { final: { distance: 1e-30, sharpness: 24 } }),
      // Two-sided: too low a plateau fails, and so does a run above 2/eta.
      'plateau-0.07': set((r) => eta(r) === 0.07 && scale(r) >= 0.4, { final: { distance: 1e-30, sharpness: 26 } }),
      'no-plateau-small-eta': set((r) => eta(r) === 0.02 && scale(r) === 0.6, { final: { distance: 1e-30, sharpness: 99 } }),
      'initial-beyond-2-over-eta': set((r) => eta(r) === 0.02 && scale(r) === 0.5, { final: { distance: 0.3, sharpness: 5 } }),
      divergence: set((r) => scale(r) === 0.25 && r.rep === 0, { status: 'diverged' }),
    });
    expect(truth.get('power-iteration-bias')!.pass).toBeNull();
    const above = findingsById(
      marionChizatFig1.findings!,
      synthetic(config, (run, point) =>
        set((r) => eta(r) === 0.07 && scale(r) === 0.5 && r.rep === 0, { final: { distance: 1e-30, sharpness: 29.5 } })(run, world(run, point)),
      ),
    ).get('plateau-0.07')!;
    expect(above.pass).toBe(false);
    // The report's statements come with the findings.
    expect(truth.result.notes!.join('\n')).toMatch(/float64/);
    expect(truth.result.notes!.join('\n')).toMatch(/common random numbers/);
    expect(truth.result.notes!.join('\n')).toMatch(/8Lλ/);
  });
});

describe('Figure 3 (residual init)', () => {
  const config = presetConfig(marionChizatFig3, { quick: true }); // s = 0, 0.5, 1.1, 1.7
  const world: World = (run) => {
    const e = eta(run);
    const s = scale(run);
    const initial = { sharpness: 46 + 150 * s };
    if (s === 1.7 && e >= 0.07 && run.rep % 3 !== 2) return { status: 'diverged', initial };
    if (e <= 0.07) {
      const atZero = e === 0.005 ? 30.9 : e === 0.02 ? 30.1 : 25.7;
      const sharp = s === 0 ? atZero : e === 0.07 ? 28.4 : Math.min(31 + 20 * s, 0.7 * (2 / e));
      return { initial, final: { distance: 1e-30, sharpness: sharp } };
    }
    if (e === 0.1) return { initial, final: { distance: 1e-5 * (1 + s), sharpness: 20 + (run.rep - 1) * 0.1 } };
    return { initial, final: { distance: 0.5, sharpness: 5 } };
  };
  const set =
    (pred: (run: PlannedRun) => boolean, m: MadeRun): Mutation =>
    (run, made) =>
      pred(run) ? { ...made, ...m, initial: m.initial ?? made.initial } : made;

  test('each finding holds on a Figure-3-like world and fails when its claim is false', () => {
    expectCanFail(marionChizatFig3.findings!, config, world, {
      'critical-learning-rate': set((r) => eta(r) === 0.2 && scale(r) === 0, { final: { distance: 1e-30, sharpness: 9 } }),
      'eta-0.1': set((r) => eta(r) === 0.1, { final: { distance: 1e-5, sharpness: 15 } }),
      'eta-0.2': set((r) => eta(r) === 0.2 && scale(r) === 0, { final: { distance: 1e-3, sharpness: 30 } }),
      'small-scale-sharpness': set((r) => eta(r) === 0.07 && scale(r) === 0, { final: { distance: 1e-30, sharpness: 31 } }),
      'plateau-0.07': set((r) => eta(r) === 0.07 && scale(r) >= 0.5, { final: { distance: 1e-30, sharpness: 25 } }),
      'no-plateau-small-eta': set((r) => eta(r) === 0.005 && scale(r) === 1.7, { final: { distance: 1e-30, sharpness: 390 } }),
      'initial-conditioning': (run, made) => ({ ...made, initial: { sharpness: 0.1 * 10 ** (3 * scale(run)) } }),
      divergence: set((r) => eta(r) === 0.2 && scale(r) === 1.7, { status: 'completed', final: { distance: 0.5, sharpness: 5 } }),
    });
  });
});

describe('Figures 1c,d and 3c,d: the edge of stability', () => {
  const samples = 81; // 400 steps, every 5
  const steps = Array.from({ length: samples }, (_, i) => 5 * i);
  const oscillating = (two: number) => ({
    step: steps,
    sharpness: steps.map((_, i) => (i < 20 ? 1 + (i / 20) * two : i % 2 ? 1.45 * two : 0.65 * two)),
    distance: steps.map((_, i) => (i < 20 ? 1 - i / 25 : i % 2 ? 0.02 : 0.01)),
  });
  const converging = (top: number) => ({
    step: steps,
    sharpness: steps.map((_, i) => Math.min(top, 1 + i)),
    distance: steps.map((_, i) => Math.exp(-0.3 * i)),
  });

  test('traceShape: a period-2 oscillation around 2/eta is the edge of stability, a converging run is not', () => {
    const file = (cols: Record<string, number[]>) => ({
      id: 'x',
      columns: Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, { width: 1, values: v }])),
    });
    const osc = traceShape(file(oscillating(20)), 0.1)!;
    expect(atEdge(osc, 0.1)).toBe(true);
    expect(belowEdge(osc, 0.1)).toBe(false);
    const conv = traceShape(file(converging(19.4)), 0.1)!;
    expect(atEdge(conv, 0.1)).toBe(false);
    expect(belowEdge(conv, 0.1)).toBe(true);
    // Oscillating far below 2/eta is not at the edge either.
    expect(atEdge(traceShape(file(oscillating(10)), 0.1)!, 0.1)).toBe(false);
  });

  const config = presetConfig(marionChizatFig1Traces, { quick: true });
  const world: World = (run) => (eta(run) === 0.1 ? { trace: oscillating(20) } : { trace: converging(25) });
  test('each trace finding holds on a Figure-1c,d-like world and fails when its claim is false', () => {
    expectCanFail(marionChizatFig1Traces.findings!, config, world, {
      // The example: a converged, non-oscillating run must fail the edge-of-stability finding.
      'eos-0.1-0.3': (run, made) => (eta(run) === 0.1 ? { trace: converging(19.4) } : made),
      'no-eos-0.02-0.3': (run, made) => (eta(run) === 0.02 ? { trace: oscillating(100) } : made),
    });
    // Only the run drawn fails: the claim is about it too.
    const shownOnly = findingsById(
      marionChizatFig1Traces.findings!,
      synthetic(config, (run) => (eta(run) === 0.1 && run.rep === 0 ? { trace: converging(19.4) } : world(run, null as never))),
    ).get('eos-0.1-0.3')!;
    expect(shownOnly.pass).toBe(false);
    // The η = 0.02 run drawn must end at w*: one still on the plateau at the origin fails.
    const stuck = findingsById(
      marionChizatFig1Traces.findings!,
      synthetic(config, (run) =>
        eta(run) === 0.02 && run.rep === 0
          ? { trace: { step: steps, sharpness: steps.map(() => 0.3), distance: steps.map(() => 1) } }
          : world(run, null as never),
      ),
    ).get('no-eos-0.02-0.3')!;
    expect(stuck.pass).toBe(false);
  });
});

describe('the critical learning rate, bracketed', () => {
  const config = presetConfig(marionChizatCriticalLr); // 23 learning rates, 4 scales, 3 repetitions
  const world: World = (run) =>
    eta(run) <= 0.102
      ? { status: 'converged', final: { distance: 1e-20, sharpness: 2 / eta(run) - 0.1 } }
      : { final: { distance: 1e-3, sharpness: 18 } };

  test('criticalBracket: adjacent points around the change; null ends when the grid does not show one', () => {
    expect(
      criticalBracket([
        { eta: 1, survivors: 2, reached: 1 },
        { eta: 2, survivors: 2, reached: 0.5 },
        { eta: 3, survivors: 2, reached: 0 },
      ]),
    ).toEqual({ lo: 1, hi: 3 });
    expect(
      criticalBracket([
        { eta: 1, survivors: 2, reached: 1 },
        { eta: 2, survivors: 2, reached: 1 },
      ]),
    ).toEqual({ lo: 2, hi: null });
    expect(criticalBracket([{ eta: 1, survivors: 2, reached: 0 }])).toEqual({ lo: null, hi: 1 });
  });

  test('each finding holds on an authors-like world and fails when its claim is false', () => {
    expectCanFail(marionChizatCriticalLr.findings!, config, world, {
      // A partial learning rate between the two ends: the bracket is 4%, not 2%.
      bracket: (run, made) => (Math.abs(eta(run) - 0.102) < 1e-9 && run.rep === 0 ? { final: { distance: 1e-3, sharpness: 18 } } : made),
      // A critical rate at 0.098, 7.5% below 1/(aL): it does not match the slides' bound.
      'which-bound': (run, made) => (eta(run) > 0.0981 ? { final: { distance: 1e-3, sharpness: 18 } } : made),
      'scale-independent': (run, made) => (scale(run) === 0.4 && eta(run) > 0.1 ? { final: { distance: 1e-3, sharpness: 18 } } : made),
    });
  });
});

describe('learning rate against depth', () => {
  const config = presetConfig(marionChizatDepth, { quick: true }); // L = 5, 10, 20
  const a = 0.93281;
  const lambda = 0.59749;
  const theory = (p: Experiment) =>
    ({ ...AUTHORS_THEORY, a, lambda, sMinRefinedLower: 2 * p.model.depth! * a, criticalLearningRate: 1 / (p.model.depth! * lambda) }) as TheoryRecord;
  const trainedBelow =
    (limit: (L: number) => number): World =>
    (run) => {
      const L = axis(run, 'model.depth');
      return eta(run) <= limit(L) ? { final: { distance: 1e-8 } } : { final: { distance: 0.1 } };
    };
  const world = trainedBelow((L) => 0.93 / (a * L));

  test('each finding holds when training breaks down just below 1/(aL) and fails otherwise', () => {
    const truth = findingsById(marionChizatDepth.findings!, synthetic(config, world, theory));
    for (const f of truth.values()) expect({ id: f.id, pass: f.pass }).toEqual({ id: f.id, pass: true });
    // A Theorem-1 world (training up to 2/S_min): the per-depth findings and "not 2/S_min" fail.
    const theorem1 = findingsById(
      marionChizatDepth.findings!,
      synthetic(
        config,
        trainedBelow((L) => 0.99 / (lambda * L)),
        theory,
      ),
    );
    for (const id of ['critical-L5', 'critical-L10', 'critical-L20', 'not-two-over-s-min'])
      expect({ id, pass: theorem1.get(id)!.pass }).toEqual({ id, pass: false });
    // A critical rate that does not move with L: the 1/L finding fails.
    const flat = findingsById(
      marionChizatDepth.findings!,
      synthetic(
        config,
        trainedBelow(() => 0.03),
        theory,
      ),
    );
    expect(flat.get('one-over-depth')!.pass).toBe(false);
  });
});

describe('the underdetermined case', () => {
  const config = presetConfig(marionChizatUnderdetermined, { quick: true });
  const world: World = (run) => {
    const e = eta(run);
    const s = scale(run);
    const sharp = Math.min(20 * (s / 0.1) ** 3, 0.9 * (2 / e)) * (1 + 0.001 * run.rep);
    const test = 0.38 * (s / 0.1) * (1 + 0.02 * run.rep);
    return { final: { loss: 1e-6, testLoss: test, sharpness: sharp } };
  };
  test('each finding holds on an authors-like world and fails when its claim is false', () => {
    const truth = expectCanFail(marionChizatUnderdetermined.findings!, config, world, {
      'sharpness-grows-with-scale': (run, made) => (eta(run) === 0.001 && scale(run) === 0.36 ? { final: { ...made.final, sharpness: 100 } } : made),
      'test-loss-grows-with-scale': (run, made) => (eta(run) === 0.001 ? { final: { ...made.final, testLoss: 1 / scale(run) } } : made),
      'small-scale-sharpness': (run, made) => (eta(run) === 0.01 && scale(run) === 0.1 ? { final: { ...made.final, sharpness: 25 } } : made),
      'below-2-over-eta': (run, made) =>
        eta(run) === 0.01 && run.rep === 0 && scale(run) === 0.36 ? { final: { ...made.final, sharpness: 250 } } : made,
      // Flatter minima generalizing worse: the slope turns negative.
      'gap-vs-sharpness': (run, made) =>
        eta(run) === 0.001 ? { final: { ...made.final, testLoss: 1e-6 + 100 / ((made.final!.sharpness as number) + 1) } } : made,
    });
    expect(truth.get('singular-covariance')!.pass).toBeNull();
  });
});

describe('the gradient-flow limit', () => {
  const config = presetConfig(marionChizatGfLimit, { quick: true }); // scales 0.3, 0.1, 0.001, 1e-4
  const L = 10;
  const traceOf = (eps: number, gapFactor: number) => ({
    step: [0, 10],
    rankOneGap: { width: L, values: Array(2 * L).fill(gapFactor * eps) },
    singularSpread: [0.5 * eps, 0.5 * eps],
    alignment: { width: L - 1, values: Array(2 * (L - 1)).fill(1) },
    layerNorms: { width: L, values: Array(2 * L).fill(1) },
  });
  const world: World = (run) => {
    const s = scale(run);
    const eps = 3.5e-6 * (s / 1e-4) ** 2;
    return {
      status: 'converged',
      initial: { lemma2Epsilon: eps },
      final: { sharpness: AUTHORS_THEORY.sRankOne! * (1 + 0.3 * (s / 0.3) ** 2) },
      flow: { t: 1e20, nfev: 3000, accepted: 300, rejected: 10, balancednessDrift: 1e-9, events: [] },
      trace: traceOf(eps, 0.5),
    };
  };
  test('each finding holds on a vanishing-scale world and fails when its claim is false', () => {
    const truth = expectCanFail(marionChizatGfLimit.findings!, config, world, {
      converged: (run, made) => (run.rep === 0 && scale(run) === 0.1 ? { ...made, status: 'completed' } : made),
      'assumption-a3': (run, made) => ({ ...made, initial: { lemma2Epsilon: 1e-3 } }),
      // A limit other than S_r1 at vanishing scale.
      'rank-one-limit': (run, made) => ({ ...made, final: { sharpness: AUTHORS_THEORY.sRankOne! * 1.001 } }),
      'lemma-2': (run, made) => ({ ...made, trace: traceOf(made.initial!.lemma2Epsilon as number, 2) }),
    });
    expect(truth.get('corollary-3')!.pass).toBeNull();
  });
});

describe('Section 5: the residual initialization across width and depth', () => {
  const config = presetConfig(marionChizatResidual, { quick: true }); // d = 5, 20; L = 5, 10, 20; s = 0.25
  const theory = (p: Experiment) => ({ ...AUTHORS_THEORY, lambda: 0.6, Lambda: 1.6, sMin: 2 * p.model.depth! * 0.6 }) as TheoryRecord;
  const world: World = (run, point) => {
    const L = point.model.depth!;
    return {
      status: 'converged',
      final: { sharpness: 3 * 2 * L * 0.6 * (1 + 0.01 * run.rep), residualNorms: Array(L).fill(1.5 + 0.01 * run.rep) },
      flow: { t: 2, nfev: 500, accepted: 80, rejected: 2, balancednessDrift: 1e-10, events: [] },
    };
  };
  test('each finding holds on a depth- and width-free world and fails when its claim is false', () => {
    expectCanFail(
      marionChizatResidual.findings!,
      config,
      world,
      {
        converged: (run, made) => (run.rep === 1 ? { ...made, status: 'completed' } : made),
        // A ratio that grows like the depth.
        'ratio-independent': (run, made) => ({
          ...made,
          final: { ...made.final, sharpness: (made.final!.sharpness as number) * (axis(run, 'model.depth') / 5) },
        }),
        // A sharpness that does not grow with the depth.
        'sharpness-grows-with-depth': (run, made) => ({ ...made, final: { ...made.final, sharpness: 30 } }),
        // Layers that each moved O(1): theta grows like L.
        'theta-bounded': (run, made) => ({
          ...made,
          final: { ...made.final, residualNorms: Array(axis(run, 'model.depth')).fill(0.3 * axis(run, 'model.depth')) },
        }),
      },
      theory,
    );
  });
  test("Lemma 3's bounds, from the real initial weights, hold at s = 0.25 and fail at s = 3", () => {
    const ok = findingsById(marionChizatResidual.findings!, synthetic(config, world, theory)).get('lemma-3')!;
    expect(ok.pass).toBe(true);
    const large = presetConfig(marionChizatResidual, { quick: true, overrides: ['sweep[2][init.scale]=[3]'] });
    const bad = findingsById(marionChizatResidual.findings!, synthetic(large, world, theory)).get('lemma-3')!;
    expect(bad.pass).toBe(false);
  });
});

/**
 * The shape of the continuous drivers' results, field for field and in order: flow() by every
 * method and the central flow share one converter (binding/flow_result.cpp), train() has its own
 * (binding/train.cpp). A renamed, dropped, added or reordered field fails here; the values are
 * checked against what the run was asked (events) and against each other (gradientEquivalents).
 */
import { flow, initWeights, marionChizatData, Problem, train } from '../lib';

const WIDTHS = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];

const HEAD = ['status', 'message', 't', 'weights', 'trace', 'stats'];
const TAIL = ['balancednessDrift', 'finalLoss', 'finalGradNorm', 'events'];
const STATS_HEAD = ['nfev', 'accepted', 'rejected', 'extraEvaluations', 'lastStepSize'];
const FLOW_STATS = [
  ...STATS_HEAD,
  'method',
  'hvps',
  'krylovIterations',
  'krylovCuts',
  'maxKrylovBasis',
  'sharpnessEstimates',
  'switches',
  'sharpnessEstimate',
  'gradientEquivalents',
];
const CENTRAL_STATS = [...STATS_HEAD, 'edgeEvaluations', 'cachedEvaluations', 'hvps', 'contractions'];
const EVENT = ['index', 'name', 'quantity', 'direction', 'threshold', 'terminal', 't', 'step'];

function authorsProblem(): Problem {
  const d = marionChizatData({ source: 'authors', n: 50, d: 5, noise: 1 });
  return Problem.regression({ X: d.X, y: d.y, widths: WIDTHS });
}

/** Every own value of `o` is a number (integer where `integers` names it), null only where allowed. */
function expectNumbers(o: Record<string, unknown>, keys: string[], integers: string[] = [], nullable: string[] = []) {
  for (const k of keys) {
    const v = o[k];
    if (v === null && nullable.includes(k)) continue;
    expect([k, typeof v]).toEqual([k, 'number']);
    if (integers.includes(k)) expect([k, Number.isInteger(v)]).toEqual([k, true]);
  }
}

describe('continuous results: one shape', () => {
  const problem = authorsProblem();
  const w0 = initWeights(WIDTHS, { scale: 0.3, seed: 0 });
  // Two event objects: the second has two conditions (one group, two specs), so index is the group.
  const events = [
    { lossBelow: 0.6, terminal: false },
    { sharpnessAbove: 1e9, quantity: 'loss' as const, below: 0.3, terminal: false },
  ];

  test.each(['rk45', 'exprb43', 'auto'] as const)('flow() by %s', async (method) => {
    const r = await flow(problem, w0, { tEnd: 8, method, record: ['loss'], events });
    expect(Object.keys(r)).toEqual([...HEAD, ...TAIL]);
    expect(Object.keys(r.stats)).toEqual(FLOW_STATS);
    expect(r.status).toBe('completed');
    expect(typeof r.message).toBe('string');
    expect(r.t).toBe(8);
    // The native array comes from the addon's realm: compare the tag, not the constructor.
    expect(Object.prototype.toString.call(r.weights)).toBe('[object Float64Array]');
    expect(r.weights.length).toBe(w0.length);
    expect(r.trace.names).toEqual(['step', 'time', 'loss']);
    expect(r.stats.method).toBe(method);
    const counters = ['nfev', 'accepted', 'rejected', 'extraEvaluations', 'hvps', 'krylovIterations', 'krylovCuts', 'maxKrylovBasis'];
    expectNumbers(
      r.stats as unknown as Record<string, unknown>,
      [...counters, 'sharpnessEstimates', 'switches', 'gradientEquivalents'],
      counters,
      [],
    );
    expectNumbers(r.stats as unknown as Record<string, unknown>, ['lastStepSize', 'sharpnessEstimate'], [], ['sharpnessEstimate']);
    expect(r.stats.gradientEquivalents).toBe(r.stats.nfev + 2 * r.stats.hvps);
    if (method === 'rk45') expect([r.stats.hvps, r.stats.sharpnessEstimate]).toEqual([0, null]);
    expectNumbers(r as unknown as Record<string, unknown>, ['balancednessDrift', 'finalLoss', 'finalGradNorm']);
    // Measured: the loss falls from 1.05 through 0.6 and 0.3 before t = 6; the sharpness never nears 1e9.
    expect(r.events.map((e) => Object.keys(e))).toEqual([EVENT, EVENT]);
    expect(r.events.map((e) => [e.index, e.name, e.quantity, e.direction, e.threshold, e.terminal])).toEqual([
      [0, 'lossBelow', 'loss', 'below', 0.6, false],
      [1, 'loss below', 'loss', 'below', 0.3, false],
    ]);
    expect(r.events[0].t).toBeLessThan(r.events[1].t);
    for (const e of r.events) {
      expect(e.t).toBeGreaterThan(0);
      expect(Number.isInteger(e.step) && e.step > 0 && e.step <= r.stats.accepted).toBe(true);
    }
  });

  test('a diverged flow: the same fields, null where nothing finite is left', async () => {
    const r = await flow(problem, w0, { tEnd: 10, lossCeiling: 1e-3 });
    expect(r.status).toBe('diverged');
    expect(Object.keys(r)).toEqual([...HEAD, ...TAIL]);
    expect(Object.keys(r.stats)).toEqual(FLOW_STATS);
    expect([r.finalLoss, r.finalGradNorm, r.events]).toEqual([null, null, []]);
  });

  test('central flow: the flow shape plus edgeChecks, edgeCount, transitions', async () => {
    // Fig. 1d's setting (test/central-flow.test.ts): the edge is entered once, at t = 6.01.
    const r = await flow(problem, w0, { dynamics: 'central', learningRate: 0.1, tEnd: 8, record: ['loss'], events });
    expect(r.status).toBe('completed');
    expect(Object.keys(r)).toEqual([...HEAD, 'edgeChecks', 'edgeCount', 'transitions', ...TAIL]);
    expect(Object.keys(r.stats)).toEqual(CENTRAL_STATS);
    expectNumbers(
      r.stats as unknown as Record<string, unknown>,
      CENTRAL_STATS,
      CENTRAL_STATS.filter((k) => k !== 'lastStepSize'),
    );
    expect(r.stats.edgeEvaluations).toBeGreaterThan(0);
    expect(r.stats.hvps).toBeGreaterThan(0);
    expect(Object.keys(r.edgeChecks)).toEqual(['maxKktResidual', 'minSigmaEigen', 'maxComplementarity', 'maxEdgeDeviation']);
    expectNumbers(r.edgeChecks as unknown as Record<string, unknown>, Object.keys(r.edgeChecks));
    expect(r.edgeCount).toBe(1);
    expect(r.transitions.map((t) => Object.keys(t))).toEqual([['t', 'from', 'to']]);
    expect(r.transitions[0]).toMatchObject({ from: 0, to: 1 });
    expect(r.events.map((e) => Object.keys(e))).toEqual([EVENT, EVENT]);
    expect(r.events.map((e) => [e.index, e.name])).toEqual([
      [0, 'lossBelow'],
      [1, 'loss below'],
    ]);
  });

  test('train(): its own shape', async () => {
    const r = await train(problem, w0, { learningRate: 0.02, steps: 3, record: ['loss'] });
    expect(Object.keys(r)).toEqual(['status', 'message', 'steps', 'divergedAt', 'finalLoss', 'finalGradNorm', 'weights', 'trace']);
    expect([r.status, r.steps, r.divergedAt]).toEqual(['completed', 3, null]);
  });
});

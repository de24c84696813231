/**
 * Sweep axes whose values are whole objects (lib/experiments/plan.ts, axisLabel): one sweep over
 * `train.optimizer` holding rules whose fields are errors for each other. Checked: each grid point
 * gets the object (not merged into the base's), run values carry its label (`sgd batchSize=10`), keys and
 * seeds derive from that label, a bad value's error names where the sweep lists it, and plans
 * without object values hash exactly as before the feature (hashes recorded from the code before it).
 */
import { DlnError } from '../lib/errors';
import { axisLabel, buildPlan, deriveSeed } from '../lib/experiments/plan';
import { experimentSchema, type Experiment } from '../lib/experiments/schema';

const DATA = { kind: 'marion-chizat', source: 'authors', n: 50, d: 5, noise: 1 } as const;
const RULES = [{ kind: 'gd' }, { kind: 'sgd', batchSize: 10 }, { kind: 'momentum', beta: 0.9 }, { kind: 'adam' }];

function experiment(sweep: unknown[], extra: Record<string, unknown> = {}): Experiment {
  return experimentSchema.parse({
    name: 'x',
    seed: 1,
    data: DATA,
    model: { depth: 3 },
    init: { kind: 'gaussian', scale: 0.3 },
    // The base rule has a field (batchSize) that is an error for adam: each value must replace it.
    train: { method: 'gd', learningRate: 0.05, steps: 10, optimizer: { kind: 'sgd', batchSize: 25 } },
    repetitions: 2,
    sweep,
    ...extra,
  });
}

function thrown(f: () => unknown): DlnError {
  try {
    f();
  } catch (err) {
    return err as DlnError;
  }
  throw new Error('expected an error');
}

test('the label: kind first, then fields in key order with canonical JSON values', () => {
  expect(RULES.map(axisLabel)).toEqual(['gd', 'sgd batchSize=10', 'momentum beta=0.9', 'adam']);
  expect(axisLabel({ rho: 0.05, kind: 'sam', extra: { b: [1, 'x'], a: true } })).toBe('sam extra={"a":true,"b":[1,"x"]} rho=0.05');
  expect(axisLabel({ b: 'x', a: 2 })).toBe('a=2 b="x"');
  expect(axisLabel({})).toBe('{}');
  expect([axisLabel(0.5), axisLabel('gd'), axisLabel(true)]).toEqual([0.5, 'gd', true]);
});

describe('a sweep axis of whole objects', () => {
  const plan = buildPlan(experiment([{ 'train.optimizer': RULES }, { 'init.scale': [0.2, 0.4] }]));

  test('each point gets its object whole, and run values carry its label', () => {
    expect(plan.points.map((p) => p.train.optimizer)).toEqual(RULES.flatMap((r) => [r, r]));
    expect(plan.runs.filter((r) => r.rep === 0).map((r) => r.values['train.optimizer'])).toEqual(RULES.flatMap((r) => [axisLabel(r), axisLabel(r)]));
    expect(plan.runs[4].values['train.optimizer']).toBe('sgd batchSize=10'); // runs: rule, scale, repetition
    expect(new Set(plan.runs.map((r) => r.key)).size).toBe(plan.runs.length);
  });

  test('the label does not depend on key order, so neither do keys, seeds or the plan hash', () => {
    const swapped = buildPlan(
      experiment([
        { 'train.optimizer': [RULES[0], { batchSize: 10, kind: 'sgd' }, { beta: 0.9, kind: 'momentum' }, RULES[3]] },
        { 'init.scale': [0.2, 0.4] },
      ]),
    );
    expect(swapped.hash).toBe(plan.hash);
    expect(swapped.runs.map((r) => r.seeds)).toEqual(plan.runs.map((r) => r.seeds));
    // A changed value is another run (false case: the label sees inside the object).
    const other = buildPlan(
      experiment([{ 'train.optimizer': [RULES[0], { kind: 'sgd', batchSize: 11 }, RULES[2], RULES[3]] }, { 'init.scale': [0.2, 0.4] }]),
    );
    expect(other.hash).not.toBe(plan.hash);
    expect(other.runs[4].key).not.toBe(plan.runs[4].key);
    expect(other.runs[0].key).toBe(plan.runs[0].key);
  });

  test('seeds derive from the label as for any axis (common draws by default, per rule with seeds.initBy)', () => {
    const init = (p: typeof plan, i: number) => p.runs[i].seeds.init;
    expect(init(plan, 0)).toBe(init(plan, 4)); // gd and sgd, rep 0, scale 0.2: the same draws
    const by = buildPlan(experiment([{ 'train.optimizer': RULES }, { 'init.scale': [0.2, 0.4] }], { seeds: { initBy: ['train.optimizer'] } }));
    expect(by.runs[4].seeds.init).toBe(deriveSeed(1, 'init', 0, ['sgd batchSize=10']));
    expect(by.runs[0].seeds.init).not.toBe(by.runs[4].seeds.init);
    expect(by.runs[0].seeds.init).toBe(by.runs[2].seeds.init); // same rule, other scale
  });

  test('objects zip with other axes', () => {
    const zipped = buildPlan(experiment([{ 'train.optimizer': RULES, 'train.learningRate': [0.07, 0.07, 0.007, 0.01] }]));
    expect(zipped.points.map((p) => [p.train.optimizer?.kind, p.train.learningRate])).toEqual([
      ['gd', 0.07],
      ['sgd', 0.07],
      ['momentum', 0.007],
      ['adam', 0.01],
    ]);
  });

  test('a bad value is an ERR_DLN_CONFIG naming where the sweep lists it', () => {
    const beta = thrown(() =>
      buildPlan(experiment([{ 'init.scale': [0.2] }, { 'train.optimizer': [RULES[0], RULES[1], { kind: 'momentum', beta: 1.5 }] }])),
    );
    expect(beta.code).toBe('ERR_DLN_CONFIG');
    expect(beta.field).toBe('sweep[1][train.optimizer][2].beta');
    expect(beta.message).toContain('sweep[1][train.optimizer][2].beta');
    // An unknown key (a typo); a field of another rule is the core's error at run time, as for any config.
    const typo = thrown(() => buildPlan(experiment([{ 'train.optimizer': [RULES[0], { kind: 'sgd', batchsize: 10 }] }])));
    expect(typo.field).toBe('sweep[0][train.optimizer][1].batchsize');
    const kind = thrown(() => buildPlan(experiment([{ 'train.optimizer': [{ kind: 'lion' }] }])));
    expect(kind.field).toBe('sweep[0][train.optimizer][0].kind');
    // An error outside the object keeps its own path.
    const other = thrown(() => buildPlan(experiment([{ 'train.optimizer': RULES, 'train.learningRate': [0.1, 0.1, -1, 0.1] }])));
    expect(other.field).toBe('train.learningRate');
    // Two values with one label (a string and an object here) are refused, not merged.
    expect(() => buildPlan(experiment([{ 'train.optimizer.kind': ['gd', 'sgd'] }, { 'init.scale': [0.2] }]))).not.toThrow();
    expect(thrown(() => buildPlan(experiment([{ 'train.learningRate': ['gd', { kind: 'gd' }] }]))).code).toBe('ERR_DLN_CONFIG');
    // Arrays are not objects: a list value is refused by the sweep's schema.
    expect(() => buildPlan(experiment([{ 'train.optimizer': [[1, 2]] }]))).toThrow(/sweep/);
  });

  test('an object on a field that holds a number is refused at its point', () => {
    const err = thrown(() => buildPlan(experiment([{ 'train.learningRate': [{ value: 0.1 }] }])));
    expect(err.code).toBe('ERR_DLN_CONFIG');
    expect(err.field).toBe('sweep[0][train.learningRate][0]');
  });
});

describe('plans without object values hash as before', () => {
  // Hashes, a run key and an init seed computed by the plan code before object values existed.
  test('a config with numeric, string, linspace and repetitions axes and an optimizer object in train', () => {
    const p = buildPlan(
      experimentSchema.parse({
        name: 'a',
        seed: 3,
        data: DATA,
        model: { depth: 10 },
        init: { kind: 'gaussian', scale: 0.3 },
        train: { method: 'gd', learningRate: 0.07, steps: 100, optimizer: { kind: 'sgd', batchSize: 10 }, record: ['loss', 'sharpness'] },
        repetitions: 2,
        sweep: [
          { 'train.learningRate': [0.01, 0.07], repetitions: [2, 3] },
          { 'init.scale': { linspace: [0.25, 0.6, 3] } },
          { 'train.optimizer.kind': ['sgd', 'label-noise'] },
        ],
      }),
    );
    expect([p.hash, p.runs[1].key, p.runs[1].seeds.init]).toEqual(['aeccc5abfafd6d2a', '878145c56bd0', 2062970722113273]);
  });

  test('a flow config with logspace and seeds.initBy', () => {
    const p = buildPlan(
      experimentSchema.parse({
        name: 'b',
        seed: 0,
        data: { kind: 'marion-chizat', source: 'seed', n: 20, d: 3, noise: 1 },
        model: { depth: 3 },
        init: { kind: 'gaussian', scale: 0.5 },
        train: { method: 'flow', tEnd: 10 },
        seeds: { initBy: ['init.scale'] },
        sweep: [{ 'init.scale': { logspace: [-2, 0, 3] } }],
      }),
    );
    expect([p.hash, p.runs[1].key, p.runs[1].seeds.init]).toEqual(['1d503bec6765f7a2', 'b2029a2b8714', 1668061960363542]);
  });
});

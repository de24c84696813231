/**
 * Fuzzing the boundary: every exported entry point, raw native and typed API, driven with
 * malformed input. Each case must either succeed or throw a DlnError with a documented code; a
 * crash (abort, segfault) would take the jest worker down and fail the suite. Targeted mutations
 * of valid inputs must give the code documented for their failure class (README, "Errors").
 *
 * Seeded for reproducibility; FUZZ_SEED=<n> replays another seed, FUZZ_RUNS scales the case count.
 */
import fc from 'fast-check';
import { DlnError, initWeights, marionChizatData, Problem, train, jacotTeacherData, completionData, hessianVectorProduct, sharpness, denseHessian } from '../lib';
import { native, type NativeBinding } from '../lib/native';
import { wrapNative } from '../lib/errors';
import { resolveExperiment } from '../lib/pipeline';
import { applyOverrides } from '../lib/experiments/overrides';
import { setPath } from '../lib/util/paths';
import { buildPlan, parseShard } from '../lib/experiments/plan';
import { evaluateExpression } from '../lib/util/expression';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261123;
const SCALE = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 1;
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: SEED });

export const DOCUMENTED_CODES = new Set([
  'ERR_DLN_TYPE',
  'ERR_DLN_SHAPE',
  'ERR_DLN_VALUE',
  'ERR_DLN_MEMORY',
  'ERR_DLN_CANCELLED',
  'ERR_DLN_CONFIG',
  'ERR_DLN_IO',
]);

let cases = 0;

/** Runs fn; returns 'ok' or the error's code, failing on anything but a documented DlnError. */
function outcome(fn: () => unknown): string {
  cases++;
  try {
    fn();
    return 'ok';
  } catch (raw) {
    const err = wrapNative(raw);
    if (!(err instanceof DlnError)) throw new Error(`not a DlnError: ${String((err as Error)?.stack ?? err)}`);
    if (!DOCUMENTED_CODES.has(err.code)) throw new Error(`undocumented code ${err.code}: ${err.message}`);
    return err.code;
  }
}

async function asyncOutcome(fn: () => Promise<unknown>): Promise<string> {
  cases++;
  try {
    await fn();
    return 'ok';
  } catch (raw) {
    const err = wrapNative(raw);
    if (!(err instanceof DlnError)) throw new Error(`not a DlnError: ${String((err as Error)?.stack ?? err)}`);
    if (!DOCUMENTED_CODES.has(err.code)) throw new Error(`undocumented code ${err.code}: ${err.message}`);
    return err.code;
  }
}

function detachedFloat64(n: number): Float64Array {
  const a = new Float64Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

const specialDouble = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 64, -1),
);
const float64 = (maxLength = 40) =>
  fc.oneof(
    fc.array(fc.double({ noNaN: true, min: -10, max: 10 }), { maxLength }).map((a) => Float64Array.from(a)),
    fc.array(specialDouble, { maxLength }).map((a) => Float64Array.from(a)),
  );
/** Values of every shape that are not what a field expects. */
const junk = fc.oneof(
  fc.anything(),
  fc.constantFrom(undefined, null, NaN, -1, 2 ** 60, '', 'abc', [], {}, () => 1, Symbol('s'), 10n),
  fc.array(fc.double(), { maxLength: 5 }),
  fc.integer({ min: 0, max: 8 }).map((n) => new Float32Array(n)),
  fc.integer({ min: 0, max: 8 }).map((n) => new Int32Array(n)),
  fc.integer({ min: 0, max: 8 }).map((n) => detachedFloat64(n)),
  float64(8),
);
const widthsArb = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 5 }),
  fc.array(fc.integer({ min: -3, max: 8 }), { maxLength: 6 }),
  fc.array(fc.oneof(fc.double(), fc.constantFrom(2 ** 31, 2 ** 40, 2 ** 53, 0.5)), { maxLength: 5 }),
  junk,
);

describe('fuzzing every entry point', () => {
  const N: NativeBinding = native();
  const data = marionChizatData({ n: 6, d: 3, seed: 1 });

  test('raw native problem descriptors (random and structured)', () => {
    const descriptor = fc.record(
      {
        kind: fc.oneof(fc.constantFrom('regression', 'mse', 'completion', 'other'), junk),
        widths: widthsArb,
        projection: fc.oneof(float64(6), junk),
        n: fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(2 ** 40, 2 ** 53, 1.5), junk),
        X: fc.oneof(float64(40), junk),
        y: fc.oneof(float64(12), junk),
        Y: fc.oneof(float64(40), junk),
        XTest: fc.oneof(float64(20), junk),
        yTest: fc.oneof(float64(8), junk),
        YTest: fc.oneof(float64(20), junk),
        entries: fc.oneof(float64(24), junk),
        testEntries: fc.oneof(float64(24), junk),
        l2: fc.oneof(specialDouble, junk),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(descriptor, junk), (d) => {
        outcome(() => new N.NativeProblem(d as object));
      }),
      runs(3000),
    );
  });

  test('typed API problem constructors with nested arrays', () => {
    const nested = fc.oneof(fc.array(fc.array(specialDouble, { maxLength: 4 }), { maxLength: 6 }), junk);
    fc.assert(
      fc.property(
        fc.constantFrom('regression', 'mse', 'completion'),
        fc.record({ X: nested, y: fc.oneof(fc.array(specialDouble, { maxLength: 6 }), junk), Y: nested, widths: widthsArb, entries: fc.oneof(nested, junk), l2: fc.oneof(specialDouble, junk) }, { requiredKeys: [] }),
        (kind, spec) => {
          outcome(() => (Problem as unknown as Record<string, (s: unknown) => unknown>)[kind](spec));
        },
      ),
      runs(1500),
    );
  });

  test('weights given to evaluate and gradient', () => {
    const problem = Problem.regression({ X: data.X, y: data.y, widths: [3, 2, 1] }); // 8 parameters
    const weights = fc.oneof(
      float64(12),
      fc.array(fc.array(fc.array(specialDouble, { maxLength: 4 }), { maxLength: 3 }), { maxLength: 3 }),
      junk,
    );
    fc.assert(
      fc.property(weights, (w) => {
        outcome(() => problem.evaluate(w as Float64Array));
        outcome(() => problem.gradient(w as Float64Array));
        outcome(() => problem.native.evaluate(w as Float64Array));
      }),
      runs(1500),
    );
  });

  test('train options (each run is cancelled as soon as it starts)', async () => {
    const problem = Problem.regression({ X: data.X, y: data.y, widths: [3, 2, 1] });
    const w0 = initWeights([3, 2, 1], { scale: 0.5, seed: 1 });
    const options = fc.record(
      {
        learningRate: fc.oneof(specialDouble, junk),
        steps: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constantFrom(2 ** 53, 2 ** 60, 1.5), junk),
        recordEvery: fc.oneof(fc.integer({ min: -2, max: 50 }), junk),
        record: fc.oneof(fc.array(fc.constantFrom('loss', 'distance', 'rank', 'bogus', 'testLoss', 'alignment'), { maxLength: 4 }), junk),
        lossTarget: fc.oneof(specialDouble, junk),
        excessLossTarget: fc.oneof(specialDouble, junk),
        gradNormTarget: fc.oneof(specialDouble, junk),
        lossCeiling: fc.oneof(specialDouble, junk),
        rankTolerance: fc.oneof(specialDouble, junk),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(options, junk), fc.oneof(fc.constant(undefined), junk), async (opts, onProgress) => {
        await asyncOutcome(async () => {
          const job = N.train(problem.native, w0, opts as object, onProgress as never);
          job.cancel();
          await job.promise;
        });
      }),
      runs(1500),
    );
  });

  test('spectrum entry points: hessianVectorProduct, sharpness, denseHessian (typed and raw) and run options', async () => {
    const problem = Problem.regression({ X: data.X, y: data.y, widths: [3, 2, 1] }); // 8 parameters
    const w0 = initWeights([3, 2, 1], { scale: 0.5, seed: 1 });
    const vector = fc.oneof(float64(10), junk);
    const spectrumOptions = fc.record(
      {
        method: fc.oneof(fc.constantFrom('lanczos', 'power', 'dense', 'arnoldi'), junk),
        k: fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constantFrom(1.5, 2 ** 53, 2 ** 60), junk),
        tol: fc.oneof(specialDouble, junk),
        maxIterations: fc.oneof(fc.integer({ min: -1, max: 12 }), junk),
        powerIterations: fc.oneof(fc.integer({ min: -1, max: 40 }), fc.constantFrom(2 ** 40), junk),
        seed: fc.oneof(fc.integer({ min: -1, max: 9 }), junk),
        warmStart: fc.oneof(fc.boolean(), junk),
        smallest: fc.oneof(fc.boolean(), junk),
        vectors: fc.oneof(fc.boolean(), junk),
        start: vector,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(float64(10), junk), vector, (w, v) => {
        outcome(() => hessianVectorProduct(problem, w as Float64Array, v as Float64Array));
        outcome(() => N.hessianVectorProduct(problem.native, w as Float64Array, v as Float64Array));
        outcome(() => hessianVectorProduct(problem, w0, v as Float64Array));
      }),
      runs(800),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(spectrumOptions, junk), fc.oneof(fc.constant(w0), float64(10), junk), async (opts, w) => {
        await asyncOutcome(() => sharpness(problem, w as Float64Array, opts as never));
        await asyncOutcome(() => N.sharpness(problem.native, w as Float64Array, opts as object).promise);
        await asyncOutcome(() => denseHessian(problem, w as Float64Array));
      }),
      runs(600),
    );
    const runOptions = fc.record(
      {
        learningRate: fc.constant(0.01),
        steps: fc.constant(2),
        record: fc.oneof(
          fc.array(fc.constantFrom('sharpness', 'sharpnessTopK', 'lambdaMin', 'spectralRadius', 'sharpnessResidual', 'sharpnessHvps', 'sharpnessPower'), { maxLength: 4 }),
          junk,
        ),
        sharpness: fc.oneof(spectrumOptions, junk),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(runOptions, junk), async (opts) => {
        await asyncOutcome(async () => N.train(problem.native, w0, opts as object).promise);
        await asyncOutcome(async () => N.flow(problem.native, w0, { tEnd: 0.01, ...(opts as object) }).promise);
      }),
      runs(400),
    );
  });

  test('problem handles that are not problems', async () => {
    const w0 = new Float64Array(8);
    await fc.assert(
      fc.asyncProperty(junk, async (fake) => {
        await asyncOutcome(async () => N.train(fake as never, w0, { learningRate: 0.1, steps: 1 }).promise);
        await asyncOutcome(() => train({ native: fake, weights: (w: Float64Array) => w } as never, w0, { learningRate: 0.1, steps: 1 }));
      }),
      runs(300),
    );
  });

  test('initializations and generators', () => {
    const options = fc.record(
      {
        kind: fc.oneof(fc.constantFrom('gaussian', 'zero-layer', 'residual', 'lazy', 'x'), junk),
        scale: fc.oneof(specialDouble, junk),
        layerScales: fc.oneof(float64(5), junk),
        zeroLayer: fc.oneof(fc.integer({ min: -1, max: 6 }), junk),
        sigma: fc.oneof(specialDouble, junk),
        seed: fc.oneof(fc.integer({ min: -2, max: 100 }), fc.constantFrom(2 ** 53, 2 ** 60), junk),
        stream: fc.oneof(fc.integer({ min: -2, max: 100 }), junk),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(widthsArb, fc.oneof(options, junk), (widths, opts) => {
        outcome(() => N.initWeights({ widths } as never, opts as object));
        outcome(() => initWeights(widths as number[], opts as never));
      }),
      runs(1000),
    );
    const gen = fc.record(
      {
        n: fc.oneof(fc.integer({ min: -2, max: 30 }), fc.constantFrom(2 ** 40, 2 ** 53), junk),
        d: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(2 ** 40), junk),
        nTest: fc.oneof(fc.integer({ min: -2, max: 30 }), junk),
        noise: fc.oneof(specialDouble, junk),
        rank: fc.oneof(fc.integer({ min: -1, max: 12 }), junk),
        rows: fc.oneof(fc.integer({ min: -1, max: 12 }), fc.constantFrom(2 ** 30), junk),
        cols: fc.oneof(fc.integer({ min: -1, max: 12 }), junk),
        observed: fc.oneof(fc.integer({ min: -1, max: 200 }), junk),
        teacherScale: fc.oneof(fc.constantFrom('column-variance', 'constant', 'no'), junk),
        teacherStd: fc.oneof(specialDouble, junk),
        seed: fc.oneof(fc.integer({ min: 0, max: 9 }), junk),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(gen, junk), (o) => {
        outcome(() => marionChizatData(o as never));
        outcome(() => jacotTeacherData(o as never));
        outcome(() => completionData(o as never));
      }),
      runs(800),
    );
  });

  test('system settings', () => {
    fc.assert(
      fc.property(junk, (v) => {
        // Only invalid values reach the setters here; valid ones would change process-wide state.
        if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return;
        outcome(() => N.setBlasThreads(v as number));
        outcome(() => N.setMemoryLimit(v as number));
        outcome(() => N.setWorkerThreads(v as number));
        outcome(() => N.setBlasThresholds(v as never));
      }),
      runs(400),
    );
  });

  test('experiment configs: a valid config with random fields replaced by junk, overrides, shards, expressions', () => {
    const valid = {
      name: 'fuzz',
      data: { kind: 'marion-chizat', n: 20, d: 3 },
      model: { depth: 3 },
      train: { learningRate: 0.05, steps: 10, record: ['loss'] },
      sweep: [{ 'init.scale': [0.1, 0.2] }],
      report: { figures: [{ kind: 'sweep', id: 'a', x: 'init.scale', y: 'loss' }] },
    };
    const paths = [
      'name',
      'seed',
      'data',
      'data.kind',
      'data.n',
      'data.d',
      'data.noise',
      'model',
      'model.depth',
      'model.width',
      'model.widths',
      'model.projection',
      'model.l2',
      'init',
      'init.kind',
      'init.scale',
      'train',
      'train.method',
      'train.learningRate',
      'train.steps',
      'train.tEnd',
      'train.record',
      'train.recordEvery',
      'train.recordPerDecade',
      'train.sharpness',
      'train.events',
      'repetitions',
      'seeds.initBy',
      'sweep',
      'sweep.0',
      'sweep[0][init.scale]',
      'sweep[0][train.learningRate]',
      'sweep[0][repetitions]',
      'report.figures',
      'report.figures.0.kind',
      'report.figures.0.x',
      'output',
      'quick',
      'unknownKey',
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), junk), { minLength: 1, maxLength: 3 }), (mutations) => {
        let config: unknown = valid;
        for (const [path, value] of mutations) config = setPath(config, path, value);
        outcome(() => buildPlan(resolveExperiment(config, 'fuzz.yaml').experiment));
      }),
      runs(2000),
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        outcome(() => applyOverrides(valid, [`${a}=${b}`]));
        outcome(() => applyOverrides(valid, [a]));
        outcome(() => parseShard(a));
        outcome(() => evaluateExpression(a, () => 1));
      }),
      runs(1000),
    );
  });

  afterAll(() => {
    // The issue asks for at least 10,000 generated cases across the boundary.
    if (SCALE >= 1) expect(cases).toBeGreaterThanOrEqual(10000);
  });
});

describe('each failure class gives its documented code', () => {
  const data = marionChizatData({ n: 6, d: 3, seed: 1 });
  const valid = () => ({ kind: 'regression', widths: [3, 2, 1], n: 6, X: data.X.data.slice(), y: data.y.slice() });
  const N = native();
  type Mutation = [string, (d: Record<string, unknown>) => void, string];
  const mutations: Mutation[] = [
    ['a plain array for X', (d) => (d.X = Array.from(d.X as Float64Array)), 'ERR_DLN_TYPE'],
    ['Float32Array for y', (d) => (d.y = new Float32Array(6)), 'ERR_DLN_TYPE'],
    ['detached X', (d) => (d.X = detachedFloat64(18)), 'ERR_DLN_TYPE'],
    ['string widths', (d) => (d.widths = '3,2,1'), 'ERR_DLN_TYPE'],
    ['missing kind', (d) => delete d.kind, 'ERR_DLN_TYPE'],
    ['X too short', (d) => (d.X = new Float64Array(17)), 'ERR_DLN_SHAPE'],
    ['empty y', (d) => (d.y = new Float64Array(0)), 'ERR_DLN_SHAPE'],
    ['one width', (d) => (d.widths = [3]), 'ERR_DLN_SHAPE'],
    ['d_0 mismatch', (d) => (d.widths = [4, 2, 1]), 'ERR_DLN_SHAPE'],
    ['projection of the wrong length', (d) => (d.projection = new Float64Array(2)), 'ERR_DLN_SHAPE'],
    ['NaN in X', (d) => ((d.X as Float64Array)[3] = NaN), 'ERR_DLN_VALUE'],
    ['Infinity in y', (d) => ((d.y as Float64Array)[0] = -Infinity), 'ERR_DLN_VALUE'],
    ['zero width', (d) => (d.widths = [3, 0, 1]), 'ERR_DLN_VALUE'],
    ['negative n', (d) => (d.n = -6), 'ERR_DLN_VALUE'],
    ['fractional n', (d) => (d.n = 6.5), 'ERR_DLN_VALUE'],
    ['negative l2', (d) => (d.l2 = -0.1), 'ERR_DLN_VALUE'],
    ['unknown kind', (d) => (d.kind = 'ridge'), 'ERR_DLN_VALUE'],
    ['widths whose product overflows', (d) => (d.widths = [3, 2 ** 52, 2 ** 52, 1]), 'ERR_DLN_MEMORY'],
    ['widths above the memory cap', (d) => (d.widths = [3, 2 ** 20, 2 ** 20, 1]), 'ERR_DLN_MEMORY'],
    ['n far larger than X holds', (d) => (d.n = 2 ** 53), 'ERR_DLN_SHAPE'],
  ];
  test.each(mutations)('%s', (_name, mutate, code) => {
    const d = valid();
    mutate(d);
    expect(outcome(() => new N.NativeProblem(d))).toBe(code);
  });
});

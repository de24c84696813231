/** Every documented bad input gives its documented error code and names the field. */
import {
  DlnError,
  initWeights,
  layers,
  marionChizatData,
  Problem,
  setMemoryLimit,
  train,
  buildInfo,
  flow,
  hessianVectorProduct,
  sharpness,
  denseHessian,
  type Quantity,
} from '../lib';
import { wrapNative } from '../lib/errors';
import { native } from '../lib/native';
import { mcProblem, MC_WIDTHS } from './helpers';

function expectError(fn: () => unknown, code: string, field?: string | RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DlnError);
  const e = caught as DlnError;
  expect(e.code).toBe(code);
  if (field !== undefined) {
    if (typeof field === 'string') expect(e.field).toBe(field);
    else expect(e.field).toMatch(field);
  }
  return e;
}

async function expectRejection(p: Promise<unknown>, code: string, field?: string) {
  const e = await p.then(
    () => undefined,
    (err) => err,
  );
  expect(e).toBeInstanceOf(DlnError);
  expect((e as DlnError).code).toBe(code);
  if (field) expect((e as DlnError).field).toBe(field);
}

const data = marionChizatData({ n: 20, d: 3, seed: 1 });

describe('problem construction', () => {
  test('wrong types and shapes name the field', () => {
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: 'abc' as never }), 'ERR_DLN_TYPE', 'widths');
    expectError(() => Problem.regression({ X: data.X, y: data.y.subarray(1), widths: [3, 1] }), 'ERR_DLN_SHAPE', 'y');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [4, 1] }), 'ERR_DLN_SHAPE', 'widths[0]');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3] }), 'ERR_DLN_SHAPE', 'problem.widths');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 0, 1] }), 'ERR_DLN_VALUE', 'problem.widths[1]');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 2.5, 1] }), 'ERR_DLN_VALUE', 'problem.widths[1]');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 2, 2] }), 'ERR_DLN_SHAPE', 'problem.projection');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 2, 2], projection: [1] }), 'ERR_DLN_SHAPE', 'problem.projection');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 2, 2], projection: [0, 0] }), 'ERR_DLN_VALUE', 'problem.projection');
    expectError(() => Problem.regression({ X: [[1, 2], [3]], y: [1, 2], widths: [2, 1] }), 'ERR_DLN_SHAPE', 'X[1]');
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 1], l2: -1 }), 'ERR_DLN_VALUE', 'problem.l2');
    expectError(() => Problem.mse({ X: data.X, Y: [[1]], widths: [3, 1] }), 'ERR_DLN_SHAPE', 'Y');
    expectError(() => Problem.mse({ X: data.X, Y: { rows: 20, cols: 2, data: new Float64Array(40) }, widths: [3, 1] }), 'ERR_DLN_SHAPE', 'widths[1]');
    expectError(() => Problem.completion({ widths: [3, 3], entries: [[0, 5, 1]] }), 'ERR_DLN_VALUE', 'problem.entries[0]');
    expectError(() => Problem.completion({ widths: [3, 3], entries: [] }), 'ERR_DLN_SHAPE', 'problem.entries');
  });

  test('NaN and infinite data are refused', () => {
    const X = { ...data.X, data: data.X.data.slice() };
    X.data[4] = NaN;
    const e = expectError(() => Problem.regression({ X, y: data.y, widths: [3, 1] }), 'ERR_DLN_VALUE', 'problem.X');
    expect(e.message).toMatch(/entry 4 is NaN/);
    const y = data.y.slice();
    y[0] = Infinity;
    expectError(() => Problem.regression({ X: data.X, y, widths: [3, 1] }), 'ERR_DLN_VALUE', 'problem.y');
  });

  test('sizes whose product overflows, or that exceed the memory limit, are refused before allocating', () => {
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 2 ** 40, 2 ** 40, 1] }), 'ERR_DLN_MEMORY', /widths/);
    expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 2 ** 31, 2 ** 31, 2 ** 31, 1] }), 'ERR_DLN_MEMORY');
    const before = buildInfo().memoryLimit;
    setMemoryLimit(1 << 20);
    try {
      expectError(() => Problem.regression({ X: data.X, y: data.y, widths: [3, 400, 400, 1] }), 'ERR_DLN_MEMORY', 'problem.widths');
    } finally {
      setMemoryLimit(before);
    }
  });

  test('the native constructor itself validates (no crash on raw misuse)', () => {
    const N = native().NativeProblem;
    const raw = (d: unknown) => () => {
      try {
        new N(d as object);
      } catch (err) {
        throw wrapNative(err);
      }
    };
    expectError(raw(undefined), 'ERR_DLN_TYPE', 'problem');
    expectError(raw({ kind: 'regression' }), 'ERR_DLN_TYPE', 'problem.widths');
    expectError(raw({ kind: 'nope', widths: [2, 1] }), 'ERR_DLN_VALUE', 'problem.kind');
    expectError(raw({ kind: 'regression', widths: [2, 1], n: 2, X: [1, 2, 3, 4], y: new Float64Array(2) }), 'ERR_DLN_TYPE', 'problem.X');
    expectError(raw({ kind: 'regression', widths: [2, 1], n: 2, X: new Float32Array(4), y: new Float64Array(2) }), 'ERR_DLN_TYPE', 'problem.X');
    expectError(raw({ kind: 'regression', widths: [2, 1], n: -1, X: new Float64Array(4), y: new Float64Array(2) }), 'ERR_DLN_VALUE', 'problem.n');
    const detached = new Float64Array(4);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expectError(raw({ kind: 'regression', widths: [2, 1], n: 2, X: detached, y: new Float64Array(2) }), 'ERR_DLN_TYPE', 'problem.X');
  });
});

describe('weights and options', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });

  test('weights of the wrong length or with NaN', () => {
    expectError(() => problem.evaluate(new Float64Array(3)), 'ERR_DLN_SHAPE', 'weights');
    const bad = w0.slice();
    bad[7] = NaN;
    expectError(() => problem.evaluate(bad), 'ERR_DLN_VALUE', 'weights');
    expectError(() => problem.evaluate([[[1]]]), 'ERR_DLN_SHAPE', 'weights');
  });

  test('train options are checked before any work starts', async () => {
    await expectRejection(train(problem, w0, { learningRate: -1, steps: 10 }), 'ERR_DLN_VALUE', 'options.learningRate');
    await expectRejection(train(problem, w0, { learningRate: NaN, steps: 10 }), 'ERR_DLN_VALUE', 'options.learningRate');
    await expectRejection(train(problem, w0, { learningRate: 0.1, steps: 1.5 }), 'ERR_DLN_VALUE', 'options.steps');
    await expectRejection(train(problem, w0, { learningRate: 0.1, steps: -3 }), 'ERR_DLN_VALUE', 'options.steps');
    await expectRejection(train(problem, w0, { learningRate: 0.1, steps: 10, record: ['sharpnes' as Quantity] }), 'ERR_DLN_VALUE', 'options.record');
    await expectRejection(train(problem, w0, { learningRate: 0.1, steps: 10, excessLossTarget: NaN }), 'ERR_DLN_VALUE', 'options.excessLossTarget');
    await expectRejection(train(problem, w0, { learningRate: 0.1, steps: 10, gradNormTarget: -1 }), 'ERR_DLN_VALUE', 'options.gradNormTarget');
    await expectRejection(train(problem, w0, { learningRate: 0.1, steps: 10, onProgress: 5 as never }), 'ERR_DLN_TYPE', 'onProgress');
    await expectRejection(train(problem, w0, { learningRate: 0.1, steps: 10, signal: {} as never }), 'ERR_DLN_TYPE', 'signal');
  });

  test('quantities that do not apply to the problem are refused', async () => {
    const noTest = Problem.regression({ X: data.X, y: data.y, widths: [3, 2, 1] });
    const w = initWeights([3, 2, 1], { scale: 0.5 });
    await expectRejection(train(noTest, w, { learningRate: 0.1, steps: 10, record: ['testLoss'] }), 'ERR_DLN_VALUE', 'options.record');
  });

  test('initialization options', () => {
    expectError(() => initWeights([3, 2, 1], { kind: 'residual' }), 'ERR_DLN_SHAPE', 'options.kind');
    expectError(() => initWeights([3, 2, 1], { kind: 'bogus' as never }), 'ERR_DLN_VALUE', 'options.kind');
    expectError(() => initWeights([3, 2, 1], { scale: -1 }), 'ERR_DLN_VALUE', 'options.scale');
    expectError(() => initWeights([3, 2, 1], { layerScales: [1] }), 'ERR_DLN_SHAPE', 'options.layerScales');
    expectError(() => initWeights([3, 2, 1], { kind: 'zero-layer', zeroLayer: 2 }), 'ERR_DLN_VALUE', 'options.zeroLayer');
    expectError(() => initWeights([3, 2, 1], { seed: -1 }), 'ERR_DLN_VALUE', 'options.seed');
  });

  test('a wrong problem handle is a type error, never a crash', async () => {
    const fakes = [{}, null, 42, { native: {} }];
    for (const fake of fakes) {
      await expectRejection(
        train({ native: fake, weights: (w: Float64Array) => w } as never, w0, { learningRate: 0.1, steps: 1 }),
        'ERR_DLN_TYPE',
        'problem',
      );
    }
  });
});

describe('spectrum: hessianVectorProduct, sharpness, denseHessian and the sharpness options of runs', () => {
  const problem = mcProblem(); // P = 230
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });

  test('vectors of the wrong length, type or with NaN', async () => {
    expectError(() => hessianVectorProduct(problem, w0, new Float64Array(3)), 'ERR_DLN_SHAPE', 'v');
    expectError(() => hessianVectorProduct(problem, w0, 'abc' as never), 'ERR_DLN_TYPE', 'v');
    const nan = new Float64Array(230);
    nan[2] = NaN;
    expectError(() => hessianVectorProduct(problem, w0, nan), 'ERR_DLN_VALUE', 'v');
    expectError(() => hessianVectorProduct(problem, new Float64Array(3), new Float64Array(230)), 'ERR_DLN_SHAPE', 'weights');
    await expectRejection(sharpness(problem, w0, { start: new Float64Array(5) }), 'ERR_DLN_SHAPE', 'options.start');
    await expectRejection(sharpness(problem, w0, { start: nan }), 'ERR_DLN_VALUE', 'options.start');
    await expectRejection(sharpness(problem, new Float64Array(3)), 'ERR_DLN_SHAPE', 'weights');
  });

  test('wrong k, method, tol, iteration counts and seeds', async () => {
    await expectRejection(sharpness(problem, w0, { k: 0 }), 'ERR_DLN_VALUE', 'options.k');
    await expectRejection(sharpness(problem, w0, { k: 1.5 }), 'ERR_DLN_VALUE', 'options.k');
    await expectRejection(sharpness(problem, w0, { k: 231 }), 'ERR_DLN_VALUE', 'options.k');
    await expectRejection(sharpness(problem, w0, { k: 'a' as never }), 'ERR_DLN_TYPE', 'options.k');
    await expectRejection(sharpness(problem, w0, { method: 'arnoldi' as never }), 'ERR_DLN_VALUE', 'options.method');
    for (const tol of [0, -1, NaN, Infinity]) await expectRejection(sharpness(problem, w0, { tol }), 'ERR_DLN_VALUE', 'options.tol');
    await expectRejection(sharpness(problem, w0, { k: 5, maxIterations: 3 }), 'ERR_DLN_VALUE', 'options.maxIterations');
    await expectRejection(sharpness(problem, w0, { method: 'power', powerIterations: 0 }), 'ERR_DLN_VALUE', 'options.powerIterations');
    await expectRejection(sharpness(problem, w0, { seed: -1 }), 'ERR_DLN_VALUE', 'options.seed');
    await expectRejection(sharpness(problem, w0, null as never), 'ERR_DLN_TYPE', 'options');
    // Power iteration gives one number (the reference code's spectral-radius estimate).
    await expectRejection(sharpness(problem, w0, { method: 'power', k: 2 }), 'ERR_DLN_VALUE', 'options.k');
    await expectRejection(sharpness(problem, w0, { method: 'power', smallest: true }), 'ERR_DLN_VALUE', 'options.smallest');
  });

  test('the same checks for train and flow, before any work starts', async () => {
    const run = (sharpnessOptions: object, record: Quantity[] = ['sharpness']) =>
      train(problem, w0, { learningRate: 0.1, steps: 10, record, sharpness: sharpnessOptions as never });
    await expectRejection(run({ k: 0 }), 'ERR_DLN_VALUE', 'options.sharpness.k');
    await expectRejection(run({ k: 231 }), 'ERR_DLN_VALUE', 'options.sharpness.k');
    await expectRejection(run({ method: 'x' }), 'ERR_DLN_VALUE', 'options.sharpness.method');
    await expectRejection(run({ tol: -1 }), 'ERR_DLN_VALUE', 'options.sharpness.tol');
    await expectRejection(run({ k: 4, maxIterations: 2 }, ['sharpnessTopK']), 'ERR_DLN_VALUE', 'options.sharpness.maxIterations');
    await expectRejection(run({ method: 'power' }, ['lambdaMin']), 'ERR_DLN_VALUE', 'options.sharpness.method');
    await expectRejection(run({ method: 'power', k: 3 }, ['sharpness']), 'ERR_DLN_VALUE', 'options.sharpness.k');
    await expectRejection(
      flow(problem, w0, { tEnd: 1, record: ['sharpness'], sharpness: { method: 'x' as never } }),
      'ERR_DLN_VALUE',
      'options.sharpness.method',
    );
    await expectRejection(flow(problem, w0, { tEnd: 1, events: { sharpnessAbove: NaN } }), 'ERR_DLN_VALUE', 'options.events.sharpnessAbove');
  });

  test('a dense Hessian above the memory limit is refused before allocating', async () => {
    const before = buildInfo().memoryLimit;
    setMemoryLimit(1 << 20);
    try {
      await expectRejection(denseHessian(problem, w0), 'ERR_DLN_MEMORY', 'weights'); // 3 P^2 doubles = 1.3 MB
      const wide = Problem.regression({ X: data.X, y: data.y, widths: [3, 20, 20, 1] }); // P = 480
      const w = initWeights([3, 20, 20, 1], { scale: 0.3 });
      await expectRejection(sharpness(wide, w, { method: 'dense' }), 'ERR_DLN_MEMORY', 'options.method');
      await expectRejection(
        train(wide, w, { learningRate: 0.1, steps: 1, record: ['sharpness'], sharpness: { method: 'dense' } }),
        'ERR_DLN_MEMORY',
        'options.sharpness.method',
      );
    } finally {
      setMemoryLimit(before);
    }
  });

  test('a point where the products overflow: an error for a single call, NaN in a run (which then diverges)', async () => {
    // (C W_1, W_2 / C, ...) is the same map with a finite loss and gradient, but the W_2 block of
    // the Hessian grows like C^2: at C = 1e155 it overflows.
    const w = initWeights(MC_WIDTHS, { scale: 0.5, seed: 1 });
    const layout = layers(MC_WIDTHS, w);
    layout[0].data.forEach((x, i) => (layout[0].data[i] = x * 1e155));
    layout[1].data.forEach((x, i) => (layout[1].data[i] = x / 1e155));
    expect(Number.isFinite(problem.evaluate(w).loss)).toBe(true);
    await expectRejection(sharpness(problem, w), 'ERR_DLN_VALUE', 'weights');
    await expectRejection(sharpness(problem, w, { method: 'power' }), 'ERR_DLN_VALUE', 'weights');
    await expectRejection(sharpness(problem, w, { method: 'dense' }), 'ERR_DLN_VALUE', 'weights');
    await expectRejection(denseHessian(problem, w), 'ERR_DLN_VALUE', 'weights');
    const run = await train(problem, w, { learningRate: 0.01, steps: 5, recordEvery: 1, record: ['loss', 'sharpness', 'sharpnessPower'] });
    expect(run.status).toBe('diverged');
    expect(run.trace.scalar('sharpness')[0]).toBeNaN();
    expect(run.trace.scalar('sharpnessPower')[0]).toBeNaN();
  });
});

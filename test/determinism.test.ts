/** Same seed, same bits: across repeated runs, BLAS thread counts and concurrent scheduling. */
import { buildInfo, completionData, initWeights, jacotTeacherData, marionChizatData, setBlasThreads, setWorkerThreads, train } from '../lib';
import { mcProblem, MC_WIDTHS, teacherProblem } from './helpers';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('determinism', () => {
  test('generators and initializations are pure functions of their seed', () => {
    expect(bits(marionChizatData({ seed: 4 }).X.data)).toEqual(bits(marionChizatData({ seed: 4 }).X.data));
    expect(bits(marionChizatData({ seed: 4 }).y)).not.toEqual(bits(marionChizatData({ seed: 5 }).y));
    expect(bits(jacotTeacherData({ seed: 2 }).Y.data)).toEqual(bits(jacotTeacherData({ seed: 2 }).Y.data));
    expect(bits(completionData({ seed: 3 }).entries)).toEqual(bits(completionData({ seed: 3 }).entries));
    const a = initWeights(MC_WIDTHS, { scale: 0.3, seed: 9, stream: 4 });
    expect(bits(a)).toEqual(bits(initWeights(MC_WIDTHS, { scale: 0.3, seed: 9, stream: 4 })));
    expect(bits(a)).not.toEqual(bits(initWeights(MC_WIDTHS, { scale: 0.3, seed: 9, stream: 5 })));
  });

  test("a layer's initial weights do not depend on the other layers", () => {
    const a = initWeights([5, 5, 5, 1], { scale: 1, seed: 3 });
    const b = initWeights([5, 5, 7, 1], { scale: 1, seed: 3 });
    expect(bits(a.subarray(0, 50))).toEqual(bits(b.subarray(0, 50)));
  });

  test('repeated and concurrent runs give identical bits', async () => {
    const problem = mcProblem();
    const w0 = initWeights(MC_WIDTHS, { scale: 0.35, seed: 2 });
    const opts = { learningRate: 0.1, steps: 3000, recordEvery: 100 };
    const sequential = await train(problem, w0, opts);
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => train(problem, w0, opts)));
    for (const r of concurrent) {
      expect(bits(r.weights)).toEqual(bits(sequential.weights));
      expect(bits(r.trace.scalar('loss'))).toEqual(bits(sequential.trace.scalar('loss')));
    }
  });

  test('1 or 2 worker threads give identical bits', async () => {
    const problem = mcProblem();
    const inits = Array.from({ length: 6 }, (_, i) => initWeights(MC_WIDTHS, { scale: 0.3, seed: 10 + i }));
    const opts = { learningRate: 0.07, steps: 4000, recordEvery: 500 };
    const before = buildInfo().workerThreads;
    try {
      setWorkerThreads(1);
      const one = await Promise.all(inits.map((w) => train(problem, w, opts)));
      setWorkerThreads(2);
      const two = await Promise.all(inits.map((w) => train(problem, w, opts)));
      one.forEach((r, i) => expect(bits(two[i].weights)).toEqual(bits(r.weights)));
    } finally {
      setWorkerThreads(before);
    }
  });

  test('BLAS thread count does not change the numbers (wide layers go through dgemm)', async () => {
    const widths = [10, 60, 60, 10];
    const problem = teacherProblem(widths);
    const w0 = initWeights(widths, { scale: 0.1, seed: 1 });
    const opts = { learningRate: 1e-3, steps: 300 };
    setBlasThreads(1);
    const one = await train(problem, w0, opts);
    setBlasThreads(2);
    try {
      const two = await train(problem, w0, opts);
      expect(bits(two.weights)).toEqual(bits(one.weights));
    } finally {
      setBlasThreads(1);
    }
  });
});

/** Same seed, same bits: across repeated runs, worker-thread counts and concurrent scheduling, at a given BLAS thread count. */
import { buildInfo, completionData, initWeights, jacotTeacherData, marionChizatData, Problem, setBlasThreads, setWorkerThreads, train } from '../lib';
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

  test("BLAS thread count does not change the numbers below OpenBLAS's threading of matrix-vector products", async () => {
    // Width 60: dgemm is threaded by rows/columns (no split sums), dgemv not threaded at all.
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

  // The promise is per BLAS thread count: with setBlasThreads(k > 1), OpenBLAS splits large
  // matrix-vector sums across its threads and the last bits can differ from k = 1 (README,
  // Performance); for each k, worker-thread counts and scheduling never change a bit.
  test('at each BLAS thread count, worker-thread counts give identical bits for BLAS-sized runs', async () => {
    // 300 x 300 products: dgemv goes to BLAS, OpenBLAS threads it when asked, and there (0.3.21)
    // 2 BLAS threads give other last bits than 1.
    const d = 300;
    const widths = [d, d, d, 1];
    const data = marionChizatData({ n: 40, d, seed: 3 });
    const problem = Problem.regression({ X: data.X, y: data.y, widths });
    const inits = Array.from({ length: 3 }, (_, i) => initWeights(widths, { scale: 0.1, seed: 20 + i }));
    const opts = { learningRate: 1e-3, steps: 40, recordEvery: 20 };
    const before = buildInfo().workerThreads;
    const runAll = async (workers: number) => {
      setWorkerThreads(workers);
      return Promise.all(inits.map((w) => train(problem, w, opts)));
    };
    try {
      for (const blas of [1, 2]) {
        setBlasThreads(blas);
        const one = await runAll(1);
        const three = await runAll(3);
        const again = await runAll(2);
        // Buffer.equals: jest's deep equality is far too slow on 180 000 weights.
        const same = (a: Float64Array, b: Float64Array) => bits(a).equals(bits(b));
        one.forEach((r, i) => {
          expect(r.status).toBe('completed');
          expect({ blas, run: i, workers3: same(three[i].weights, r.weights), workers2: same(again[i].weights, r.weights) }).toEqual({
            blas,
            run: i,
            workers3: true,
            workers2: true,
          });
          expect(same(three[i].trace.scalar('loss'), r.trace.scalar('loss'))).toBe(true);
        });
      }
    } finally {
      setBlasThreads(1);
      setWorkerThreads(before);
    }
  });
});

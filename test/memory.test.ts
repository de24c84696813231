/**
 * The memory limit counts the whole footprint of the work in flight (issue 12, item 4): a trace
 * growing past it ends the run with ERR_DLN_MEMORY instead of an OOM kill, concurrent work adds
 * up, and the copies a call makes (initWeights, train) count. The limit is process-wide: every
 * test restores it.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { buildInfo, denseHessian, DlnError, flow, initWeights, Problem, setMemoryLimit, train } from '../lib';
import { mcProblem, MC_WIDTHS } from './helpers';

const MiB = 2 ** 20;

async function withLimit<T>(bytes: number, f: () => Promise<T>): Promise<T> {
  const before = buildInfo().memoryLimit;
  setMemoryLimit(bytes);
  try {
    return await f();
  } finally {
    setMemoryLimit(before);
  }
}

const failure = (e: unknown): [string | undefined, string | undefined, string] => [(e as DlnError).code, (e as DlnError).field, (e as Error).message];

/** The rejection of `work` as [code, field, message] (a resolution is a test failure). */
async function rejection(work: Promise<unknown>): Promise<[string | undefined, string | undefined, string]> {
  return work.then(
    () => ['resolved', undefined, ''],
    (e: unknown) => failure(e),
  );
}

describe('memory limit', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });

  test('a run whose trace outgrows the limit ends with ERR_DLN_MEMORY on options.recordEvery (GD and flow)', async () => {
    await withLimit(16 * MiB, async () => {
      // 1e9 steps recording every one: 24 bytes a row, so the trace reaches 16 MiB after ~700 000
      // steps (a second); without the count it grows until the process is killed.
      const started = Date.now();
      const gd = await rejection(train(problem, w0, { learningRate: 0.01, steps: 1e9, recordEvery: 1, record: ['loss'] }));
      expect(gd[0]).toBe('ERR_DLN_MEMORY');
      expect(gd[1]).toBe('options.recordEvery');
      expect(gd[2]).toMatch(/the trace would pass the memory limit at row \d+ \(24 bytes per row/);
      expect(Date.now() - started).toBeLessThan(60000);
      // RK45: stability-bound in the tail, it takes steps forever (auto's exprb43 reaches t = 1.8e308).
      const gf = await rejection(flow(problem, w0, { tEnd: Infinity, maxSteps: 1e9, recordEvery: 1, record: ['loss', 'stepSize'], method: 'rk45' }));
      expect(gf[0]).toBe('ERR_DLN_MEMORY');
      expect(gf[1]).toBe('options.recordEvery');
      // Everything was released: the same run with a short budget fits.
      const ok = await train(problem, w0, { learningRate: 0.01, steps: 1000, recordEvery: 1, record: ['loss'] });
      expect(ok.trace.length).toBe(1001);
    });
  }, 120000);

  test('concurrent work adds up: a second dense Hessian waits for memory the first holds', async () => {
    // 3 P^2 + P doubles = 1.27 MB each (P = 230): one fits in 2 MiB, two do not.
    await withLimit(2 * MiB, async () => {
      const first = denseHessian(problem, w0);
      const second = await rejection(denseHessian(problem, w0));
      expect(second[0]).toBe('ERR_DLN_MEMORY');
      expect(second[1]).toBe('weights');
      expect((await first).eigenvalues).toHaveLength(230);
      expect((await denseHessian(problem, w0)).eigenvalues).toHaveLength(230); // released once settled
    });
  });

  test('initWeights and train count their copies, not only their largest allocation', async () => {
    // P = 1 001 000 parameters, 8 MB a copy.
    const widths = [1000, 1000, 1];
    const X = { rows: 4, cols: 1000, data: new Float64Array(4000).map((_, i) => Math.sin(i)) };
    const wide = Problem.regression({ X, y: new Float64Array([1, 2, 3, 4]), widths });
    const w = initWeights(widths, { scale: 0.01, seed: 1 });
    await withLimit(12 * MiB, async () => {
      // The core's vector and its JS copy: 16 MB.
      expect(
        (() => {
          try {
            initWeights(widths, { scale: 0.01 });
          } catch (e) {
            return failure(e).slice(0, 2);
          }
          return null;
        })(),
      ).toEqual(['ERR_DLN_MEMORY', 'spec.widths']);
    });
    await withLimit(24 * MiB, async () => {
      // The weights copied in and out (16 MB), the run's result weights and its evaluator (16 MB).
      const r = await rejection(train(wide, w, { learningRate: 1e-3, steps: 1 }));
      expect(r[0]).toBe('ERR_DLN_MEMORY');
    });
    expect((await train(wide, w, { learningRate: 1e-3, steps: 1 })).steps).toBe(1); // fits under the default
  });

  test('the default limit is half the memory available to the process (physical, or a lower cgroup limit)', () => {
    // The cgroup limits that apply to this process: its own group's and its ancestors' (v2
    // memory.max, v1 memory.limit_in_bytes), as the core reads them.
    const limits: number[] = [];
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
      const [id, controllers, ...rest] = line.split(':');
      const v2 = id === '0' && controllers === '';
      if (!v2 && !controllers.split(',').includes('memory')) continue;
      const root = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
      const parts = rest.join(':').split('/').filter(Boolean);
      for (let n = parts.length; n >= 0; n--) {
        try {
          const v = Number(readFileSync(`${root}/${[...parts.slice(0, n), v2 ? 'memory.max' : 'memory.limit_in_bytes'].join('/')}`, 'utf8').trim());
          if (Number.isFinite(v) && v > 0 && v < os.totalmem()) limits.push(v);
        } catch {
          // no such file at this level
        }
      }
    }
    const available = Math.min(os.totalmem(), ...limits);
    expect(buildInfo().memoryLimit).toBe(Math.floor(available / 2));
  });
});

/**
 * Thread counts the linked BLAS cannot take are refused with ERR_DLN_VALUE naming the field and the
 * limit, never accepted to crash later ("too many memory regions", SIGSEGV: 160 Jacot-deep runs at
 * once). DLNFLOW_THREADS is validated, not ignored. Settings are process-wide, so every case runs
 * in a child process; the runs at the limit itself are in scripts/ci/stress.sh.
 */
import * as path from 'node:path';
import { buildInfo } from '../lib';
import { runNode } from './child-process';

const root = path.resolve(__dirname, '..');

/** Runs `body` (JS, with `d` = dlnflow) in a child; returns what it printed as JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the child's JSON, whose shape each test's body decides
async function child(body: string, env: NodeJS.ProcessEnv = {}): Promise<any> {
  const script = `
    const d = require(${JSON.stringify(root)});
    const attempt = (f) => { try { return { ok: f() ?? true }; } catch (e) { return { code: e.code, field: e.field, message: e.message }; } };
    const out = (async () => { ${body} })();
    out.then((v) => process.stdout.write(JSON.stringify(v)), (e) => process.stdout.write(JSON.stringify({ rejected: e.code, field: e.field, message: e.message })));
  `;
  const r = await runNode(['-e', script], env);
  if (r.status !== 0 || r.signal) throw new Error(`child failed: status ${r.status} signal ${r.signal}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const info = buildInfo();
const openblas = info.blasVendor === 'openblas';

describe('thread limits of the linked BLAS', () => {
  test('buildInfo reports the limits', () => {
    expect(info.maxWorkerThreads).toBeGreaterThanOrEqual(1);
    expect(info.workerThreads).toBeLessThanOrEqual(info.maxWorkerThreads);
    if (openblas) {
      // 2 MAX_THREADS buffers, less one per JS thread and per extra OpenBLAS thread.
      expect(info.maxWorkerThreads).toBeLessThan(2 * info.maxBlasThreads);
    }
  });

  (openblas ? test.concurrent : test.skip)('setWorkerThreads(700) is refused, naming the field and the limit', async () => {
    const r = await child(`
      const max = d.buildInfo().maxWorkerThreads;
      return { max, tooMany: attempt(() => d.setWorkerThreads(700)), atMax: attempt(() => d.setWorkerThreads(max)),
               above: attempt(() => d.setWorkerThreads(max + 1)), after: d.buildInfo().workerThreads };
    `);
    expect(r.tooMany).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'threads' });
    expect(r.tooMany.message).toContain(`expected an integer in [1, ${r.max}]`);
    expect(r.tooMany.message).toMatch(/OpenBLAS \(MAX_THREADS=\d+\) has buffers for \d+ threads/);
    expect(r.atMax).toEqual({ ok: true });
    expect(r.above).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'threads' });
    expect(r.after).toBe(r.max); // the refused call changed nothing
  });

  (openblas ? test.concurrent : test.skip)('setBlasThreads is refused when the workers set would no longer fit, and above MAX_THREADS', async () => {
    const r = await child(`
      const { maxWorkerThreads: max, maxBlasThreads } = d.buildInfo();
      d.setWorkerThreads(max);
      const four = attempt(() => d.setBlasThreads(4));
      const beyond = attempt(() => d.setBlasThreads(maxBlasThreads + 1));
      const room = Number(/leave room for (\\d+) worker threads/.exec(four.message)?.[1]);
      d.setWorkerThreads(room);
      const fits = attempt(() => d.setBlasThreads(4));
      const info = d.buildInfo();
      // OpenBLAS keeps its 4-thread pool: setting 1 again does not give the room back.
      const backToOne = attempt(() => d.setBlasThreads(1));
      return { max, maxBlasThreads, four, beyond, room, fits, blasThreads: info.blasThreads, maxAfter: info.maxWorkerThreads,
               backToOne, workersStillCapped: attempt(() => d.setWorkerThreads(max)) };
    `);
    expect(r.four).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'threads' });
    expect(r.four.message).toContain(`fewer than the ${r.max} set (lower setWorkerThreads first)`);
    // This machine's OpenBLAS pool started at min(cores, MAX_THREADS) threads; 4 adds 4 - that.
    expect(r.room).toBeLessThan(r.max);
    expect(r.room).toBeGreaterThanOrEqual(r.max - 3);
    expect(r.beyond).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'threads' });
    expect(r.beyond.message).toContain(`expected an integer in [1, ${r.maxBlasThreads}]`);
    expect(r.fits).toEqual({ ok: true });
    expect(r.blasThreads).toBe(4);
    expect(r.maxAfter).toBe(r.room);
    expect(r.backToOne).toEqual({ ok: true });
    expect(r.workersStillCapped).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'threads' });
  });
});

describe('DLNFLOW_THREADS', () => {
  const probe = `
    const p = d.Problem.regression({ X: { rows: 2, cols: 1, data: new Float64Array([1, 2]) }, y: new Float64Array([1, 2]), widths: [1, 1] });
    const run = await d.train(p, new Float64Array([0.5]), { learningRate: 0.1, steps: 2 }).then(() => 'ran', (e) => ({ code: e.code, field: e.field, message: e.message }));
    return { run, info: attempt(() => d.buildInfo().workerThreads) };
  `;

  test.concurrent.each(['abc', '0', '-3', '2.5', ' 4'])('%j is an error naming the variable', async (value) => {
    const r = await child(probe, { DLNFLOW_THREADS: value });
    expect(r.run).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'DLNFLOW_THREADS' });
    expect(r.run.message).toMatch(/^DLNFLOW_THREADS: expected /);
    expect(r.info).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'DLNFLOW_THREADS' });
  });

  (openblas ? test.concurrent : test.skip)('a count beyond what OpenBLAS can take is an error naming the limit', async () => {
    const r = await child(probe, { DLNFLOW_THREADS: '4096' });
    expect(r.run).toMatchObject({ code: 'ERR_DLN_VALUE', field: 'DLNFLOW_THREADS' });
    expect(r.run.message).toMatch(/expected an integer in \[1, \d+\]: the linked OpenBLAS/);
  });

  test.concurrent('a valid count is used; empty means the default', async () => {
    expect(await child(probe, { DLNFLOW_THREADS: '3' })).toEqual({ run: 'ran', info: { ok: 3 } });
    const def = await child(probe, { DLNFLOW_THREADS: '' });
    expect(def.run).toBe('ran');
    expect(def.info.ok).toBeGreaterThanOrEqual(1);
  });
});

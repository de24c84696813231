/**
 * `dlnflow problem`: the problem file a preset or config trains on. The authors' data comes out
 * as the authors drew it, the file round-trips through loadProblemFile and `inspect`, and it is
 * the very problem the run trains on (the same loss and theory, bit for bit).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { initWeights, jaxRandom, loadProblemFile, marionChizatData, type InitKind } from '../lib';
import { inspect } from '../lib/cli/inspect';
import { main } from '../lib/cli/main';
import { problemOf } from '../lib/cli/problem';
import { loadExperiment } from '../lib/pipeline';
import { ProblemCache } from '../lib/experiments/execute';
import { buildPlan } from '../lib/experiments/plan';

const bin = path.resolve(__dirname, '..', 'bin', 'dlnflow.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-problem-'));

/** The CLI in this process (faster than a spawn): its exit status and what it printed. */
async function inProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const status = await main(['node', 'dlnflow', ...args]);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('dlnflow problem', () => {
  test("marion-chizat-fig1 --json --set data.source=authors prints the authors' X and y", async () => {
    const r = run('problem', 'marion-chizat-fig1', '--json', '--set', 'data.source=authors');
    expect(r.status).toBe(0);
    const file = JSON.parse(r.stdout) as {
      X: number[][];
      y: number[];
      widths: number[];
      loss: string;
      l2: number;
      XTest?: unknown;
      projection?: unknown;
    };
    expect(file.widths).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1]);
    expect(file.loss).toBe('mse');
    expect(file.l2).toBe(0);
    expect(file.XTest).toBeUndefined(); // the May 2024 code draws no test set
    expect(file.projection).toBeUndefined();
    // X: JAX's float32 draw along the reference code's key chain, exactly.
    const [, xKey] = jaxRandom.split(jaxRandom.authorsKey('authors', 'data'));
    expect(file.X.flat()).toEqual(Array.from(jaxRandom.normal(xKey, 250)));
    // y: JAX's float32 y = X w_true + noise, divided by its ||w*||, agrees to float32 rounding.
    const d = marionChizatData({ source: 'authors' });
    const { wTrue, noise } = d.draws!;
    for (let i = 0; i < 50; i++) {
      let y32 = 0;
      for (let j = 0; j < 5; j++) y32 = Math.fround(y32 + Math.fround(file.X[i][j] * wTrue[j]));
      y32 = Math.fround(Math.fround(y32 + noise[i]) / Math.fround(d.normFactor));
      expect(Math.abs(file.y[i] - y32)).toBeLessThanOrEqual(8 * 2 ** -24 * Math.max(1, Math.abs(y32)));
    }
    // A false case: dlnflow's own generator (source seed) is other data; the preset's default is the authors'.
    const seeded = await problemOf('marion-chizat-fig1', { set: ['data.source=seed'] });
    expect((await problemOf('marion-chizat-fig1')).file.X).toEqual(file.X);
    expect((seeded.file.X as number[][]).flat()).not.toEqual(file.X.flat());
  });

  test('the printed file round-trips through loadProblemFile and inspect, with the issue-14 sanity values', async () => {
    const out = path.join(dir, 'fig1-authors.json');
    const r = run('problem', 'marion-chizat-fig1', '--set', 'data.source=authors', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/lambda, Lambda, a\s+0\.597488, 1\.59418, 0\.948458/);
    const loaded = await loadProblemFile(out);
    expect(loaded.weights).toBeUndefined();
    const t = loaded.problem.theory();
    expect(t.lambda).toBeCloseTo(0.5975, 4);
    expect(t.criticalLearningRate).toBeCloseTo(0.167, 3);
    const report = await inspect(out, { init: 'gaussian', scale: 0.3, seed: 1, k: 1, method: 'lanczos', tol: 1e-10, rankTol: 1e-4 });
    expect((report.theory as { a: number }).a).toBeCloseTo(0.948, 3);
    expect(report.sharpness as number[]).toHaveLength(1);
  });

  test('it is the problem the run trains on: the same loss and theory, bit for bit (Gaussian and residual presets, a sweep over depth)', async () => {
    const cases: Array<[string, string[], number]> = [
      ['marion-chizat-fig1', ['data.source=authors'], 0],
      ['marion-chizat-fig3', ['data.source=authors-2024-10', 'model.projection=authors'], 3],
      ['marion-chizat-depth', ['data.source=authors-2024-10', 'model.projection=authors-depth'], 1300],
      ['marion-chizat-fig1', [], 0],
      ['jacot-fig2', [], 0],
    ];
    for (const [preset, set, index] of cases) {
      const loaded = await loadExperiment(preset, { quick: true, overrides: set });
      const plan = buildPlan(loaded.experiment);
      const planned = plan.runs[Math.min(index, plan.runs.length - 1)];
      const built = await new ProblemCache().get(plan.points[planned.point], planned.seeds);
      const printed = await problemOf(preset, { quick: true, set, index: planned.index, withInit: true });
      const file = path.join(dir, `${preset}-${planned.index}.json`);
      writeFileSync(file, JSON.stringify(printed.file));
      const back = await loadProblemFile(file);
      expect(back.problem.widths).toEqual(built.widths);
      // The file's weights are the run's initialization.
      const init = plan.points[planned.point].init;
      const w0 = initWeights(built.widths, {
        kind: init.kind as InitKind,
        scale: init.scale,
        seed: planned.seeds.init,
        ...(init.sigma !== undefined ? { sigma: init.sigma } : {}),
      });
      // JSON has no -0 (a residual init at s = 0 holds 0 * N entries): compare with -0 read as 0.
      expect(back.weights).toEqual(Float64Array.from(w0, (v) => v + 0));
      const a = built.problem.evaluate(w0);
      const b = back.problem.evaluate(back.weights!);
      expect(b.loss).toBe(a.loss);
      expect(b.testLoss).toBe(a.testLoss);
      if (built.problem.kind === 'regression') expect(back.problem.theory()).toEqual(built.problem.theory());
    }
  });

  test('a sweep: --index and --run pick the run; the depth sweep gives each depth its own authors projection', async () => {
    const set = ['data.source=authors-2024-10', 'model.projection=authors-depth'];
    const byIndex = await problemOf('marion-chizat-depth', { set, index: 2600 });
    expect(byIndex.run.values['model.depth']).toBe(20);
    const byId = await problemOf('marion-chizat-depth', { set, run: byIndex.run.id });
    expect(byId.file).toEqual(byIndex.file);
    const oct = marionChizatData({ source: 'authors-2024-10' });
    expect(byIndex.file.projection).toEqual(Array.from(oct.depthProjections![20]));
    const first = await problemOf('marion-chizat-depth', { set });
    expect(first.run.values['model.depth']).toBe(5);
    expect(first.file.projection).toEqual(Array.from(oct.depthProjections![5]));
    expect(first.file.projection).not.toEqual(byIndex.file.projection);
  });

  test('errors: an index outside the plan, an unknown id, both at once, a projection the source has not', async () => {
    for (const [args, message] of [
      [['--index', '1600'], /--index 1600: the plan has runs 0 to 1599/],
      [['--run', 'nope'], /--run nope: no run with that id/],
      [['--index', '0', '--run', 'x'], /give --index or --run, not both/],
      [['--set', 'data.source=seed', '--set', 'model.projection=authors'], /model\.projection: authors: needs data\.source authors/],
    ] as Array<[string[], RegExp]>) {
      const r = await inProcess('problem', 'marion-chizat-fig1', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  test('a file-based config prints its problem file without weights', async () => {
    const problemPath = path.join(dir, 'given.json');
    writeFileSync(
      problemPath,
      JSON.stringify({
        X: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
        y: [1, 2, 3],
        widths: [2, 2, 1],
        weights: [
          [
            [1, 0],
            [0, 1],
          ],
          [[1, 1]],
        ],
      }),
    );
    const config = path.join(dir, 'file-config.json');
    writeFileSync(
      config,
      JSON.stringify({ name: 'f', data: { kind: 'file', path: problemPath }, model: { widths: [2, 2, 1] }, train: { learningRate: 0.1, steps: 1 } }),
    );
    const r = await inProcess('problem', config, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      X: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      y: [1, 2, 3],
      widths: [2, 2, 1],
    });
  });
});

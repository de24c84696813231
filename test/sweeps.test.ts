/**
 * The sweep runner and its results directory: shards merged equal one unsharded run, an
 * interrupted sweep resumes losing no finished run, torn lines are dropped, the same seeds give
 * the same bits with 1 or 2 threads, an AbortSignal stops a sweep promptly without blocking the
 * event loop, and the report holds the expected files and series.
 */
import type { ExperimentInput } from '../lib/experiments/schema';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DlnAbortError, setWorkerThreads } from '../lib';
import { mergeResults } from '../lib/pipeline';
import { runExperiment } from '../lib/pipeline';
import { readResultsFile } from '../lib/experiments/store';
import { runSweep } from '../lib/experiments/runner';
import { resolveExperiment } from '../lib/pipeline/load';
import { watchEventLoop } from './helpers';

const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-sweeps-'));
const out = (name: string) => path.join(root, name);
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), file.endsWith('.parquet') ? 'latin1' : 'utf8');

const config: ExperimentInput = {
  name: 'small-sweep',
  data: { kind: 'marion-chizat', n: 50, d: 5, noise: 1 },
  model: { depth: 4 },
  init: { kind: 'gaussian', scale: 0.5 },
  train: { learningRate: 0.05, steps: 3000, recordEvery: 0, record: ['loss', 'distance', 'sharpness'] },
  repetitions: 4,
  sweep: [{ 'train.learningRate': [0.05, 0.3] }, { 'init.scale': [0.3, 0.6, 1.2] }],
  report: {
    figures: [
      {
        kind: 'sweep',
        id: 'sharpness',
        x: 'init.scale',
        y: 'sharpness',
        series: 'train.learningRate',
        initialSeries: true,
        yScale: 'log',
        rules: ['2/eta', 'sMin'],
      },
      { kind: 'divergence', id: 'divergence', x: 'init.scale', series: 'train.learningRate' },
    ],
  },
};
const RESULT_FILES = [
  'results.jsonl',
  'aggregate.csv',
  'runs.csv',
  'runs.parquet',
  'summary.json',
  'figures/sharpness.vl.json',
  'figures/sharpness.svg',
  'figures/divergence.svg',
];

describe('a sweep and its report', () => {
  const dir = out('whole');
  let outcome: Awaited<ReturnType<typeof runExperiment>>;
  beforeAll(async () => {
    outcome = await runExperiment(config, { out: dir });
  });

  test('every run is recorded once, with its seeds, and divergence is a result', () => {
    expect(outcome).toMatchObject({ planned: 24, ran: 24, resumed: 0, missing: 0 });
    const lines = read(dir, 'results.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const diverged = lines.filter((l) => l.status === 'diverged');
    expect(diverged.length).toBeGreaterThan(0); // from scale 1.2 neither learning rate trains
    for (const l of diverged) expect(Number.isInteger(l.divergedAt)).toBe(true);
    const seeds = (l: Record<string, number>) => ({
      data: l['seeds.data'],
      init: l['seeds.init'],
      projection: l['seeds.projection'],
      eigensolver: l['seeds.eigensolver'],
    });
    for (const l of lines) expect(Object.values(seeds(l)).every(Number.isSafeInteger)).toBe(true);
    const plan = read(dir, 'plan.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(plan.map((p) => p.seeds)).toEqual(lines.map(seeds));
  });

  test('the report files exist, with the expected series and reference lines', () => {
    for (const f of [...RESULT_FILES, 'report.html', 'experiment.json']) expect(existsSync(path.join(dir, f))).toBe(true);
    const spec = JSON.parse(read(dir, 'figures/sharpness.vl.json'));
    const series = new Set(spec.layer[0].data.values.map((v: { series: string }) => v.series));
    expect(series).toEqual(new Set(['Initialization', 'η = 0.05', 'η = 0.3']));
    const rules = spec.layer
      .filter((l: { mark: { type: string } }) => l.mark.type === 'rule')
      .flatMap((l: { data: { values: { value: number }[] } }) => l.data.values.map((v) => v.value));
    expect(rules).toEqual(expect.arrayContaining([2 / 0.05, 2 / 0.3]));
    expect(read(dir, 'figures/sharpness.svg')).toMatch(/^<svg/);
    const html = read(dir, 'report.html');
    expect(html).toContain('<svg');
    expect(html).toContain('small-sweep');
    const manifest = JSON.parse(read(dir, 'experiment.json'));
    expect(manifest).toMatchObject({ name: 'small-sweep', runs: 24, blasVendor: expect.any(String), package: { name: 'dlnflow' } });
    const aggregate = read(dir, 'aggregate.csv').trim().split('\n');
    expect(aggregate).toHaveLength(1 + 6);
    expect(aggregate[0]).toContain('final.sharpness.ci95Lo');
  });

  test('shards merged give results identical to the unsharded run', async () => {
    const shardDirs = [0, 1, 2].map((i) => out(`shard-${i}`));
    for (let i = 0; i < 3; i++) {
      const o = await runExperiment(config, { out: shardDirs[i], shard: { index: i, count: 3 } });
      expect(o.ran).toBe(8);
      expect(o.missing).toBe(16);
    }
    const incomplete = await mergeResults([shardDirs[0], shardDirs[1]], { out: out('merged-partial') });
    expect(incomplete.missing).toHaveLength(8);
    expect(incomplete.owingShards).toEqual(['2/3']);
    expect(incomplete.summary).toBeUndefined();
    const merged = await mergeResults(shardDirs, { out: out('merged') });
    expect(merged.missing).toHaveLength(0);
    for (const f of RESULT_FILES) expect(read(out('merged'), f)).toBe(read(dir, f));
  });

  test('shards sharing one directory merge in place', async () => {
    const shared = out('shared');
    for (let i = 0; i < 2; i++) await runExperiment(config, { out: shared, shard: { index: i, count: 2 } });
    // The last shard to finish finds the plan complete and writes the report itself.
    for (const f of RESULT_FILES) expect(read(shared, f)).toBe(read(dir, f));
    expect(readdirSync(path.join(shared, 'runs')).sort()).toEqual(['shard-0-of-2.jsonl', 'shard-1-of-2.jsonl']);
  });

  test('one worker thread or two: the same bits', async () => {
    setWorkerThreads(1);
    try {
      await runExperiment(config, { out: out('one-thread') });
    } finally {
      setWorkerThreads(2);
    }
    for (const f of RESULT_FILES) expect(read(out('one-thread'), f)).toBe(read(dir, f));
  });

  test('a directory holding another experiment is refused', async () => {
    await expect(runExperiment({ ...config, seed: 7 }, { out: dir })).rejects.toMatchObject({ code: 'ERR_DLN_CONFIG', field: 'out' });
  });
});

describe('interruption and resumption', () => {
  const slow = {
    ...config,
    name: 'slow-sweep',
    train: { ...config.train, steps: 40000, record: ['loss', 'distance'] },
    repetitions: 6,
    sweep: [{ 'init.scale': [0.3, 0.4, 0.5] }],
  };

  test('an aborted sweep keeps its finished runs; rerunning completes it with the uninterrupted results', async () => {
    const reference = out('slow-reference');
    await runExperiment(slow, { out: reference });
    const dir = out('slow-interrupted');
    const controller = new AbortController();
    const p = runExperiment(slow, {
      out: dir,
      signal: controller.signal,
      onProgress: (pr) => {
        if (pr.done >= 5) controller.abort();
      },
    });
    const err = await p.catch((e) => e);
    expect(err).toBeInstanceOf(DlnAbortError);
    expect(err.partial.ran).toBeGreaterThanOrEqual(5);
    expect(err.partial.missing).toBeGreaterThan(0);
    const kept = readResultsFile(path.join(dir, 'runs', 'all.jsonl')).records.length;
    expect(kept).toBe(err.partial.ran);
    // A torn line (a write cut by a kill) is dropped, never parsed, and cut off before appending.
    appendFileSync(path.join(dir, 'runs', 'all.jsonl'), '{"id":"torn","index":3,"status":"compl');
    const resumed = await runExperiment(slow, { out: dir });
    expect(resumed.resumed).toBe(kept);
    expect(resumed.ran).toBe(18 - kept);
    expect(resumed.discarded).toBe(1);
    const file = readFileSync(path.join(dir, 'runs', 'all.jsonl'), 'utf8');
    expect(file).not.toContain('torn');
    expect(file.trim().split('\n')).toHaveLength(18);
    for (const f of ['results.jsonl', 'aggregate.csv', 'summary.json']) expect(read(dir, f)).toBe(read(reference, f));
  });

  test('an AbortSignal stops a sweep of long runs within 50 ms, and the event loop keeps turning meanwhile', async () => {
    const long = { ...slow, name: 'long-sweep', train: { ...slow.train, steps: 50_000_000 }, repetitions: 2 };
    const controller = new AbortController();
    const loop = watchEventLoop(5);
    const p = runExperiment(long, { out: out('long'), signal: controller.signal });
    await new Promise((r) => setTimeout(r, 500));
    const whileRunning = loop.stop();
    const t0 = performance.now();
    controller.abort();
    const err = await p.catch((e) => e);
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(DlnAbortError);
    // 50 ms, plus the slack of test/async.test.ts for a loaded 2-core machine (277 ms was seen at
    // load average 10 while two builds ran; a sweep that ignored the signal would run for minutes).
    expect(elapsed).toBeLessThan(50 + 100);
    // Runs on the main thread would block the loop for the whole 500 ms (one gap that long).
    expect(whileRunning.ticks).toBeGreaterThan(2);
    expect(whileRunning.maxGapMs).toBeLessThan(250);
    expect(err.partial.ran).toBe(0);
  });

  test('an abort that comes while the results directory is being claimed still stops the sweep', async () => {
    const long = { ...slow, name: 'early-abort-sweep', train: { ...slow.train, steps: 50_000_000 }, repetitions: 2 };
    const controller = new AbortController();
    // runSweep checks the signal synchronously, then awaits the lock and the manifest: the abort
    // lands there, before any run has started (and before the runs' abort listener exists).
    const p = runSweep(resolveExperiment(long, 'test'), { out: out('early-abort'), signal: controller.signal });
    controller.abort();
    const err = await Promise.race([p.catch((e) => e), new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000))]);
    expect(err).toBeInstanceOf(DlnAbortError);
    expect((err as DlnAbortError & { partial: { ran: number } }).partial.ran).toBe(0);
  }, 30_000);

  test('a torn line is never read as a result', () => {
    const dir = out('slow-interrupted');
    const good = readFileSync(path.join(dir, 'runs', 'all.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .slice(0, 2);
    const file = path.join(root, 'torn.jsonl');
    writeFileSync(file, `${good[0]}\nnot json\n${good[1]}\n{"id":"c","ind`);
    const r = readResultsFile(file);
    expect(r.records.map((x) => x.id)).toEqual(good.map((l) => JSON.parse(l).id));
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([[2, 'not valid JSON']]);
    expect(r.torn?.toString()).toBe('{"id":"c","ind');
    expect(r.completeBytes).toBe(Buffer.byteLength(`${good[0]}\nnot json\n${good[1]}\n`));
  });
});

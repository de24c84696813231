/**
 * Run metadata lives apart from the results (lib/experiments/run-metadata.ts): two runs of one
 * config (at different thread counts, into different directories) give byte-identical result
 * files — every file but metadata/ and the shard files, whose lines are in finishing order and
 * compared as sets — while their metadata lines differ in time and hold each run's wall time.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildInfo, setWorkerThreads } from '../lib';
import { runExperiment } from '../lib/pipeline';
import type { RunMetadata } from '../lib/experiments/run-metadata';

const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-metadata-'));
const config = {
  name: 'same-bits',
  data: { kind: 'marion-chizat', n: 40, d: 5, noise: 1 },
  model: { depth: 3 },
  init: { kind: 'gaussian', scale: 0.3 },
  train: { learningRate: 0.05, steps: 200, recordEvery: 20, record: ['loss', 'distance', 'sharpness'] },
  repetitions: 3,
  sweep: [{ 'init.scale': [0.3, 0.5] }],
  output: { traces: true },
  report: { figures: [{ kind: 'sweep', id: 'distance', x: 'init.scale', y: 'distance' }] },
  checks: [{ id: 'fits', claim: 'fits', quantity: 'final.loss', aggregate: 'max', below: 10 }],
};

/** Every file under dir, relative, sorted. */
function files(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel))
    .flatMap((name) => {
      const r = path.join(rel, name);
      return statSync(path.join(dir, r)).isDirectory() ? files(dir, r) : [r];
    })
    .sort();
}

test('two runs of one config: byte-identical results, metadata apart', async () => {
  const file = path.join(root, 'same.json');
  writeFileSync(file, JSON.stringify(config));
  const a = path.join(root, 'a');
  const b = path.join(root, 'b');
  const threads = buildInfo().workerThreads;
  try {
    setWorkerThreads(1);
    await runExperiment(file, { out: a });
    setWorkerThreads(2);
    await runExperiment(file, { out: b });
  } finally {
    setWorkerThreads(threads);
  }
  const listA = files(a);
  expect(listA).toEqual(files(b));
  for (const f of ['results.jsonl', 'runs.csv', 'runs.parquet', 'traces.parquet', 'summary.json', 'report.html', 'experiment.json', 'aggregate.csv'])
    expect(listA).toContain(f);
  expect(listA.filter((f) => f.startsWith('traces/'))).toHaveLength(6);
  let compared = 0;
  for (const f of listA) {
    if (f.startsWith('metadata/')) continue;
    const [x, y] = [readFileSync(path.join(a, f)), readFileSync(path.join(b, f))];
    if (f.startsWith('runs/')) {
      // Lines in the order runs finished: the same lines.
      expect(x.toString('utf8').split('\n').sort()).toEqual(y.toString('utf8').split('\n').sort());
    } else {
      expect({ file: f, same: x.equals(y) }).toEqual({ file: f, same: true });
    }
    compared++;
  }
  expect(compared).toBeGreaterThanOrEqual(15);

  const meta = (dir: string): RunMetadata[] =>
    readFileSync(path.join(dir, 'metadata', 'all.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  const [ma] = meta(a);
  const [mb] = meta(b);
  expect([ma.workerThreads, mb.workerThreads]).toEqual([1, 2]);
  expect(ma.startedAt < mb.startedAt).toBe(true);
  expect(Date.parse(ma.endedAt)).toBeGreaterThanOrEqual(Date.parse(ma.startedAt));
  expect(ma.dlnflow).toMatch(/^\d+\.\d+\.\d+/);
  expect(ma.blasVendor).toBe(buildInfo().blasVendor);
  expect(typeof ma.host).toBe('string');
  expect([ma.ran, ma.resumed, ma.interrupted, ma.shard]).toEqual([6, 0, false, null]);
  const ids = readFileSync(path.join(a, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).id as string);
  expect(Object.keys(ma.wallMs).sort()).toEqual([...ids].sort());
  for (const ms of Object.values(ma.wallMs)) expect(ms).toBeGreaterThan(0);

  // A resumed invocation adds its own line (nothing ran), and still changes no result file.
  const before = readFileSync(path.join(a, 'summary.json'));
  await runExperiment(file, { out: a });
  const lines = meta(a);
  expect(lines).toHaveLength(2);
  expect([lines[1].ran, lines[1].resumed, lines[1].wallMs]).toEqual([0, 6, {}]);
  expect(readFileSync(path.join(a, 'summary.json')).equals(before)).toBe(true);
});

test('metadata that cannot be written is ERR_DLN_IO naming the file, never an internal error', async () => {
  // metadata/all.jsonl made a directory: the append fails as a full disk's would (the stress
  // script scripts/ci/stress/results-store.sh fills a real tmpfs at every stage).
  const out = path.join(root, 'unwritable');
  const small = { ...config, name: 'unwritable', repetitions: 1, sweep: [{ 'init.scale': [0.3] }] };
  mkdirSync(path.join(out, 'metadata', 'all.jsonl'), { recursive: true });
  const err = await runExperiment(small as never, { out }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ERR_DLN_IO' });
  expect((err as Error).message).toContain(path.join(out, 'metadata', 'all.jsonl'));
});

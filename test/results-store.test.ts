/**
 * The results directory keeps results from being mixed, lost or silently wrong (issue 12, items
 * 5-12): locks with stale-lock rules, run ids and records that carry the plan hash, problem files
 * that enter the plan by content and resolve against their config file, merges that carry traces
 * and weights, corrupt lines set aside without touching good data, writes that fail cleanly,
 * no writes through symbolic links, and diverged runs without final values. Each test feeds the
 * case that went wrong before.
 */
import type { ExperimentInput, ExperimentSource } from '../lib/experiments/schema';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
// The modules themselves (not `import *` copies), so that jest can replace their functions.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: jest.spyOn needs the module object
const fs = require('node:fs') as typeof import('node:fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: jest.spyOn needs the module object
const fsp = require('node:fs/promises') as typeof import('node:fs/promises');
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildPlan, loadExperiment, mergeResults, runExperiment } from '../lib';
import { DlnError } from '../lib/errors';
import { acquireLock, lockResultsWriter, STALE_AFTER_MS } from '../lib/experiments/lock';
import { recordProblem } from '../lib/experiments/record-check';
import { encodeRecordLine, indexPlan, readAllResults, readResultsFile, ResultWriter } from '../lib/experiments/store';
import { writeFileAtomic, writeFileAtomicSync } from '../lib/util/atomic-write';

const root = fs.mkdtempSync(path.join(tmpdir(), 'dlnflow-store-'));
const dir = (name: string) => path.join(root, name);
const read = (d: string, f: string) => fs.readFileSync(path.join(d, f), 'utf8');
const lines = (d: string, f: string) =>
  read(d, f)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const listTree = (d: string): string[] => fs.readdirSync(d, { recursive: true }).map(String).sort();

// 8 runs, half of them diverging (scale 1.2), in well under a second.
const config: ExperimentInput = {
  name: 'store-sweep',
  data: { kind: 'marion-chizat', n: 50, d: 5, noise: 1 },
  model: { depth: 4 },
  init: { kind: 'gaussian', scale: 0.5 },
  train: { learningRate: 0.05, steps: 2000, recordEvery: 0, record: ['loss', 'distance', 'sharpness'] },
  repetitions: 2,
  sweep: [{ 'train.learningRate': [0.05, 0.3] }, { 'init.scale': [0.3, 1.2] }],
  report: {
    figures: [
      { kind: 'sweep', id: 'distance', x: 'init.scale', y: 'distance', series: 'train.learningRate', yScale: 'log' },
      { kind: 'divergence', id: 'divergence', x: 'init.scale', series: 'train.learningRate' },
    ],
  },
};

describe('item 12: a diverged run has no final values', () => {
  const out = dir('diverged');
  beforeAll(async () => {
    await runExperiment(config, { out });
  });

  test('null in runs/*.jsonl and results.jsonl, empty in runs.csv, left out of aggregates and figures (and counted)', () => {
    const results = lines(out, 'results.jsonl');
    const diverged = results.filter((r) => r.status === 'diverged');
    expect(diverged.length).toBe(4);
    for (const r of diverged) {
      // Before: the last recorded row, here the initial point (finite, often huge).
      expect([r['final.loss'], r['final.distance'], r['final.sharpness']]).toEqual([null, null, null]);
      expect(r['initial.loss']).toEqual(expect.any(Number));
    }
    expect(
      lines(out, 'runs/all.jsonl')
        .filter((r) => r.status === 'diverged')
        .every((r) => r.final.loss === null),
    ).toBe(true);
    const [header, ...rows] = read(out, 'runs.csv')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const col = (name: string) => header.indexOf(name);
    for (const row of rows.filter((r) => r[col('status')] === 'diverged')) {
      expect([row[col('final.loss')], row[col('final.distance')], row[col('final.sharpness')]]).toEqual(['', '', '']);
      expect(Number(row[col('initial.loss')])).toBeGreaterThan(0);
    }
    // aggregate.csv: the final mean is the mean over the runs that did not diverge.
    const [aHeader, ...aRows] = read(out, 'aggregate.csv')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    for (const row of aRows) {
      const lr = Number(row[aHeader.indexOf('train.learningRate')]);
      const scale = Number(row[aHeader.indexOf('init.scale')]);
      const finite = results.filter((r) => r['train.learningRate'] === lr && r['init.scale'] === scale && r.status !== 'diverged');
      expect(Number(row[aHeader.indexOf('diverged')])).toBe(2 - finite.length);
      expect(Number(row[aHeader.indexOf('final.sharpness.n')])).toBe(finite.length);
      const mean = row[aHeader.indexOf('final.sharpness.mean')];
      if (finite.length === 0) expect(mean).toBe('');
      else expect(Number(mean)).toBeCloseTo(finite.reduce((s, r) => s + r['final.sharpness'], 0) / finite.length, 10);
    }
    const summary = JSON.parse(read(out, 'summary.json'));
    expect(summary.figures.find((f: { id: string }) => f.id === 'distance').skippedDiverged).toBe(4);
    expect(read(out, 'report.html')).toContain('4 diverged run(s) left out');
  });
});

describe('item 6: run ids and records carry the plan hash; another plan is refused', () => {
  test('two experiments differing only in the seed share no run id', async () => {
    const a = buildPlan((await loadExperiment(config)).experiment);
    const b = buildPlan((await loadExperiment({ ...config, seed: 7 })).experiment);
    expect(a.hash).not.toBe(b.hash);
    for (const r of a.runs) expect(r.id).toBe(`${a.hash}-${r.key}`);
    const ids = new Set(a.runs.map((r) => r.id));
    expect(b.runs.some((r) => ids.has(r.id))).toBe(false);
    // The content key (and so every seed) is what it was: the numbers stay bit-identical.
    expect(a.runs.map((r) => r.key)).toEqual(b.runs.map((r) => r.key));
  });

  test('merge --out into a directory holding another experiment: refused, its experiment.json untouched', async () => {
    const mine = dir('merge-mine');
    const other = dir('merge-other');
    await runExperiment(config, { out: mine });
    await runExperiment({ ...config, name: 'other', seed: 7 }, { out: other });
    const before = read(other, 'experiment.json');
    const err = await mergeResults([mine], { out: other }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_DLN_CONFIG' });
    const planA = JSON.parse(read(mine, 'experiment.json')).planHash;
    const planB = JSON.parse(before).planHash;
    expect(err.message).toContain(planA);
    expect(err.message).toContain(planB);
    expect(read(other, 'experiment.json')).toBe(before);
    expect(fs.readdirSync(path.join(other, 'runs')).filter((f) => f.startsWith('merged'))).toEqual([]);
    // Another experiment that has no result yet (only its manifest): refused all the same.
    const fresh = dir('merge-fresh');
    fs.mkdirSync(fresh);
    fs.writeFileSync(path.join(fresh, 'experiment.json'), before);
    await expect(mergeResults([mine], { out: fresh })).rejects.toMatchObject({ code: 'ERR_DLN_CONFIG', message: expect.stringContaining(planB) });
    expect(read(fresh, 'experiment.json')).toBe(before);
    expect(listTree(fresh).filter((f) => f.endsWith('.jsonl') || f.endsWith('.html'))).toEqual([]);
  });

  test("a resume that finds another plan's records refuses them, naming both plans", async () => {
    const mine = dir('merge-mine');
    const other = dir('merge-other');
    fs.copyFileSync(path.join(other, 'runs', 'all.jsonl'), path.join(mine, 'runs', 'shard-0-of-2.jsonl'));
    try {
      const err = await runExperiment(config, { out: mine }).catch((e) => e);
      expect(err).toMatchObject({ code: 'ERR_DLN_CONFIG' });
      expect(err.message).toContain(JSON.parse(read(mine, 'experiment.json')).planHash);
      expect(err.message).toContain(JSON.parse(read(other, 'experiment.json')).planHash);
      expect(err.message).toContain('shard-0-of-2.jsonl:1');
      const err2 = await mergeResults([mine]).catch((e) => e);
      expect(err2).toMatchObject({ code: 'ERR_DLN_CONFIG' });
    } finally {
      fs.rmSync(path.join(mine, 'runs', 'shard-0-of-2.jsonl'));
    }
  });
});

describe('item 7: a problem file enters the plan by its content and resolves against its config file', () => {
  const project = dir('project');
  const problem = path.join(project, 'data', 'problem.json');
  const configFile = path.join(project, 'exp.yaml');
  beforeAll(() => {
    fs.mkdirSync(path.dirname(problem), { recursive: true });
    fs.copyFileSync(path.resolve(__dirname, 'fixtures', 'mc-small.json'), problem);
    fs.writeFileSync(
      configFile,
      'name: file-data\ndata: {kind: file, path: data/problem.json}\nmodel: {widths: [5, 5, 5, 1]}\ninit: {kind: gaussian, scale: 0.3}\n' +
        'train: {learningRate: 0.01, steps: 50, record: [loss]}\nrepetitions: 2\n',
    );
  });

  test('the path is relative to the config file, not the working directory', async () => {
    expect(process.cwd()).not.toBe(project);
    const loaded = await loadExperiment(configFile);
    expect(loaded.experiment.data).toMatchObject({ kind: 'file', path: problem });
    const o = await runExperiment(configFile, { out: dir('file-data') });
    expect(o.missing).toBe(0);
  });

  test('the plan hash follows the content: changed data is another experiment, a moved file the same', async () => {
    const hash = async (source: string | ExperimentSource) => buildPlan((await loadExperiment(source)).experiment).hash;
    const h0 = await hash(configFile);
    const moved = path.join(project, 'moved.json');
    fs.copyFileSync(problem, moved);
    expect(await hash({ ...(await loadExperiment(configFile)).experiment, data: { kind: 'file', path: moved } })).toBe(h0);
    const original = fs.readFileSync(problem, 'utf8');
    const data = JSON.parse(original);
    data.y[0] += 1e-9;
    fs.writeFileSync(problem, JSON.stringify(data));
    try {
      expect(await hash(configFile)).not.toBe(h0);
      // Before: the resume mixed old and new results silently.
      const err = await runExperiment(configFile, { out: dir('file-data') }).catch((e) => e);
      expect(err).toMatchObject({ code: 'ERR_DLN_CONFIG' });
      expect(err.message).toContain(`the problem file ${problem} has changed`);
    } finally {
      fs.writeFileSync(problem, original);
    }
  });
});

describe('item 8: merging separate shard directories carries traces and weights', () => {
  const traced: ExperimentInput = {
    ...config,
    name: 'traced',
    train: { ...config.train, steps: 300, recordEvery: 20, record: ['loss', 'distance'] },
    output: { traces: true, weights: true },
    report: {
      figures: [
        ...(config.report?.figures ?? []),
        { kind: 'trace', id: 'trace', y: ['loss', 'distance'], series: 'init.scale', filter: { 'train.learningRate': [0.05] } },
      ],
    },
  };

  test('the merged directory holds every trace and weights file, and its report is byte-identical to an unsharded run', async () => {
    const whole = dir('traced-whole');
    await runExperiment(traced, { out: whole });
    const shards = [0, 1, 2].map((i) => dir(`traced-shard-${i}`));
    for (let i = 0; i < 3; i++) await runExperiment(traced, { out: shards[i], shard: { index: i, count: 3 } });
    const merged = dir('traced-merged');
    const m = await mergeResults(shards, { out: merged });
    expect(m.missing).toHaveLength(0);
    expect(m.incomplete).toEqual([]);
    for (const sub of ['traces', 'weights'])
      expect(fs.readdirSync(path.join(merged, sub)).sort()).toEqual(fs.readdirSync(path.join(whole, sub)).sort());
    for (const f of ['results.jsonl', 'runs.csv', 'aggregate.csv', 'summary.json', 'report.html', 'figures/trace.svg', 'figures/trace.vl.json']) {
      expect(read(merged, f)).toBe(read(whole, f));
    }
    for (const f of ['runs.parquet', 'traces.parquet'])
      expect(fs.readFileSync(path.join(merged, f)).equals(fs.readFileSync(path.join(whole, f)))).toBe(true);

    // Each shard's run metadata comes along, line for line; merging again adds no line.
    const shardMeta = [0, 1, 2].map((i) => read(shards[i], `metadata/shard-${i}-of-3.jsonl`));
    expect(fs.readdirSync(path.join(merged, 'metadata')).sort()).toEqual([0, 1, 2].map((i) => `shard-${i}-of-3.jsonl`));
    for (let i = 0; i < 3; i++) {
      expect(shardMeta[i].trim().split('\n')).toHaveLength(1);
      expect(read(merged, `metadata/shard-${i}-of-3.jsonl`)).toBe(shardMeta[i]);
    }
    // A second invocation of shard 1 adds a line there: a merge brings that line, not the old one twice.
    await runExperiment(traced, { out: shards[1], shard: { index: 1, count: 3 } });
    await mergeResults(shards, { out: merged });
    const lines = read(merged, 'metadata/shard-1-of-3.jsonl').trim().split('\n');
    expect(lines).toEqual(read(shards[1], 'metadata/shard-1-of-3.jsonl').trim().split('\n'));
    expect(lines).toHaveLength(2);
  });
});

describe('item 9: corrupt lines are set aside, good data never rewritten', () => {
  test('an invalid byte in a middle line: no NUL bytes, the line kept aside and named, the run redone once', async () => {
    const out = dir('corrupt-byte');
    await runExperiment(config, { out });
    const file = path.join(out, 'runs', 'all.jsonl');
    const bytes = fs.readFileSync(file);
    const second = bytes.indexOf(0x0a) + 1;
    bytes[second + 20] = 0xff; // inside line 2
    fs.writeFileSync(file, bytes);
    const warnings: string[] = [];
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation((w) => void warnings.push(String(w)));
    try {
      const again = await runExperiment(config, { out });
      expect(again).toMatchObject({ ran: 1, resumed: 7, discarded: 1, missing: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(warnings.join('\n')).toContain(`${file}:2: not valid UTF-8`);
    const after = fs.readFileSync(file);
    expect(after.includes(0)).toBe(false); // before: truncation to a character count grew the file with NULs
    expect(after.subarray(0, bytes.length).equals(bytes)).toBe(true); // good data untouched, the redo appended
    const rejected = lines(out, 'runs/all.rejected.jsonl');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ line: 2, reason: 'not valid UTF-8' });
    expect(Buffer.from(rejected[0].base64, 'base64').equals(bytes.subarray(second, bytes.indexOf(0x0a, second)))).toBe(true);
    // Before: redone on every resume forever.
    const third = await runExperiment(config, { out });
    expect(third.ran).toBe(0);
    expect(lines(out, 'runs/all.rejected.jsonl')).toHaveLength(1);
  });

  test('a line that parses but lacks a field is not finished: redone, and the report does not crash', async () => {
    const out = dir('corrupt-field');
    await runExperiment(config, { out });
    const file = path.join(out, 'runs', 'all.jsonl');
    const records = lines(out, 'runs/all.jsonl');
    const { final: _dropped, ...partial } = records[3];
    records[3] = partial;
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const plan = buildPlan((await loadExperiment(config)).experiment);
    const read3 = readResultsFile(file, indexPlan(plan));
    expect(read3.records).toHaveLength(7);
    expect(read3.rejected[0]).toMatchObject({ line: 4, reason: 'not a complete result (final: expected an object)' });
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const again = await runExperiment(config, { out });
      expect(again).toMatchObject({ ran: 1, missing: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(lines(out, 'results.jsonl').every((r) => Object.hasOwn(r, 'final.loss'))).toBe(true);
  });

  test('a torn last line is set aside and cut off; a cut never extends the file', async () => {
    const out = dir('corrupt-byte');
    const file = path.join(out, 'runs', 'all.jsonl');
    const good = fs.readFileSync(file);
    fs.appendFileSync(file, Buffer.from('{"plan":"x","id":"torn","in\xe9'));
    const plan = buildPlan((await loadExperiment(config)).experiment);
    const contents = readResultsFile(file, indexPlan(plan));
    expect(contents.completeBytes).toBe(good.length);
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await new ResultWriter(file, contents).close();
    } finally {
      spy.mockRestore();
    }
    expect(fs.readFileSync(file).equals(good)).toBe(true);
    expect(read(out, 'runs/all.rejected.jsonl')).toContain('an interrupted write');
  });
});

describe('item 9, fuzzed: no corruption of a results file is ever read as a run', () => {
  const out = dir('fuzz');
  beforeAll(async () => {
    await runExperiment(config, { out });
  });

  test('bytes changed, dropped or cut anywhere: every record read is one of the originals, a cut never grows the file', async () => {
    const file = path.join(out, 'runs', 'all.jsonl');
    const original = fs.readFileSync(file);
    const plan = indexPlan(buildPlan((await loadExperiment(config)).experiment));
    const originals = new Set(
      original
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const { sum: _sum, ...record } = JSON.parse(l);
          return JSON.stringify(record);
        }),
    );
    const scratch = dir('fuzzed.jsonl');
    let cases = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(original.length - 1), byte: fc.integer({ min: 0, max: 255 }), drop: fc.boolean() }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(original.length),
        (edits, cut) => {
          cases++;
          let bytes = Buffer.from(original);
          for (const e of edits) {
            if (e.drop) bytes = Buffer.concat([bytes.subarray(0, e.at), bytes.subarray(e.at + 1)]);
            else bytes[Math.min(e.at, bytes.length - 1)] = e.byte;
          }
          bytes = bytes.subarray(0, Math.min(cut + 1, bytes.length));
          fs.writeFileSync(scratch, bytes);
          const r = readResultsFile(scratch, plan); // throws only for a consistent record of another plan
          expect(r.completeBytes).toBeLessThanOrEqual(bytes.length);
          for (const rec of r.records) expect(originals.has(JSON.stringify(rec))).toBe(true);
          expect(r.records.length + r.rejected.length).toBeLessThanOrEqual(originals.size + edits.length);
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
    expect(cases).toBe(300);
  });

  test('a record missing any one field, or with a field of the wrong type, is not finished', () => {
    const { sum: _sum, ...record } = lines(out, 'runs/all.jsonl')[0];
    expect(recordProblem(record)).toBeNull();
    for (const key of Object.keys(record)) {
      const { [key]: _gone, ...rest } = record;
      expect([key, recordProblem(rest)]).toEqual([key, expect.any(String)]);
      expect([key, recordProblem({ ...record, [key]: typeof record[key] === 'string' ? 1 : 'x' })]).toEqual([key, expect.any(String)]);
    }
  });

  test('a changed byte that still parses is caught by the checksum; a consistent record of another plan is an error', async () => {
    const plan = indexPlan(buildPlan((await loadExperiment(config)).experiment));
    const text = read(out, 'runs/all.jsonl');
    const line = text.split('\n')[0];
    const scratch = dir('altered.jsonl');
    // A digit of the loss changed: valid JSON, valid record, another number.
    const altered = line.replace(/"loss":(\d)/, (_m, d: string) => `"loss":${d === '9' ? '8' : String(Number(d) + 1)}`);
    expect(altered).not.toBe(line);
    fs.writeFileSync(scratch, `${altered}\n`);
    expect(readResultsFile(scratch, plan).rejected.map((r) => r.reason)).toEqual(['its checksum does not match: the line was altered']);
    const { sum: _sum, ...first } = JSON.parse(line);
    const otherPlan = first.plan.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    fs.writeFileSync(scratch, `${encodeRecordLine({ ...first, plan: otherPlan })}\n`);
    expect(readResultsFile(scratch, plan).rejected[0].reason).toMatch(/does not match its id/);
    fs.writeFileSync(scratch, `${encodeRecordLine({ ...first, plan: otherPlan, id: `${otherPlan}-${first.id.split('-')[1]}` })}\n`);
    expect(() => readResultsFile(scratch, plan)).toThrow(DlnError);
  });
});

describe('item 10: writes are whole or absent, and failures are ERR_DLN_IO naming the path', () => {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  test('a disk that fills mid-write (a short write, then ENOSPC): the old file stays, no temporary file is left', async () => {
    const d = dir('atomic');
    fs.mkdirSync(d, { recursive: true });
    const target = path.join(d, 'report.html');
    fs.writeFileSync(target, 'old');
    const open = fsp.open;
    const spy = jest.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      const handle = await open(...args);
      const write = handle.write.bind(handle) as (b: Uint8Array, o: number, l: number) => Promise<{ bytesWritten: number }>;
      let calls = 0;
      // The first write lands 8 bytes of many (as on a full disk); the next fails.
      handle.write = (async (buf: Uint8Array, offset = 0) => {
        if (calls++ === 0) return write(buf, offset, 8);
        throw enospc();
      }) as typeof handle.write;
      return handle;
    });
    try {
      const err = await writeFileAtomic(target, 'x'.repeat(21_000)).catch((e) => e);
      expect(err).toMatchObject({ code: 'ERR_DLN_IO' });
      expect(err.message).toBe(`cannot write ${target}: ENOSPC: no space left on device, write`);
    } finally {
      spy.mockRestore();
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(fs.readdirSync(d)).toEqual(['report.html']);
  });

  test('a short write is continued, not renamed into place partial', async () => {
    const d = dir('atomic-short');
    fs.mkdirSync(d, { recursive: true });
    const target = path.join(d, 'big.txt');
    const writeSync = fs.writeSync;
    // Before: one write call, its count ignored: 8 KB of 21 KB renamed into place.
    const spy = jest
      .spyOn(fs, 'writeSync')
      .mockImplementation(((fd: number, buf: Uint8Array, offset?: number, length?: number) =>
        writeSync(fd, buf, offset, Math.min(length ?? buf.length, 4096))) as typeof fs.writeSync);
    try {
      writeFileAtomicSync(target, 'y'.repeat(21_000));
    } finally {
      spy.mockRestore();
    }
    expect(fs.statSync(target).size).toBe(21_000);
  });

  test('an append that fails is rolled back to the last whole line', async () => {
    const d = dir('append');
    fs.mkdirSync(d, { recursive: true });
    const file = path.join(d, 'all.jsonl');
    fs.writeFileSync(file, '{"a":1}\n');
    const writer = new ResultWriter(file);
    const writeSync = fs.writeSync;
    let calls = 0;
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: Uint8Array, offset?: number) => {
      if (calls++ === 0) return writeSync(fd, buf, offset, 10);
      throw enospc();
    }) as typeof fs.writeSync);
    let err: unknown;
    try {
      writer.append({ plan: 'p', id: 'x' } as never);
    } catch (e) {
      err = e;
    } finally {
      spy.mockRestore();
      await writer.close();
    }
    expect(err).toMatchObject({ code: 'ERR_DLN_IO', message: expect.stringContaining(file) });
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}\n');
  });

  test('the CLI: a write error is one line naming the path, exit code 2, no temporary file', async () => {
    const out = dir('cli-io');
    await runExperiment(config, { out });
    const { main } = await import('../lib/cli/main');
    const open = fsp.open;
    const spy = jest.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      if (String(args[0]).includes('runs.csv')) throw enospc();
      return open(...args);
    });
    const stderr: string[] = [];
    const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
    const outSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await main(['node', 'dlnflow', 'report', out]);
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
      outSpy.mockRestore();
    }
    expect(code).toBe(2);
    expect(stderr.join('')).toMatch(
      new RegExp(`^dlnflow: cannot write ${path.join(out, 'runs.csv').replace(/[.]/g, '\\.')}: ENOSPC.*\\[ERR_DLN_IO\\]\\n$`),
    );
    expect(listTree(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('item 11: no writes through symbolic links inside a results directory', () => {
  test('a symlinked runs/all.jsonl is refused and its target untouched', async () => {
    const out = dir('symlink');
    await runExperiment(config, { out, shard: { index: 0, count: 2 } });
    const target = dir('precious.txt');
    fs.writeFileSync(target, 'precious\n');
    fs.symlinkSync(target, path.join(out, 'runs', 'all.jsonl'));
    const err = await runExperiment(config, { out }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_DLN_IO' });
    expect(err.message).toContain(`${path.join(out, 'runs', 'all.jsonl')}: it is a symbolic link`);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious\n'); // before: truncated or appended to
  });

  test('a symlinked traces/ or figures/ directory is refused', async () => {
    const out = dir('symlink');
    fs.rmSync(path.join(out, 'runs', 'all.jsonl'));
    fs.mkdirSync(dir('elsewhere'), { recursive: true });
    fs.symlinkSync(dir('elsewhere'), path.join(out, 'figures'));
    const err = await runExperiment(config, { out }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_DLN_IO', message: expect.stringContaining(`${path.join(out, 'figures')}: it is a symbolic link`) });
    expect(fs.readdirSync(dir('elsewhere'))).toEqual([]);
  });
});

describe('item 5: locks', () => {
  const runsOf = (name: string) => {
    const d = dir(name);
    fs.mkdirSync(path.join(d, 'runs'), { recursive: true });
    return { out: d, runs: path.join(d, 'runs') };
  };
  const holder = (over: Record<string, unknown>) =>
    `${JSON.stringify({ pid: process.pid, host: hostname(), boot: null, start: null, started: '2026-01-01T00:00:00.000Z', command: 'dlnflow run x', ...over })}\n`;
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

  test('a live holder on this host: ERR_DLN_BUSY naming the directory and the holder', async () => {
    const { out, runs } = runsOf('lock-live');
    fs.writeFileSync(path.join(runs, 'all.jsonl.lock'), holder({}));
    const err = await lockResultsWriter(out, runs, { kind: 'all' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_DLN_BUSY', field: 'out' });
    expect(err.message).toContain(`${out} is busy: runs/all.jsonl (an unsharded run) is locked by pid ${process.pid} on this host`);
    expect(err.message).toContain('--force-unlock');
  });

  test('a dead holder on this host is stale: taken over', async () => {
    const { out, runs } = runsOf('lock-dead');
    fs.writeFileSync(path.join(runs, 'all.jsonl.lock'), holder({ pid: deadPid() }));
    const lock = await lockResultsWriter(out, runs, { kind: 'all' });
    expect(JSON.parse(fs.readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
  });

  test('another host: respected while refreshed, taken after the limit or with forceUnlock', async () => {
    const { out, runs } = runsOf('lock-remote');
    const file = path.join(runs, 'all.jsonl.lock');
    fs.writeFileSync(file, holder({ host: 'node042.cluster', pid: 1 }));
    const err = await lockResultsWriter(out, runs, { kind: 'all' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_DLN_BUSY', message: expect.stringContaining('pid 1 on host node042.cluster') });
    expect(err.message).toContain('10 min after its last refresh');
    const forced = await lockResultsWriter(out, runs, { kind: 'all' }, { forceUnlock: true });
    forced.release();
    fs.writeFileSync(file, holder({ host: 'node042.cluster', pid: 1 }));
    const old = new Date(Date.now() - STALE_AFTER_MS - 60_000);
    fs.utimesSync(file, old, old);
    const taken = await lockResultsWriter(out, runs, { kind: 'all' });
    taken.release();
  });

  test('shards lock only their own file; an unsharded run or merge excludes every other writer', async () => {
    const { out, runs } = runsOf('lock-shards');
    const s0 = await lockResultsWriter(out, runs, { kind: 'shard', index: 0, count: 2 });
    const s1 = await lockResultsWriter(out, runs, { kind: 'shard', index: 1, count: 2 });
    await expect(lockResultsWriter(out, runs, { kind: 'shard', index: 1, count: 2 })).rejects.toMatchObject({
      code: 'ERR_DLN_BUSY',
      message: expect.stringContaining('shard 1/2'),
    });
    await expect(lockResultsWriter(out, runs, { kind: 'all' })).rejects.toMatchObject({ code: 'ERR_DLN_BUSY' });
    await expect(lockResultsWriter(out, runs, { kind: 'merge' })).rejects.toMatchObject({ code: 'ERR_DLN_BUSY' });
    expect(fs.readdirSync(runs).sort()).toEqual(['shard-0-of-2.jsonl.lock', 'shard-1-of-2.jsonl.lock']); // the refused left nothing
    s0.release();
    s1.release();
    const all = await lockResultsWriter(out, runs, { kind: 'all' });
    await expect(lockResultsWriter(out, runs, { kind: 'shard', index: 0, count: 2 })).rejects.toMatchObject({
      code: 'ERR_DLN_BUSY',
      message: expect.stringContaining('an unsharded run'),
    });
    all.release();
    expect(fs.readdirSync(runs)).toEqual([]);
  });

  test('a lock broken by another process is noticed before the next write', async () => {
    const { out, runs } = runsOf('lock-lost');
    const lock = await acquireLock(path.join(runs, 'all.jsonl.lock'), 'runs/all.jsonl', out);
    await lock.assertHeld();
    fs.writeFileSync(lock.path, holder({ host: 'elsewhere' }));
    await expect(lock.assertHeld()).rejects.toMatchObject({ code: 'ERR_DLN_BUSY', message: expect.stringContaining('lost the lock') });
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(true); // not ours: left alone
  });

  test('a sweep whose lock is taken while it runs appends nothing checked after the theft', async () => {
    // 32 runs of one problem: two lane units of 16 (lanes.ts), the lock checked before each
    // unit's records (docs/algorithms.md §4.6). The lock is taken when the sweep has started
    // (its first progress report, before any unit has finished): every check comes after it.
    // Without the check (or with one at the start of the sweep) all 32 would be appended beside
    // the new holder.
    const out = dir('lock-stolen-mid-sweep');
    const lockPath = path.join(out, 'runs', 'all.jsonl.lock');
    const sweep = { ...config, name: 'stolen', repetitions: 8 };
    let stolen = false;
    const err = await runExperiment(sweep, {
      out,
      onProgress: () => {
        if (!stolen) fs.writeFileSync(lockPath, holder({ host: 'elsewhere' }));
        stolen = true;
      },
    }).catch((e) => e);
    expect(stolen).toBe(true);
    expect(err).toMatchObject({ code: 'ERR_DLN_BUSY', message: expect.stringContaining('lost the lock') });
    expect(read(out, 'runs/all.jsonl')).toBe('');
    expect(JSON.parse(read(out, 'runs/all.jsonl.lock')).host).toBe('elsewhere'); // not ours: left alone
  });

  test('a second run into a busy directory is refused at once and deletes nothing', async () => {
    const out = dir('busy');
    const slow = { ...config, name: 'busy', train: { ...config.train, steps: 3_000_000 } };
    const controller = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const first = runExperiment(slow, { out, signal: controller.signal, onProgress: () => started() }).catch((e) => e);
    await running;
    const second = await runExperiment(slow, { out }).catch((e) => e);
    expect(second).toMatchObject({ code: 'ERR_DLN_BUSY', message: expect.stringContaining(`${out} is busy`) });
    expect(second.message).toContain(`pid ${process.pid}`);
    // Another experiment: its manifest says so before the lock is even looked at.
    const other = await runExperiment({ ...slow, seed: 3 }, { out }).catch((e) => e);
    expect(other).toMatchObject({ code: 'ERR_DLN_CONFIG', message: expect.stringContaining(`${out} holds another experiment`) });
    controller.abort();
    await first;
    expect(fs.readdirSync(path.join(out, 'runs'))).toEqual(['all.jsonl']); // every lock released
    const plan = buildPlan((await loadExperiment(slow)).experiment);
    expect(readAllResults(out, indexPlan(plan)).rejected).toEqual([]);
  });
});

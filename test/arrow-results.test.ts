/**
 * The Arrow IPC result files (opt-in, `output: { arrow: true }`; README "What a run writes"):
 * runs.arrow and traces.arrow read back by apache-arrow's reader and compared bit for bit with the
 * records (results.jsonl, runs.parquet through DuckDB, the trace files), and a table of NaN,
 * ±Infinity, -0, subnormals and null; the types as in the Parquet files; without the option no .arrow file is written (and a
 * stale one is removed); a bad value is an ERR_DLN_CONFIG naming output.arrow; the option leaves
 * plan hashes unchanged.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tableFromIPC, type Table as ArrowTable } from 'apache-arrow';
import { difference, duckdb, tableDifference } from './table-compare';
import { runExperiment } from '../lib/pipeline';
import type { ExperimentInput } from '../lib/experiments/schema';
import type { RunRecord, TraceFile } from '../lib/experiments/execute';
import { buildPlan } from '../lib/experiments/plan';
import { resolveExperiment } from '../lib/experiments/config';
import { findPreset } from '../lib/papers';
import { arrowBytes } from '../lib/report/arrow';
import { tableRows, type Table } from '../lib/report/tidy';

const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-arrow-'));

const { query } = duckdb();

/** An Arrow file's rows as plain values: Int64 as number (every int here is safe), lists as arrays. */
function arrowRows(file: string): { table: ArrowTable; rows: Record<string, unknown>[] } {
  const table = tableFromIPC(readFileSync(file));
  const plain = (v: unknown): unknown => {
    if (typeof v === 'bigint') {
      expect(Number.isSafeInteger(Number(v))).toBe(true);
      return Number(v);
    }
    if (v !== null && typeof v === 'object' && Symbol.iterator in v) return [...(v as Iterable<unknown>)].map(plain);
    return v;
  };
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < table.numRows; i++)
    rows.push(Object.fromEntries(table.schema.fields.map((f) => [f.name, plain(table.getChild(f.name)!.get(i))])));
  return { table, rows };
}

const types = (t: ArrowTable) => Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]));

describe('Arrow values read back by apache-arrow, bit for bit', () => {
  const table: Table = {
    rows: 5,
    columns: [
      { name: 'id', type: 'string', values: ['a', 'b, "quoted"', 'ünïcode σ', '', null] },
      { name: 'int', type: 'int', values: [0, -1, 2 ** 53 - 1, null, 42] },
      { name: 'final.x', type: 'double', values: [NaN, Infinity, -Infinity, null, -0] },
      { name: 'tiny', type: 'double', values: [5e-324, Number.MAX_VALUE, 0.1 + 0.2, 1 / 3, -1e-310] },
      { name: 'flag', type: 'boolean', values: [true, false, null, true, false] },
      { name: 'vector', type: 'doubles', values: [[1, NaN], [Infinity, null, -0], null, [], [2 ** -1074]] },
      { name: 'ranks', type: 'ints', values: [[1, 2, 3], [], null, [0], [2 ** 40]] },
      { name: 'names', type: 'strings', values: [['lossBelow'], [], null, ['a', 'b'], ['']] },
    ],
  };
  const file = path.join(root, 'values.arrow');

  beforeAll(() => writeFileSync(file, arrowBytes(table, { 'dlnflow.table': 'values' })));

  test('every value, NaN, ±Infinity, -0, subnormals and null included; types and metadata as declared', () => {
    const { table: read, rows } = arrowRows(file);
    expect(tableDifference(rows, tableRows(table))).toBeNull();
    expect(types(read)).toEqual({
      id: 'Utf8',
      int: 'Int64',
      'final.x': 'Float64',
      tiny: 'Float64',
      flag: 'Bool',
      vector: 'List<Float64>',
      ranks: 'List<Int64>',
      names: 'List<Utf8>',
    });
    // A null is an Arrow null (validity bit), NaN a value.
    expect(read.getChild('final.x')!.nullCount).toBe(1);
    expect([...read.schema.metadata]).toEqual([['dlnflow.table', 'values']]);
    // The IPC file format (Feather v2): magic ARROW1 at both ends.
    const bytes = readFileSync(file);
    expect([bytes.subarray(0, 6).toString(), bytes.subarray(bytes.length - 6).toString()]).toEqual(['ARROW1', 'ARROW1']);
  });

  test('the same table gives the same bytes; a NaN written as null is caught', () => {
    expect(Buffer.from(arrowBytes(table, { 'dlnflow.table': 'values' })).equals(readFileSync(file))).toBe(true);
    const changed: Table = {
      ...table,
      columns: table.columns.map((c) => (c.name === 'final.x' ? { ...c, values: [null, Infinity, -Infinity, null, -0] } : c)),
    };
    const other = path.join(root, 'changed.arrow');
    writeFileSync(other, arrowBytes(changed));
    expect(tableDifference(arrowRows(other).rows, tableRows(table))).toMatch(/^row 0 final.x: /);
  });

  test('an empty table is a valid file', () => {
    const empty = path.join(root, 'empty.arrow');
    writeFileSync(
      empty,
      arrowBytes({
        rows: 0,
        columns: [
          { name: 'id', type: 'string', values: [] },
          { name: 'v', type: 'doubles', values: [] },
        ],
      }),
    );
    const { table: read, rows } = arrowRows(empty);
    expect(rows).toEqual([]);
    expect(types(read)).toEqual({ id: 'Utf8', v: 'List<Float64>' });
  });
});

describe('a sweep with output {traces, arrow}: runs.arrow and traces.arrow hold the records, bit for bit', () => {
  const out = path.join(root, 'sweep');
  const config: ExperimentInput = {
    name: 'arrow-sweep',
    data: { kind: 'marion-chizat', n: 30, d: 4, noise: 1 },
    model: { depth: 3 },
    init: { kind: 'gaussian', scale: 0.5 },
    train: { learningRate: 0.05, steps: 100, recordEvery: 25, record: ['loss', 'sharpness', 'layerNorms'] },
    sweep: [{ 'train.learningRate': [0.05, 0.8] }, { 'init.scale': [0.3, 1.5] }],
    output: { traces: true, arrow: true },
  };
  let records: RunRecord[];

  beforeAll(async () => {
    await runExperiment(config, { out });
    records = readFileSync(path.join(out, 'runs', 'all.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunRecord)
      .sort((a, b) => a.index - b.index);
  });

  test('some runs diverged (their final values are null)', () => {
    expect(records.filter((r) => r.status === 'diverged').length).toBeGreaterThan(0);
    expect(records.filter((r) => r.status !== 'diverged').length).toBeGreaterThan(0);
  });

  test('runs.arrow: the rows of runs.parquet (DuckDB) and results.jsonl, the records', async () => {
    const { table, rows } = arrowRows(path.join(out, 'runs.arrow'));
    const parquet = await query(`SELECT * FROM '${path.join(out, 'runs.parquet')}'`);
    expect(tableDifference(rows, parquet)).toBeNull();
    // results.jsonl says NaN and infinities as null: the same rows where every number is finite.
    const jsonl = readFileSync(path.join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const asJson = rows.map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
    expect(tableDifference(asJson, jsonl)).toBeNull();
    expect(rows.map((r) => r.id)).toEqual(records.map((r) => r.id));
    for (const [i, r] of records.entries()) {
      const final = r.status === 'diverged' ? null : r.final;
      for (const q of ['loss', 'sharpness', 'layerNorms']) {
        expect(difference(rows[i][`initial.${q}`], r.initial[q] ?? null)).toBeNull();
        expect(difference(rows[i][`final.${q}`], final ? (final[q] ?? null) : null)).toBeNull();
      }
      expect(rows[i].divergedAt).toBe(r.divergedAt);
    }
    expect(rows.some((r) => r['final.loss'] === null)).toBe(true);
    expect(types(table)).toMatchObject({
      index: 'Int64',
      'train.learningRate': 'Float64',
      status: 'Utf8',
      divergedAt: 'Int64',
      'final.loss': 'Float64',
      'final.layerNorms': 'List<Float64>',
    });
    const manifest = JSON.parse(readFileSync(path.join(out, 'experiment.json'), 'utf8')) as { planHash: string };
    expect(Object.fromEntries(table.schema.metadata)).toEqual({ 'dlnflow.plan': manifest.planHash, 'dlnflow.table': 'runs' });
  });

  test('traces.arrow: the rows of traces.parquet and of the trace files', async () => {
    const { rows } = arrowRows(path.join(out, 'traces.arrow'));
    expect(tableDifference(rows, await query(`SELECT * FROM '${path.join(out, 'traces.parquet')}'`))).toBeNull();
    let k = 0;
    let nonFinite = 0;
    for (const r of records) {
      const t = JSON.parse(readFileSync(path.join(out, 'traces', `${r.id}.json`), 'utf8')) as TraceFile;
      const marks = new Map((t.nonFinite?.loss ?? []).map(([i, code]) => [i, code]));
      for (let i = 0; i < t.columns.step.values.length; i++, k++) {
        const mark = marks.get(i);
        const loss = mark ? Number(mark) : t.columns.loss.values[i];
        if (mark) nonFinite++;
        expect([r.id, i, difference(rows[k].loss, loss)]).toEqual([r.id, i, null]);
        expect([rows[k].id, rows[k].step]).toEqual([r.id, t.columns.step.values[i]]);
      }
    }
    expect(k).toBe(rows.length);
    // Training records no non-finite point here (runs stop at divergence): NaN and ±Infinity are
    // the first describe block's, through the same writer.
    expect(nonFinite).toBe(0);
  });
});

describe('output.arrow is opt-in and checked', () => {
  const small: ExperimentInput = {
    name: 'arrow-off',
    data: { kind: 'marion-chizat', n: 10, d: 2 },
    model: { depth: 2 },
    train: { learningRate: 0.05, steps: 5, record: ['loss'] },
    output: { traces: true },
  };

  test('without arrow: true no .arrow file is written, and an earlier report’s are removed', async () => {
    const out = path.join(root, 'off');
    await runExperiment({ ...small, output: { traces: true, arrow: true } }, { out });
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['runs.arrow', 'traces.arrow']));
    await runExperiment(small, { out });
    expect(readdirSync(out).filter((f) => f.endsWith('.arrow'))).toEqual([]);
    expect(existsSync(path.join(out, 'runs.parquet'))).toBe(true);
  });

  test("arrow: 'yes' is an ERR_DLN_CONFIG naming output.arrow", async () => {
    const bad = { ...small, output: { arrow: 'yes' } } as unknown as ExperimentInput;
    await expect(runExperiment(bad, { out: path.join(root, 'bad') })).rejects.toMatchObject({
      code: 'ERR_DLN_CONFIG',
      message: expect.stringContaining('output.arrow'),
    });
  });

  test('the option leaves plan hashes unchanged (the presets hash as before it)', () => {
    const hash = (source: Record<string, unknown>) => buildPlan(resolveExperiment(source, 'test', {}, findPreset).experiment).hash;
    // Plan hashes of dlnflow before output.arrow existed.
    expect(hash({ extends: 'marion-chizat-fig1' })).toBe('1b5ba6aeedf6bb7a');
    expect(hash({ extends: 'jacot-fig2' })).toBe('796e136764079332');
    expect(hash({ extends: 'marion-chizat-fig1', output: { arrow: true } })).toBe('1b5ba6aeedf6bb7a');
    expect(hash({ extends: 'marion-chizat-fig1-traces' })).toBe('110ac3361e91c736');
    expect(hash({ extends: 'marion-chizat-fig1-traces', output: { arrow: true } })).toBe('110ac3361e91c736');
    // What does decide the numbers still does: the false case of the comparison.
    expect(hash({ extends: 'marion-chizat-fig1', output: { traces: true } })).not.toBe('1b5ba6aeedf6bb7a');
  });
});

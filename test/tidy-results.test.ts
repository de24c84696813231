/**
 * The tidy result files (README "What a run writes"): runs.parquet and traces.parquet read back by
 * an independent reader, DuckDB (its own C++ Parquet reader, @duckdb/node-api), and compared bit
 * for bit with what the runs recorded (runs/*.jsonl, traces/*.json), NaN, ±Infinity, -0 and null
 * included; runs.csv and results.jsonl hold the same rows in their formats; the comparison can
 * fail (a changed value, a NaN written as null, a list cut short are each caught).
 */
import type { ExperimentInput } from '../lib/experiments/schema';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bits, difference, duckdb, tableDifference } from './table-compare';
import { runExperiment } from '../lib/pipeline';
import type { RunRecord, TraceFile } from '../lib/experiments/execute';
import { fromNonFiniteCode } from '../lib/experiments/execute';
import { divergedFinal } from '../lib/experiments/record-check';
import { buildPlan } from '../lib/experiments/plan';
import { resolveExperiment } from '../lib/experiments/config';
import { parquetBytes } from '../lib/report/parquet';
import { tableCsv } from '../lib/report/tables';
import { runsTable, tableRows, tracesTable, type Table } from '../lib/report/tidy';
import { Dataset } from '../lib/report/dataset';
import { AUTHORS_THEORY } from './synthetic-results';

const root = mkdtempSync(path.join(tmpdir(), 'dlnflow-tidy-'));

const { query } = duckdb();

async function columnTypes(file: string): Promise<Record<string, string>> {
  const rows = await query(`DESCRIBE SELECT * FROM '${file}'`);
  return Object.fromEntries(rows.map((r) => [r.column_name as string, r.column_type as string]));
}

describe('the comparison can fail', () => {
  test('a changed last bit, NaN for null, -0 for 0, a shorter list and a renamed column are differences', () => {
    expect(difference(0.1, 0.1)).toBeNull();
    expect(difference(NaN, NaN)).toBeNull();
    expect(difference(0.1, 0.1 + 2 ** -56)).not.toBeNull();
    expect(difference(NaN, null)).not.toBeNull();
    expect(difference(-0, 0)).not.toBeNull();
    expect(difference(Infinity, -Infinity)).not.toBeNull();
    expect(difference([1, null], [1])).not.toBeNull();
    expect(tableDifference([{ a: 1 }], [{ b: 1 }])).not.toBeNull();
  });
});

describe('Parquet values read back by DuckDB, bit for bit', () => {
  const table: Table = {
    rows: 5,
    columns: [
      { name: 'id', type: 'string', values: ['a', 'b, "quoted"', 'ünïcode σ', '', 'e'] },
      { name: 'int', type: 'int', values: [0, -1, 2 ** 53 - 1, null, 42] },
      { name: 'final.x', type: 'double', values: [NaN, Infinity, -Infinity, null, -0] },
      { name: 'tiny', type: 'double', values: [5e-324, Number.MAX_VALUE, 0.1 + 0.2, 1 / 3, -1e-310] },
      { name: 'flag', type: 'boolean', values: [true, false, null, true, false] },
      { name: 'vector', type: 'doubles', values: [[1, NaN], [Infinity, null, -0], null, [], [2 ** -1074]] },
      { name: 'ranks', type: 'ints', values: [[1, 2, 3], [], null, [0], [2 ** 40]] },
      { name: 'names', type: 'strings', values: [['lossBelow'], [], null, ['a', 'b'], ['']] },
    ],
  };
  const file = path.join(root, 'values.parquet');

  beforeAll(async () => {
    writeFileSync(file, await parquetBytes(table, { 'dlnflow.table': 'values' }));
  });

  test('every value, NaN, ±Infinity, -0, subnormals and null included; types as declared', async () => {
    expect(tableDifference(await query(`SELECT * FROM '${file}'`), tableRows(table))).toBeNull();
    expect(await columnTypes(file)).toEqual({
      id: 'VARCHAR',
      int: 'BIGINT',
      'final.x': 'DOUBLE',
      tiny: 'DOUBLE',
      flag: 'BOOLEAN',
      vector: 'DOUBLE[]',
      ranks: 'BIGINT[]',
      names: 'VARCHAR[]',
    });
    // A null is a Parquet null (not NaN, not ""), NaN is a NaN.
    const counts = (
      await query(
        `SELECT count(*) FILTER (WHERE "final.x" IS NULL) AS nulls, count(*) FILTER (WHERE isnan("final.x")) AS nans, count(*) FILTER (WHERE isinf("final.x")) AS infs FROM '${file}'`,
      )
    )[0];
    expect(counts).toEqual({ nulls: 1, nans: 1, infs: 2 });
    const kv = await query(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${file}')`);
    expect(kv).toEqual([{ key: 'dlnflow.table', value: 'values' }]);
  });

  test('the same table gives the same bytes; a changed value gives other bytes that read back as it', async () => {
    const again = await parquetBytes(table, { 'dlnflow.table': 'values' });
    expect(Buffer.from(again).equals(readFileSync(file))).toBe(true);
    const changed: Table = {
      ...table,
      columns: table.columns.map((c) => (c.name === 'final.x' ? { ...c, values: [null, Infinity, -Infinity, null, -0] } : c)),
    };
    const other = path.join(root, 'changed.parquet');
    writeFileSync(other, await parquetBytes(changed, { 'dlnflow.table': 'values' }));
    // NaN written as null: the reader sees the difference, and the comparison reports it.
    expect(tableDifference(await query(`SELECT * FROM '${other}'`), tableRows(table))).toMatch(/^row 0 final.x: /);
  });

  test('an empty table is a valid file', async () => {
    const empty = path.join(root, 'empty.parquet');
    writeFileSync(
      empty,
      await parquetBytes({
        rows: 0,
        columns: [
          { name: 'id', type: 'string', values: [] },
          { name: 'v', type: 'doubles', values: [] },
        ],
      }),
    );
    expect(await query(`SELECT count(*) AS n FROM '${empty}'`)).toEqual([{ n: 0 }]);
  });
});

describe('non-finite values marked in records and traces come back in every tidy table', () => {
  const config = resolveExperiment(
    {
      name: 'marks',
      data: { kind: 'marion-chizat', n: 10, d: 2 },
      model: { depth: 2 },
      train: { learningRate: 0.1, steps: 3, record: ['loss', 'layerNorms'] },
      sweep: [{ 'init.scale': [0.1, 0.2] }],
      output: { traces: true },
    },
    'test',
    {},
    () => undefined,
  ).experiment;
  const plan = buildPlan(config);
  const records: RunRecord[] = plan.runs.map((run, i) => ({
    id: run.id,
    index: run.index,
    point: run.point,
    values: run.values,
    rep: run.rep,
    seeds: run.seeds,
    status: i === 0 ? 'completed' : 'diverged',
    message: '',
    steps: 3,
    divergedAt: i === 0 ? null : 2,
    initial: { step: 0, time: 0, loss: null, layerNorms: [1, null] },
    final: { step: 3, time: 0.3, loss: 0.5, layerNorms: [null, 2] },
    nonFinite: { 'initial.loss': 'NaN', 'initial.layerNorms.1': '-Infinity', 'final.layerNorms.0': 'Infinity' },
  }));
  const traces = new Map<string, TraceFile>(
    plan.runs.map((run) => [
      run.id,
      {
        id: run.id,
        columns: {
          step: { width: 1, values: [0, 1] },
          time: { width: 1, values: [0, 0.1] },
          loss: { width: 1, values: [null, 0.5] },
          layerNorms: { width: 2, values: [1, null, null, 2] },
        },
        nonFinite: {
          loss: [[0, 'NaN']],
          layerNorms: [
            [1, '-Infinity'],
            [2, 'Infinity'],
          ],
        },
      },
    ]),
  );
  const built = plan.points.map(() => ({ key: '', problem: null as never, widths: [2, 2, 1], theory: AUTHORS_THEORY }));
  const ds = new Dataset(plan, records, built);

  test('runs: NaN and infinities restored; a diverged run has no final values (and no marks for them)', async () => {
    const runs = runsTable(ds);
    const rows = tableRows(runs);
    expect(difference(rows[0]['initial.loss'], NaN)).toBeNull();
    expect(difference(rows[0]['initial.layerNorms'], [1, -Infinity])).toBeNull();
    expect(difference(rows[0]['final.layerNorms'], [Infinity, 2])).toBeNull();
    expect(rows[1]['final.layerNorms']).toBeNull();
    expect(rows[1]['final.loss']).toBeNull();
    expect(difference(rows[1]['initial.loss'], NaN)).toBeNull();
    expect(divergedFinal(records[1]).nonFinite).toEqual({ 'initial.loss': 'NaN', 'initial.layerNorms.1': '-Infinity' });
    const file = path.join(root, 'marks-runs.parquet');
    writeFileSync(file, await parquetBytes(runs));
    expect(tableDifference(await query(`SELECT * FROM '${file}'`), rows)).toBeNull();
    // CSV: NaN / inf / -inf, null empty, list columns left out; JSON: null.
    const [header, first, second] = tableCsv(runs)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(header).not.toContain('initial.layerNorms');
    expect(first[header.indexOf('initial.loss')]).toBe('NaN');
    expect(second[header.indexOf('final.loss')]).toBe('');
    expect(JSON.parse(JSON.stringify(rows[0]))['initial.layerNorms']).toEqual([1, null]);
  });

  test('traces: long form, one row per recorded point, the marks restored', async () => {
    const table = tracesTable(ds, (id) => traces.get(id))!;
    expect(table.columns.map((c) => c.name)).toEqual(['id', 'index', 'rep', 'init.scale', 'step', 'time', 'loss', 'layerNorms']);
    const rows = tableRows(table);
    expect(rows).toHaveLength(4);
    expect(
      difference(
        rows.map((r) => r.loss),
        [NaN, 0.5, NaN, 0.5],
      ),
    ).toBeNull();
    expect(
      difference(
        rows.map((r) => r.layerNorms),
        [
          [1, -Infinity],
          [Infinity, 2],
          [1, -Infinity],
          [Infinity, 2],
        ],
      ),
    ).toBeNull();
    const file = path.join(root, 'marks-traces.parquet');
    writeFileSync(file, await parquetBytes(table));
    expect(tableDifference(await query(`SELECT * FROM '${file}'`), rows)).toBeNull();
  });

  test('fromNonFiniteCode reads what nonFinite writes', () => {
    expect([fromNonFiniteCode('NaN'), fromNonFiniteCode('Infinity'), fromNonFiniteCode('-Infinity')].map(bits)).toEqual(
      [NaN, Infinity, -Infinity].map(bits),
    );
  });
});

describe('a sweep: every result file holds the records, bit for bit', () => {
  const out = path.join(root, 'sweep');
  const config: ExperimentInput = {
    name: 'tidy-sweep',
    data: { kind: 'marion-chizat', n: 50, d: 5, noise: 1 },
    model: { depth: 3 },
    init: { kind: 'gaussian', scale: 0.5 },
    train: { learningRate: 0.05, steps: 200, recordEvery: 50, record: ['loss', 'distance', 'sharpness', 'layerNorms'] },
    repetitions: 2,
    sweep: [{ 'train.learningRate': [0.05, 0.6] }, { 'init.scale': [0.3, 1.5] }],
    output: { traces: true },
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

  /** What a run's row must hold, from its record alone (as README "What a run writes" names it). */
  function expectedRow(r: RunRecord): Record<string, unknown> {
    const final = r.status === 'diverged' ? null : r.final;
    const q = (row: RunRecord['initial'] | null, name: string) => (row ? row[name] : null);
    return {
      id: r.id,
      index: r.index,
      point: r.point,
      rep: r.rep,
      'train.learningRate': r.values['train.learningRate'],
      'init.scale': r.values['init.scale'],
      status: r.status,
      message: r.message,
      steps: r.steps,
      divergedAt: r.divergedAt,
      'seeds.data': r.seeds.data,
      'seeds.init': r.seeds.init,
      'seeds.projection': r.seeds.projection,
      'seeds.eigensolver': r.seeds.eigensolver,
      ...Object.fromEntries(['loss', 'distance', 'sharpness', 'layerNorms'].map((n) => [`initial.${n}`, q(r.initial, n)])),
      ...Object.fromEntries(['loss', 'distance', 'sharpness', 'layerNorms'].map((n) => [`final.${n}`, q(final, n)])),
    };
  }

  test('some runs diverged (the case that matters for null)', () => {
    expect(records.filter((r) => r.status === 'diverged').length).toBeGreaterThan(0);
    expect(records.filter((r) => r.status !== 'diverged').length).toBeGreaterThan(0);
    expect(records.every((r) => r.nonFinite === undefined)).toBe(true);
  });

  test('runs.parquet, results.jsonl and runs.csv: one row per run, the same values', async () => {
    const expected = records.map(expectedRow);
    expect(tableDifference(await query(`SELECT * FROM '${path.join(out, 'runs.parquet')}'`), expected)).toBeNull();
    const types = await columnTypes(path.join(out, 'runs.parquet'));
    expect(types).toMatchObject({
      index: 'BIGINT',
      'train.learningRate': 'DOUBLE',
      status: 'VARCHAR',
      divergedAt: 'BIGINT',
      'final.loss': 'DOUBLE',
      'final.layerNorms': 'DOUBLE[]',
    });
    const jsonl = readFileSync(path.join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(tableDifference(jsonl, expected)).toBeNull();
    // runs.csv through DuckDB's CSV reader: the scalar columns, in order, the same numbers.
    const csv = await query(`SELECT * FROM read_csv('${path.join(out, 'runs.csv')}', header = true)`);
    const scalarOnly = expected.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !k.endsWith('layerNorms'))));
    expect(
      tableDifference(
        csv.map((row) => ({ ...row, message: row.message ?? '' })),
        scalarOnly,
      ),
    ).toBeNull();
  });

  test('traces.parquet: every trace file in long form with its run id and parameters', async () => {
    const rows = await query(`SELECT * FROM '${path.join(out, 'traces.parquet')}' ORDER BY index, step`);
    const expected: Record<string, unknown>[] = [];
    for (const r of records) {
      const t = JSON.parse(readFileSync(path.join(out, 'traces', `${r.id}.json`), 'utf8')) as TraceFile;
      const n = t.columns.step.values.length;
      const width = t.columns.layerNorms.width;
      for (let i = 0; i < n; i++) {
        expected.push({
          id: r.id,
          index: r.index,
          rep: r.rep,
          'train.learningRate': r.values['train.learningRate'],
          'init.scale': r.values['init.scale'],
          step: t.columns.step.values[i],
          time: t.columns.time.values[i],
          loss: t.columns.loss.values[i],
          distance: t.columns.distance.values[i],
          sharpness: t.columns.sharpness.values[i],
          layerNorms: t.columns.layerNorms.values.slice(i * width, (i + 1) * width),
        });
      }
    }
    expect(rows.length).toBeGreaterThan(records.length);
    expect(tableDifference(rows, expected)).toBeNull();
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['runs.parquet', 'traces.parquet', 'runs.csv', 'results.jsonl']));
  });

  test("the README's DuckDB queries run on it as written (DIR replaced)", async () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### What a run writes'), readme.indexOf('**Interrupted runs resume.**'));
    const sql = /```sql\n([\s\S]*?)```/.exec(section)![1].replace(/DIR\//g, `${out}/`);
    const statements = sql
      .split(';')
      .map((s) => s.replace(/^--.*$/gm, '').trim())
      .filter(Boolean);
    expect(statements).toHaveLength(2);
    const [byPoint, trace] = [await query(statements[0]), await query(statements[1])];
    const trained = records.filter((r) => r.status !== 'diverged');
    expect(byPoint.reduce((n, r) => n + (r.runs as number), 0)).toBe(trained.length);
    const first = byPoint[0];
    const mine = trained.filter(
      (r) => r.values['train.learningRate'] === first['train.learningRate'] && r.values['init.scale'] === first['init.scale'],
    );
    expect(first.sharpness).toBeCloseTo(mine.reduce((s, r) => s + (r.final.sharpness as number), 0) / mine.length, 12);
    expect(trace.length).toBeGreaterThan(0);
    expect(trace[0]).toEqual({ id: expect.any(String), step: 0, loss: expect.any(Number), first_layer: expect.any(Number) });
  });

  // pandas is not a dependency: this runs where Debian's python3-pandas is installed.
  const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0);
  (python ? test : test.skip)(
    'pandas reads runs.csv (float_precision round_trip; null as empty) and results.jsonl (precise_float) to the same doubles',
    () => {
      const script = `
import json, sys, pandas as pd
out = sys.argv[1]
csv = pd.read_csv(out + "/runs.csv", float_precision="round_trip")
js = pd.read_json(out + "/results.jsonl", lines=True, precise_float=True)
col = lambda df, c: [None if pd.isna(v) else float(v).hex() for v in df[c]]
print(json.dumps({c: [col(csv, c), col(js, c)] for c in ["final.loss", "final.sharpness", "initial.distance", "train.learningRate"]}))
`;
      const r = spawnSync(python!, ['-c', script, out], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const columns = JSON.parse(r.stdout) as Record<string, [(string | null)[], (string | null)[]]>;
      const hex = (v: unknown) => (typeof v === 'number' ? v : null);
      for (const [name, [fromCsv, fromJson]] of Object.entries(columns)) {
        const [at, q] = name.split('.');
        const expected = records.map((rec) =>
          hex(at === 'train' ? rec.values[name] : at === 'final' && rec.status === 'diverged' ? null : rec[at as 'initial' | 'final'][q]),
        );
        const decode = (h: string | null) => (h === null ? null : parseFloat(h) === 0 && h.startsWith('-') ? -0 : Number(hexToDouble(h)));
        expect([name, fromCsv.map(decode)]).toEqual([name, expected]);
        expect([name, fromJson.map(decode)]).toEqual([name, expected]);
      }
    },
  );
});

/** Python's float.hex() back to a double. */
function hexToDouble(h: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]+)p([-+]\d+)$/.exec(h);
  if (!m) return h === 'inf' ? Infinity : h === '-inf' ? -Infinity : NaN;
  const mantissa = Number(m[2]) + parseInt(m[3], 16) / 16 ** m[3].length;
  return (m[1] ? -1 : 1) * mantissa * 2 ** Number(m[4]);
}

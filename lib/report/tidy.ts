/**
 * The results as tidy tables: one row per run (runs.csv, results.jsonl, runs.parquet) and one row
 * per recorded point of every kept trace (traces.parquet), each column typed and named in one
 * style: the dotted path of the value, in camelCase as the config writes it. A swept parameter is
 * named by its config path (`train.learningRate`, `init.scale`), a recorded quantity by where it
 * was taken (`initial.sharpness`, `final.loss`), the run's own fields by their record name
 * (`id`, `rep`, `status`, `divergedAt`, `seeds.init`, `flow.nfev`). README "What a run writes"
 * lists the columns.
 *
 * Values: a number that was NaN or infinite stays so here (records keep them as marks beside a
 * null, lib/experiments/execute.ts `nonFinite`); null is a value that does not exist (a diverged
 * run's final quantities, a quantity this run did not record). Each writer then says them as its
 * format can: Parquet and the in-memory rows as they are, CSV as NaN / inf / -inf and an empty
 * field, JSON (which has no NaN) as null.
 */
import type { NonFiniteMarks, RunRecord, TraceFile } from '../experiments/execute';
import { fromNonFiniteCode } from '../experiments/execute';
import type { AxisValue } from '../experiments/plan';
import type { Dataset, RunView } from './dataset';

/** int: a safe integer (Parquet INT64); double: a float64; the list types hold vector values. */
export type ColumnType = 'string' | 'int' | 'double' | 'boolean' | 'doubles' | 'ints' | 'strings';

export type Cell = string | number | boolean | null | (number | null)[] | string[];

export interface Column {
  name: string;
  type: ColumnType;
  values: Cell[];
}

/** Columns of equal length. */
export interface Table {
  columns: Column[];
  rows: number;
}

export const isListType = (t: ColumnType): boolean => t === 'doubles' || t === 'ints' || t === 'strings';

/** The type of a column holding these (non-null) values of a sweep axis. */
function axisType(values: (AxisValue | null)[]): ColumnType {
  const present = values.filter((v): v is AxisValue => v !== null);
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.length > 0 && present.every((v) => typeof v === 'number')) return present.every((v) => Number.isSafeInteger(v)) ? 'int' : 'double';
  return 'string';
}

/** An axis value in a column of `type` (a mixed axis is written as text). */
function axisCell(v: AxisValue | null, type: ColumnType): Cell {
  if (v === null) return null;
  return type === 'string' ? String(v) : v;
}

/** Recorded quantities in first-seen order, and whether each is a vector in any run. */
function quantities(runs: readonly RunView[]): { name: string; vector: boolean }[] {
  const seen = new Map<string, boolean>();
  for (const r of runs) {
    for (const row of [r.record.initial, r.record.final]) {
      for (const [k, v] of Object.entries(row ?? {})) {
        if (k === 'step' || k === 'time') continue;
        seen.set(k, (seen.get(k) ?? false) || Array.isArray(v));
      }
    }
  }
  return [...seen].map(([name, vector]) => ({ name, vector }));
}

/** A recorded value with its non-finite mark restored (null stays null). */
function restored(value: unknown, key: string, marks: NonFiniteMarks | undefined): number | null {
  if (typeof value === 'number') return value;
  const code = marks?.[key];
  return code ? fromNonFiniteCode(code) : null;
}

function quantityCell(record: RunRecord, at: 'initial' | 'final', name: string, vector: boolean): Cell {
  const row = record[at];
  if (!row || !Object.hasOwn(row, name)) return null;
  const v = row[name];
  const key = `${at}.${name}`;
  if (Array.isArray(v)) return v.map((x, j) => restored(x, `${key}.${j}`, record.nonFinite));
  const scalar = restored(v, key, record.nonFinite);
  // A quantity that is a vector elsewhere (width 1 here) is a one-element list.
  return vector && scalar !== null ? [scalar] : scalar;
}

function column(name: string, type: ColumnType, values: Cell[]): Column {
  return { name, type, values };
}

/** A column's name, type and how to read its cell from one item (a run record, a flow summary…). */
type ColumnSpec<T> = readonly [name: string, type: ColumnType, get: (item: T) => Cell];

/** Columns from specs over items; an item that is null gives a null cell in every column. */
function columnsOf<T>(items: readonly (T | null)[], specs: readonly ColumnSpec<T>[]): Column[] {
  return specs.map(([name, type, get]) =>
    column(
      name,
      type,
      items.map((x) => (x === null ? null : get(x))),
    ),
  );
}

/** The sweep axes as columns, each typed by the values it holds. */
function axisColumns(axes: readonly string[], records: readonly RunRecord[]): Column[] {
  return axes.map((axis) => {
    const values = records.map((r) => (Object.hasOwn(r.values, axis) ? r.values[axis] : null));
    const type = axisType(values);
    return column(
      axis,
      type,
      values.map((v) => axisCell(v, type)),
    );
  });
}

const RUN_ID_COLUMNS: readonly ColumnSpec<RunRecord>[] = [
  ['id', 'string', (r) => r.id],
  ['index', 'int', (r) => r.index],
  ['point', 'int', (r) => r.point],
  ['rep', 'int', (r) => r.rep],
];

const RUN_STATUS_COLUMNS: readonly ColumnSpec<RunRecord>[] = [
  ['status', 'string', (r) => r.status],
  ['message', 'string', (r) => r.message],
  ['steps', 'int', (r) => r.steps],
  ['divergedAt', 'int', (r) => r.divergedAt],
  ...(['data', 'init', 'projection', 'eigensolver'] as const).map((k): ColumnSpec<RunRecord> => [`seeds.${k}`, 'int', (r) => r.seeds[k]]),
];

type FlowSummary = NonNullable<RunRecord['flow']>;
const FLOW_COLUMNS: readonly ColumnSpec<FlowSummary>[] = [
  ['flow.t', 'double', (x) => x.t],
  ['flow.nfev', 'int', (x) => x.nfev],
  ['flow.accepted', 'int', (x) => x.accepted],
  ['flow.rejected', 'int', (x) => x.rejected],
  ['flow.balancednessDrift', 'double', (x) => x.balancednessDrift],
  ['flow.eventNames', 'strings', (x) => x.events.map((e) => e.name)],
  ['flow.eventTimes', 'doubles', (x) => x.events.map((e) => e.t)],
];

type Stages = NonNullable<RunRecord['stages']>;
const STAGE_COLUMNS: readonly ColumnSpec<Stages>[] = [
  ['stages.width', 'ints', (x) => x.map((s) => s.width)],
  ['stages.rank', 'ints', (x) => x.map((s) => s.rank)],
  ['stages.loss', 'doubles', (x) => x.map((s) => s.loss)],
  ['stages.testLoss', 'doubles', (x) => x.map((s) => s.testLoss)],
];

/**
 * One row per run, in plan order: id, index, point, rep, the sweep axes by path, status, message,
 * steps, divergedAt, the seeds, initial.* and final.* of every recorded quantity (vector
 * quantities as lists), and for gradient flow flow.*, for the greedy algorithm stages.* (lists, one
 * entry per stage). A diverged run's final values are null.
 */
export function runsTable(ds: Dataset): Table {
  const records = ds.runs.map((r) => r.record);
  const cols: Column[] = [...columnsOf(records, RUN_ID_COLUMNS), ...axisColumns(ds.axes, records), ...columnsOf(records, RUN_STATUS_COLUMNS)];
  const qs = quantities(ds.runs);
  for (const at of ['initial', 'final'] as const) {
    for (const q of qs)
      cols.push(
        column(
          `${at}.${q.name}`,
          q.vector ? 'doubles' : 'double',
          records.map((r) => quantityCell(r, at, q.name, q.vector)),
        ),
      );
  }
  if (records.some((r) => r.flow))
    cols.push(
      ...columnsOf(
        records.map((r) => r.flow ?? null),
        FLOW_COLUMNS,
      ),
    );
  if (records.some((r) => r.stages))
    cols.push(
      ...columnsOf(
        records.map((r) => r.stages ?? null),
        STAGE_COLUMNS,
      ),
    );
  return { columns: cols, rows: records.length };
}

/** The table's rows as objects (column order kept), e.g. for results.jsonl or a notebook. */
export function tableRows(table: Table): Record<string, Cell>[] {
  return Array.from({ length: table.rows }, (_, i) => Object.fromEntries(table.columns.map((c) => [c.name, c.values[i]])));
}

/** A value of a trace column with its non-finite mark restored. */
function traceValues(trace: TraceFile, name: string): (number | null)[] {
  const col = trace.columns[name];
  const values = col.values.slice();
  for (const [i, code] of trace.nonFinite?.[name] ?? []) values[i] = fromNonFiniteCode(code);
  return values;
}

/**
 * Every kept trace in long form: one row per recorded point, in plan order then step order, with
 * the run's id, index, rep and sweep values, then step, time and one column per recorded quantity
 * (a list per row for vector quantities such as singularValues). Runs without a trace file add no
 * rows.
 */
export function tracesTable(ds: Dataset, loadTrace: (id: string) => TraceFile | undefined): Table | null {
  const traces: { run: RunView; trace: TraceFile; length: number }[] = [];
  for (const run of ds.runs) {
    const trace = loadTrace(run.record.id);
    if (!trace) continue;
    const first = Object.values(trace.columns)[0];
    traces.push({ run, trace, length: first ? first.values.length / first.width : 0 });
  }
  if (traces.length === 0) return null;
  const names: string[] = [];
  const vector = new Map<string, boolean>();
  for (const { trace } of traces) {
    for (const [name, col] of Object.entries(trace.columns)) {
      if (!vector.has(name)) names.push(name);
      vector.set(name, (vector.get(name) ?? false) || col.width !== 1);
    }
  }
  const rows = traces.reduce((n, t) => n + t.length, 0);
  const perRow = traces.flatMap(({ run, length }) => Array.from({ length }, () => run.record));
  const cols: Column[] = [
    ...columnsOf(
      perRow,
      RUN_ID_COLUMNS.filter(([name]) => name !== 'point'),
    ),
    ...axisColumns(ds.axes, perRow),
  ];
  const ordered = ['step', 'time', ...names.filter((n) => n !== 'step' && n !== 'time')].filter((n) => vector.has(n));
  for (const name of ordered) {
    const isVector = vector.get(name)!;
    const values: Cell[] = [];
    for (const { trace, length } of traces) {
      const col = trace.columns[name];
      if (!col) {
        for (let i = 0; i < length; i++) values.push(null);
        continue;
      }
      const all = traceValues(trace, name);
      for (let i = 0; i < length; i++) values.push(isVector ? all.slice(i * col.width, (i + 1) * col.width) : all[i]);
    }
    const type: ColumnType = isVector ? 'doubles' : name === 'step' && values.every((v) => v === null || Number.isSafeInteger(v)) ? 'int' : 'double';
    cols.push(column(name, type, values));
  }
  return { columns: cols, rows };
}

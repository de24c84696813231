/**
 * Tables (lib/report/tidy.ts) as Apache Arrow IPC files (the `.arrow` file format, "Feather v2"),
 * written by apache-arrow, the Arrow project's own JavaScript implementation. Opt-in
 * (`output: { arrow: true }`): the package loads only when such a file is written, never for
 * training or for a report without it.
 *
 * Types as in the Parquet files (lib/report/parquet.ts): string → Utf8, int → Int64, double →
 * Float64, boolean → Bool, the list types → List of nullable Float64 / Int64 / Utf8. Every field
 * is nullable: null is an Arrow null (validity bit), NaN and ±Infinity are written as the doubles
 * they are. One record batch, no compression, the metadata as schema key/value pairs; no
 * timestamps, so the same table gives the same bytes.
 */
import { DlnError } from '../errors';
import type { Column, ColumnType, Table } from './tidy';

type ArrowModule = typeof import('apache-arrow');
type DataType = import('apache-arrow').DataType;

let arrow: ArrowModule | undefined;

/** apache-arrow (CommonJS for Node), loaded on first use. */
function loadArrow(): ArrowModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, only when an Arrow file is written
  arrow ??= require('apache-arrow') as ArrowModule;
  return arrow;
}

function typeOf(A: ArrowModule, type: ColumnType): DataType {
  const element = (t: DataType) => new A.List(new A.Field('element', t, true));
  switch (type) {
    case 'string':
      return new A.Utf8();
    case 'int':
      return new A.Int64();
    case 'double':
      return new A.Float64();
    case 'boolean':
      return new A.Bool();
    case 'doubles':
      return element(new A.Float64());
    case 'ints':
      return element(new A.Int64());
    case 'strings':
      return element(new A.Utf8());
  }
}

const toBig = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as number));

/** A column's values as the builder takes them: Int64 as bigint. */
function valuesOf(col: Column): unknown[] {
  if (col.type === 'int') return col.values.map(toBig);
  if (col.type === 'ints') return col.values.map((v) => (Array.isArray(v) ? v.map(toBig) : null));
  return col.values;
}

/** The bytes of an Arrow IPC file holding `table` (key/value metadata optional). */
export function arrowBytes(table: Table, metadata: Record<string, string> = {}): Uint8Array {
  const names = new Set<string>();
  for (const c of table.columns) {
    if (names.has(c.name)) throw new DlnError('ERR_DLN_INTERNAL', `two columns named "${c.name}" in one table`);
    if (c.values.length !== table.rows) throw new DlnError('ERR_DLN_INTERNAL', `column "${c.name}" has ${c.values.length} values, not ${table.rows}`);
    names.add(c.name);
  }
  const A = loadArrow();
  const fields = table.columns.map((c) => new A.Field(c.name, typeOf(A, c.type), true));
  const children = table.columns.map((c, i) => {
    // Only null and undefined are nulls: NaN is a value.
    const builder = A.makeBuilder({ type: fields[i].type, nullValues: [null, undefined] });
    for (const v of valuesOf(c)) builder.append(v);
    return builder.finish().flush();
  });
  const schema = new A.Schema(fields, new Map(Object.entries(metadata)));
  const batch = new A.RecordBatch(schema, A.makeData({ type: new A.Struct(fields), length: table.rows, nullCount: 0, children }));
  return A.tableToIPC(new A.Table(schema, [batch]), 'file');
}

/**
 * Tables (lib/report/tidy.ts) as Apache Parquet files, written in pure JavaScript by
 * hyparquet-writer (nothing to compile). The writer is an ES module: Node 20.19+ and 22.12+
 * require() it directly; older Node 20 releases load it with a dynamic import() that TypeScript's
 * CommonJS output would turn into require(), hence the Function wrapper. It loads when a report
 * is written, never for training.
 *
 * Types: string → BYTE_ARRAY (UTF8), int → INT64, double → DOUBLE, boolean → BOOLEAN, the list
 * types → the standard three-level LIST of optional elements. Every column is OPTIONAL: null is a
 * Parquet null, and NaN and ±Infinity are written as the doubles they are. Snappy compression,
 * column statistics; no timestamps, so the same table gives the same bytes.
 */
import { DlnError } from '../errors';
import { isListType, type Column, type ColumnType, type Table } from './tidy';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json lies outside lib/, so an import would change the compiled layout
const { version } = require('../../package.json') as { version: string };

interface SchemaElement {
  name: string;
  type?: 'BYTE_ARRAY' | 'INT64' | 'DOUBLE' | 'BOOLEAN';
  converted_type?: 'UTF8' | 'LIST';
  repetition_type?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  num_children?: number;
}

interface HyparquetWriter {
  parquetWriteBuffer(options: {
    columnData: { name: string; data: unknown[] }[];
    schema: SchemaElement[];
    codec?: 'SNAPPY' | 'UNCOMPRESSED';
    createdBy?: string;
    kvMetadata?: { key: string; value?: string }[];
  }): ArrayBuffer;
}

let writer: Promise<HyparquetWriter> | undefined;

/** hyparquet-writer, loaded on first use. */
function loadWriter(): Promise<HyparquetWriter> {
  writer ??= (async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, only when a Parquet file is written
      return require('hyparquet-writer') as HyparquetWriter;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
      // Node 20.17 / 20.18: require() of an ES module needs a flag; import() does not.
      const importModule = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<HyparquetWriter>;
      return importModule('hyparquet-writer');
    }
  })();
  writer.catch(() => (writer = undefined));
  return writer;
}

const LEAF: Record<Exclude<ColumnType, 'doubles' | 'ints' | 'strings'>, Pick<SchemaElement, 'type' | 'converted_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
};

const ELEMENT: Record<'doubles' | 'ints' | 'strings', Pick<SchemaElement, 'type' | 'converted_type'>> = {
  doubles: LEAF.double,
  ints: LEAF.int,
  strings: LEAF.string,
};

function schemaOf(col: Column): SchemaElement[] {
  if (!isListType(col.type)) return [{ name: col.name, ...LEAF[col.type as keyof typeof LEAF], repetition_type: 'OPTIONAL' }];
  return [
    { name: col.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', ...ELEMENT[col.type as keyof typeof ELEMENT], repetition_type: 'OPTIONAL' },
  ];
}

const toBig = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as number));

/** A column's values as the writer takes them: INT64 as bigint. */
function dataOf(col: Column): unknown[] {
  if (col.type === 'int') return col.values.map(toBig);
  if (col.type === 'ints') return col.values.map((v) => (Array.isArray(v) ? v.map(toBig) : null));
  return col.values;
}

/** The bytes of a Parquet file holding `table` (key/value metadata optional). */
export async function parquetBytes(table: Table, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const names = new Set<string>();
  for (const c of table.columns) {
    if (names.has(c.name)) throw new DlnError('ERR_DLN_INTERNAL', `two columns named "${c.name}" in one table`);
    names.add(c.name);
  }
  const { parquetWriteBuffer } = await loadWriter();
  const buffer = parquetWriteBuffer({
    columnData: table.columns.map((c) => ({ name: c.name, data: dataOf(c) })),
    schema: [{ name: 'root', num_children: table.columns.length }, ...table.columns.flatMap(schemaOf)],
    codec: 'SNAPPY',
    createdBy: `dlnflow ${version} (hyparquet-writer)`,
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return new Uint8Array(buffer);
}

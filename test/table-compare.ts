/**
 * Comparing result tables bit for bit, shared by the tidy-file and Arrow-file tests: a DuckDB
 * connection that reads Parquet back (an independent reader), and `difference`, which says where
 * two values differ (numbers by their bits, NaN as one value, lists element by element).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** A DuckDB connection opened for the calling test file; `query` runs SQL on it. */
export function duckdb(): { query: (sql: string) => Promise<Record<string, unknown>[]> } {
  let connection: DuckDBConnection | undefined;
  beforeAll(async () => {
    connection = await (await DuckDBInstance.create(':memory:')).connect();
  });
  /** Every row of a query, as plain JavaScript values (BIGINT as number: every int here is safe). */
  const query = async (sql: string): Promise<Record<string, unknown>[]> => {
    const reader = await connection!.runAndReadAll(sql);
    const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(plain) : v);
    return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
  };
  return { query };
}

/** A number's bits (NaN as one value: JavaScript does not keep NaN payloads). */
export const bits = (v: number) => (Number.isNaN(v) ? 'NaN' : Buffer.from(new Float64Array([v]).buffer).toString('hex'));

/** Where two values differ (null: nowhere): numbers bit for bit, lists element by element. */
export function difference(a: unknown, b: unknown, where = ''): string | null {
  if (typeof a === 'number' && typeof b === 'number') return bits(a) === bits(b) ? null : `${where}: ${a} != ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${where}: ${a.length} values != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${where}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${where}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
}

/** Where two lists of rows differ: row count, column names and order, then every value. */
export function tableDifference(rows: Record<string, unknown>[], expected: Record<string, unknown>[]): string | null {
  if (rows.length !== expected.length) return `${rows.length} rows != ${expected.length}`;
  for (let i = 0; i < rows.length; i++) {
    const keys = Object.keys(expected[i]);
    if (difference(Object.keys(rows[i]), keys)) return `row ${i}: columns ${Object.keys(rows[i])} != ${keys}`;
    for (const k of keys) {
      const d = difference(rows[i][k], expected[i][k], `row ${i} ${k}`);
      if (d) return d;
    }
  }
  return null;
}

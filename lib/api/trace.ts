/** A recorded trajectory: one row per recording, named columns. */
import { fieldError } from '../errors';
import type { NativeColumn } from '../native';
import { suggestion } from '../util/closest';
import { JUPYTER_DISPLAY, traceBundle, type MimeBundle } from './display';
import type { Matrix } from './matrix';

export class Trace {
  /** Number of recorded rows. */
  readonly length: number;
  private readonly columns: Map<string, NativeColumn>;

  constructor(columns: NativeColumn[]) {
    this.columns = new Map(columns.map((c) => [c.name, c]));
    const first = columns[0];
    this.length = first ? first.values.length / first.width : 0;
  }

  /** Column names in recording order. */
  get names(): string[] {
    return [...this.columns.keys()];
  }

  has(name: string): boolean {
    return this.columns.has(name);
  }

  /** A column by name, or ERR_DLN_VALUE listing the columns there are (ERR_DLN_TYPE for a name that is no string). */
  private column(name: string): NativeColumn {
    if (typeof name !== 'string')
      throw fieldError('ERR_DLN_TYPE', 'name', `expected a column name (a string); the trace has ${this.names.join(', ')}`);
    const c = this.columns.get(name);
    if (!c) {
      const hint = suggestion(name, this.names);
      throw fieldError(
        'ERR_DLN_VALUE',
        'name',
        `the trace has no column '${name}'${hint.startsWith(' (did') ? hint : ''} (columns: ${this.names.join(', ')})`,
      );
    }
    return c;
  }

  /** A scalar column (one value per row). */
  scalar(name: string): Float64Array {
    const c = this.column(name);
    if (c.width !== 1) throw fieldError('ERR_DLN_VALUE', 'name', `trace column '${name}' has ${c.width} values per row: use vector()`);
    return c.values;
  }

  /** A vector column as a rows x width matrix (e.g. singularValues). */
  vector(name: string): Matrix {
    const c = this.column(name);
    return { rows: this.length, cols: c.width, data: c.values };
  }

  /** Row i as a plain object (vector columns as arrays; NaN as null), e.g. for JSONL. */
  row(i: number): Record<string, number | null | (number | null)[]> {
    const out: Record<string, number | null | (number | null)[]> = {};
    for (const c of this.columns.values()) {
      const clean = (v: number) => (Number.isFinite(v) ? v : null);
      out[c.name] = c.width === 1 ? clean(c.values[i]) : Array.from(c.values.subarray(i * c.width, (i + 1) * c.width), clean);
    }
    return out;
  }

  toRows(): Record<string, number | null | (number | null)[]>[] {
    return Array.from({ length: this.length }, (_, i) => this.row(i));
  }

  /** A notebook's rich display (lib/api/display.ts): a Vega-Lite chart, an HTML table, a line of text. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return traceBundle(this);
  }
}

/**
 * Rich display in notebooks: Deno's Jupyter kernel calls an object's
 * `[Symbol.for('Jupyter.display')]()` and shows the MIME bundle it returns (the richest type the
 * front end renders: Vega-Lite, then SVG, then HTML, then text). Traces and the results of train
 * and flow carry one (non-enumerable, so it is no data field: JSON, equality and spreading ignore
 * it); experiment outcomes carry theirs from lib/pipeline/display.ts.
 *
 * The bundles are plain data built here without Vega (the training stack loads no renderer):
 * - application/vnd.vegalite.v5+json: one panel per scalar column against step, log-scaled when
 *   the column is positive and spans more than two decades; at most MAX_POINTS points per column
 *   (evenly strided, the last row kept);
 * - text/html: a table of the rows (the first and last HEAD rows of a long trace);
 * - text/plain: one line.
 */
import type { Matrix } from './matrix';

/** What the bundles read of a trace (lib/api/trace.ts Trace, which imports this module). */
export interface TraceLike {
  readonly length: number;
  readonly names: string[];
  has(name: string): boolean;
  scalar(name: string): Float64Array;
  vector(name: string): Matrix;
}

export const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

export type MimeBundle = Record<string, unknown>;

/** Attaches a display method to `target` (non-enumerable). */
export function withDisplay<T extends object>(target: T, bundle: (self: T) => MimeBundle): T {
  Object.defineProperty(target, JUPYTER_DISPLAY, { value: () => bundle(target), enumerable: false, configurable: true, writable: true });
  return target;
}

const HEAD = 10;
const MAX_POINTS = 2000;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number as a table shows it: 6 significant digits, NaN / ±inf spelled out, null empty. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+(e|$)/, '$1');
  }
  if (Array.isArray(v)) return `[${v.map(cellText).join(', ')}]`;
  return String(v);
}

/** An HTML table of rows (objects with the same keys), with an optional caption. */
export function htmlTable(columns: string[], rows: Record<string, unknown>[], caption?: string, skipped = 0): string {
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const line = (r: Record<string, unknown>) => `<tr>${columns.map((c) => `<td>${escapeHtml(cellText(r[c]))}</td>`).join('')}</tr>`;
  const body =
    skipped > 0
      ? [...rows.slice(0, HEAD).map(line), `<tr><td colspan="${columns.length}">… ${skipped} more rows …</td></tr>`, ...rows.slice(HEAD).map(line)]
      : rows.map(line);
  return `<table class="dlnflow">${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}<thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

/** The raw values of row i (NaN and infinities kept, unlike Trace.row). */
function rawRow(trace: TraceLike, i: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of trace.names) {
    const m = trace.vector(name);
    out[name] = m.cols === 1 ? m.data[i] : Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  }
  return out;
}

/** The table of a trace: every row, or the first and last HEAD rows of a longer one. */
export function traceHtml(trace: TraceLike, caption?: string): string {
  const n = trace.length;
  const index =
    n <= 2 * HEAD
      ? Array.from({ length: n }, (_, i) => i)
      : [...Array.from({ length: HEAD }, (_, i) => i), ...Array.from({ length: HEAD }, (_, i) => n - HEAD + i)];
  return htmlTable(
    trace.names,
    index.map((i) => rawRow(trace, i)),
    caption ?? `${n} recorded rows`,
    Math.max(0, n - index.length),
  );
}

/** The rows a chart draws: every row, or an even stride through them ending at the last. */
function sampled(n: number): number[] {
  if (n <= MAX_POINTS) return Array.from({ length: n }, (_, i) => i);
  const stride = Math.ceil(n / MAX_POINTS);
  const out: number[] = [];
  for (let i = 0; i < n; i += stride) out.push(i);
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

/** A Vega-Lite spec: one panel per scalar column (but step and time) against step. */
export function traceVegaLite(trace: TraceLike, title?: string): Record<string, unknown> {
  const rows = sampled(trace.length);
  const step = trace.has('step') ? trace.scalar('step') : Float64Array.from(rows, (_, i) => i);
  const panels = trace.names
    .filter((name) => name !== 'step' && name !== 'time' && trace.vector(name).cols === 1)
    .map((name) => {
      const v = trace.scalar(name);
      const values = rows.filter((i) => Number.isFinite(v[i])).map((i) => ({ step: step[i], [name]: v[i] }));
      const ys = values.map((p) => p[name] as number);
      const positive = ys.length > 0 && ys.every((y) => y > 0);
      const log = positive && Math.max(...ys) / Math.min(...ys) > 100;
      return {
        width: 420,
        height: 120,
        data: { values },
        mark: { type: 'line', point: values.length <= 2 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: name, type: 'quantitative', title: name, scale: log ? { type: 'log' } : { zero: false } },
          tooltip: [
            { field: 'step', type: 'quantitative' },
            { field: name, type: 'quantitative', format: '.6g' },
          ],
        },
      };
    });
  return { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...(title ? { title } : {}), vconcat: panels };
}

/** The bundle of a trace. */
export function traceBundle(trace: TraceLike, title?: string): MimeBundle {
  return {
    'application/vnd.vegalite.v5+json': traceVegaLite(trace, title),
    'text/html': traceHtml(trace, title),
    'text/plain': `Trace: ${trace.length} rows; columns ${trace.names.join(', ')}`,
  };
}

/** The bundle of a train() or flow() result: its summary line, the trace's chart and table. */
export function runBundle(
  result: { status: string; message: string; trace: TraceLike } & Record<string, unknown>,
  kind: 'train' | 'flow',
): MimeBundle {
  const facts: [string, unknown][] = [
    ['status', result.status],
    ...(['steps', 'divergedAt', 't', 'finalLoss', 'finalGradNorm'] as const).filter((k) => k in result).map((k): [string, unknown] => [k, result[k]]),
  ];
  const summary = facts.map(([k, v]) => `${k} ${cellText(v) || 'null'}`).join(', ');
  const factTable = htmlTable(
    facts.map(([k]) => k),
    [Object.fromEntries(facts)],
    `${kind}: ${result.message}`,
  );
  return {
    'application/vnd.vegalite.v5+json': traceVegaLite(result.trace, `${kind}: ${result.status}`),
    'text/html': `${factTable}${traceHtml(result.trace)}`,
    'text/plain': `${kind} result: ${summary}`,
  };
}

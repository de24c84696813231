/**
 * Per-run and per-grid-point tables as CSV, flat for pandas, polars, DuckDB or a spreadsheet.
 * Columns are named as in every result file (lib/report/tidy.ts: dotted paths, camelCase).
 * Cells: null is an empty field; NaN and the infinities are written `NaN`, `inf`, `-inf`, which
 * pandas, polars and DuckDB all read as floats; list columns (vector quantities, flow events,
 * greedy stages) are left out of CSV: results.jsonl and runs.parquet hold them.
 */
import { divergenceRate, isDiverged, scalarQuantities, type Dataset, type RunView } from './dataset';
import { meanCi } from './stats';
import { isListType, runsTable, type Table } from './tidy';

type CsvCell = string | number | boolean | null | undefined;

function cell(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: CsvCell[][]): string {
  return [header.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}

/** A table as CSV, its list columns left out. */
export function tableCsv(table: Table): string {
  const cols = table.columns.filter((c) => !isListType(c.type));
  return toCsv(
    cols.map((c) => c.name),
    Array.from({ length: table.rows }, (_, i) => cols.map((c) => c.values[i] as CsvCell)),
  );
}

/** runs.csv: one row per run (runsTable without its list columns). */
export function runsCsv(ds: Dataset): string {
  return tableCsv(runsTable(ds));
}

function scalar(row: Record<string, unknown> | undefined, name: string): number | null {
  const v = row?.[name];
  return typeof v === 'number' ? v : null;
}

export interface GridRow {
  values: Record<string, unknown>;
  runs: number;
  diverged: number;
  divergenceRate: number;
  stats: Record<
    string,
    { initialMean: number | null; finalMean: number | null; finalLo: number | null; finalHi: number | null; finalSd: number | null; n: number }
  >;
}

/** One row per grid point: divergence and, for each scalar quantity, initial mean and final mean / 95% CI / sd over non-diverged runs. */
export function gridRows(ds: Dataset): GridRow[] {
  const quantities = scalarQuantities(ds.runs);
  return ds.group(ds.runs, ds.axes).map((g) => {
    const stats: GridRow['stats'] = {};
    const finals = g.runs.filter((r: RunView) => !isDiverged(r));
    for (const q of quantities) {
      const init = meanCi(g.runs.map((r) => scalar(r.record.initial, q)).filter((v): v is number => v !== null));
      const fin = meanCi(finals.map((r) => scalar(r.record.final, q)).filter((v): v is number => v !== null));
      stats[q] = { initialMean: init.mean, finalMean: fin.mean, finalLo: fin.lo, finalHi: fin.hi, finalSd: fin.sd, n: fin.n };
    }
    return {
      values: Object.fromEntries(ds.axes.map((a, i) => [a, g.key[i]])),
      runs: g.runs.length,
      diverged: g.runs.filter(isDiverged).length,
      divergenceRate: divergenceRate(g.runs),
      stats,
    };
  });
}

/**
 * aggregate.csv: one row per grid point, the sweep axes by path, then runs, diverged,
 * divergenceRate and per scalar quantity q: initial.q.mean, final.q.mean, final.q.ci95Lo,
 * final.q.ci95Hi, final.q.sd, final.q.n (the final statistics over the runs that did not diverge).
 */
export function aggregateCsv(ds: Dataset, rows: GridRow[]): string {
  const quantities = scalarQuantities(ds.runs);
  const header = [
    ...ds.axes,
    'runs',
    'diverged',
    'divergenceRate',
    ...quantities.flatMap((q) => [`initial.${q}.mean`, `final.${q}.mean`, `final.${q}.ci95Lo`, `final.${q}.ci95Hi`, `final.${q}.sd`, `final.${q}.n`]),
  ];
  const body = rows.map((r) => [
    ...ds.axes.map((a) => r.values[a] as CsvCell),
    r.runs,
    r.diverged,
    r.divergenceRate,
    ...quantities.flatMap((q) => {
      const s = r.stats[q];
      return [s.initialMean, s.finalMean, s.finalLo, s.finalHi, s.finalSd, s.n];
    }),
  ]);
  return toCsv(header, body);
}

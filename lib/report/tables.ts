/** Per-run and per-grid-point tables (CSV), flat enough for pandas, polars or a spreadsheet. */
import { axisValue, divergenceRate, isDiverged, scalarQuantities, type Dataset, type RunView } from './dataset';
import { meanCi } from './stats';

type Cell = string | number | boolean | null | undefined;

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}

function scalar(row: Record<string, unknown> | undefined, name: string): number | null {
  const v = row?.[name];
  return typeof v === 'number' ? v : null;
}

export function runsCsv(ds: Dataset): string {
  const quantities = scalarQuantities(ds.runs);
  const flow = ds.runs.some((r) => r.record.flow);
  const header = [
    'index',
    'id',
    ...ds.axes,
    'rep',
    'status',
    'diverged_at',
    'steps',
    'seed_data',
    'seed_init',
    ...quantities.map((q) => `initial_${q}`),
    ...quantities.map((q) => `final_${q}`),
    ...(flow ? ['t', 'nfev', 'accepted', 'rejected', 'balancedness_drift'] : []),
  ];
  const rows = ds.runs.map((r) => {
    const f = r.record.flow;
    return [
      r.record.index,
      r.record.id,
      ...ds.axes.map((a) => axisValue(r, a)),
      r.record.rep,
      r.record.status,
      r.record.divergedAt,
      r.record.steps,
      r.record.seeds.data,
      r.record.seeds.init,
      ...quantities.map((q) => scalar(r.record.initial, q)),
      ...quantities.map((q) => scalar(r.record.final, q)),
      ...(flow ? [f?.t, f?.nfev, f?.accepted, f?.rejected, f?.balancednessDrift] : []),
    ];
  });
  return toCsv(header, rows);
}

export interface GridRow {
  values: Record<string, unknown>;
  runs: number;
  diverged: number;
  divergenceRate: number;
  stats: Record<string, { initialMean: number | null; finalMean: number | null; finalLo: number | null; finalHi: number | null; finalSd: number | null; n: number }>;
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

export function aggregateCsv(ds: Dataset, rows: GridRow[]): string {
  const quantities = scalarQuantities(ds.runs);
  const header = [
    ...ds.axes,
    'runs',
    'diverged',
    'divergence_rate',
    ...quantities.flatMap((q) => [`initial_${q}_mean`, `final_${q}_mean`, `final_${q}_ci95_lo`, `final_${q}_ci95_hi`, `final_${q}_sd`, `final_${q}_n`]),
  ];
  const body = rows.map((r) => [
    ...ds.axes.map((a) => r.values[a] as Cell),
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

/**
 * The report of a finished sweep, built from OUT alone (so it can be rebuilt, or built after a
 * merge): the tidy tables (lib/report/tidy.ts) as results.jsonl, runs.csv and runs.parquet in plan
 * order, the kept traces in long form as traces.parquet, aggregate.csv, figures (Vega-Lite spec and
 * SVG side by side), summary.json with the headline numbers, the paper's findings and the config's own checks
 * (lib/report/checks.ts) checked, and report.html. Nothing in these files depends on timing, threads or shards. Which findings are
 * checked is the caller's choice (pipeline/report.ts passes a preset's), so the report knows
 * nothing of the papers.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DlnError } from '../errors';
import { ProblemCache, type BuiltProblem, type TheoryRecord } from '../experiments/execute';
import { buildPlan, fileContentHash } from '../experiments/plan';
import { readManifest } from '../experiments/manifest';
import { experimentSchema, type FigureConfig } from '../experiments/schema';
import { ensureSubdir, indexPlan, readAllResults, readTrace, readWeights, writeFileAtomic } from '../experiments/store';
import { axisValue, Dataset, isDiverged } from './dataset';
import { evaluateChecks } from './checks';
import { findingStatus, genericFindings, STATUS_MARKS, withStatus, type Finding, type FindingsFn } from './findings';
import { buildFigure, type BuiltFigure } from './figures';
import { reportHtml, type HtmlFigure } from './html';
import { interactiveSpec } from './interactive';
import { placeLabels } from './layout';
import {
  drawsNothing,
  emptyPlotSpec,
  FIGURE_FORMATS,
  formatAvailable,
  missingFormatError,
  renderSvg,
  svgToPdf,
  svgToPng,
  FORMAT_PACKAGES,
  type FigureFormat,
} from './render';
import { aggregateCsv, gridRows, tableCsv } from './tables';
import { parquetBytes } from './parquet';
import { arrowBytes } from './arrow';
import { runsTable, tableRows, tracesTable } from './tidy';
import { checkOptions } from '../options/declare';
import { reportOptions, resultDirectory } from '../options/experiment';

export interface ReportSummary {
  name: string;
  preset: string | null;
  planHash: string;
  quick: boolean;
  runs: number;
  missing: number;
  statuses: Record<string, number>;
  theory: TheoryRecord | null;
  headline: Record<string, unknown>;
  findings: Finding[];
  /** The config's own checks (`checks:`, lib/report/checks.ts), each pass or fail. */
  checks: Finding[];
  /** How this reproduction was made (precision, definitions, seeds, code versions), from the preset. */
  notes: string[];
  /** Each figure, with the diverged runs left out of it (their final values are unknown). */
  figures: { id: string; title: string; skippedDiverged: number }[];
}

export interface ReportOptions {
  /** Build a report even if some runs are missing (they are left out and counted). */
  partial?: boolean;
  /**
   * Figure files to write besides each figure's .vl.json (default: svg, png and pdf, leaving out,
   * with a note, a format whose optional library is not installed; a format asked for here whose
   * library is missing is an error).
   */
  formats?: FigureFormat[];
}

export interface WriteReportOptions extends ReportOptions {
  /**
   * The findings to check (a preset's, chosen by the caller); undefined: the generic divergence
   * counts. A required key, so that no caller forgets to choose.
   */
  findings: FindingsFn | undefined;
}

/** Loads OUT's results into a Dataset (with each grid point's theory). */
export async function loadDataset(out: string, options: ReportOptions = {}): Promise<{ ds: Dataset; missing: number }> {
  resultDirectory(out, 'out');
  checkOptions(reportOptions, options);
  const manifest = readManifest(out);
  if (!manifest) throw new DlnError('ERR_DLN_IO', `${out} has no experiment.json: not a dlnflow results directory`, { field: 'out' });
  const parsed = experimentSchema.safeParse(manifest.config);
  if (!parsed.success) throw new DlnError('ERR_DLN_CONFIG', `${out}/experiment.json does not match this version of dlnflow's schema`);
  const plan = buildPlan(parsed.data, { fileHash: (p) => manifest.dataFiles[p] ?? '' });
  if (plan.hash !== manifest.planHash) {
    throw new DlnError(
      'ERR_DLN_CONFIG',
      `${out}/experiment.json expands to plan ${plan.hash}, not the recorded ${manifest.planHash} (written by another dlnflow version?)`,
    );
  }
  // The report rebuilds each grid point's problem: from the very data the runs used.
  for (const [path, hash] of Object.entries(plan.dataFiles)) {
    if (fileContentHash(path) !== hash) {
      throw new DlnError('ERR_DLN_CONFIG', `data.path: ${path} has changed since the runs of ${out} read it: its report would mix two data sets`, {
        field: 'data.path',
      });
    }
  }
  const { records } = readAllResults(out, indexPlan(plan));
  const present = plan.runs.filter((r) => records.has(r.id)).map((r) => records.get(r.id)!);
  const missing = plan.runs.length - present.length;
  if (missing > 0 && !options.partial) {
    throw new DlnError(
      'ERR_DLN_VALUE',
      `${out}: ${missing} of ${plan.runs.length} runs are missing (\`dlnflow merge\` lists them; --partial reports anyway)`,
    );
  }
  const problems = new ProblemCache();
  const built: BuiltProblem[] = [];
  for (let p = 0; p < plan.points.length; p++) {
    const first = plan.runs.find((r) => r.point === p)!;
    built.push(await problems.get(plan.points[p], first.seeds));
  }
  return { ds: new Dataset(plan, present, built), missing };
}

/** Diverged runs a figure leaves out: those of its runs whose final values it would plot. */
function skippedDiverged(ds: Dataset, f: FigureConfig): number {
  if ((f.kind === 'sweep' && f.at === 'final') || f.kind === 'scatter' || f.kind === 'orbit') return ds.filter(f.filter).filter(isDiverged).length;
  return 0;
}

function summaryText(s: ReportSummary, out: string): string {
  const lines = [
    `${s.name}: ${s.runs} runs${s.missing ? ` (${s.missing} missing)` : ''} — ${Object.entries(s.statuses)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}`,
  ];
  for (const f of s.findings) {
    const status = findingStatus(f);
    if (status === 'not-applicable') lines.push(`  ${STATUS_MARKS[status]} not applicable: ${f.claim} (${f.notApplicable})`);
    else lines.push(`  ${STATUS_MARKS[status]} ${f.claim}: ${f.observed}${f.expected ? ` (expected ${f.expected})` : ''}`);
  }
  for (const c of s.checks)
    lines.push(`  ${STATUS_MARKS[findingStatus(c)]} check ${c.id.replace(/^check:/, '')}: ${c.claim}: ${c.observed} (expected ${c.expected})`);
  lines.push(`  report: ${join(out, 'report.html')}`);
  return lines.join('\n');
}

/** Why a figure has nothing to draw, for its empty-plot note. */
function emptyReason(ds: Dataset, f: FigureConfig): string {
  if (ds.runs.length === 0) return 'no run has finished yet.';
  const filter = f.filter ?? {};
  if (ds.filter(filter).length === 0) {
    const wanted = Object.entries(filter).map(([path, c]) =>
      Array.isArray(c)
        ? `${path} in {${c.join(', ')}}`
        : typeof c === 'object'
          ? [c.gt !== undefined && `${path} > ${c.gt}`, c.lt !== undefined && `${path} < ${c.lt}`].filter(Boolean).join(', ')
          : `${path} = ${c}`,
    );
    const present = Object.keys(filter).map((path) => `${path} = ${[...new Set(ds.runs.map((r) => String(axisValue(r, path))))].join(', ')}`);
    return `no run matches this figure's filter, ${wanted.join(', ')} (the runs have ${present.join('; ')}).`;
  }
  return `none of the ${ds.filter(filter).length} runs it selects has a value to plot (diverged, or the quantity was not recorded).`;
}

/** Writes every report file into OUT and returns the summary. */
export async function writeReport(out: string, options: WriteReportOptions): Promise<ReportSummary & { text: string }> {
  const manifest = readManifest(out)!;
  const { ds, missing } = await loadDataset(out, { partial: options.partial });
  const config = ds.plan.experiment;

  ensureSubdir(out, 'figures');
  const { formats, notes: formatNotes } = chooseFormats(options.formats);
  const figures: Record<string, BuiltFigure> = {};
  const rendered: (HtmlFigure & { skippedDiverged: number })[] = [];
  for (const f of config.report.figures) {
    const built = buildFigure(ds, f, { loadTrace: (id) => readTrace(out, id), loadWeights: (id) => readWeights(out, id) });
    // Nothing to plot (say, a filter no run of a --quick sweep matches): a note saying why.
    const spec = drawsNothing(built.spec) ? emptyPlotSpec(built.spec, emptyReason(ds, f)) : await placeLabels(built.spec);
    figures[f.id] = { ...built, spec };
    const svg = await renderSvg(spec);
    const files = await writeFigureFiles(out, f.id, built.title, spec, svg, formats);
    rendered.push({ id: f.id, title: built.title, svg, spec: interactiveSpec(spec, f.kind), files, skippedDiverged: skippedDiverged(ds, f) });
  }

  const statuses: Record<string, number> = {};
  for (const r of ds.runs) statuses[r.record.status] = (statuses[r.record.status] ?? 0) + 1;
  const theory = ds.runs.length ? ds.runs[0].theory : null;
  const ctx = { ds, theory, figures, loadTrace: (id: string) => readTrace(out, id), loadWeights: (id: string) => readWeights(out, id) };
  const result = (options.findings ?? genericFindings)(ctx);
  const { headline } = result;
  const findings = result.findings.map(withStatus);
  const notes = result.notes ?? [];
  // The config's own claims: never scoped (they are about this very sweep).
  const checks = evaluateChecks(ds, config).map(withStatus);

  const summary: ReportSummary = {
    name: config.name,
    preset: manifest.preset,
    planHash: manifest.planHash,
    quick: manifest.quick,
    runs: ds.runs.length,
    missing,
    statuses,
    theory,
    headline,
    findings,
    checks,
    notes,
    figures: rendered.map(({ id, title, skippedDiverged }) => ({ id, title, skippedDiverged })),
  };

  const runs = runsTable(ds);
  // JSON has no NaN or infinity: JSON.stringify writes them as null (runs.parquet keeps them).
  await writeFileAtomic(
    join(out, 'results.jsonl'),
    tableRows(runs)
      .map((r) => JSON.stringify(r))
      .join('\n') + (ds.runs.length ? '\n' : ''),
  );
  await writeFileAtomic(join(out, 'runs.csv'), tableCsv(runs));
  await writeFileAtomic(join(out, 'runs.parquet'), await parquetBytes(runs, { 'dlnflow.plan': manifest.planHash, 'dlnflow.table': 'runs' }));
  const traces = config.output.traces ? tracesTable(ds, (id) => readTrace(out, id)) : null;
  if (traces)
    await writeFileAtomic(join(out, 'traces.parquet'), await parquetBytes(traces, { 'dlnflow.plan': manifest.planHash, 'dlnflow.table': 'traces' }));
  if (config.output.arrow) {
    await writeFileAtomic(join(out, 'runs.arrow'), arrowBytes(runs, { 'dlnflow.plan': manifest.planHash, 'dlnflow.table': 'runs' }));
    if (traces)
      await writeFileAtomic(join(out, 'traces.arrow'), arrowBytes(traces, { 'dlnflow.plan': manifest.planHash, 'dlnflow.table': 'traces' }));
  } else {
    // output.arrow is not in the plan hash: a report without it must not leave an earlier one's files.
    for (const f of ['runs.arrow', 'traces.arrow']) rmSync(join(out, f), { force: true });
  }
  await writeFileAtomic(join(out, 'aggregate.csv'), aggregateCsv(ds, gridRows(ds)));
  await writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFileAtomic(
    join(out, 'report.html'),
    reportHtml({
      manifest,
      title: config.report.title ?? config.name,
      description: config.description,
      statuses,
      runs: ds.runs.length,
      theory,
      // The checks in the same table, after the paper's findings, marked as the config's.
      findings: [...findings, ...checks.map((c) => ({ ...c, claim: `check ${c.id.replace(/^check:/, '')} (this config): ${c.claim}` }))],
      notes,
      headline,
      figures: rendered.map((f) => ({
        ...f,
        note: f.skippedDiverged ? `${f.skippedDiverged} diverged run(s) left out: their final values are unknown` : undefined,
      })),
      out,
      formatNotes,
    }),
  );
  const text = summaryText(summary, out);
  return { ...summary, text: formatNotes.length ? `${text}\n${formatNotes.map((n) => `  ${n}`).join('\n')}` : text };
}

/** The formats to write: those asked for (each must be available), else every available one. */
function chooseFormats(asked: FigureFormat[] | undefined): { formats: FigureFormat[]; notes: string[] } {
  if (asked) {
    for (const f of asked) if (f !== 'svg' && !formatAvailable(f)) throw missingFormatError(f);
    return { formats: asked, notes: [] };
  }
  const formats = FIGURE_FORMATS.filter(formatAvailable);
  const missing = FIGURE_FORMATS.filter((f) => !formats.includes(f)) as Exclude<FigureFormat, 'svg'>[];
  const notes = missing.length
    ? [
        `${missing.map((f) => f.toUpperCase()).join(' and ')} figures not written: optional dependencies not installed (npm install ${missing.flatMap((f) => FORMAT_PACKAGES[f]).join(' ')})`,
      ]
    : [];
  return { formats, notes };
}

/** Writes a figure's spec and the chosen formats (removing files of formats not chosen); returns their paths. */
async function writeFigureFiles(out: string, id: string, title: string, spec: unknown, svg: string, formats: FigureFormat[]): Promise<string[]> {
  const rel = (ext: string) => `figures/${id}.${ext}`;
  await writeFileAtomic(join(out, rel('vl.json')), `${JSON.stringify(spec, null, 2)}\n`);
  const files: string[] = [];
  for (const format of FIGURE_FORMATS) {
    if (!formats.includes(format)) {
      rmSync(join(out, rel(format)), { force: true });
      continue;
    }
    await writeFileAtomic(join(out, rel(format)), format === 'svg' ? svg : format === 'png' ? await svgToPng(svg) : await svgToPdf(svg, title));
    files.push(rel(format));
  }
  return [...files, rel('vl.json')];
}

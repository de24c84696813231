/**
 * Rich display of an experiment's outcome in a notebook (Deno's Jupyter kernel; see
 * lib/api/display.ts): `await runExperiment(...)` as a cell's last expression shows its findings
 * and checks as a table and its figures. The bundle is read from OUT when it is asked for (the
 * report's files: figures/<id>.vl.json and .svg), so it shows what is on disk:
 * - application/vnd.vegalite.v5+json: the first figure's spec (interactive in JupyterLab);
 * - image/svg+xml: the first figure as SVG;
 * - text/html: the outcome, the findings and checks, and every figure inline;
 * - text/plain: the outcome in one line.
 * Without a report (a shard, or report: false) only the outcome line and table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml, htmlTable, withDisplay, type MimeBundle } from '../api/display';
import type { SweepOutcome } from '../experiments/runner';
import type { ReportSummary } from '../report';
import { findingStatus, STATUS_MARKS, type Finding } from '../report/findings';

function findingRows(findings: readonly Finding[]): Record<string, unknown>[] {
  return findings.map((f) => ({ '': STATUS_MARKS[findingStatus(f)], claim: f.claim, observed: f.notApplicable ?? f.observed, expected: f.expected }));
}

/** The bundle of a report in OUT (with the outcome line `head` above it). */
export function reportBundle(out: string, summary: ReportSummary | undefined, head: string): MimeBundle {
  const html: string[] = [`<p>${escapeHtml(head)}</p>`];
  const bundle: MimeBundle = {};
  if (summary) {
    const columns = ['', 'claim', 'observed', 'expected'];
    if (summary.findings.length) html.push(htmlTable(columns, findingRows(summary.findings), "the paper's findings"));
    if (summary.checks?.length) html.push(htmlTable(columns, findingRows(summary.checks), "this config's checks"));
    for (const f of summary.figures) {
      const svgPath = join(out, 'figures', `${f.id}.svg`);
      const specPath = join(out, 'figures', `${f.id}.vl.json`);
      if (!existsSync(svgPath)) continue;
      const svg = readFileSync(svgPath, 'utf8');
      if (bundle['image/svg+xml'] === undefined) {
        bundle['image/svg+xml'] = svg;
        if (existsSync(specPath)) bundle['application/vnd.vegalite.v5+json'] = JSON.parse(readFileSync(specPath, 'utf8'));
      }
      html.push(`<figure><figcaption>${escapeHtml(f.title)}</figcaption>${svg}</figure>`);
    }
    html.push(`<p>report: <code>${escapeHtml(join(out, 'report.html'))}</code></p>`);
  }
  bundle['text/html'] = html.join('\n');
  bundle['text/plain'] = head;
  return bundle;
}

function outcomeLine(o: SweepOutcome & { summary?: ReportSummary }): string {
  const failed = [...(o.summary?.findings ?? []), ...(o.summary?.checks ?? [])].filter((f) => f.pass === false).length;
  const report = o.summary
    ? `; ${failed ? `${failed} finding(s) or check(s) failed` : 'every checked finding and check held'}`
    : o.missing
      ? `; ${o.missing} of ${o.planned} runs missing`
      : '';
  return `${o.name}: ${o.planned} runs (${o.ran} ran now, ${o.resumed} resumed) in ${o.out}${report}`;
}

/** Gives an outcome (of runExperiment) its notebook display. */
export function displayOutcome<T extends SweepOutcome & { summary?: ReportSummary }>(outcome: T): T {
  return withDisplay(outcome, (o) => reportBundle(o.out, o.summary, outcomeLine(o)));
}

/** Gives a report summary (of buildReport) its notebook display. */
export function displaySummary<T extends ReportSummary>(out: string, summary: T): T {
  return withDisplay(summary, (s) => reportBundle(out, s, `${s.name}: ${s.runs} runs${s.missing ? ` (${s.missing} missing)` : ''}`));
}

/**
 * report.html: one self-contained page that works offline and makes no network request.
 *
 * Each figure is inlined twice: as the static SVG (what the figure files show; it stays when
 * scripts are off) and as its interactive Vega-Lite spec (interactive.ts: tooltips, zoom and pan
 * on traces), which the page renders in place of the static one with vega-embed. Vega, Vega-Lite
 * and vega-embed are inlined from dist/vendor (0.8 MB), not loaded from a CDN; a
 * Content-Security-Policy forbids every fetch, so a page that tried one would fail visibly rather
 * than leak. Links point to the figure files and data files next to it (only those that exist).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../experiments/manifest';
import type { TheoryRecord } from '../experiments/execute';
import { INTERVAL_STATEMENT, type VegaLiteSpec } from './figures';
import { findingStatus, fmt, STATUS_MARKS, type Finding, type FindingStatus } from './findings';
import { vendorText } from './vendor';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text that is safe inside a <script> element (no "</script", no "<!--"). */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export interface HtmlFigure {
  id: string;
  title: string;
  /** The static figure, inlined. */
  svg: string;
  /** The interactive spec the page renders (interactive.ts). */
  spec?: VegaLiteSpec;
  /** Files written for it, relative to the results directory (figures/ID.svg, .png, .pdf, .vl.json). */
  files?: string[];
  /** What the figure leaves out (diverged runs), printed in its caption. */
  note?: string;
}

export interface HtmlInput {
  manifest: Manifest;
  title: string;
  description: string;
  statuses: Record<string, number>;
  runs: number;
  theory: TheoryRecord | null;
  findings: Finding[];
  notes: string[];
  headline: Record<string, unknown>;
  figures: HtmlFigure[];
  /** The results directory: links go only to files that exist there. */
  out?: string;
  /** Notes about the figure files (e.g. a format skipped because its library is not installed). */
  formatNotes?: string[];
}

const THEORY_ROWS: [keyof TheoryRecord, string][] = [
  ['lambda', 'λ (smallest eigenvalue of Σ)'],
  ['Lambda', 'Λ (largest eigenvalue of Σ)'],
  ['a', 'a = uᵀΣu'],
  ['wStarNorm', '‖w*‖'],
  ['sMin', 'S_min = 2Lλ‖w*‖^(2−2/L) (Theorem 1)'],
  ['sMinRefinedLower', '2La‖w*‖^(2−2/L)‖p‖^(2/L) (slides; the code’s lower line)'],
  ['sMinRefinedUpper', 'slides’ upper bound on S_min'],
  ['sRankOne', 'S_r1: rank-one balanced aligned minimizers (vanishing-init GF limit)'],
  ['smallInitUpper', '4(Λ/λ)·S_min (Corollary 3)'],
  ['codeUpper', '8LΛ (the code’s upper line)'],
  ['criticalLearningRate', '2/S_min'],
];

/** The data files of a results directory, with what each holds. */
const DATA_FILES: [string, string][] = [
  ['results.jsonl', 'one line per run'],
  ['runs.csv', 'one row per run'],
  ['aggregate.csv', 'per grid point: mean, Student-t 95% interval and sd over the runs that did not diverge'],
  ['summary.json', 'headline numbers and findings'],
  ['plan.jsonl', 'every run’s seeds'],
  ['experiment.json', 'the resolved config'],
  ['traces/', 'whole recorded traces, one file per run'],
];

const FORMAT_NAMES: Record<string, string> = { svg: 'SVG', png: 'PNG', pdf: 'PDF', json: 'Vega-Lite spec' };

const MARK_CLASSES: Record<FindingStatus, string> = { pass: 'pass', fail: 'fail', info: 'info', 'not-applicable': 'na' };

function mark(f: Finding): string {
  const status = findingStatus(f);
  const title = status === 'not-applicable' ? ' title="not applicable"' : '';
  return `<span class="${MARK_CLASSES[status]}"${title}>${STATUS_MARKS[status]}</span>`;
}

function findingRow(f: Finding): string {
  if (findingStatus(f) === 'not-applicable') {
    return `<tr class="na"><td>${mark(f)}</td><td>${esc(f.claim)}</td><td colspan="2">not applicable: ${esc(f.notApplicable ?? '')}</td></tr>`;
  }
  return `<tr><td>${mark(f)}</td><td>${esc(f.claim)}</td><td>${esc(f.observed)}</td><td>${esc(f.expected)}</td></tr>`;
}

function figureLinks(f: HtmlFigure): string {
  const files = f.files ?? [`figures/${f.id}.svg`, `figures/${f.id}.vl.json`];
  return files.map((file) => `<a href="${esc(file)}">${FORMAT_NAMES[file.split('.').pop()!] ?? esc(file)}</a>`).join(', ');
}

// Renders every figure whose spec is inlined; on failure the static SVG stays and says why.
// window.dlnReady settles when all are drawn; window.dlnViews holds each figure's Vega view.
const BOOT = `
(function () {
  var specs = JSON.parse(document.getElementById('dln-specs').textContent);
  var pending = [];
  window.dlnViews = {};
  document.querySelectorAll('.dln-view[data-figure]').forEach(function (el) {
    var spec = specs[el.getAttribute('data-figure')];
    if (!spec) return;
    var target = document.createElement('div');
    pending.push(vegaEmbed(target, spec, {
      renderer: 'svg',
      actions: { export: true, source: false, compiled: false, editor: false },
      tooltip: { theme: 'light' }
    }).then(function (result) {
      el.replaceChildren(target);
      el.setAttribute('data-interactive', 'true');
      window.dlnViews[el.getAttribute('data-figure')] = result.view;
      return result;
    }, function (err) {
      el.setAttribute('data-interactive', 'failed');
      var note = document.createElement('p');
      note.className = 'fail';
      note.textContent = 'interactive view failed (' + err.message + '); the static figure is shown';
      el.appendChild(note);
    }));
  });
  window.dlnReady = Promise.all(pending);
})();
`;

export function reportHtml(input: HtmlInput): string {
  const m = input.manifest;
  const findings = input.findings.length
    ? `<table><thead><tr><th></th><th>claim</th><th>observed</th><th>expected</th></tr></thead><tbody>${input.findings
        .map(findingRow)
        .join('')}</tbody></table>`
    : '<p>No findings to check.</p>';
  const notes = input.notes.length ? `<h2>How this reproduction was made</h2><ul>${input.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  const theory = input.theory
    ? `<h2>Theory of the problem</h2><table><tbody>${THEORY_ROWS.map(
        ([k, label]) => `<tr><td>${esc(label)}</td><td>${esc(fmt(input.theory![k] as number | null, 6))}</td></tr>`,
      ).join('')}</tbody></table>`
    : '';
  const statuses = Object.entries(input.statuses)
    .map(([k, v]) => `${v} ${esc(k)}`)
    .join(', ');
  const figures = input.figures
    .map(
      (f) =>
        `<figure id="${esc(f.id)}"><div class="dln-view" data-figure="${esc(f.id)}">${f.svg}</div><figcaption>${esc(f.title)}${f.note ? ` (${esc(f.note)})` : ''} — ${figureLinks(
          f,
        )}</figcaption></figure>`,
    )
    .join('\n');
  const specs: Record<string, VegaLiteSpec> = {};
  for (const f of input.figures) if (f.spec) specs[f.id] = f.spec;
  const interactive = Object.keys(specs).length > 0;
  const exists = (file: string) => (input.out ? existsSync(join(input.out, file)) : true);
  const files = DATA_FILES.filter(([file]) => exists(file))
    .map(([file, what]) => `<a href="${esc(file)}">${esc(file)}</a> (${esc(what)})`)
    .join(', ');
  const formatNotes = (input.formatNotes ?? []).map((n) => `<p class="info">${esc(n)}</p>`).join('\n');
  const scripts = interactive
    ? `<script>${scriptText(vendorText('vega.min.js'))}</script>
<script>${scriptText(vendorText('vega-lite.min.js'))}</script>
<script>${scriptText(vendorText('vega-embed.min.js'))}</script>
<script type="application/json" id="dln-specs">${JSON.stringify(specs).replace(/</g, '\\u003c')}</script>
<script>${BOOT}</script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.info{color:#888}.na{color:#888}tr.na td{color:#888}
figure{margin:1.5em 0}figcaption{color:#555;font-size:.9em}pre{background:#f6f8fa;padding:1em;overflow:auto;font-size:.85em}
code{background:#f6f8fa;padding:0 .2em}.dln-view{overflow-x:auto}
</style></head><body>
<h1>${esc(input.title)}</h1>
<p>${esc(input.description)}</p>
<p>${input.runs} runs (${statuses}). Plan <code>${esc(m.planHash)}</code>${m.quick ? ', <strong>quick</strong> (reduced) version' : ''}${
    m.preset ? `, preset <code>${esc(m.preset)}</code>` : ''
  }; ${esc(m.package.name)} ${esc(m.package.version)}, BLAS ${esc(m.blasVendor)}.</p>
<h2>Findings</h2>
${findings}
${notes}
<h2>Figures</h2>
${interactive ? '<p class="info">Hover a point for its values; drag and scroll on a trace to pan and zoom (double-click resets).</p>' : ''}
${formatNotes}
${figures ? `<p>${esc(INTERVAL_STATEMENT.charAt(0).toUpperCase() + INTERVAL_STATEMENT.slice(1))}.</p>\n${figures}` : '<p>No figures.</p>'}
${theory}
<h2>Headline numbers</h2>
<pre>${esc(JSON.stringify(input.headline, null, 2))}</pre>
<h2>Configuration</h2>
<details><summary>resolved experiment (also in experiment.json)</summary><pre>${esc(JSON.stringify(m.config, null, 2))}</pre></details>
<p>Files: ${files}.</p>
${scripts}
</body></html>
`;
}

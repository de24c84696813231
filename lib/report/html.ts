/** report.html: one self-contained page (figures inlined as SVG), readable offline. */
import type { Manifest } from '../experiments/manifest';
import type { TheoryRecord } from '../experiments/execute';
import { INTERVAL_STATEMENT } from './figures';
import { findingStatus, fmt, STATUS_MARKS, type Finding, type FindingStatus } from './findings';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
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
  /** `note`: what the figure leaves out (diverged runs), printed in its caption. */
  figures: { id: string; title: string; svg: string; note?: string }[];
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
        `<figure id="${esc(f.id)}">${f.svg}<figcaption>${esc(f.title)}${f.note ? ` (${esc(f.note)})` : ''} — <a href="figures/${esc(f.id)}.svg">SVG</a>, <a href="figures/${esc(
          f.id,
        )}.vl.json">Vega-Lite spec</a></figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.info{color:#888}.na{color:#888}tr.na td{color:#888}
figure{margin:1.5em 0}figcaption{color:#555;font-size:.9em}pre{background:#f6f8fa;padding:1em;overflow:auto;font-size:.85em}
code{background:#f6f8fa;padding:0 .2em}
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
${figures ? `<p>${esc(INTERVAL_STATEMENT.charAt(0).toUpperCase() + INTERVAL_STATEMENT.slice(1))}.</p>\n${figures}` : '<p>No figures.</p>'}
${theory}
<h2>Headline numbers</h2>
<pre>${esc(JSON.stringify(input.headline, null, 2))}</pre>
<h2>Configuration</h2>
<details><summary>resolved experiment (also in experiment.json)</summary><pre>${esc(JSON.stringify(m.config, null, 2))}</pre></details>
<p>Files: <a href="results.jsonl">results.jsonl</a> (one line per run), <a href="runs.csv">runs.csv</a>, <a href="aggregate.csv">aggregate.csv</a> (per grid point: mean, Student-t 95% interval and sd over the runs that did not diverge), <a href="summary.json">summary.json</a>, <a href="plan.jsonl">plan.jsonl</a> (every run’s seeds).</p>
</body></html>
`;
}

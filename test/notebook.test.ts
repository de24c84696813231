/**
 * examples/dlnflow.ipynb is a valid notebook (nbformat 4 JSON) whose TypeScript cells match the
 * package's API: joined into one module (`npm:dlnflow` read as this package), they type-check
 * strictly against the declarations the package ships (dist/*.d.ts), and run under Node against the built package (dist/),
 * where the notebook's checks hold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const notebook = JSON.parse(readFileSync(path.join(ROOT, 'examples', 'dlnflow.ipynb'), 'utf8')) as {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec: { name: string; language: string } };
  cells: { cell_type: string; id: string; source: string[]; outputs?: unknown[] }[];
};
const code = notebook.cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join(''));

test('nbformat 4 with a Deno TypeScript kernel, unique cell ids, no stored outputs', () => {
  expect([notebook.nbformat, notebook.nbformat_minor >= 5]).toEqual([4, true]);
  expect(notebook.metadata.kernelspec).toMatchObject({ name: 'deno', language: 'typescript' });
  expect(new Set(notebook.cells.map((c) => c.id)).size).toBe(notebook.cells.length);
  for (const c of notebook.cells) {
    expect(['markdown', 'code']).toContain(c.cell_type);
    expect(c.source.every((line) => typeof line === 'string')).toBe(true);
    if (c.cell_type === 'code') expect(c.outputs).toEqual([]);
  }
  expect(code.length).toBeGreaterThanOrEqual(4);
});

/** The cells as one module: imports hoisted, the rest in an async function (cells share scope, as in a kernel). */
function asModule(dlnflow: string, out: string): string {
  const imports: string[] = [];
  const body: string[] = [];
  for (const cell of code) {
    for (const line of cell.split('\n')) (/^import /.test(line) ? imports : body).push(line);
  }
  const text = [...imports, 'export async function main(): Promise<void> {', ...body, '}'].join('\n');
  return text.replaceAll('"npm:dlnflow"', JSON.stringify(dlnflow)).replaceAll('"notebook-results"', JSON.stringify(out));
}

test('the cells type-check against the API (strict)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-notebook-tsc-'));
  const file = path.join(dir, 'notebook.ts');
  // Against the declarations the package ships (dist/index.d.ts): what a user's editor sees.
  writeFileSync(file, asModule(path.join(ROOT, 'dist', 'index'), 'out'));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
  // The false case: a misspelt option is caught.
  writeFileSync(
    file,
    asModule(path.join(ROOT, 'dist', 'index'), 'out').replace(
      'learningRate: 0.05, steps: 2000, recordEvery',
      'learningRat: 0.05, steps: 2000, recordEvery',
    ),
  );
  expect(ts.getPreEmitDiagnostics(ts.createProgram([file], program.getCompilerOptions(), undefined, program)).length).toBeGreaterThan(0);
});

test('the cells run against the built package, and the checks they declare hold', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dlnflow-notebook-run-'));
  const out = path.join(dir, 'results');
  const js = ts.transpileModule(asModule(path.join(ROOT, 'dist', 'index.js'), out), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = path.join(dir, 'notebook.js');
  writeFileSync(file, js);
  const probe = `
    require(${JSON.stringify(file)}).main().then(() => {
      const summary = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(path.join(out, 'summary.json'))}, 'utf8'));
      console.log(JSON.stringify(summary.checks.map((c) => [c.id, c.status, c.observed])));
    });`;
  const printed = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8', cwd: dir });
  const checks = JSON.parse(printed.trim().split('\n').at(-1)!) as [string, string, string][];
  expect(checks.map(([id, status]) => [id, status])).toEqual([
    ['check:fits', 'pass'],
    ['check:theorem-1', 'pass'],
  ]);
});

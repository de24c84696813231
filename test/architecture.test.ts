/**
 * lib/ is built in one-way layers. From the bottom:
 *
 *   errors → util → options → native → api → config → analysis → experiments → report → papers → pipeline → cli → entry
 *
 *   errors       lib/errors.ts: DlnError and its codes
 *   util         lib/util/: pure helpers (number formatting, the expression evaluator, dotted paths, "did you mean")
 *   options      lib/options/: the declaration of every option (type, default, bounds, doc), their checks, the zod builder
 *   native       lib/native.ts, lib/load-help.ts: the typed addon surface and its loading
 *   api          lib/api/: Problem, train, flow, spectrum, data, init, svd, greedy
 *   config       lib/config/: problem files and config-error messages
 *   analysis     lib/analysis/: generic trace analysis (plateaus, peaks, escape times, series, covariance, loss surface)
 *   experiments  lib/experiments/: schema, loading, plans, the sweep runner, the result store, the manifest, merge
 *   report       lib/report/: dataset, figures, tables, findings framework, report.html
 *   papers       lib/papers/: the presets, one module per paper figure, with their findings
 *   pipeline     lib/pipeline/: experiments + report + papers wired together (what the CLI and API call)
 *   cli          lib/cli/: the dlnflow command
 *   entry        lib/index.ts: the package's exports
 *
 * A module may import only from its own layer or layers to its left, and the import graph has no
 * cycle (within a layer either). Every import counts: static, type-only, re-exports, require(),
 * dynamic import() and `typeof import()` types. A specifier that is not a string literal is an
 * error (it could hide any dependency).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const LAYERS = [
  'errors',
  'util',
  'options',
  'native',
  'api',
  'config',
  'analysis',
  'experiments',
  'report',
  'papers',
  'pipeline',
  'cli',
  'entry',
] as const;
type Layer = (typeof LAYERS)[number];

const LIB = path.resolve(__dirname, '..', 'lib');

/** The layer of a file, from its path relative to lib/ (undefined: a file no layer claims). */
function layerOf(rel: string): Layer | undefined {
  if (rel === 'errors.ts') return 'errors';
  if (rel === 'native.ts' || rel === 'load-help.ts') return 'native';
  if (rel === 'index.ts') return 'entry';
  const [dir, ...rest] = rel.split('/');
  if (rest.length === 0 || dir === 'errors' || dir === 'native' || dir === 'entry') return undefined;
  return (LAYERS as readonly string[]).includes(dir) ? (dir as Layer) : undefined;
}

interface ImportSite {
  /** The module specifier, or null when it is not a string literal. */
  specifier: string | null;
  line: number;
  kind: string;
}

/** Every import of a TypeScript source: declarations, re-exports, require(), import(), import types. */
function parseImports(source: string, fileName = 'module.ts'): ImportSite[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: ImportSite[] = [];
  const add = (node: ts.Node, expr: ts.Node | undefined, kind: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ specifier: expr && ts.isStringLiteralLike(expr) ? expr.text : null, line, kind });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, 'import');
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node, node.moduleSpecifier, 'export from');
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node, node.moduleReference.expression, 'import = require');
    else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      add(node, ts.isLiteralTypeNode(arg) ? arg.literal : undefined, 'import type()');
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0], 'import()');
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') add(node, node.arguments[0], 'require()');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** A relative specifier from `fromRel` (a lib-relative path) as a lib-relative .ts file; null when outside lib or not a module there. */
function resolveInLib(fromRel: string, specifier: string, exists: (rel: string) => boolean): { rel: string | null; outside: boolean } {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), specifier));
  if (base.startsWith('../') || base === '..') return { rel: null, outside: true };
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base])
    if (candidate.endsWith('.ts') && exists(candidate)) return { rel: candidate, outside: false };
  return { rel: null, outside: false };
}

/** lib-relative file -> the lib-relative files it imports (problems found while reading go to `problems`). */
type Graph = Map<string, string[]>;

function buildGraph(files: Map<string, string>, problems: string[]): Graph {
  const graph: Graph = new Map();
  for (const [rel, source] of files) {
    const targets: string[] = [];
    for (const site of parseImports(source, rel)) {
      const where = `lib/${rel}:${site.line}`;
      if (site.specifier === null) {
        problems.push(`${where}: ${site.kind} with a specifier that is not a string literal`);
        continue;
      }
      if (!site.specifier.startsWith('.')) continue; // node: builtins and packages
      const { rel: target, outside } = resolveInLib(rel, site.specifier, (r) => files.has(r));
      if (outside) continue; // ../../package.json
      if (target === null) problems.push(`${where}: cannot resolve "${site.specifier}"`);
      else targets.push(target);
    }
    graph.set(rel, targets);
  }
  return graph;
}

/** Upward imports, files outside every layer, and cycles (each reported once, as a path). */
function checkGraph(graph: Graph): string[] {
  const problems: string[] = [];
  const rank = (rel: string) => {
    const layer = layerOf(rel);
    return layer === undefined ? -1 : LAYERS.indexOf(layer);
  };
  for (const [from, targets] of graph) {
    if (rank(from) < 0) problems.push(`lib/${from}: in no layer (layers: ${LAYERS.join(', ')})`);
    for (const to of targets) {
      if (rank(to) > rank(from) && rank(from) >= 0)
        problems.push(`lib/${from} (${layerOf(from)}) imports lib/${to} (${layerOf(to)}), a layer to its right`);
    }
  }
  // Cycles: depth-first search; a back edge closes the cycle on the stack.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const dfs = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          problems.push(`import cycle: ${cycle.map((f) => `lib/${f}`).join(' -> ')}`);
        }
      } else if (!state.has(next)) dfs(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) dfs(node);
  return problems;
}

function libSources(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.set(path.relative(LIB, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(LIB);
  return files;
}

describe('lib/ layers', () => {
  test('no import goes to a layer to the right, no cycle, every file in a layer, every import resolved', () => {
    const files = libSources();
    expect(files.size).toBeGreaterThan(60);
    const problems: string[] = [];
    const graph = buildGraph(files, problems);
    problems.push(...checkGraph(graph));
    expect(problems).toEqual([]);
    // The walk sees the edges it must: a sample of known imports of each kind.
    expect(graph.get('index.ts')).toContain('api/train.ts');
    expect(graph.get('report/index.ts')).toContain('experiments/manifest.ts');
    expect(graph.get('papers/jacot/escape.ts')).toContain('analysis/escape.ts');
  });

  test('every layer is populated (a renamed folder would otherwise leave its files in no layer and fail above, but not a layer left empty)', () => {
    const layers = new Set([...libSources().keys()].map(layerOf));
    for (const layer of LAYERS) expect([layer, layers.has(layer)]).toEqual([layer, true]);
  });
});

describe('the layer check itself catches what it must (false cases)', () => {
  const graphOf = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges));

  test('an import to a layer to the right', () => {
    expect(checkGraph(graphOf({ 'api/a.ts': ['report/b.ts'], 'report/b.ts': [] }))).toEqual([
      'lib/api/a.ts (api) imports lib/report/b.ts (report), a layer to its right',
    ]);
    // The historical knots: experiments -> report, report -> cli, experiments -> papers.
    expect(checkGraph(graphOf({ 'experiments/runner.ts': ['report/index.ts'], 'report/index.ts': [] }))).toHaveLength(1);
    expect(checkGraph(graphOf({ 'report/findings.ts': ['cli/output.ts'], 'cli/output.ts': [] }))).toHaveLength(1);
    expect(checkGraph(graphOf({ 'experiments/config.ts': ['papers/index.ts'], 'papers/index.ts': [] }))).toHaveLength(1);
    expect(checkGraph(graphOf({ 'util/a.ts': ['native.ts'], 'native.ts': [] }))).toHaveLength(1);
    expect(checkGraph(graphOf({ 'errors.ts': ['util/format.ts'], 'util/format.ts': [] }))).toHaveLength(1);
    // Downward and same-layer imports are fine.
    expect(
      checkGraph(graphOf({ 'report/b.ts': ['api/a.ts', 'report/c.ts'], 'api/a.ts': ['errors.ts'], 'report/c.ts': [], 'errors.ts': [] })),
    ).toEqual([]);
  });

  test('a cycle, across layers or within one', () => {
    expect(checkGraph(graphOf({ 'report/a.ts': ['report/b.ts'], 'report/b.ts': ['report/c.ts'], 'report/c.ts': ['report/a.ts'] }))).toEqual([
      'import cycle: lib/report/a.ts -> lib/report/b.ts -> lib/report/c.ts -> lib/report/a.ts',
    ]);
    const mixed = checkGraph(graphOf({ 'experiments/runner.ts': ['report/index.ts'], 'report/index.ts': ['experiments/runner.ts'] }));
    expect(mixed).toContain('import cycle: lib/experiments/runner.ts -> lib/report/index.ts -> lib/experiments/runner.ts');
    expect(checkGraph(graphOf({ 'util/a.ts': ['util/a.ts'] }))).toEqual(['import cycle: lib/util/a.ts -> lib/util/a.ts']);
  });

  test('a file in no layer', () => {
    expect(checkGraph(graphOf({ 'presets/jacot.ts': [] }))).toEqual([expect.stringContaining('lib/presets/jacot.ts: in no layer')]);
    expect(checkGraph(graphOf({ 'stray.ts': [] }))).toHaveLength(1);
  });

  test('every kind of import is read, and a computed specifier is an error', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from '../api/b';",
      "import * as c from './c';",
      "import './side-effect';",
      "export { d } from './d';",
      "export * from './e';",
      "export type { F } from './f';",
      "import g = require('./g');",
      "const h = require('./h');",
      "async function later() { return import('./i'); }",
      "type J = typeof import('./j');",
      "let k: import('./k').K;",
      "const name = './l'; require(name);",
      "import('./' + name);",
      "import fs from 'node:fs';",
    ].join('\n');
    const sites = parseImports(source);
    expect(sites.map((s) => s.specifier)).toEqual([
      './a',
      '../api/b',
      './c',
      './side-effect',
      './d',
      './e',
      './f',
      './g',
      './h',
      './i',
      './j',
      './k',
      null,
      null,
      'node:fs',
    ]);
    const problems: string[] = [];
    const files = new Map([
      ['api/m.ts', "import { x } from '../report/x';\nexport const y = require('./missing');\nrequire(computed);"],
      ['report/x.ts', "export const x = import('../api/m');"],
    ]);
    const graph = buildGraph(files, problems);
    expect(problems).toEqual([
      'lib/api/m.ts:2: cannot resolve "./missing"',
      'lib/api/m.ts:3: require() with a specifier that is not a string literal',
    ]);
    expect(checkGraph(graph)).toEqual([
      'lib/api/m.ts (api) imports lib/report/x.ts (report), a layer to its right',
      'import cycle: lib/api/m.ts -> lib/report/x.ts -> lib/api/m.ts',
    ]);
  });

  test('specifiers resolve to file.ts or dir/index.ts; outside lib is external', () => {
    const exists = (r: string) => ['report/index.ts', 'report/html.ts', 'errors.ts'].includes(r);
    expect(resolveInLib('experiments/runner.ts', '../report', exists)).toEqual({ rel: 'report/index.ts', outside: false });
    expect(resolveInLib('report/index.ts', './html', exists)).toEqual({ rel: 'report/html.ts', outside: false });
    expect(resolveInLib('api/train.ts', '../errors', exists)).toEqual({ rel: 'errors.ts', outside: false });
    expect(resolveInLib('experiments/manifest.ts', '../../package.json', exists)).toEqual({ rel: null, outside: true });
    expect(resolveInLib('api/train.ts', './nothing', exists)).toEqual({ rel: null, outside: false });
  });
});

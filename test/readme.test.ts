/**
 * README.md as a contract, the fast part (scripts/ci/test-readme.js runs its code blocks against
 * the packed tarball, in .ci/run): every code block is classified (a language the README test
 * knows, annotations well formed, skips few and explained), and every file the README mentions
 * ships in the npm package or lies under a folder it lists as "in the repository only". The
 * parser and the file check are each shown to reject what they must.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of scripts/ci, without type declarations
const { readmeBlocks, mentionedPaths } = require('../scripts/ci/readme-blocks.js') as {
  readmeBlocks(md: string): { line: number; lang: string; code: string; skip?: string; file?: string }[];
  mentionedPaths(md: string): string[];
};

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  files: string[];
  repository: { url: string };
  bugs: { url: string };
  homepage: string;
};

/** Whether package.json's "files" ships `file` (the patterns this package uses: dir/, dir/**\/*.ext, exact). */
function ships(file: string): boolean {
  if (['package.json', 'README.md', 'LICENSE'].includes(file)) return true; // npm always packs these
  if (file.endsWith('/') && pkg.files.some((p) => p.startsWith(file))) return true; // a folder some of which ships
  return pkg.files.some((pattern) => {
    if (pattern.endsWith('/')) return file.startsWith(pattern) || `${file}/` === pattern;
    if (pattern.includes('*')) {
      const re = new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '(?:.*/)?')
          .replace(/\*/g, '[^/]*')}$`,
      );
      return re.test(file);
    }
    return file === pattern || file.startsWith(`${pattern}/`);
  });
}

/** The folders and files the README lists as "In the repository only" (backticked, in that paragraph). */
function repositoryOnly(md: string): string[] {
  const para = /\*\*In the repository only\*\*([\s\S]*?)\n\n/.exec(md);
  if (!para) return [];
  const head = para[1].split('The package ships')[0];
  return [...head.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

/** A mentioned path's problem, or null: it ships, or it is under a repository-only entry and exists. */
function mentionProblem(path: string, repoOnly: string[]): string | null {
  const clean = path.replace(/[<*].*$/, ''); // docs/*.md, runs/<id> -> their folder
  if (ships(clean) || ships(path)) return null;
  const exception = repoOnly.filter((r) => !r.endsWith('/') && ships(r));
  if (exception.includes(clean)) return null;
  if (repoOnly.some((r) => (r.endsWith('/') ? clean.startsWith(r) || `${clean}/` === r : clean === r))) {
    return existsSync(join(root, clean)) || clean.startsWith('dist/') ? null : `${path}: marked repository-only but not in the repository`;
  }
  return `${path}: neither shipped (package.json "files") nor listed as in the repository only`;
}

describe('README code blocks', () => {
  const blocks = readmeBlocks(readme);

  test('every block has a known language; skips are few and say why', () => {
    expect(blocks.length).toBeGreaterThan(15);
    // Other tools' code (pandas, polars, DuckDB) is skipped by rule; dlnflow's own blocks rarely.
    const skipped = blocks.filter((b) => b.skip && b.lang !== 'python' && b.lang !== 'sql');
    // The short list: registry installs (2), sudo in a clone, Slurm, benchmarks, development commands.
    expect(skipped.length).toBeLessThanOrEqual(6);
    for (const b of skipped) expect(b.skip!.length).toBeGreaterThan(20);
    const run = blocks.filter((b) => !b.skip && b.lang !== 'text');
    expect(run.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(4);
    expect(run.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(4);
    // Files a later block uses.
    expect(blocks.filter((b) => b.file).map((b) => b.file)).toEqual(expect.arrayContaining(['my-experiment.yaml', 'problem.json']));
    expect(blocks.filter((b) => b.lang === 'sh' && !b.skip).some((b) => b.code.includes('my-experiment.yaml'))).toBe(true);
    for (const b of blocks.filter((x) => x.lang === 'json')) expect(() => JSON.parse(b.code)).not.toThrow();
  });

  test('the parser rejects what it must (false cases)', () => {
    expect(() => readmeBlocks('```\nls\n```\n')).toThrow(/needs one of the languages/);
    expect(() => readmeBlocks('```r\nprint(1)\n```\n')).toThrow(/got "r"/);
    expect(() => readmeBlocks('```python\nprint(1)\n```\n')).toThrow(/python block is not run/);
    expect(readmeBlocks('<!-- readme-test: skip: needs pandas -->\n```python\nprint(1)\n```\n')).toHaveLength(1);
    expect(() => readmeBlocks('```sh\nls\n')).toThrow(/unclosed/);
    expect(() => readmeBlocks('<!-- readme-test: later -->\n```sh\nls\n```\n')).toThrow(/unknown annotation/);
    expect(() => readmeBlocks('<!-- readme-test skip -->\n```sh\nls\n```\n')).toThrow(/malformed annotation/);
    expect(() => readmeBlocks('<!-- readme-test: skip: x -->\n```text\nls\n```\n')).toThrow(/text block is never run/);
    expect(() => readmeBlocks('```yaml\na: 1\n```\n')).toThrow(/must be a file/);
    expect(readmeBlocks('<!-- readme-test: skip: needs a cluster -->\n```sh\nsbatch x\n```\n')).toEqual([
      { line: 2, lang: 'sh', code: 'sbatch x', skip: 'needs a cluster' },
    ]);
  });
});

describe('files the README mentions', () => {
  test('each ships in the package or is listed as in the repository only', () => {
    const repoOnly = repositoryOnly(readme);
    expect(repoOnly).toEqual(expect.arrayContaining(['test/', 'scripts/', '.github/']));
    const mentioned = mentionedPaths(readme);
    expect(mentioned).toEqual(
      expect.arrayContaining(['docs/math.md', 'scripts/slurm/dlnflow-array.sbatch', 'scripts/ci/test-tarball.sh', 'test/fixtures/mc-small.json']),
    );
    expect(mentioned.map((p) => mentionProblem(p, repoOnly)).filter((x) => x !== null)).toEqual([]);
    // What ships is there: the docs the report cites and the Slurm script.
    expect(
      ships('docs/math.md') && ships('docs/reproduction.md') && ships('scripts/slurm/dlnflow-array.sbatch') && ships('dist/vendor/vega.min.js'),
    ).toBe(true);
    for (const p of mentioned.filter((m) => ships(m) && !/[<*]/.test(m) && !m.startsWith('dist/') && !m.startsWith('prebuilds/'))) {
      expect([p, existsSync(join(root, p))]).toEqual([p, true]);
    }
  });

  test('the check catches an unlisted file and a stale listing (false cases)', () => {
    expect(mentionedPaths('run `tools/secret.sh`')).toEqual([]); // not a project folder: not a mention
    expect(mentionedPaths('see `examples/notebook.ipynb` and [x](docs/math.md)')).toEqual(['docs/math.md', 'examples/notebook.ipynb']);
    expect(mentionProblem('examples/notebook.ipynb', ['test/'])).toMatch(/neither shipped/);
    expect(mentionProblem('test/fixtures/gone.json', ['test/'])).toMatch(/not in the repository/);
    expect(mentionProblem('scripts/install.js', ['scripts/'])).toBeNull(); // shipped
  });

  test('package.json says where the project lives', () => {
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/);
    expect(pkg.bugs.url).toMatch(/^https:\/\/github\.com\/[\w-]+\/[\w-]+\/issues$/);
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\//);
  });
});

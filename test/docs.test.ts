/**
 * The project documents itself: every citation of a document in code, tests, scripts, report
 * strings and the documentation points to a file and numbered section of this repository
 * (checker: test/docs-citations.ts). The second half feeds the checker dangling citations of every
 * kind, in a synthetic repository and against the real docs, and expects each to be reported.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CitationChecker, formatProblems, sectionsOf, titlesOf } from './docs-citations';

const root = join(__dirname, '..');

describe('citations in this repository', () => {
  const checker = new CitationChecker(root);
  const { problems, citations } = checker.scan();

  test('every cited document and numbered section exists', () => {
    expect(formatProblems(problems)).toBe('');
  });

  test('the scan is not vacuous: code cites the docs by section', () => {
    const docs = ['docs/math.md', 'docs/algorithms.md', 'docs/theory.md', 'docs/reproduction.md', 'docs/architecture.md'];
    // Citations of numbered sections from outside docs/ (code, tests, scripts, README).
    const fromCode = citations.filter((c) => !c.file.startsWith('docs/') && c.target.startsWith('docs/') && c.sections.length > 0);
    expect(fromCode.length).toBeGreaterThanOrEqual(25);
    expect(new Set(fromCode.map((c) => c.file)).size).toBeGreaterThanOrEqual(15);
    for (const doc of docs) expect(citations.some((c) => c.target === doc)).toBe(true);
    // README section titles are cited and checked too.
    expect(citations.filter((c) => c.target === 'README.md').length).toBeGreaterThanOrEqual(10);
  });
});

describe('the checker reports dangling citations', () => {
  let dir: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlnflow-docs-'));
    write(
      'docs/a.md',
      '# A\n\n## 1. One\n\n### 1.2 Two\n\nSee §1.2 and §9.9, and [b](b.md) §1, b.md §3.\n\nThe code: `src/x.cpp`, `src/gone.cpp`, `src/*.hpp`.\n',
    );
    write('docs/b.md', '# B\n\n## 1. Only\n');
    write('README.md', '# R\n\n## Errors\n\n**What to expect.** Text.\n');
    write(
      'src/x.cpp',
      [
        '// fine: docs/a.md §1.2, docs/a.md §1, docs/b.md §1; README "Errors"; README, "What to expect"',
        '// a missing section: docs/a.md §1.3',
        '// a missing document: docs/missing.md §1',
        '// research notes: numerics 3.8, numerics.md section 2, DESIGN.md',
        '// README "No such heading"',
        '// a bare section with no document: see §2',
        '// measured by scripts/bench-kernels',
        '// two on one line: docs/b.md §1 and docs/a.md §7',
        '// a reference continued from the line before: docs/a.md',
        '//   §1.2 and §4 (the second is missing)',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('each kind of dangling citation is reported at its line, and only those', () => {
    const { problems } = new CitationChecker(dir).scan();
    const at = (file: string, line: number) => problems.filter((p) => p.file === file && p.line === line).map((p) => p.message);
    expect(at('src/x.cpp', 1)).toEqual([]);
    expect(at('src/x.cpp', 2)).toEqual(['docs/a.md §1.3: no section 1.3 in docs/a.md']);
    expect(at('src/x.cpp', 3)).toEqual(['docs/missing.md: no such file in the repository']);
    const research = at('src/x.cpp', 4);
    expect(research).toContain('DESIGN.md: no such file in the repository');
    expect(research).toContain('numerics.md: no such file in the repository');
    expect(research.filter((m) => m.includes('research notes "numerics"'))).toHaveLength(1);
    expect(research.filter((m) => m.startsWith('cites DESIGN.md'))).toHaveLength(1);
    expect(at('src/x.cpp', 5)).toEqual(['README "No such heading": no such heading (or bold title) in README.md']);
    expect(at('src/x.cpp', 6)[0]).toMatch(/^§2 without a document/);
    expect(at('src/x.cpp', 7)[0]).toMatch(/bench-kernels does not exist/);
    expect(at('src/x.cpp', 8)).toEqual(['docs/a.md §7: no section 7 in docs/a.md']);
    expect(at('src/x.cpp', 9)).toEqual([]);
    expect(at('src/x.cpp', 10)).toEqual(['docs/a.md §4: no section 4 in docs/a.md']);
    // Inside the docs: bare sections name the same file, relative links resolve from docs/, and
    // repository paths must exist (patterns are skipped).
    expect(at('docs/a.md', 7)).toEqual(['docs/a.md §9.9: no section 9.9 in docs/a.md', 'b.md §3: no section 3 in docs/b.md']);
    expect(at('docs/a.md', 9)).toEqual(['src/gone.cpp: no such file or directory in the repository']);
    expect(problems).toHaveLength(14);
  });

  test('a dangling citation added to a real source file is caught against the real docs', () => {
    const checker = new CitationChecker(root);
    const fine = checker.checkText('lib/example.ts', "// docs/math.md §4.2; docs/algorithms.md §2.8: 'docs/theory.md §2.4'");
    expect(fine.problems).toEqual([]);
    expect(fine.citations.map((c) => [c.target, c.sections])).toEqual([
      ['docs/math.md', ['4.2']],
      ['docs/algorithms.md', ['2.8']],
      ['docs/theory.md', ['2.4']],
    ]);
    const bad = checker.checkText('lib/example.ts', "expected: 'docs/algorithms.md §2.99: the trap'");
    expect(formatProblems(bad.problems)).toBe('lib/example.ts:1: docs/algorithms.md §2.99: no section 2.99 in docs/algorithms.md');
  });

  test('sections and titles are read from the headings', () => {
    expect([...sectionsOf('# T\n## 1. A\n### 1.2 B\n#### 1.2.3 C\n## Notes\nx ## 2. not a heading\n')]).toEqual(['1', '1.2', '1.2.3']);
    expect(titlesOf('## 3. Errors\n**What to expect.** x\n- **Item** y\n').has('Errors')).toBe(true);
    expect(titlesOf('## 3. Errors\n**What to expect.** x\n').has('What to expect')).toBe(true);
  });
});

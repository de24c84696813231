/**
 * The citation checker behind test/docs.test.ts: every reference from code, tests, scripts,
 * report strings and the documentation to a document of this repository must point to a file
 * and (when given) a numbered section that exist.
 *
 * What counts as a citation, per line of text:
 * - a `*.md` path ("docs/algorithms.md", "math.md"), resolved from the repository root, then from
 *   the citing file's directory; the `§N.M` references after it on the same line (up to the next
 *   `.md` path) name headings "## N." / "### N.M ..." of that file;
 * - a bare `§N.M`: in a Markdown file it names a section of that file; elsewhere it must follow a
 *   `.md` path on the same line, or one that ended the line before (a comment broken there);
 * - `README "Title"` / `README, "Title"`: a heading of README.md, or a bold run-in title
 *   ("**What to expect.**");
 * - names of documents that are not in the repository (the research notes `numerics`, `DESIGN`,
 *   `research/...`, `frontier`) and the old `scripts/bench-kernels`: always an error;
 * - in the documentation only (docs/*.md, README.md): repository paths such as `src/lanczos.cpp`,
 *   which must exist (paths with `*`, `{`, `<` or `$` are patterns and are skipped).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export interface Problem {
  file: string;
  line: number;
  message: string;
}

export interface Citation {
  file: string;
  line: number;
  /** Repository-relative path of the cited document. */
  target: string;
  sections: string[];
}

/** A `.md` path or a `§N.M` reference on a line, by position. */
interface Token {
  at: number;
  end: number;
  path?: string;
  section?: string;
}

export interface ScanResult {
  problems: Problem[];
  citations: Citation[];
}

/** Directories and files scanned, relative to the repository root. */
export const SCANNED = [
  'src',
  'binding',
  'lib',
  'scripts',
  'test',
  'bin',
  'cmake',
  'docs',
  '.ci',
  '.github',
  'README.md',
  'CHANGELOG.md',
  'CMakeLists.txt',
];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'prebuilds', '.git', 'fixtures']);
/** The checker and its test name the forbidden documents and hold deliberately dangling citations. */
const SKIPPED_FILES = new Set(['test/docs-citations.ts', 'test/docs.test.ts']);
const TEXT = /\.(ts|js|cjs|mjs|cts|mts|cpp|hpp|h|c|py|sh|md|sbatch|yml|yaml|cmake|map|txt)$|^run$|^CMakeLists\.txt$/;

const MD_PATH = /(?<![\w/.-])((?:\.{1,2}\/)?(?:[\w.-]+\/)*[\w-][\w.-]*\.md)(?![\w-])/g;
const SECTION = /§\s*(\d+(?:\.\d+)*)/g;
/** What may stand between a path and its section references: "docs/a.md §1, §2 and §3", "(b.md) §1". */
const SEPARATOR = /^[\s,;:()[\]&–-]*(?:(?:and|or|to|sections?)[\s,;:()[\]&–-]*)?$/;
const README_TITLE = /\bREADME(?:\.md)?,?\s*\(?\s*(?:section\s+)?["“]([^"”\n]+)["”]/g;
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bnumerics(?:\.md\b|\s+(?:§\s*|section\s+)?\d)/, 'cites the research notes "numerics", which are not in this repository (use docs/*.md)'],
  [/\bDESIGN(?:\.md)?\b/, 'cites DESIGN.md, which is not in this repository (use docs/*.md)'],
  [/\bresearch\/[\w.-]+/, 'cites the research notes, which are not in this repository (use docs/*.md)'],
  [/\bfrontier(?:\.md)?\s*§/, 'cites the research notes "frontier", which are not in this repository'],
  [/\bscripts\/bench-kernels\b/, 'scripts/bench-kernels does not exist (the benchmark is scripts/bench/kernels.js)'],
];
const REPO_PATH = /(?<![\w/.$-])((?:src|binding|lib|scripts|test|docs|bin|cmake|\.ci|\.github)\/[\w./*{}<>$,-]*[\w*}>-])/g;

/** Numbered sections of a Markdown file: "## 2. Title" gives "2", "### 2.3 Title" gives "2.3". */
export function sectionsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

/** Headings and bold run-in titles of a Markdown file, as written (trailing period dropped). */
export function titlesOf(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const h = /^#{1,6}\s+(.+?)\s*$/.exec(line);
    if (h) out.add(h[1].replace(/^\d+(?:\.\d+)*\.?\s+/, ''));
    const b = /^(?:[-*]\s+)?\*\*([^*]+?)\.?\*\*/.exec(line);
    if (b) out.add(b[1]);
  }
  return out;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        if (SKIPPED_DIRS.has(name)) continue;
        walk(rel ? `${rel}/${name}` : name);
      }
    } else if (TEXT.test(rel.split('/').pop()!) && !SKIPPED_FILES.has(rel)) {
      out.push(rel);
    }
  };
  for (const entry of SCANNED) walk(entry);
  return out;
}

/** The checker over a repository rooted at `root`; `read` may substitute file contents. */
export class CitationChecker {
  private readonly sectionCache = new Map<string, Set<string>>();
  private readmeTitles: Set<string> | null = null;

  constructor(private readonly root: string) {}

  private exists(rel: string): boolean {
    return existsSync(join(this.root, rel));
  }

  private sections(rel: string): Set<string> {
    let s = this.sectionCache.get(rel);
    if (!s) {
      s = sectionsOf(readFileSync(join(this.root, rel), 'utf8'));
      this.sectionCache.set(rel, s);
    }
    return s;
  }

  /** The repository-relative file a `.md` path in `file` refers to, or null. */
  private resolve(path: string, file: string): string | null {
    const fromRoot = path.replace(/^\.\//, '');
    if (!fromRoot.startsWith('../') && this.exists(fromRoot)) return fromRoot;
    const fromDir = relative(this.root, join(this.root, dirname(file), path))
      .split(sep)
      .join('/');
    if (!fromDir.startsWith('..') && this.exists(fromDir)) return fromDir;
    return null;
  }

  /** Checks one file's text. */
  checkText(file: string, text: string): ScanResult {
    const problems: Problem[] = [];
    const citations: Citation[] = [];
    const isMarkdown = file.endsWith('.md');
    const isDoc = isMarkdown && (file.startsWith('docs/') || file === 'README.md');
    const checkSection = (target: string | null, id: string, line: number, path: string) => {
      if (target !== null && !this.sections(target).has(id)) {
        problems.push({ file, line, message: `${path} §${id}: no section ${id} in ${target}` });
      }
    };
    // A .md citation that ended its line, whose sections may continue on the next line.
    let continued: { target: string | null; line: number } | null = null;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = i + 1;
      // External links (https://...) are not checked: blank them out.
      const scrubbed = lines[i].replace(/\S*:\/\/\S*/g, (m) => ' '.repeat(m.length));
      const tokens: Token[] = [
        ...[...scrubbed.matchAll(MD_PATH)].map((m) => ({ at: m.index!, end: m.index! + m[1].length, path: m[1] })),
        ...[...scrubbed.matchAll(SECTION)].map((m) => ({ at: m.index!, end: m.index! + m[0].length, section: m[1] })),
      ].sort((a, b) => a.at - b.at);
      // A section reference belongs to the path before it when only separators (and that path's
      // other section references) stand between them ("docs/math.md §4.2, §4.3"); otherwise it is
      // bare: in Markdown a section of the file itself, elsewhere an error.
      let owner: { path: string; target: string | null; citation: Citation | null } | null = null;
      let from = 0;
      for (const token of tokens) {
        const gap = scrubbed.slice(from, token.at);
        from = token.end;
        if (token.path !== undefined) {
          const target = this.resolve(token.path, file);
          if (target === null) problems.push({ file, line, message: `${token.path}: no such file in the repository` });
          const citation = target === null ? null : { file, line, target, sections: [] };
          if (citation) citations.push(citation);
          owner = { path: token.path, target, citation };
          continue;
        }
        const id = token.section!;
        if (owner === null && continued !== null && continued.line === line - 1 && /^[\s/*#;-]*$/.test(gap)) {
          // The first thing on this line continues a citation that ended the line before.
          owner = { path: continued.target ?? '?', target: continued.target, citation: null };
          checkSection(owner.target, id, line, owner.path);
        } else if (owner !== null && SEPARATOR.test(gap)) {
          checkSection(owner.target, id, line, owner.path);
          owner.citation?.sections.push(id);
        } else if (isMarkdown) {
          owner = null;
          checkSection(file, id, line, file);
          citations.push({ file, line, target: file, sections: [id] });
        } else {
          owner = null;
          problems.push({ file, line, message: `§${id} without a document: write the file, e.g. "docs/algorithms.md §${id}"` });
        }
      }
      const lastIsPath = tokens.length > 0 && tokens[tokens.length - 1].path !== undefined;
      continued = owner !== null && lastIsPath && /^[\s,;:.)*/`'"]*$/.test(scrubbed.slice(from)) ? { target: owner.target, line } : null;

      for (const m of scrubbed.matchAll(README_TITLE)) {
        this.readmeTitles ??= this.exists('README.md') ? titlesOf(readFileSync(join(this.root, 'README.md'), 'utf8')) : new Set();
        if (!this.readmeTitles.has(m[1])) {
          problems.push({ file, line, message: `README "${m[1]}": no such heading (or bold title) in README.md` });
        } else {
          citations.push({ file, line, target: 'README.md', sections: [] });
        }
      }
      for (const [pattern, message] of FORBIDDEN) {
        if (pattern.test(scrubbed)) problems.push({ file, line, message });
      }
      if (isDoc) {
        for (const m of scrubbed.matchAll(REPO_PATH)) {
          const path = m[1].replace(/[.,]+$/, '');
          if (/[*{}<>$]/.test(path)) continue;
          if (!this.exists(path)) problems.push({ file, line, message: `${path}: no such file or directory in the repository` });
        }
      }
    }
    return { problems, citations };
  }

  /** Checks every scanned file of the repository. */
  scan(): ScanResult {
    const problems: Problem[] = [];
    const citations: Citation[] = [];
    for (const file of listFiles(this.root)) {
      const r = this.checkText(file, readFileSync(join(this.root, file), 'utf8'));
      problems.push(...r.problems);
      citations.push(...r.citations);
    }
    return { problems, citations };
  }
}

export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n');
}

// The fenced code blocks of README.md and what the README test does with each (see the README,
// "The README is tested"):
//   sh      run in order, in the test project (bash -euo pipefail)
//   ts      all together as one ES module: type-checked (tsc --strict), then run
//   json    parsed
//   yaml    parsed by the test project's dlnflow (only as a `file`, which a later block uses)
//   text    output samples and command synopses: not run
//   python, sql   other tools' code reading dlnflow's files (pandas, polars, DuckDB): never run here
//           (those tools are not dlnflow's dependencies), so each must say so with a skip annotation;
//           test/tidy-results.test.ts reads the same files with DuckDB
// An HTML comment on the line just above a fence annotates it:
//   <!-- readme-test: skip: REASON -->   not run, and why (counted as skipped)
//   <!-- readme-test: file NAME -->      written to NAME in the test project before any block runs
// Anything else is an error: a block without a language, another language, an unknown annotation.
'use strict';

const LANGUAGES = ['sh', 'ts', 'json', 'yaml', 'text', 'python', 'sql'];
/** Languages of other tools: their blocks must carry a skip annotation saying what they need. */
const FOREIGN = ['python', 'sql'];

/** [{ line, lang, code, skip?: reason, file?: name }] of a markdown text; throws on a malformed block. */
function readmeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const lang = open[1].trim();
    const start = i;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    if (end >= lines.length) throw new Error(`README.md:${start + 1}: unclosed code block`);
    if (!LANGUAGES.includes(lang)) {
      throw new Error(`README.md:${start + 1}: a code block needs one of the languages ${LANGUAGES.join(', ')} (got "${lang}")`);
    }
    const block = { line: start + 1, lang, code: lines.slice(start + 1, end).join('\n') };
    const note = /^<!--\s*readme-test:\s*(.*?)\s*-->$/.exec(start > 0 ? lines[start - 1] : '');
    if (note) {
      const skip = /^skip:\s*(.+)$/.exec(note[1]);
      const file = /^file\s+([\w.-]+)$/.exec(note[1]);
      if (skip) block.skip = skip[1];
      else if (file) block.file = file[1];
      else throw new Error(`README.md:${start}: unknown annotation "${note[1]}" (skip: REASON, or file NAME)`);
      if (lang === 'text') throw new Error(`README.md:${start}: a text block is never run: it needs no annotation`);
    } else if (/readme-test/.test(start > 0 ? lines[start - 1] : '')) {
      throw new Error(`README.md:${start}: malformed annotation "${lines[start - 1]}"`);
    }
    if (FOREIGN.includes(lang) && !block.skip)
      throw new Error(`README.md:${start + 1}: a ${lang} block is not run by the README test: annotate it <!-- readme-test: skip: REASON -->`);
    if (lang === 'yaml' && !block.file && !block.skip)
      throw new Error(`README.md:${start + 1}: a yaml block must be a file (<!-- readme-test: file NAME -->) that a later block uses`);
    blocks.push(block);
    i = end;
  }
  return blocks;
}

/**
 * Paths a README mentions (anywhere: prose, backticks, links, code blocks): the things a reader
 * may look for. Only repository-relative paths under the project's folders, and top-level files.
 */
function mentionedPaths(markdown) {
  const found = new Set();
  const re =
    /(?:^|[\s`([])((?:\.\/)?(?:docs|scripts|test|src|binding|lib|cmake|bin|dist|prebuilds|examples|\.github|\.ci)\/[\w./*<>-]*|CMakeLists\.txt|CHANGELOG\.md)/gm;
  for (const m of markdown.matchAll(re)) found.add(m[1].replace(/^\.\//, '').replace(/[.,;:]$/, ''));
  return [...found].sort();
}

module.exports = { LANGUAGES, FOREIGN, readmeBlocks, mentionedPaths };

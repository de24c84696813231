#!/usr/bin/env node
// Regenerates the README's option tables from the declarations (lib/options/, built into dist/):
// `npm run docs:options` after adding or changing an option; `--check` exits 1 when the README is
// stale (test/options.test.ts checks the same).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const { withOptionsBlock } = require(path.join(root, 'dist', 'options', 'markdown.js'));
const readmePath = path.join(root, 'README.md');
const readme = fs.readFileSync(readmePath, 'utf8');
const updated = withOptionsBlock(readme);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    process.stderr.write('README.md: the option tables are stale; run `npm run docs:options`\n');
    process.exit(1);
  }
  process.stdout.write('README.md: option tables up to date\n');
} else if (updated !== readme) {
  fs.writeFileSync(readmePath, updated);
  process.stdout.write('README.md: option tables regenerated\n');
} else {
  process.stdout.write('README.md: option tables up to date\n');
}

#!/usr/bin/env node
// Runs clang-format (style: .clang-format) over the repository's C++: src/, binding/, test/native/,
// scripts/native/ and the C fixtures in test/fixtures/. Used by `npm run format` (rewrites files in
// place) and `npm run lint` (`--check`: lists every file that is not formatted and exits 1).
// The tree is formatted with clang-format 14 (Debian 12's package, which .ci/run installs); another
// major version may lay some lines out differently, so a mismatch is reported next to any failure.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DIRS = ['src', 'binding', 'test/native', 'scripts/native', 'test/fixtures'];
const EXTENSIONS = new Set(['.cpp', '.hpp', '.c', '.h', '.inc']);
const EXPECTED_MAJOR = 14;

function walk(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (EXTENSIONS.has(path.extname(entry.name))) out.push(path.relative(ROOT, p));
  }
  return out;
}

function main() {
  const check = process.argv.includes('--check');
  const bin = process.env.CLANG_FORMAT || 'clang-format';
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    console.error(`clang-format: '${bin}' not found; install it (Debian/Ubuntu: apt-get install clang-format) or set CLANG_FORMAT`);
    return 1;
  }
  const major = Number((/version (\d+)\./.exec(version.stdout) || [])[1]);
  const files = DIRS.flatMap((d) => walk(path.join(ROOT, d), [])).sort();
  const failed = [];
  // In batches, to stay far below the command-line length limit.
  for (let i = 0; i < files.length; i += 50) {
    const batch = files.slice(i, i + 50);
    const args = check ? ['--dry-run', '-Werror', '--style=file', ...batch] : ['-i', '--style=file', ...batch];
    const r = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) {
      for (const m of r.stderr.matchAll(/^(.+?):\d+:\d+: (?:error|warning): code should be clang-formatted/gm)) failed.push(m[1]);
      if (!check || failed.length === 0) {
        process.stderr.write(r.stderr);
        return 1;
      }
    }
  }
  if (check) {
    const unique = [...new Set(failed)];
    if (unique.length > 0) {
      console.error(`clang-format: ${unique.length} of ${files.length} C++ files are not formatted (fix: npm run format):`);
      for (const f of unique) console.error(`  ${path.relative(ROOT, path.resolve(ROOT, f))}`);
      if (major !== EXPECTED_MAJOR) console.error(`clang-format: this is version ${major}; the tree is formatted with ${EXPECTED_MAJOR}`);
      return 1;
    }
    console.log(`clang-format: ${files.length} C++ files formatted`);
  }
  return 0;
}

process.exitCode = main();

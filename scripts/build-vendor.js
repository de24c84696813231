#!/usr/bin/env node
// After tsc: copies the third-party files the report needs at run time into dist/vendor/, so the
// published package carries them instead of depending on their npm packages:
//   vega.min.js, vega-lite.min.js, vega-embed.min.js   the libraries' own self-contained UMD builds
//     (the vega and vega-lite packages pull 82 packages and 42 MB of per-module builds; these
//     three files are 0.8 MB). Node loads them for the headless SVG, and report.html inlines them
//     so the interactive page works offline.
//   fonts/DejaVuSans.ttf, fonts/DejaVuSans-Bold.ttf      the font PNG and PDF figures are drawn
//     with (resvg and pdfkit get it by path: text renders the same on a machine with no fonts).
// The versions come from devDependencies (package-lock.json pins them); NOTICES.txt names each
// file's package, version and licence and carries the licence texts. Incremental: a file is
// copied only when its size or mtime differs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'vendor');

/** [package, file inside it, destination under dist/vendor] */
const FILES = [
  ['vega', 'build/vega.min.js', 'vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js', 'vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js', 'vega-embed.min.js'],
  ['dejavu-fonts-ttf', 'ttf/DejaVuSans.ttf', 'fonts/DejaVuSans.ttf'],
  ['dejavu-fonts-ttf', 'ttf/DejaVuSans-Bold.ttf', 'fonts/DejaVuSans-Bold.ttf'],
];

/** The package's folder (found the way require() looks, without its exports map, which may hide package.json). */
function packageDir(name) {
  for (const dir of require.resolve.paths(name) ?? []) {
    if (fs.existsSync(path.join(dir, name, 'package.json'))) return path.join(dir, name);
  }
  throw new Error(`build-vendor: ${name} is not installed (a devDependency: run npm install)`);
}

function licenceText(name) {
  const dir = packageDir(name);
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
  if (file) return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  // The vega package ships no LICENSE file; its package.json says BSD-3-Clause, the terms of the
  // vega-lite LICENSE below (same authors, the University of Washington Interactive Data Lab).
  return `(no licence file in the package; package.json: ${JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).license}, the terms of vega-lite's LICENSE below)`;
}

function copyIfChanged(from, to) {
  const a = fs.statSync(from);
  const b = fs.existsSync(to) ? fs.statSync(to) : null;
  if (b && b.size === a.size && b.mtimeMs === a.mtimeMs) return;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  fs.utimesSync(to, a.atime, a.mtime);
}

const notices = [
  '# Third-party files in dist/vendor',
  '',
  'Copied unchanged from their npm packages by scripts/build-vendor.js.',
  '',
  '| file | package | licence |',
  '| --- | --- | --- |',
];
const seen = new Set();
const licences = [];
for (const [name, file, dest] of FILES) {
  const dir = packageDir(name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  copyIfChanged(path.join(dir, file), path.join(out, dest));
  notices.push(`| ${dest} | ${name}@${pkg.version} (${file}) | ${pkg.license} |`);
  if (!seen.has(name)) {
    seen.add(name);
    licences.push(`## ${name}@${pkg.version}`, '', '```', licenceText(name), '```', '');
  }
}
const text = `${[...notices, '', ...licences].join('\n').trimEnd()}\n`;
const noticesFile = path.join(out, 'NOTICES.txt');
if (!fs.existsSync(noticesFile) || fs.readFileSync(noticesFile, 'utf8') !== text) fs.writeFileSync(noticesFile, text);

#!/usr/bin/env node
// npm install hook. The package ships prebuilt binaries (prebuilds/<platform>-<arch>/) that load
// at require time whether or not this script runs (pnpm 10 and Bun skip install scripts by
// default). This script only decides whether a source build is needed:
//   1. --build-from-source (npm_config_build_from_source=true, or a list naming dlnflow):
//      build with cmake-js, whatever prebuilds exist;
//   2. otherwise load the prebuild in a child process (a binary that fails to dlopen must not
//      take down the installer); if it loads, done, nothing is compiled;
//   3. otherwise build from source; if that fails too, say why the prebuild did not load and
//      what to install, then fail the install.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const name = 'dlnflow';

function sourceBuildRequested() {
  const value = (process.env.npm_config_build_from_source || '').trim();
  if (value === '' || /^(false|0)$/i.test(value)) return false;
  if (/^(true|1)$/i.test(value)) return true;
  return value.split(',').map((s) => s.trim()).includes(name);
}

// The loader's own message (with its hints) when dist/ is there (installed package);
// node-gyp-build directly in a git checkout before the TypeScript build.
const PROBE = `
const root = ${JSON.stringify(root)};
let load;
try { load = require(root + '/dist/native.js').native; }
catch { load = () => require('node-gyp-build')(root); }
try {
  load();
  process.stdout.write(require('node-gyp-build').resolve(root));
} catch (err) {
  process.stderr.write(String(err && err.message ? err.message : err));
  process.exit(1);
}`;

function probePrebuild() {
  const probe = spawnSync(process.execPath, ['-e', PROBE], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // Only prebuilds/: a stale build/ from an earlier source build must not count.
    env: { ...process.env, PREBUILDS_ONLY: '1' },
  });
  return { ok: probe.status === 0, file: probe.stdout.trim(), error: (probe.stderr || '').trim() };
}

function indent(text) {
  return text.replace(/^/gm, '    ');
}

let reason;
if (sourceBuildRequested()) {
  reason = 'building from source as requested (--build-from-source)';
} else {
  const probe = probePrebuild();
  if (probe.ok) {
    console.log(`${name}: using the prebuilt binary ${path.relative(root, probe.file)}`);
    process.exit(0);
  }
  reason = `the prebuilt binary did not load:\n${indent(probe.error)}`;
  console.log(`${name}: ${reason}\n${name}: building from source with cmake-js.`);
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const result = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
if (result.status === 0 && fs.existsSync(path.join(root, 'build', 'Release', `${name}.node`))) {
  process.exit(0);
}
console.error(`
${name}: could not install the native addon.
  First, ${reason}
  Then the source build (cmake-js compile) failed. A source build needs cmake >= 3.18, a C++17
  compiler and a CBLAS library:
    Debian/Ubuntu:  sudo apt-get install cmake g++ libopenblas-dev pkg-config
    Fedora/RHEL:    sudo dnf install cmake gcc-c++ openblas-devel   (RHEL: enable EPEL/CRB)
    Alpine:         apk add cmake g++ make openblas-dev pkgconf
    macOS:          xcode-select --install && brew install cmake     (BLAS: Accelerate)
  then run: npm rebuild ${name}`);
process.exit(result.status || 1);

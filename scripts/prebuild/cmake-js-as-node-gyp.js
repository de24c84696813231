#!/usr/bin/env node
// prebuildify has no cmake-js backend (prebuild/prebuildify#49): it spawns `<node-gyp> rebuild
// --target=V --devdir=D --arch=A --release|--debug` and then moves the first build/Release/*.node
// into prebuilds/. This stands in for node-gyp: it builds the redistributable addon with cmake-js
// (DLN_PORTABLE, in its own build tree so the development build and its CMake cache are left
// alone) and puts the result where prebuildify looks. --target and --devdir are ignored: the addon
// is Node-API 8, one binary for every Node version, and cmake-js takes the headers from
// node-api-headers (no download).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
if (args[0] !== 'rebuild') {
  console.error(`cmake-js-as-node-gyp: only "rebuild" is supported (got: ${args.join(' ')})`);
  process.exit(2);
}
const option = (name) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 3);
};
const debug = args.includes('--debug');
const arch = option('arch') || process.arch;
const config = debug ? 'Debug' : 'Release';
const workDir = path.join(root, 'build', 'prebuild', arch);

const cmakeArgs = [
  require.resolve('cmake-js/bin/cmake-js'),
  'rebuild',
  '--directory',
  root,
  '--out',
  workDir,
  '--arch',
  arch,
  '--CDDLN_PORTABLE=ON',
  '--log-level',
  'warn',
];
if (debug) cmakeArgs.push('--debug');
if (process.platform === 'darwin') {
  // ACCELERATE_NEW_LAPACK (cmake/DlnBlas.cmake) binds the $NEWLAPACK CBLAS entry points, which
  // exist from macOS 13.3: that is the floor, stated in the binary so dyld says so plainly.
  cmakeArgs.push(`--CDCMAKE_OSX_DEPLOYMENT_TARGET=${process.env.MACOSX_DEPLOYMENT_TARGET || '13.3'}`);
}

const built = spawnSync(process.execPath, cmakeArgs, { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status || 1);

const from = path.join(workDir, config, 'dlnflow.node');
const toDir = path.join(root, 'build', config);
fs.mkdirSync(toDir, { recursive: true });
fs.copyFileSync(from, path.join(toDir, 'dlnflow.node'));

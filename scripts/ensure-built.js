#!/usr/bin/env node
// Before tests: bring the native addon and dist/ up to date (both builds are incremental), with
// dist/vendor/ (the report's Vega bundles and font).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
function run(args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
run([require.resolve('cmake-js/bin/cmake-js'), 'build', '--log-level', 'warn']);
run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
run([path.join(__dirname, 'build-esm.js')]);
run([path.join(__dirname, 'build-vendor.js')]);

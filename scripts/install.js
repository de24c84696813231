#!/usr/bin/env node
// npm install hook: use a prebuilt binary when one loads on this machine, otherwise build from
// source with cmake-js. Honours --build-from-source / npm_config_build_from_source.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const fromSource = /^(1|true)$/i.test(process.env.npm_config_build_from_source || '');

function prebuildLoads() {
  // Load in a child process: a binary that fails to dlopen (missing libopenblas, old glibc)
  // must not take down the installer.
  const probe = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, PREBUILDS_ONLY: '1' },
  });
  return probe.status === 0;
}

if (!fromSource && prebuildLoads()) {
  process.exit(0);
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const result = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`
dlnflow: building the native addon from source failed.
  It needs cmake (>= 3.18), a C++17 compiler and a CBLAS library:
    Debian/Ubuntu: sudo apt-get install cmake g++ libopenblas-dev
    macOS:         xcode-select --install && brew install cmake   (Accelerate provides BLAS)
  Then run: npm rebuild dlnflow`);
  process.exit(result.status || 1);
}

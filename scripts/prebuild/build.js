#!/usr/bin/env node
// `npm run native:prebuild [-- --max-glibc 2.29]`: builds the redistributable addon for this
// platform and architecture with prebuildify (driving cmake-js through cmake-js-as-node-gyp.js),
// leaving it where node-gyp-build looks: prebuilds/linux-x64/dlnflow.glibc.node,
// prebuilds/darwin-arm64/dlnflow.node, ... Then it loads that file alone (PREBUILDS_ONLY) in a
// child process and prints its ABI report (glibc floor, linked libraries; abi-report.js), whose
// checks (e.g. --max-glibc) fail the command.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const arch = process.env.PREBUILD_ARCH || process.arch;
const platform = process.platform;

function run(args, extra = {}) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', ...extra });
  if (r.status !== 0) process.exit(r.status || 1);
}

const prebuildifyArgs = [
  require.resolve('prebuildify/bin.js'),
  '--napi',
  '--arch',
  arch,
  '--node-gyp',
  path.join(__dirname, 'cmake-js-as-node-gyp.js'),
];
// glibc and musl binaries are not interchangeable: name the flavour so node-gyp-build never hands
// a glibc build to Alpine (which then falls back to a source build).
if (platform === 'linux') prebuildifyArgs.push('--tag-libc');
// Linux: drop the symbol table (the exported surface is napi_register_module_v1 either way).
// macOS: never strip -- it invalidates the linker's ad-hoc signature and arm64 kills the process.
if (platform === 'linux') prebuildifyArgs.push('--strip');
run(prebuildifyArgs);

const dir = path.join(root, 'prebuilds', `${platform}-${arch}`);
const file = path.join(dir, platform === 'linux' ? 'dlnflow.glibc.node' : 'dlnflow.node');
if (!fs.existsSync(file)) {
  console.error(`prebuild:native: expected ${path.relative(root, file)}, found: ${fs.readdirSync(dir).join(', ')}`);
  process.exit(1);
}

if (arch === process.arch) {
  // What a user's require() does, minus build/: node-gyp-build must pick this file, and it must
  // link and answer.
  const probe = `const b = require(${JSON.stringify(require.resolve('node-gyp-build'))});
    const file = b.resolve(${JSON.stringify(root)});
    if (file !== ${JSON.stringify(file)}) throw new Error('node-gyp-build picked ' + file);
    const info = require(file).buildInfo();
    console.log('prebuild:native: loads, ' + JSON.stringify({ blas: info.blasVendor, napi: info.napiVersion, compiler: info.compiler }));`;
  run(['-e', probe], { env: { ...process.env, PREBUILDS_ONLY: '1' } });
} else {
  console.log(`prebuild:native: cross build for ${arch}, not loaded here`);
}

// prebuildify strips the copy it moves into prebuilds/; the build tree keeps the unstripped file,
// whose symbols let the report check that wide registers occur only in the CPU-dispatched kernels.
const unstripped = path.join(root, 'build', 'prebuild', arch, 'Release', 'dlnflow.node');
const symbols = platform === 'linux' && fs.existsSync(unstripped) ? ['--symbols', unstripped] : [];
run([path.join(__dirname, 'abi-report.js'), file, ...symbols, ...process.argv.slice(2)]);

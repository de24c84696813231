#!/usr/bin/env node
// prebuildify has no cmake-js backend (prebuild/prebuildify#49): it spawns
//   <node-gyp> rebuild --target=V --devdir=D --arch=A --release
// in its working directory and then takes build/Release/*.node from there. This stands in for
// node-gyp and runs `cmake-js rebuild` on the package root with the settings a redistributable
// binary needs, writing into <cwd>/build so the developer's own build/ is left alone.
//
// Node-API binaries do not depend on the Node version, so --target and --devdir are ignored
// (cmake-js takes the headers from node-api-headers, no download).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
if (args[0] !== 'rebuild') {
  console.error(`prebuild-cmake-js-shim: expected "rebuild", got: ${args.join(' ')}`);
  process.exit(2);
}
const option = (name) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : undefined;
};

// prebuildify passes only the first architecture of a tuple such as "x64+arm64"; the whole
// tuple is in PREBUILD_ARCH.
const archTuple = (process.env.PREBUILD_ARCH || option('arch') || process.arch).split('+');
const platform = process.env.PREBUILD_PLATFORM || process.platform;

const defines = {
  // No RPATH/RUNPATH: the binary must not point into the build machine's directories; the
  // system loader finds libopenblas.so.0 the way it finds libc.
  CMAKE_SKIP_RPATH: 'ON',
};
if (platform === 'linux') {
  // Exactly OpenBLAS (the only runtime requirement we document), never whatever CBLAS is found.
  defines.DLN_BLAS = 'openblas';
}
if (platform === 'darwin') {
  defines.DLN_BLAS = 'accelerate';
  // ACCELERATE_NEW_LAPACK symbols exist from macOS 13.3; without a deployment target the
  // binary would require the build machine's macOS version.
  defines.CMAKE_OSX_DEPLOYMENT_TARGET = process.env.MACOSX_DEPLOYMENT_TARGET || '13.3';
  defines.CMAKE_OSX_ARCHITECTURES = archTuple.map((a) => (a === 'x64' ? 'x86_64' : a)).join(';');
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const cmd = [
  cmakeJs,
  'rebuild',
  '--directory',
  root,
  '--out',
  path.resolve('build'),
  '--arch',
  archTuple[0],
  ...(args.includes('--debug') ? ['--debug'] : []),
  ...Object.entries(defines).map(([k, v]) => `--CD${k}=${v}`),
];
console.log(`prebuild: cmake-js ${cmd.slice(1).join(' ')}`);
const result = spawnSync(process.execPath, cmd, { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);

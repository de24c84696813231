#!/usr/bin/env node
// npm run build:prebuild [-- --arch ARCH]
// (not "prebuild:native": npm would run that as a pre-hook of every `npm run build:native`)
//
// Builds the release binary this machine can ship and places it where node-gyp-build looks:
//   Linux:  prebuilds/linux-<arch>/dlnflow.glibc.node (or .musl on Alpine), stripped
//   macOS:  prebuilds/darwin-x64+arm64/dlnflow.node, one universal binary, NOT stripped
//           (strip invalidates the linker's ad-hoc signature and arm64 macOS kills the process)
// prebuildify drives the build through scripts/prebuild-cmake-js-shim.js (it has no cmake-js
// backend), in build/prebuild/ so the development build in build/ is untouched. Then the binary
// is inspected and its requirements printed; what it may need is checked again before
// publishing (scripts/check-prebuilds.js).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const prebuildify = require('prebuildify');
const { inspectBinary } = require('./prebuild-inspect');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));

const argv = process.argv.slice(2);
const archFlag = argv.indexOf('--arch');
const platform = process.platform;
const arch = archFlag >= 0 ? argv[archFlag + 1] : platform === 'darwin' ? 'x64+arm64' : process.arch;

const stage = path.join(root, 'build', 'prebuild');
const outDir = path.join(root, 'prebuilds', `${platform}-${arch}`);
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });
// A stale binary with other tags would be shipped next to the new one: start clean.
fs.rmSync(outDir, { recursive: true, force: true });

prebuildify(
  {
    cwd: stage,
    out: root,
    name: pkg.name,
    napi: true,
    targets: [`node@${process.versions.node}`],
    arch,
    platform,
    tagLibc: platform === 'linux',
    strip: platform === 'linux',
    nodeGyp: path.join(__dirname, 'prebuild-cmake-js-shim.js'),
  },
  (err) => {
    if (err) {
      console.error(`build:prebuild failed: ${err.message || err}`);
      process.exit(1);
    }
    for (const file of fs.readdirSync(outDir)) {
      const report = inspectBinary(path.join(outDir, file));
      delete report.neededOffsets;
      delete report.versionsByLibrary;
      console.log(`prebuild: ${path.relative(root, path.join(outDir, file))} (${fs.statSync(path.join(outDir, file)).size} bytes)`);
      console.log(JSON.stringify(report, null, 2));
    }
  },
);

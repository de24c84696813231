#!/usr/bin/env node
// npm install hook. The package ships prebuilt binaries (prebuilds/<platform>-<arch>/); this only
// builds from source (cmake-js) when none of them loads here, or when asked to:
//   npm install dlnflow --build-from-source        (npm_config_build_from_source=true)
//   npm install --build-from-source=dlnflow        (a comma-separated list of package names)
// Nothing depends on this script having run: package managers that skip install scripts (pnpm 10,
// Bun, --ignore-scripts, npm without an allowScripts approval) still load the prebuilt binary at
// require time.
// The source build's driver, cmake-js, is not a dependency (39 packages, 7 MB that a prebuilt
// install never uses): it comes from the project when it has one (a clone of this repository has
// it as a devDependency), else npm fetches the version range of package.json's devDependencies
// into its cache for this one build (`npm exec --package cmake-js@RANGE`).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const name = 'dlnflow';

/** npm_config_build_from_source: "true"/"1" for every package, or a list of package names. */
function sourceBuildRequested(value) {
  if (!value || /^(false|0|)$/i.test(value)) return false;
  if (/^(true|1)$/i.test(value)) return true;
  return value
    .split(',')
    .map((s) => s.trim())
    .includes(name);
}

/**
 * Loads the prebuilt binary (never build/) in a child process -- a binary that fails to dlopen
 * (missing libopenblas, too old a glibc) must not take the installer down -- and calls into it.
 * Goes through dist/native.js when it exists (always, in the published package) so the reason
 * comes with the same help text a require() would give.
 */
function probePrebuild() {
  const probe = `
    const fs = require('node:fs');
    const root = ${JSON.stringify(root)};
    try {
      const binding = fs.existsSync(root + '/dist/native.js')
        ? require(root + '/dist/native.js').native()
        : require(${JSON.stringify(require.resolve('node-gyp-build'))})(root);
      binding.buildInfo();
    } catch (err) {
      process.stderr.write(String(err && err.message ? err.message : err));
      process.exit(1);
    }`;
  const r = spawnSync(process.execPath, ['-e', probe], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PREBUILDS_ONLY: '1' },
  });
  return { ok: r.status === 0, reason: (r.stderr || '').trim() || `exit status ${r.status}` };
}

function indent(text) {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** { command, args, env } that run cmake-js with `args`: the project's copy, else through npm exec. */
function cmakeJsCommand(args) {
  try {
    const local = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
    return { command: process.execPath, args: [local, ...args], env: process.env };
  } catch {
    // Not installed: npm fetches it (the version range this package was tested with).
  }
  const range = require(path.join(root, 'package.json')).devDependencies['cmake-js'];
  const npmArgs = ['exec', '--yes', `--package=cmake-js@${range}`, '--', 'cmake-js', ...args];
  // The nested npm must not inherit a global install's mode (it would look for cmake-js globally).
  const env = { ...process.env };
  delete env.npm_config_global;
  delete env.npm_config_location;
  // Under npm, its own CLI (same version, cache and registry settings); else the npm on PATH.
  const npmCli = process.env.npm_execpath;
  if (npmCli && /npm-cli\.js$/.test(npmCli)) return { command: process.execPath, args: [npmCli, ...npmArgs], env };
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: npmArgs, env, shell: process.platform === 'win32' };
}

const forced = sourceBuildRequested(process.env.npm_config_build_from_source);
let prebuild = null;
if (!forced) {
  prebuild = probePrebuild();
  if (prebuild.ok) process.exit(0);
}

const cmakeJs = cmakeJsCommand(['compile']);
const built = spawnSync(cmakeJs.command, cmakeJs.args, { cwd: root, stdio: 'inherit', env: cmakeJs.env, shell: cmakeJs.shell });
if (built.status === 0 && fs.existsSync(path.join(root, 'build', 'Release', `${name}.node`))) {
  process.exit(0);
}

const why = forced
  ? 'A source build was requested (--build-from-source) and it failed.'
  : `No prebuilt binary works here, and building from source failed.\n\nThe prebuilt binary:\n${indent(prebuild.reason)}`;
console.error(`
${name}: could not install the native addon (${process.platform}-${process.arch}, node ${process.version}).
${why}

Building from source needs cmake (>= 3.18), make or ninja, a C++17 compiler and a CBLAS library:
  Debian/Ubuntu:  sudo apt-get install cmake make g++ pkg-config libopenblas-dev
  Fedora/RHEL:    sudo dnf install cmake make gcc-c++ pkgconf-pkg-config openblas-devel
  Alpine:         apk add cmake make g++ pkgconf openblas-dev
  macOS:          xcode-select --install && brew install cmake   (Accelerate provides BLAS)
Then install again (or run: npm rebuild ${name}${forced ? ' --build-from-source' : ''}).`);
process.exit(built.status || 1);

#!/usr/bin/env node
// prepublishOnly gate: refuses to publish unless every expected prebuilt binary is in prebuilds/
// and each one runs where the README says it runs. A local `npm publish` would otherwise ship
// only this machine's binary, built against this machine's (possibly too new) glibc.
//
//   node scripts/check-prebuilds.js [ROOT]                 exit 0 when publishable, 1 with the reasons
//   node scripts/check-prebuilds.js --only linux-x64       just that platform's binary (CI build jobs)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { inspectBinary, compareVersions } = require('./prebuild-inspect');

// What the README promises ("Installing"). CI builds Linux in node:20-bullseye (glibc 2.31,
// GCC 10), which needs GLIBC_2.29 (log/pow); the libstdc++ cap is GCC 10's, present on every
// distribution with glibc >= 2.29.
const LINUX_MAX = { GLIBC: '2.29', GLIBCXX: '3.4.28', CXXABI: '1.3.12' };
const LINUX_LIBS = new Set([
  'libopenblas.so.0', // the one documented runtime requirement
  'libstdc++.so.6',
  'libm.so.6',
  'libgcc_s.so.1',
  'libc.so.6',
  'libpthread.so.0',
  'libdl.so.2',
  'ld-linux-x86-64.so.2',
  'ld-linux-aarch64.so.1',
]);
const MACOS_MIN = '13.3';

const EXPECTED = [
  { dir: 'linux-x64', file: 'dlnflow.glibc.node', check: checkLinux('x64') },
  { dir: 'darwin-x64+arm64', file: 'dlnflow.node', check: checkDarwin(['arm64', 'x86_64']) },
];

function checkLinux(arch) {
  return (report) => {
    const problems = [];
    if (report.format !== 'elf') return [`not an ELF binary (${report.format})`];
    if (report.arch !== arch) problems.push(`built for ${report.arch}, expected ${arch}`);
    if (report.rpath || report.runpath) problems.push(`has RPATH/RUNPATH ${report.rpath || report.runpath}`);
    for (const lib of report.needed) {
      if (!LINUX_LIBS.has(lib)) problems.push(`links ${lib}, which users are not told to install`);
    }
    for (const [prefix, max] of Object.entries(LINUX_MAX)) {
      const need = report.floor[prefix];
      if (need && compareVersions(need, max) > 0) {
        problems.push(`needs ${prefix}_${need} > ${prefix}_${max} (build it in the CI container, node:20-bullseye)`);
      }
    }
    return problems;
  };
}

function checkDarwin(archs) {
  return (report) => {
    if (report.format !== 'macho') return [`not a Mach-O binary (${report.format})`];
    const problems = [];
    const have = report.slices.map((s) => s.arch).sort();
    if (have.join() !== [...archs].sort().join()) problems.push(`architectures ${have.join('+')}, expected ${archs.join('+')}`);
    for (const s of report.slices) {
      if (!s.minos || compareVersions(s.minos, MACOS_MIN) > 0) problems.push(`${s.arch}: needs macOS ${s.minos}, expected <= ${MACOS_MIN}`);
      if (s.arch === 'arm64' && s.signatureValid !== true) {
        problems.push(`${s.arch}: code signature ${s.signed ? 'invalid (stripped after linking?)' : 'missing'}; arm64 macOS would kill the process`);
      }
      for (const lib of s.dylibs) {
        if (!lib.startsWith('/usr/lib/') && !lib.startsWith('/System/Library/')) problems.push(`${s.arch}: links ${lib}, not part of macOS`);
      }
    }
    return problems;
  };
}

/**
 * Returns the list of problems with the prebuilds under `root` (empty: publishable). With
 * `only` (a platform directory such as "linux-x64"), checks that one binary as a CI build job
 * does before uploading it.
 */
function checkPrebuilds(root, only) {
  const problems = [];
  const expected = only ? EXPECTED.filter((e) => e.dir === only) : EXPECTED;
  if (only && expected.length === 0) return [`--only ${only}: not an expected prebuild (${EXPECTED.map((e) => e.dir).join(', ')})`];
  const expectedPaths = new Set(EXPECTED.map((e) => path.join(e.dir, e.file)));
  for (const { dir, file, check } of expected) {
    const rel = path.join('prebuilds', dir, file);
    if (!fs.existsSync(path.join(root, rel))) {
      problems.push(`${rel}: missing`);
      continue;
    }
    for (const p of check(inspectBinary(path.join(root, rel)))) problems.push(`${rel}: ${p}`);
  }
  const prebuilds = path.join(root, 'prebuilds');
  if (!only && fs.existsSync(prebuilds)) {
    for (const dir of fs.readdirSync(prebuilds)) {
      for (const file of fs.readdirSync(path.join(prebuilds, dir))) {
        if (!expectedPaths.has(path.join(dir, file))) problems.push(`prebuilds/${dir}/${file}: not expected (stale or untested platform)`);
      }
    }
  }
  return problems;
}

module.exports = { checkPrebuilds, EXPECTED, LINUX_MAX, MACOS_MIN };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--only');
  const only = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const root = path.resolve(args[0] || path.join(__dirname, '..'));
  const problems = checkPrebuilds(root, only);
  if (problems.length) {
    console.error(`Not publishable: the prebuilt binaries are incomplete or not portable.\n  ${problems.join('\n  ')}`);
    console.error('Publish from the CI "package" job, which gathers the binaries built on each platform.');
    process.exit(1);
  }
  console.log(`prebuilds ok: ${(only ? EXPECTED.filter((e) => e.dir === only) : EXPECTED).map((e) => `${e.dir}/${e.file}`).join(', ')}`);
}

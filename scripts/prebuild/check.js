#!/usr/bin/env node
// prepublishOnly gate: the package must carry a prebuilt binary for every platform it promises
// (README "Installing"), each of the right format and architecture -- a local `npm publish` would
// otherwise ship only the publishing machine's binary. CI's package job assembles prebuilds/ from
// the per-platform build jobs, then runs this.
//
// Each binary must also keep the README's promises, read from the file itself (inspect.js, no
// binutils, so this runs wherever `npm publish` does): on Linux glibc >= 2.29 and nothing from the
// system but OpenBLAS and glibc (no GLIBCXX_/CXXABI_ version, no RPATH) -- a binary built on a
// developer's newer distribution fails here; on macOS >= 13.3, only system libraries, and an
// arm64 signature that still matches the code (a strip after linking breaks it, and arm64 macOS
// then kills the process).
//   node scripts/prebuild/check.js [--only linux-x64,...] [--root DIR]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { inspectBinary, compareVersions } = require('./inspect');

/** README "Installing": the glibc floor, the libraries a Linux binary may need, the macOS floor. */
const LINUX_GLIBC_FLOOR = '2.29';
const LINUX_SYSTEM_LIBS =
  /^(libopenblas\.so\.0|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libgcc_s\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$/;
const MACOS_FLOOR = '13.3';

const rootIndex = process.argv.indexOf('--root');
const root = rootIndex > 0 ? path.resolve(process.argv[rootIndex + 1]) : path.resolve(__dirname, '..', '..');

/** What node-gyp-build looks for, and how to recognise the binary's target from its header. */
const EXPECTED = [
  { tuple: 'linux-x64', file: 'dlnflow.glibc.node', format: 'elf', machine: 0x3e, label: 'ELF x86-64' },
  { tuple: 'linux-arm64', file: 'dlnflow.glibc.node', format: 'elf', machine: 0xb7, label: 'ELF AArch64' },
  { tuple: 'darwin-arm64', file: 'dlnflow.node', format: 'mach-o', cputype: 0x0100000c, label: 'Mach-O arm64' },
];

function describe(buf) {
  if (buf.length >= 20 && buf.readUInt32BE(0) === 0x7f454c46) {
    const littleEndian = buf[5] === 1;
    return { format: 'elf', machine: littleEndian ? buf.readUInt16LE(18) : buf.readUInt16BE(18) };
  }
  if (buf.length >= 8 && buf.readUInt32LE(0) === 0xfeedfacf) return { format: 'mach-o', cputype: buf.readUInt32LE(4) };
  return { format: 'unknown' };
}

const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? process.argv[onlyIndex + 1].split(',') : null;
const expected = only ? EXPECTED.filter((e) => only.includes(e.tuple)) : EXPECTED;

/** The README's run-time promises for one binary; returns what it breaks. */
function promisesBroken(file) {
  const r = inspectBinary(file);
  const broken = [];
  if (r.format === 'elf') {
    if (r.floor.GLIBC && compareVersions(r.floor.GLIBC, LINUX_GLIBC_FLOOR) > 0) {
      broken.push(`needs GLIBC_${r.floor.GLIBC}, above the documented floor ${LINUX_GLIBC_FLOOR} (build it in CI's Debian 11 container)`);
    }
    for (const family of ['GLIBCXX', 'CXXABI']) {
      if (r.floor[family]) broken.push(`needs the system C++ runtime (${family}_${r.floor[family]}): not a DLN_PORTABLE build`);
    }
    const extra = r.needed.filter((lib) => !LINUX_SYSTEM_LIBS.test(lib));
    if (extra.length) broken.push(`links ${extra.join(', ')}: users are told OpenBLAS is the only library to install`);
    if (r.rpath || r.runpath) broken.push(`records a library search path (${r.rpath || r.runpath})`);
  } else {
    for (const slice of r.slices) {
      if (!slice.minos || compareVersions(slice.minos, MACOS_FLOOR) > 0)
        broken.push(`${slice.arch}: needs macOS ${slice.minos}, above ${MACOS_FLOOR}`);
      if (slice.arch === 'arm64' && slice.signatureValid !== true) {
        broken.push(`${slice.arch}: code signature ${slice.signed ? 'does not match the code (stripped after linking?)' : 'missing'}`);
      }
      const foreign = slice.dylibs.filter((lib) => !lib.startsWith('/usr/lib/') && !lib.startsWith('/System/'));
      if (foreign.length) broken.push(`${slice.arch}: links ${foreign.join(', ')}, not part of macOS`);
    }
  }
  return broken;
}

const problems = [];
for (const e of expected) {
  const file = path.join(root, 'prebuilds', e.tuple, e.file);
  if (!fs.existsSync(file)) {
    problems.push(`missing prebuilds/${e.tuple}/${e.file}`);
    continue;
  }
  const buf = fs.readFileSync(file);
  const got = describe(buf);
  const ok = got.format === e.format && (e.format === 'elf' ? got.machine === e.machine : got.cputype === e.cputype);
  const broken = ok ? promisesBroken(file) : [];
  if (!ok) problems.push(`prebuilds/${e.tuple}/${e.file} is not ${e.label} (${JSON.stringify(got)})`);
  else if (broken.length) for (const b of broken) problems.push(`prebuilds/${e.tuple}/${e.file} ${b}`);
  else console.log(`ok  prebuilds/${e.tuple}/${e.file}  ${e.label}, ${(buf.length / 1024).toFixed(0)} KiB`);
}
const known = new Set(EXPECTED.map((e) => e.tuple));
for (const dir of fs.existsSync(path.join(root, 'prebuilds')) ? fs.readdirSync(path.join(root, 'prebuilds')) : []) {
  if (!known.has(dir))
    problems.push(`unexpected prebuilds/${dir} (not a promised platform: add it to scripts/prebuild/check.js and README, or remove it)`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(`prebuilds: ${p}`);
  console.error('prebuilds: refusing to publish. Collect the artifacts of the CI prebuild jobs into prebuilds/ (see .github/workflows/ci.yml).');
  process.exit(1);
}

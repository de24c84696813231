#!/usr/bin/env node
// prepublishOnly gate: the package must carry a prebuilt binary for every platform it promises
// (README "Installing"), each of the right format and architecture -- a local `npm publish` would
// otherwise ship only the publishing machine's binary. CI's package job assembles prebuilds/ from
// the per-platform build jobs, then runs this.
//   node scripts/prebuild/check.js [--only linux-x64,...]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

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
  if (!ok) problems.push(`prebuilds/${e.tuple}/${e.file} is not ${e.label} (${JSON.stringify(got)})`);
  else console.log(`ok  prebuilds/${e.tuple}/${e.file}  ${e.label}, ${(buf.length / 1024).toFixed(0)} KiB`);
}
const known = new Set(EXPECTED.map((e) => e.tuple));
for (const dir of fs.existsSync(path.join(root, 'prebuilds')) ? fs.readdirSync(path.join(root, 'prebuilds')) : []) {
  if (!known.has(dir)) problems.push(`unexpected prebuilds/${dir} (not a promised platform: add it to scripts/prebuild/check.js and README, or remove it)`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(`prebuilds: ${p}`);
  console.error('prebuilds: refusing to publish. Collect the artifacts of the CI prebuild jobs into prebuilds/ (see .github/workflows/ci.yml).');
  process.exit(1);
}

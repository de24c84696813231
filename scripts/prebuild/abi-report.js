#!/usr/bin/env node
// ABI report of a built addon: what a machine needs to load it. Prints JSON; with checks, exits 1
// when one fails.
//
//   node scripts/prebuild/abi-report.js FILE.node [--max-glibc 2.29] [--max-macos 13.3] [--symbols UNSTRIPPED.node]
//
// ELF (binutils' readelf/objdump): needed libraries, RPATH/RUNPATH (a redistributable binary
// has none), the highest GLIBC_ / GLIBCXX_ / CXXABI_ / GCC_ symbol versions it requires and the
// symbols that need them (the glibc floor), exported symbols (only Node-API's entry points: the
// static C++ runtime must stay hidden), and on x86-64 where AVX/AVX-512 registers occur. The binary
// must run on the x86-64 baseline (no -march=native): wide registers are allowed only in the kernels
// that runtime CPU dispatch selects after checking the CPU (namespaces dln::kernels::avx2/avx512,
// dln::lanes::avx2/avx512 and dln::lanczos_passes::avx2/avx512; docs/algorithms.md §4.9). A stripped binary has no function names, so
// `--symbols UNSTRIPPED.node` names the same build before stripping: its functions attribute every
// wide-register use, and its total must equal the stripped file's (else it is not the same build).
// Mach-O (otool/codesign): minimum macOS, linked libraries, and whether the signature verifies.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const args = process.argv.slice(2);
const valued = ['--max-glibc', '--max-macos', '--symbols'];
const file = args.find((a, i) => !a.startsWith('--') && !valued.includes(args[i - 1]));
const optionValue = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const maxGlibc = optionValue('--max-glibc');
const maxMacos = optionValue('--max-macos');
const symbolsFile = optionValue('--symbols');
if (!file || !fs.existsSync(file) || (symbolsFile !== undefined && !fs.existsSync(symbolsFile))) {
  console.error('usage: abi-report.js FILE.node [--max-glibc X.Y] [--max-macos X.Y] [--symbols UNSTRIPPED.node]');
  process.exit(2);
}

/** Mangled prefixes of the namespaces whose code runs only after cpu_dispatch checked the CPU. */
const DISPATCHED = /^_ZN3dln(7kernels|5lanes|14lanczos_passes)(4avx2|6avx512)/;

/** Wide-register (ymm/zmm) operand counts of a disassembly, per function symbol ('' before any). */
function wideRegistersByFunction(binary) {
  const counts = new Map();
  let fn = '';
  for (const line of tool('objdump', ['-d', '--no-show-raw-insn', binary]).split('\n')) {
    const label = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (label) fn = label[1].replace(/@.*$/, '');
    const n = (line.match(/%[yz]mm\d/g) || []).length;
    if (n > 0) counts.set(fn, (counts.get(fn) || 0) + n);
  }
  return counts;
}

function tool(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`${cmd} is needed for this report (${r.error.message})`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Compares dotted versions numerically ("2.9" < "2.14"). */
function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

function elfReport() {
  const dynamic = tool('readelf', ['-d', '-W', file]);
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const rpath = [...dynamic.matchAll(/\((?:RPATH|RUNPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]/g)].map((m) => m[1]);

  // objdump -T lines: "... DF *UND* ... (GLIBC_2.29) pow" (undefined = required from elsewhere).
  const requires = {};
  for (const line of tool('objdump', ['-T', '-w', file]).split('\n')) {
    const m = /\*UND\*\s+\S+\s+(?:\(([A-Z]+)_([0-9.]+)\)|([A-Z]+)_([0-9.]+))\s+(\S+)/.exec(line);
    if (!m) continue;
    const family = m[1] || m[3];
    const version = m[2] || m[4];
    const symbol = m[5];
    const entry = (requires[family] ||= { max: version, symbols: [] });
    const c = compareVersions(version, entry.max);
    if (c > 0) Object.assign(entry, { max: version, symbols: [symbol] });
    else if (c === 0) entry.symbols.push(symbol);
  }

  const exported = tool('objdump', ['-T', '-w', file])
    .split('\n')
    .filter((l) => /\s(?:g|w)\s/.test(l) && !/\*UND\*/.test(l) && /\.text|\.data|\.bss|\.rodata/.test(l))
    .map((l) => l.trim().split(/\s+/).pop());

  const report = { format: 'elf', file, needed, rpath, requires, exported };
  const header = tool('readelf', ['-h', file]);
  if (/Advanced Micro Devices X86-64/.test(header)) {
    const total = (counts) => [...counts.values()].reduce((a, b) => a + b, 0);
    const own = wideRegistersByFunction(file);
    const named = symbolsFile ? wideRegistersByFunction(symbolsFile) : own;
    const outside = [...named].filter(([fn]) => !DISPATCHED.test(fn));
    const outsideCount = outside.reduce((a, [, n]) => a + n, 0);
    report.x86 = {
      avxOperands: total(own),
      inDispatchedKernels: total(named) - outsideCount,
      outsideKernels: outside.map(([fn, n]) => `${fn || '(no symbol)'} (${n})`),
    };
    if (symbolsFile && total(named) !== total(own)) {
      report.x86.mismatch = `${symbolsFile} has ${total(named)} wide-register operands, ${file} ${total(own)}: not the same build`;
    }
  }

  const failures = [];
  if (rpath.length > 0) failures.push(`records a library search path (${rpath.join(', ')})`);
  if (maxGlibc && requires.GLIBC && compareVersions(requires.GLIBC.max, maxGlibc) > 0) {
    failures.push(`needs GLIBC_${requires.GLIBC.max} (${requires.GLIBC.symbols.join(', ')}), above the --max-glibc ${maxGlibc} floor`);
  }
  for (const family of ['GLIBCXX', 'CXXABI']) {
    if (requires[family]) failures.push(`depends on the system C++ runtime (${family}_${requires[family].max}): link it statically (DLN_PORTABLE)`);
  }
  const unexpected = exported.filter((s) => !/^(napi_register_module_v\d+|node_api_module_get_api_version_v\d+)$/.test(s));
  if (unexpected.length > 0)
    failures.push(`exports ${unexpected.length} symbols besides the Node-API entry points (e.g. ${unexpected.slice(0, 3).join(', ')})`);
  if (report.x86 && report.x86.mismatch) failures.push(report.x86.mismatch);
  if (report.x86 && report.x86.outsideKernels.length > 0) {
    failures.push(
      `uses AVX registers outside the CPU-dispatched kernels (not the x86-64 baseline): ${report.x86.outsideKernels.slice(0, 5).join(', ')}` +
        (symbolsFile ? '' : ' (if FILE is stripped, --symbols UNSTRIPPED.node attributes them to functions)'),
    );
  }
  return { report, failures };
}

function machoReport() {
  const loads = tool('otool', ['-l', file]);
  // LC_BUILD_VERSION carries "minos 13.3"; older binaries LC_VERSION_MIN_MACOSX "version 10.x".
  const minos = (/\bminos\s+([0-9.]+)/.exec(loads) || /LC_VERSION_MIN_MACOSX[\s\S]*?version\s+([0-9.]+)/.exec(loads) || [])[1];
  // otool -L lists a dylib's own install name (@rpath/dlnflow.node) first: that is not a dependency.
  const ownId = tool('otool', ['-D', file])
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean)[0];
  const linked = tool('otool', ['-L', file])
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(' (')[0])
    .filter((l) => l && l !== ownId);
  const verify = spawnSync('codesign', ['--verify', '--verbose=2', file], { encoding: 'utf8' });
  const report = { format: 'mach-o', file, minos, linked, signature: verify.status === 0 ? 'valid' : verify.stderr.trim() };
  const failures = [];
  if (verify.status !== 0) failures.push(`code signature does not verify: ${verify.stderr.trim()}`);
  if (!minos) failures.push('states no minimum macOS version');
  else if (maxMacos && compareVersions(minos, maxMacos) > 0) failures.push(`needs macOS ${minos}, above the --max-macos ${maxMacos} floor`);
  if (linked.some((l) => !l.startsWith('/usr/lib/') && !l.startsWith('/System/'))) {
    failures.push(`links libraries outside the OS: ${linked.filter((l) => !l.startsWith('/usr/lib/') && !l.startsWith('/System/')).join(', ')}`);
  }
  return { report, failures };
}

const magic = fs.readFileSync(file).subarray(0, 4);
const isElf = magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
const { report, failures } = isElf ? elfReport() : machoReport();
report.checks = failures.length === 0 ? 'passed' : failures;
console.log(JSON.stringify(report, null, 2));
if (failures.length > 0) {
  for (const f of failures) console.error(`abi-report: ${file} ${f}`);
  process.exitCode = 1;
}

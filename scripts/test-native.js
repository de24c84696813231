#!/usr/bin/env node
// The core's native unit tests (test/native/*_test.cpp) with CMake + CTest, in a build directory
// of their own: `npm run test:native [-- --sanitize] [--summary FILE] [-- ctest args...]`.
//   --sanitize      AddressSanitizer + UndefinedBehaviorSanitizer build (build-native-asan/)
//   --summary FILE  also write {"passed", "failed", "total"} as JSON (for .ci/run's count)
// Exits with CTest's status. Arguments after a second `--` go to ctest (e.g. `-R lanczos`).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const split = args.indexOf('--');
const own = split >= 0 ? args.slice(0, split) : args;
const ctestArgs = split >= 0 ? args.slice(split + 1) : [];
const sanitize = own.includes('--sanitize');
const summaryIndex = own.indexOf('--summary');
const summary = summaryIndex >= 0 ? own[summaryIndex + 1] : undefined;
for (let i = 0; i < own.length; i++) {
  if (own[i] === '--sanitize') continue;
  if (own[i] === '--summary' && own[i + 1] !== undefined) {
    i++;
    continue;
  }
  console.error(`test:native: unknown argument ${own[i]} (use --sanitize, --summary FILE, -- ctest args)`);
  process.exit(2);
}

const buildDir = path.join(root, sanitize ? 'build-native-asan' : 'build-native');
function run(command, commandArgs, options = {}) {
  const r = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) {
    console.error(`test:native: cannot run ${command}: ${r.error.message}`);
    process.exit(2);
  }
  return r;
}

const configure = ['-S', root, '-B', buildDir, '-DDLN_NATIVE_TESTS=ON', `-DCMAKE_BUILD_TYPE=${sanitize ? 'Debug' : 'Release'}`];
if (sanitize) configure.push('-DDLN_SANITIZE=ON');
if (run('cmake', [...configure, '--log-level=WARNING']).status !== 0) process.exit(2);
if (run('cmake', ['--build', buildDir, '--parallel', '2']).status !== 0) {
  if (summary) fs.writeFileSync(summary, JSON.stringify({ passed: 0, failed: 1, total: 1, error: 'build failed' }));
  process.exit(2);
}

const env = { ...process.env };
if (sanitize) {
  env.ASAN_OPTIONS = 'abort_on_error=1:halt_on_error=1';
  env.UBSAN_OPTIONS = 'print_stacktrace=1:halt_on_error=1';
}
const ctest = spawnSync('ctest', ['--test-dir', buildDir, '--output-on-failure', ...ctestArgs], {
  cwd: root,
  env,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.stdout.write(ctest.stdout ?? '');
if (summary) {
  // CTest's last summary line: "86% tests passed, 1 tests failed out of 7".
  const m = /(\d+)% tests passed, (\d+) tests? failed out of (\d+)/.exec(ctest.stdout ?? '');
  const total = m ? Number(m[3]) : 0;
  const failed = m ? Number(m[2]) : 1;
  fs.writeFileSync(summary, `${JSON.stringify({ passed: total - failed, failed, total })}\n`);
}
process.exit(ctest.status ?? 1);

// Builds (once) and runs the native benchmark programs of scripts/native/ in build/native.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const buildDir = path.join(root, 'build', 'native');
let built = false;

function build() {
  if (built) return;
  execFileSync('cmake', ['-S', root, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DDLN_NATIVE_TESTS=ON'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  execFileSync('cmake', ['--build', buildDir, '--parallel', '2'], { stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

/** Runs scripts/native/<name>.cpp's program and parses the JSON it prints. */
function runNative(name, args = []) {
  build();
  const out = execFileSync(path.join(buildDir, name), args, { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  return JSON.parse(out);
}

module.exports = { runNative, root };

// Builds (once) and runs the native benchmark programs of scripts/native/ in build/native; and the
// timing of one GD step the sweep benchmarks share.
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

/**
 * One single-run GD step at the Marion-Chizat size (n = 50, d = 5, L = 10) through train(), in ns:
 * the best of 3 runs of 2e6 steps. The sweep benchmarks (sweep.js, lanes.js) scale their grid's
 * step count by it for the bare-steps time they compare against.
 */
async function gdStepNs() {
  const d = require(root);
  const data = d.marionChizatData({ n: 50, d: 5, seed: 0 });
  const widths = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];
  const problem = d.Problem.regression({ X: data.X, y: data.y, widths });
  const w0 = d.initWeights(widths, { scale: 0.3, seed: 1 });
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.hrtime.bigint();
    await d.train(problem, w0, { learningRate: 0.02, steps: 2e6, record: ['loss'] });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 2e6);
  }
  return best;
}

module.exports = { runNative, root, gdStepNs };

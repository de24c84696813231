#!/usr/bin/env node
// Memory cases of scripts/ci/stress.sh, run inside a cgroup with a memory limit (3 GiB): each
// asks for more than the process may hold and must end with ERR_DLN_MEMORY -- an error the caller
// can handle -- instead of being OOM-killed. Exit 0 when it did; 1 (with what happened) otherwise.
//   node scripts/ci/stress/memory.js gd-trace | flow-trace | dense-hessian | init-weights
'use strict';
const path = require('node:path');
const d = require(path.resolve(__dirname, '..', '..', '..'));

const cases = {
  // Gradient descent recording every step of a 1e10-step run: 14 numbers a row (residualNorms has
  // L = 10), so the trace passes the default limit (half the cgroup's memory) after ~14M rows.
  'gd-trace': () => {
    const { problem, w0 } = mc();
    return d.train(problem, w0, { learningRate: 0.01, steps: 1e10, recordEvery: 1, record: ['loss', 'gradNorm', 'residualNorms'] });
  },
  // The same with gradient flow, every accepted step recorded, on a deep narrow network (L = 40,
  // width 2: 43 numbers a row for the cost of a small step, so the trace fills in about a minute).
  // RK45, pinned: it keeps taking stability-bound steps near the minimum, while exprb43 (auto's
  // stiff phase) strides to the largest representable time in a few hundred steps and ends.
  'flow-trace': () => {
    const widths = [...Array(41).fill(2), 1];
    const data = d.marionChizatData({ n: 50, d: 2, seed: 0 });
    const problem = d.Problem.regression({ X: data.X, y: data.y, widths });
    const w0 = d.initWeights(widths, { scale: 0.9, seed: 1 });
    return d.flow(problem, w0, { tEnd: Infinity, maxSteps: 1e12, method: 'rk45', recordEvery: 1, record: ['loss', 'stepSize', 'residualNorms'] });
  },
  // A dense Hessian of P = 12 020 parameters: 3 P^2 doubles = 3.5 GB, more than the cgroup.
  'dense-hessian': () => {
    const widths = [100, 100, 20, 1];
    const data = d.marionChizatData({ n: 50, d: 100, seed: 0 });
    const problem = d.Problem.regression({ X: data.X, y: data.y, widths });
    return d.denseHessian(problem, d.initWeights(widths, { scale: 0.1, seed: 1 }));
  },
  // 144M parameters: 1.15 GB a copy, two copies (the core's and JS's) above the default limit.
  'init-weights': async () => d.initWeights([12000, 12000, 1], { scale: 0.01, seed: 1 }),
};

function mc() {
  const widths = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];
  const data = d.marionChizatData({ n: 50, d: 5, seed: 0 });
  return { problem: d.Problem.regression({ X: data.X, y: data.y, widths }), w0: d.initWeights(widths, { scale: 0.3, seed: 1 }) };
}

const name = process.argv[2];
if (!cases[name]) {
  console.error(`usage: memory.js ${Object.keys(cases).join(' | ')}`);
  process.exit(2);
}
const limitGiB = (d.buildInfo().memoryLimit / 2 ** 30).toFixed(2);
const started = Date.now();
Promise.resolve()
  .then(cases[name])
  .then(
    () => {
      console.log(`${name}: finished without ERR_DLN_MEMORY (limit ${limitGiB} GiB)`);
      process.exit(1);
    },
    (err) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (err && err.code === 'ERR_DLN_MEMORY') {
        console.log(`${name}: ERR_DLN_MEMORY after ${seconds} s (limit ${limitGiB} GiB): ${err.message}`);
        process.exit(0);
      }
      console.log(`${name}: unexpected ${err && err.code ? err.code : 'error'} after ${seconds} s: ${err && err.message}`);
      process.exit(1);
    },
  );

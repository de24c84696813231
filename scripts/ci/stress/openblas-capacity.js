// Runs at the thread limit the linked OpenBLAS can take (a case of scripts/ci/stress.sh): every run is the
// Jacot deep network (L = 4, width 100: dgemm on 100 x 100 blocks, so each thread inside BLAS holds
// one of OpenBLAS's buffers). Exits 0 only if every run completes with the same loss; OpenBLAS's
// own failure ("too many memory regions", then SIGSEGV) shows as a crash. Before the limit, 160
// such runs at once crashed (setWorkerThreads accepted up to 4096).
//
//   node openblas-capacity.js cap BLAS STEPS          one environment: maxWorkerThreads workers
//                                                      (after setBlasThreads(BLAS)), 20 more runs queued
//   node openblas-capacity.js envs COUNT RUNS STEPS   COUNT worker_threads, each at its own
//                                                      maxWorkerThreads with RUNS runs: together far
//                                                      beyond the pool, so runs must wait for slots
'use strict';
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const d = require(process.env.DLNFLOW_ROOT || path.resolve(__dirname, '..', '..', '..'));

function jacotRuns(count, steps) {
  const data = d.jacotTeacherData({ seed: 0 });
  const widths = [10, 100, 100, 100, 10];
  const problem = d.Problem.mse({ X: data.X, Y: data.Y, widths });
  const w0 = d.initWeights(widths, { kind: 'gaussian', scale: 0.01, seed: 1 });
  return Promise.all(Array.from({ length: count }, () => d.train(problem, w0, { learningRate: 1e-3, steps })));
}

const losses = (runs) => [...new Set(runs.map((r) => r.finalLoss))];

if (!isMainThread) {
  // maxWorkerThreads shrinks by one each time another thread loads dlnflow (it holds an OpenBLAS
  // buffer), so between reading it and setting it a sibling worker can make it one too many: that
  // is ERR_DLN_VALUE on 'threads', as documented. Re-read and retry until the set fits.
  for (let tries = 0; ; tries++) {
    try {
      d.setWorkerThreads(d.buildInfo().maxWorkerThreads);
      break;
    } catch (err) {
      if (err.code !== 'ERR_DLN_VALUE' || tries >= 10) throw err;
    }
  }
  jacotRuns(workerData.runs, workerData.steps).then((r) => parentPort.postMessage(losses(r)));
} else {
  const [mode, ...args] = process.argv.slice(2);
  const t0 = Date.now();
  if (mode === 'cap') {
    const [blas, steps] = args.map(Number);
    if (blas > 1) d.setBlasThreads(blas);
    const max = d.buildInfo().maxWorkerThreads;
    d.setWorkerThreads(max);
    jacotRuns(max + 20, steps).then((r) => {
      const l = losses(r);
      console.log(`cap: ${max} worker threads x ${blas} BLAS threads, ${r.length} runs, losses ${l.join(' ')}, ${Date.now() - t0} ms`);
      if (l.length !== 1 || !Number.isFinite(l[0])) process.exitCode = 3;
    });
  } else if (mode === 'envs') {
    const [count, runs, steps] = args.map(Number);
    const all = [];
    for (let i = 0; i < count; i++) {
      all.push(
        new Promise((resolve, reject) => {
          const w = new Worker(__filename, { workerData: { runs, steps } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
      );
    }
    Promise.all(all).then((per) => {
      const l = [...new Set(per.flat())];
      console.log(`envs: ${count} worker_threads x ${runs} runs, losses ${l.join(' ')}, ${Date.now() - t0} ms`);
      if (l.length !== 1 || !Number.isFinite(l[0])) process.exitCode = 3;
    });
  } else {
    console.error(`unknown mode ${mode}`);
    process.exit(2);
  }
}

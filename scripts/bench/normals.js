// The power iteration's Gaussian start vectors (docs/algorithms.md §2.8): ns per normal at P = 230
// from fresh streams, the legacy polar loop (a branch on every rejection) against Rng::normals, P
// calls of normal(), the lanes' draws (all lanes at once) and the logs alone, the variants
// alternating in one process (scripts/native/bench_normals.cpp). The load average is reported
// beside: on a shared machine the times move with it, the ratios less.
'use strict';
const os = require('node:os');
const { runNative } = require('./_native');

exports.run = async () => {
  const r = runNative('bench_normals');
  return { ...r, loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))) };
};

// One gradient-descent step on Jacot et al.'s deep setting (L=4, w=100, d0=dL=10, N=100, init std
// 0.01): time per step, the fraction of this machine's dgemm rate it achieves (measured in the same
// run), and the projected time of the paper's 1.5e6-step run (target <= 60 s single-threaded).
'use strict';
const { runNative } = require('./_native');

// BENCH_FULL=1 runs the paper's whole 1.5e6 steps instead of projecting from 20,000.
exports.run = async () => ({
  ...runNative('bench_jacot', process.env.BENCH_FULL ? ['1500000'] : []),
  targetSeconds: 60,
});

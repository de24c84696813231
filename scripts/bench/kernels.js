// Loops vs BLAS for the chain products across widths: the measurement behind the dispatch
// thresholds in src/kernels.cpp. Reports, per width, loop time / BLAS time (below 1: loops win).
'use strict';
const { runNative } = require('./_native');

exports.run = async () => {
  const r = runNative('bench_kernels');
  const crossover = (cols) =>
    r.rows
      .filter((row) => row.r === cols && row.loopOverBlas)
      .map((row) => ({ d: row.d, flopsProduct: row.flopsProduct, loopOverBlas: row.loopOverBlas, blasGflops: row.blasGflops }));
  return {
    blas: r.blas,
    note: 'loopOverBlas = [W^T X, W X, rank-r update]; < 1 means the plain loops are faster',
    matvec: crossover(1),
    gemm: crossover(10),
    thresholds: { gemm: r.gemmThreshold, gemv: r.gemvThreshold },
  };
};

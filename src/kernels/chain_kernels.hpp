// The loop kernels behind kernels.hpp (chain products, the GD step's fused update, dot/axpy) and
// the fused Hessian-vector-product kernels of hessian.cpp, as one table per CPU level
// (cpu_dispatch.hpp). The BLAS decisions stay in kernels.cpp / hessian.cpp; these are the loops
// used below the BLAS thresholds, i.e. everything at the papers' widths.
//
// The bodies are in chain_kernels.inc, compiled once per level (chain_kernels_baseline.cpp with the
// core's flags, *_avx2.cpp with -mavx2 -mfma, *_avx512.cpp with -mavx512f ...); each copy lives in
// its own namespace so the three instantiations never merge at link time. The baseline copy is the
// code that ran before dispatch, unchanged: same bits.
#pragma once

#include <cstddef>

#include "kernels/cpu_dispatch.hpp"

namespace dln::kernels {

struct ChainKernels {
  // As kernels.hpp's functions of the same names, loop paths only (no BLAS).
  void (*transposedTimes)(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X,
                          double* Y, bool accumulate);
  void (*times)(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X, double* Y,
                bool accumulate);
  void (*addOuter)(std::size_t rows, std::size_t cols, std::size_t r, double scale, const double* A, const double* B,
                   double* C);
  void (*timesThenRankOne)(std::size_t rows, std::size_t cols, const double* x, double* y, double scale,
                           const double* a, double* W);
  double (*dot)(std::size_t n, const double* x, const double* y);
  void (*axpy)(std::size_t n, double a, const double* x, double* y);
  // HVP (r = 1): y (cols) = W^T x + V^T a, W and V rows x cols; x may be null (read as 0).
  void (*backwardFused)(std::size_t rows, std::size_t cols, const double* W, const double* x, const double* V,
                        const double* a, double* y);
  // HVP (r = 1), one pass over a layer's rows: yOut = W db + V b (skipped when null),
  // O = da b^T + a db^T (+ twoL2 V).
  void (*forwardAndOutput)(std::size_t rows, std::size_t cols, const double* W, const double* V, const double* db,
                           const double* b, double* yOut, const double* da, const double* a, double twoL2, double* O);
};

// Indexed by cpu::Level; null where the level is not compiled in.
extern const ChainKernels* const kChainKernels[cpu::kLevelCount];

inline const ChainKernels& chainKernels() { return *cpu::select(kChainKernels); }

}  // namespace dln::kernels

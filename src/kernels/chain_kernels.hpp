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
  // The HVP's two sweeps over a whole chain at uniform width C (1 <= C <= 8; every layer C x C but
  // the last, R x C; the blocks contiguous: layer l's weights at l C^2, its rows' and columns'
  // vectors at l C), bitwise equal to backwardFused / forwardAndOutput called per layer (which
  // hessian.cpp does otherwise). Null where the compiler has no vector extensions (then the
  // per-layer path runs).
  // backward: dAlpha + l C = da_l for l < L - 1 (da_{L-1} = 0, not written), dw = da_{-1}.
  void (*uniformBackward)(std::size_t C, std::size_t L, std::size_t R, const double* W, const double* V,
                          const double* alpha, double* dAlpha, double* dw);
  // forward from db_0: out's layer l = da_l b_l^T + a_l db_l^T (+ twoL2 V_l), db_{l+1} = W_l db_l + V_l b_l.
  void (*uniformForward)(std::size_t C, std::size_t L, std::size_t R, const double* W, const double* V,
                         const double* beta, const double* db0, const double* dAlpha, const double* alpha, double twoL2,
                         double* out);
};

// Indexed by cpu::Level; null where the level is not compiled in.
extern const ChainKernels* const kChainKernels[cpu::kLevelCount];

inline const ChainKernels& chainKernels() { return *cpu::select(kChainKernels); }

}  // namespace dln::kernels

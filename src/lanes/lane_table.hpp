// The lane kernels (lane_kernels.inc) as tables, one per compiled copy, and which copy the lanes
// use (docs/algorithms.md §4.8, §4.9).
//
// The rounding of the lane kernels always follows the CPU level of the single-run kernels
// (kernels/cpu_dispatch.hpp, cpu::active()); the instruction set they run need not:
// - at the baseline level the single-run kernels are plain IEEE operations in source order (no
//   FMA contraction). Lane kernels are element-wise across lanes, so a copy compiled for AVX2 or
//   AVX-512 without contraction (lane_kernels_avx2_ieee.cpp, lane_kernels_avx512_ieee.cpp) does,
//   per lane, the same operations with the same rounding as the baseline copy, 4 or 8 doubles per
//   instruction instead of 2. The lanes use the widest such copy the CPU runs (cpu::supported:
//   cpuid, never executing wider code on a CPU without it);
// - at avx2 and avx512 they use the level's copy compiled with FMA contraction like the
//   single-run kernels (the compiler may still round a single-run loop differently for some
//   shapes: lane_check.hpp compares every copy against the single-run kernels per layer shape, at
//   every level, before the lanes take a problem).
// The element-wise helpers of the power iteration and the regression head (LaneOps) are compiled
// without contraction at every level, like lanczos.cpp and regression.cpp, in the widest IEEE copy.
// Off x86-64 (or without GCC/Clang) only the baseline copy exists.
//
// Buffers are structure-of-arrays: kLanes doubles per value, aligned for a kLanes-double vector.
#pragma once

#include <cstddef>

#include "kernels/cpu_dispatch.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define DLN_LANES_X86_LEVELS 1
#endif

namespace dln::lanes {

// Runs per lane group: one AVX-512 register per value (two AVX2 registers, four SSE2 ones).
// Measured against 4 and 16 in docs/algorithms.md §4.8.
constexpr std::size_t kLanes = 8;

// A network's layer shapes and block offsets for the chain kernels below (in values: value i of a
// buffer at i * kLanes doubles): layer l is rows[l] x cols[l], its weights at param[l] (increasing
// in l, the P values contiguous); the sweep blocks alpha(l) at alpha[l], beta(l) at beta[l], l in
// [0, depth] (LaneGroup's layout: alpha[depth] is the head block).
struct LaneChain {
  std::size_t depth = 0;
  const std::size_t* rows = nullptr;
  const std::size_t* cols = nullptr;
  const std::size_t* param = nullptr;
  const std::size_t* alpha = nullptr;
  const std::size_t* beta = nullptr;
};

struct LaneKernels {
  // y (cols) = W^T x (kernels::transposedTimes, r = 1).
  void (*transposedTimes)(std::size_t rows, std::size_t cols, const double* W, const double* x, double* y);
  // y (rows) = W x with the old W (skipped when y is null), then W += scale[lane] * a x^T
  // (kernels::timesThenRankOne); scale is one vector of kLanes values.
  void (*timesThenRankOne)(std::size_t rows, std::size_t cols, const double* x, double* y, const double* scale,
                           const double* a, double* W);
  // y (rows) = W x (kernels::times, r = 1).
  void (*times)(std::size_t rows, std::size_t cols, const double* W, const double* x, double* y);
  // The Hessian-vector product's kernels (kernels/chain_kernels.hpp, same names), without L2:
  // y (cols) = W^T x + V^T a (x null reads as 0); yOut = W db + V b (skipped when null),
  // O = da b^T + a db^T.
  void (*backwardFused)(std::size_t rows, std::size_t cols, const double* W, const double* x, const double* V,
                        const double* a, double* y);
  void (*forwardAndOutput)(std::size_t rows, std::size_t cols, const double* W, const double* V, const double* db,
                           const double* b, double* yOut, const double* da, const double* a, double* O);
  // A Hessian-vector product's two sweeps over every layer in one call each (LaneGroup::hvp: the
  // per-layer calls and their dispatch cost ~8% of the paper's schedule), the kernels above layer
  // by layer in LaneGroup::hvp's order: backwardChain runs backwardFused for l = L-1, ..., 0 (x =
  // dAlpha(l), none for the last layer; V = v's layer block; a = alpha(l); y = dAlpha(l - 1), the
  // head block dAlpha(L) for l = 0); forwardChain runs forwardAndOutput for l = 0, ..., L-1 (db =
  // dBeta(l), b = beta(l), yOut = dBeta(l + 1) but none for the last, da = dAlpha(l), a =
  // alpha(l), O = out's layer block) and, with `squares` (one vector of kLanes values), also the
  // sum of squares of out's P values in fixed_order_sums.hpp's order (four partial sums by index
  // mod 4, the last P mod 4 values in the first), read back layer by layer while in cache.
  // In the IEEE copies only (null in the contracted copies: lane_check.hpp compares the per-layer
  // kernels there, and the norm is a LaneOp at every level).
  void (*backwardChain)(const LaneChain& chain, const double* theta, const double* v, const double* alpha,
                        double* dAlpha);
  void (*forwardChain)(const LaneChain& chain, const double* theta, const double* v, const double* beta,
                       const double* alpha, const double* dAlpha, double* dBeta, double* out, double* squares);
};

// Element-wise over the lanes, IEEE operations in the scalar code's order (no contraction at any
// level): each lane's value has the bits of the scalar code named.
struct LaneOps {
  // out = sum of x_i^2 (fixed_order_sums.hpp's sumOfSquares: four partial sums, (s0 + s1) + (s2 + s3)).
  void (*sumOfSquares)(std::size_t n, const double* x, double* out);
  // x_i *= s (s one vector of kLanes values).
  void (*scale)(std::size_t n, const double* s, double* x);
  // RegressionLoss::valueAndGradient's excess form at head (d values): grad = 2 Sigma (w - w*),
  // loss = (rMin + excess) + 0.0 (Evaluator's zero penalty).
  void (*regressionHead)(std::size_t d, const double* sigma, const double* wStar, double rMin, const double* head,
                         double* grad, double* loss);
  // RegressionLoss::hessianAction with kernels::dot's sequential sum (the baseline level's):
  // dg = 2 Sigma dw.
  void (*regressionHessian)(std::size_t d, const double* sigma, const double* dw, double* dg);
};

// The instruction set of a copy: baseline (SSE2 on x86-64), avx2, avx512 (named as cpu levels).
enum class Isa : int { Baseline = 0, Avx2 = 1, Avx512 = 2 };
constexpr int kIsaCount = 3;
const char* isaName(Isa isa);

// The copies: FMA-contracted (the avx2/avx512 levels' rounding; null at baseline, where the
// IEEE copy is the level's) and IEEE (no contraction; null where not compiled in).
extern const LaneKernels* const kFusedKernels[kIsaCount];
extern const LaneKernels* const kIeeeKernels[kIsaCount];
extern const LaneOps* const kIeeeOps[kIsaCount];

// The widest instruction set the lanes run on this CPU (cpu::supported), at most `cap` (the
// default: no cap; tests and benchmarks lower it to compare copies in one process).
Isa laneIsa();
void capLaneIsa(Isa cap);

// The lane kernels of the active CPU level (see above), and the IEEE element-wise helpers.
const LaneKernels& laneKernels();
const LaneOps& laneOps();

}  // namespace dln::lanes

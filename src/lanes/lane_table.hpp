// The lane kernels (lane_kernels.inc) as one table per CPU level. The table follows the level the
// single-run kernels use (kernels/cpu_dispatch.hpp, cpu::active()); at baseline lanes and single
// runs round alike by construction, at the wider levels only for the layer shapes lane_check.hpp
// finds equal (the compiler may vectorize a single-run loop without FMA where the lanes fuse). Off
// x86-64 (or without GCC/Clang) only the baseline copy exists.
//
// Buffers are structure-of-arrays: kLanes doubles per value, aligned for a kLanes-double vector.
#pragma once

#include <cstddef>

#include "kernels/cpu_dispatch.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define DLN_LANES_X86_LEVELS 1
#endif

namespace dln::lanes {

constexpr std::size_t kLanes = 4;

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
};

extern const LaneKernels* const kLaneKernels[cpu::kLevelCount];
inline const LaneKernels& laneKernels() { return *cpu::select(kLaneKernels); }

}  // namespace dln::lanes

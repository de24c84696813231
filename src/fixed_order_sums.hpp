// Sums of products in one fixed order, shared by the power iteration (lanczos.cpp, powerIteration),
// krylov_phi.cpp and the lanes' power iteration (lanes/lane_group.cpp), which must reproduce
// powerIteration's norms bit for bit. (The Lanczos process sums in sixteen chains of its own:
// lanczos_passes/passes.hpp.) Four accumulators over i mod 4, the tail into the first, combined as
// (s0 + s1) + (s2 + s3): a single running sum is bound by the add latency, and a fixed order keeps
// results independent of the machine. Every includer is compiled at the core's baseline flags, so
// each gets the same operations.
#pragma once

#include <cstddef>

namespace dln {

inline double dot4(std::size_t n, const double* __restrict x, const double* __restrict y) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}

inline double sumOfSquares(std::size_t n, const double* x) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace dln

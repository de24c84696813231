// The Lanczos process's passes over vectors of the operator's dimension (lanczos.cpp): the dot
// products, the three-term recurrence, the scalings and the Gram-Schmidt loops. One copy per
// instruction set (passes.inc, compiled by passes_baseline.cpp with the core's flags and by
// passes_avx2_ieee.cpp / passes_avx512_ieee.cpp with the wider instruction sets, no FMA and no
// contraction), all with the same bits: every reduction runs in sixteen chains fixed by the index
// (entry i into chain i mod 16, the tail too, combined pairwise) and every other operation is
// element-wise IEEE arithmetic in source order, so the vector width changes the speed only
// (test/native/lanczos_passes_test.cpp compares every copy the CPU runs). The process uses the
// widest copy the CPU runs, at every CPU level: the eigensolver's results do not depend on the
// level or the machine (docs/algorithms.md §2.7).
//
// Why sixteen chains: a single sum, or dot4's four chains, is bound by the add latency (58 links
// of four cycles over P = 230); with sixteen the pass is bound by loads, two AVX-512 registers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu_dispatch.hpp"

namespace dln::lanczos_passes {

constexpr std::size_t kChains = 16;

struct Passes {
  // x^T y.
  double (*dot)(std::size_t n, const double* x, const double* y);
  // x^T x.
  double (*sumOfSquares)(std::size_t n, const double* x);
  // w = (w - a q) - b p, returning the new w's sum of squares.
  double (*recurrence)(std::size_t n, double* w, const double* q, double a, const double* p, double b);
  // q = v + scale q, returning the new q's sum of squares.
  double (*addScaled)(std::size_t n, const double* v, double scale, double* q);
  // out = x * factor (out may be x).
  void (*scale)(std::size_t n, const double* x, double factor, double* out);
  // w -= c y.
  void (*removeAlong)(std::size_t n, double c, const double* y, double* w);
  // c[i] = dot(Q_i, w) for the first m rows of Q (n each).
  void (*project)(std::size_t n, std::size_t m, const double* Q, const double* w, double* c);
  // w -= sum_i c[i] Q_i: four rows at a time, w_j -= (c0 q0_j + c1 q1_j) + (c2 q2_j + c3 q3_j),
  // then one at a time.
  void (*subtract)(std::size_t n, std::size_t m, const double* Q, const double* c, double* w);
  // y = sum_i s[i] Q_i (m >= 1): the first four rows (or the first row, when m < 4) set y as
  // subtract's groups do, the rest are added in groups of four, then one at a time.
  void (*combine)(std::size_t n, std::size_t m, const double* Q, const double* s, double* y);
  // out[0..n) uniform on [-1, 1): draw k (k = 0, 1, ...) is SplitMix64's output for the state
  // seed + (k + 1) 0x9E3779B97F4A7C15 (Steele et al. 2014), each giving two values, its high half
  // first, as a signed 32-bit integer times 2^-31 (exact: integer arithmetic, so every copy agrees).
  void (*uniforms)(std::uint64_t seed, std::size_t n, double* out);
};

// Indexed by cpu::Level (the instruction set, not the rounding: every copy rounds alike); null
// where not compiled in.
extern const Passes* const kPasses[cpu::kLevelCount];

// The widest copy the CPU runs.
const Passes& passes();

}  // namespace dln::lanczos_passes

// Deterministic random numbers. Every stream is keyed by (seed, purpose, indices) and seeded
// through SplitMix64, so the numbers a run sees depend only on its key -- never on the thread
// that runs it or the order runs are scheduled in. Generator: xoshiro256** (Blackman & Vigna).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace dln {

// Why a stream exists. Values are part of the reproducibility contract: never renumber.
enum class Purpose : std::uint64_t {
  Data = 1,
  Init = 2,
  Projection = 3,
  Eigensolver = 4,
  Mask = 5,
  Teacher = 6,
  Sweep = 7,
  Batches = 8,      // mini-batch sequences (optimizers/batch.hpp)
  LabelNoise = 9,   // label-noise targets (optimizers/label_noise.cpp)
  BatchProbe = 10,  // the batches batchSharpness averages over
};

std::uint64_t splitmix64(std::uint64_t& state);
// Mixes a seed, a purpose and up to a few indices into one 64-bit stream key.
std::uint64_t streamKey(std::uint64_t seed, Purpose purpose, std::initializer_list<std::uint64_t> indices = {});

// The polar method's acceptance of s = u^2 + v^2 (normal(): 0 < s < 1; s is never NaN or -0) as one
// unsigned comparison of its bits: for s >= +0 the bits order like the values, and bits - 1 wraps
// s = 0 to the top. Rng::normals uses it; lanes/lane_normals.inc has a copy (compiled per CPU level).
inline std::size_t acceptsPolar(double s) {
  std::uint64_t b;
  std::memcpy(&b, &s, sizeof b);
  return (b - 1) < 0x3FEFFFFFFFFFFFFFULL;  // bits(1.0) - 1
}

class Rng {
 public:
  explicit Rng(std::uint64_t key);
  Rng(std::uint64_t seed, Purpose purpose, std::initializer_list<std::uint64_t> indices = {})
      : Rng(streamKey(seed, purpose, indices)) {}

  std::uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform integer in [0, bound), unbiased (Lemire's method).
  std::uint64_t below(std::uint64_t bound);
  // Standard normal by the polar (Marsaglia) method; the spare value is kept.
  double normal();
  // out[0..n) = n successive normal() values, bit for bit (the same stream, the same spare), at a
  // fraction of the cost per value: no call, spare test or branch on the rejection per value, the
  // generator in registers.
  void normals(std::size_t n, double* out);

 private:
  std::uint64_t s_[4];
  bool hasSpare_ = false;
  double spare_ = 0.0;
};

}  // namespace dln

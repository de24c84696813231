// JAX's default pseudo-random generator, bit for bit, so that dlnflow can draw the data that JAX
// code drew (the reference code of Marion & Chizat draws everything from PRNGKey(0); see
// README, "Data sources").
//
// What is reproduced (JAX 0.4.x with its default jax_threefry_partitionable = False, the mode of
// every JAX release before 0.5):
//   - threefry2x32: Threefry-2x32 with 20 rounds (Salmon et al., SC'11; Random123's
//     threefry2x32_20), rotations (13, 15, 26, 6 | 17, 29, 16, 24), key schedule
//     k2 = k0 ^ k1 ^ 0x1BD11BDA, a key injection after every 4 rounds with the round index added.
//     Over a counter array JAX hashes the pairs (c[i], c[h + i]) of the two halves (an odd array is
//     padded with one 0) and concatenates the first words, then the second words.
//   - PRNGKey(seed) = (seed >> 32, seed & 0xffffffff), so (0, seed) for seed < 2^32.
//   - split(key, num): threefry over the counters 0 ... 2 num - 1, reshaped to num keys.
//   - random_bits(key, n): threefry over the counters 0 ... n - 1.
//   - uniform (float32): the top 23 bits as the mantissa of a float in [1, 2), minus 1, then
//     u * (maxval - minval) + minval, clamped below at minval.
//   - normal (float32): sqrt(2) * erfinv(u) with u uniform on [nextafter(-1, 0), 1), where erfinv
//     is XLA's float32 ErfInv (Giles' single-precision polynomial on w = -log1p(-u^2)) with XLA's
//     CPU log1p (a Cephes rational function below |x| < sqrt(2) - 1, else log(1 + x)) and XLA's CPU
//     logf (Eigen's Cephes polynomial), in float32 with the fused multiply-adds LLVM forms on a CPU
//     with FMA. That choice reproduces bit for bit every known answer we have (JAX's documented
//     normal draws and the 104 in-range float32 cases of StableHLO's erf_inv test data, generated
//     with JAX); without FMA, 4.6% of draws would differ by 1-2 ulp.
// All arithmetic here is float32 where JAX's is, written one rounding per statement so that no
// compiler contracts it differently (-ffp-contract); the fused steps use std::fma explicitly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dln::jax {

using Key = std::array<std::uint32_t, 2>;

// One Threefry-2x32 (20 rounds) block.
std::array<std::uint32_t, 2> threefry2x32(const Key& key, const std::array<std::uint32_t, 2>& counter);

// JAX's threefry_2x32(key, counters) over a whole counter array (see the header comment).
std::vector<std::uint32_t> threefry2x32Array(const Key& key, const std::vector<std::uint32_t>& counters);

// random.PRNGKey(seed) (the raw uint32[2] key).
Key prngKey(std::uint64_t seed);

// random.split(key, num). num >= 1 and 2 num < 2^32.
std::vector<Key> split(const Key& key, std::size_t num = 2);

// random.bits(key, (count,), uint32). count < 2^32.
std::vector<std::uint32_t> randomBits(const Key& key, std::size_t count);

// random.uniform(key, (count,), float32, minval, maxval).
std::vector<float> uniform(const Key& key, std::size_t count, float minval = 0.0f, float maxval = 1.0f);

// XLA's float32 ErfInv (what lax.erf_inv computes for float32 on CPU). erfinv(+-1) = +-inf.
float erfinv(float x);

// random.normal(key, (count,), float32).
std::vector<float> normal(const Key& key, std::size_t count);

}  // namespace dln::jax

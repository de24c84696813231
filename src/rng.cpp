#include "rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dln {

namespace {
// detLogOf (docs/algorithms.md §2.8), compiled into this file (built with -ffp-contract=off, as
// u * u + v * v below needs too: CMakeLists.txt) so that the chunk loop in normals() can inline and
// vectorize it.
#include "det_log.inc"
}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t streamKey(std::uint64_t seed, Purpose purpose, std::initializer_list<std::uint64_t> indices) {
  // Chained SplitMix64 finalizers: each component is absorbed after full avalanche of the
  // previous ones, so (seed, purpose, i, j) and (seed, purpose, j, i) give unrelated keys.
  std::uint64_t state = seed;
  std::uint64_t h = splitmix64(state);
  state = h ^ static_cast<std::uint64_t>(purpose);
  h = splitmix64(state);
  std::uint64_t position = 1;
  for (std::uint64_t index : indices) {
    state = h ^ (index + 0x632BE59BD9B4E019ULL * position++);
    h = splitmix64(state);
  }
  state = h ^ (0xD6E8FEB86659FD93ULL * position);
  return splitmix64(state);
}

Rng::Rng(std::uint64_t key) {
  std::uint64_t state = key;
  for (auto& s : s_) s = splitmix64(state);
}

static inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound <= 1) return 0;
  // Lemire's nearly-divisionless method with rejection, 128-bit product.
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * bound;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() {
  if (hasSpare_) {
    hasSpare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * detLogOf<double, std::uint64_t>(s) / s);
  spare_ = v * f;
  hasSpare_ = true;
  return u * f;
}

void Rng::normals(std::size_t n, double* out) {
  std::size_t i = 0;
  if (n > 0 && hasSpare_) {
    hasSpare_ = false;
    out[i++] = spare_;
  }
  std::uint64_t s0 = s_[0], s1 = s_[1], s2 = s_[2], s3 = s_[3];
  // next() on the local state, as 2.0 * uniform() - 1.0: x 2^-53 then x 2 is x 2^-52 exactly (a
  // power-of-two scaling of x < 2^53), and x 2^-52 - 1 is exact (a multiple of 2^-52 in [-1, 1)).
  auto centered = [&]() {
    const std::uint64_t result = rotl(s1 * 5, 7) * 9;
    const std::uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 45);
    return static_cast<double>(result >> 11) * 0x1.0p-52 - 1.0;
  };
  // In chunks of pairs: first the accepted (u, v, s) (the generator's sequence, rejections
  // included), then the logs (detLogOf, branch-free: the compiler vectorizes the loop), then the
  // square roots and divisions (two per SSE2 instruction: correctly rounded, the same bits as one at
  // a time; so is every step of detLogOf). The same operations on the same values as
  // normal(): the same bits (test/native/rng_test.cpp). The acceptance is branchless: every
  // candidate is stored at the write index, which advances when it is accepted (a branch on it
  // mispredicts at the rejection rate, 1 - pi/4). With `pairs - w` pairs still to find, at least
  // that many candidates are needed: they are drawn in one loop of known length, so the generator
  // stops exactly after the last accepted one, as normal() does.
  constexpr std::size_t kChunk = 64;
  alignas(16) double us[kChunk + 1], vs[kChunk + 1], ss[kChunk + 1], fs[kChunk];
  while (i < n) {
    const std::size_t pairs = std::min(kChunk, (n - i + 1) / 2);
    std::size_t w = 0;
    while (w < pairs) {
      for (std::size_t a = pairs - w; a > 0; --a) {
        const double u = centered();
        const double v = centered();
        const double s = u * u + v * v;
        us[w] = u, vs[w] = v, ss[w] = s;
        w += acceptsPolar(s);
      }
    }
    for (std::size_t p = 0; p < pairs; ++p) fs[p] = detLogOf<double, std::uint64_t>(ss[p]);
    for (std::size_t p = 0; p < pairs; ++p) fs[p] = std::sqrt(-2.0 * fs[p] / ss[p]);
    const std::size_t full = std::min(pairs, (n - i) / 2);
    for (std::size_t p = 0; p < full; ++p) {
      out[i + 2 * p] = us[p] * fs[p];
      out[i + 2 * p + 1] = vs[p] * fs[p];
    }
    i += 2 * full;
    if (full < pairs) {  // n odd: the last pair's second value is the spare
      out[i++] = us[full] * fs[full];
      spare_ = vs[full] * fs[full];
      hasSpare_ = true;
    }
  }
  s_[0] = s0, s_[1] = s1, s_[2] = s2, s_[3] = s3;
}

}  // namespace dln

#include "rng.hpp"

#include <algorithm>
#include <cmath>

namespace dln {

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
  const double f = std::sqrt(-2.0 * std::log(s) / s);
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
  // next() and uniform() on the local state (the same sequence).
  auto uniform = [&]() {
    const std::uint64_t result = rotl(s1 * 5, 7) * 9;
    const std::uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 45);
    return static_cast<double>(result >> 11) * 0x1.0p-53;
  };
  // In chunks of pairs: first the accepted (u, v, s) (the generator's sequence, rejections
  // included), then the transforms, whose log, sqrt and division calls no longer wait on one
  // another. The same operations on the same values as normal(): the same bits.
  constexpr std::size_t kChunk = 32;
  double us[kChunk], vs[kChunk], ss[kChunk], ls[kChunk];
  while (i < n) {
    const std::size_t pairs = std::min(kChunk, (n - i + 1) / 2);
    for (std::size_t p = 0; p < pairs; ++p) {
      double u, v, s;
      do {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
      } while (s >= 1.0 || s == 0.0);
      us[p] = u, vs[p] = v, ss[p] = s;
    }
    for (std::size_t p = 0; p < pairs; ++p) ls[p] = std::log(ss[p]);
    for (std::size_t p = 0; p < pairs; ++p) {
      const double f = std::sqrt(-2.0 * ls[p] / ss[p]);
      out[i++] = us[p] * f;
      if (i < n) {
        out[i++] = vs[p] * f;
      } else {
        spare_ = vs[p] * f;
        hasSpare_ = true;
      }
    }
  }
  s_[0] = s0, s_[1] = s1, s_[2] = s2, s_[3] = s3;
}

}  // namespace dln

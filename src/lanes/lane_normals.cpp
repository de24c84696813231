#include "lanes/lane_normals.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "rng.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dln::lanes {

namespace {

// Two lanes' generators (or values) in one vector of the baseline's native width (GCC/Clang vector
// extensions, as lane_group.cpp). kLanes is even (lane_group.cpp asserts it).
typedef std::uint64_t Bits __attribute__((vector_size(2 * sizeof(std::uint64_t))));
typedef double Half __attribute__((vector_size(2 * sizeof(double))));
constexpr std::size_t kH = kLanes / 2;
constexpr std::size_t kChunk = 64;  // pairs per lane drawn before their transforms

inline Bits rotl(Bits x, int k) { return (x << k) | (x >> (64 - k)); }

// Rng::next in two lanes. SSE2 has no 64-bit multiply: x * 5 and x * 9 are x + (x << 2) and
// x + (x << 3) (the same residues mod 2^64).
inline Bits next(Bits& s0, Bits& s1, Bits& s2, Bits& s3) {
  const Bits a = rotl(s1 + (s1 << 2), 7);
  const Bits result = a + (a << 3);
  const Bits t = s1 << 17;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 45);
  return result;
}

// 2.0 * uniform() - 1.0 of an output r, exactly, without a 64-bit integer conversion (SSE2 has
// none). With x = r >> 11 (53 bits), the value is x 2^-52 - 1. Below 2^52, x's 52 low bits under
// 1.0's exponent give 1 + x 2^-52, and subtracting 2 is exact (Sterbenz); from 2^52 on (bit 52
// set) they give 1 + (x - 2^52) 2^-52, minus 1. The offset 2 or 1 is 2.0's bits minus bit 52.
inline Half centered(Bits r) {
  const Bits x = r >> 11;
  const Bits mantissa = (x & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL;
  const Bits offset = 0x4000000000000000ULL - (x & 0x0010000000000000ULL);
  return reinterpret_cast<Half>(mantissa) - reinterpret_cast<Half>(offset);
}

inline Half sqrtHalf(Half x) {
#if defined(__SSE2__)
  return reinterpret_cast<Half>(_mm_sqrt_pd(reinterpret_cast<__m128d>(x)));
#else
  return Half{std::sqrt(x[0]), std::sqrt(x[1])};
#endif
}

struct Streams {
  Bits s0[kH], s1[kH], s2[kH], s3[kH];
};

// The accepted candidates of one chunk, pair p of lane k at p * kLanes + k (one spare slot: a
// finished lane keeps writing its rejected or surplus candidate there).
struct Pairs {
  alignas(16) double u[(kChunk + 1) * kLanes], v[(kChunk + 1) * kLanes], s[(kChunk + 1) * kLanes];
  alignas(16) double f[kChunk * kLanes];
};

// One candidate (u, v, s) in every lane, stored at the lane's write index, which advances by
// `live[k]` when it is accepted. Masked: the lanes with live[k] = 0 keep their generator state
// (they are done with this chunk, and their stream must continue from there in the next).
template <bool kMasked>
inline void attempt(Streams& g, Pairs& c, std::size_t* w, const std::size_t* live) {
  for (std::size_t h = 0; h < kH; ++h) {
    const Bits o0 = g.s0[h], o1 = g.s1[h], o2 = g.s2[h], o3 = g.s3[h];
    const Half u = centered(next(g.s0[h], g.s1[h], g.s2[h], g.s3[h]));
    const Half v = centered(next(g.s0[h], g.s1[h], g.s2[h], g.s3[h]));
    if (kMasked) {
      const Bits keep = {live[2 * h] - 1, live[2 * h + 1] - 1};  // all ones where done
      g.s0[h] = (g.s0[h] & ~keep) | (o0 & keep);
      g.s1[h] = (g.s1[h] & ~keep) | (o1 & keep);
      g.s2[h] = (g.s2[h] & ~keep) | (o2 & keep);
      g.s3[h] = (g.s3[h] & ~keep) | (o3 & keep);
    }
    const Half s = u * u + v * v;
    for (std::size_t j = 0; j < 2; ++j) {
      const std::size_t k = 2 * h + j;
      const std::size_t at = w[k] * kLanes + k;
      c.u[at] = u[j];
      c.v[at] = v[j];
      c.s[at] = s[j];
      w[k] += acceptsPolar(s[j]) & live[k];
    }
  }
}

}  // namespace

void drawNormals(const std::uint64_t* keys, const bool* want, std::size_t n, double* out) {
  Streams g;
  bool all = true, any = false;
  for (std::size_t k = 0; k < kLanes; ++k) {
    // Rng's constructor: four SplitMix64 outputs from the key (an unwanted lane draws from 0).
    std::uint64_t state = want[k] ? keys[k] : 0;
    g.s0[k / 2][k % 2] = splitmix64(state);
    g.s1[k / 2][k % 2] = splitmix64(state);
    g.s2[k / 2][k % 2] = splitmix64(state);
    g.s3[k / 2][k % 2] = splitmix64(state);
    all = all && want[k];
    any = any || want[k];
  }
  if (!any) return;
  Pairs c;
  std::size_t w[kLanes], live[kLanes];
  for (std::size_t i = 0; i < n;) {
    // As Rng::normals: `pairs` accepted candidates per lane, then their logs, then the rest.
    const std::size_t pairs = std::min(kChunk, (n - i + 1) / 2);
    for (std::size_t k = 0; k < kLanes; ++k) w[k] = 0, live[k] = want[k];
    // Every wanted lane still needs at least `r` candidates: draw them in all lanes (an unwanted
    // lane's generator runs free, its write index stays 0).
    for (;;) {
      std::size_t r = pairs;
      for (std::size_t k = 0; k < kLanes; ++k)
        if (want[k]) r = std::min(r, pairs - w[k]);
      if (r == 0) break;
      for (; r > 0; --r) attempt<false>(g, c, w, live);
    }
    // The last candidates of the lanes still short, one at a time, the others' generators held.
    for (;;) {
      bool more = false;
      for (std::size_t k = 0; k < kLanes; ++k) {
        live[k] = want[k] && w[k] < pairs;
        more = more || live[k];
      }
      if (!more) break;
      attempt<true>(g, c, w, live);
    }
    // glibc's log, one call per accepted pair (docs/algorithms.md §2.8); an unwanted lane's slots
    // get harmless values (f = 0, s = 1) for the vector steps below, which do not store them.
    for (std::size_t p = 0; p < pairs; ++p)
      for (std::size_t k = 0; k < kLanes; ++k) {
        const std::size_t at = p * kLanes + k;
        if (want[k]) {
          c.f[at] = std::log(c.s[at]);
        } else {
          c.f[at] = c.u[at] = c.v[at] = 0.0, c.s[at] = 1.0;
        }
      }
    // f = sqrt(-2 log s / s), then u f and v f: two lanes per instruction, correctly rounded, the
    // bits of one at a time. Pair p gives values i + 2p and i + 2p + 1 (the latter dropped past n:
    // the spare a fresh Rng would keep).
    const std::size_t full = std::min(pairs, (n - i) / 2);
    for (std::size_t p = 0; p < pairs; ++p) {
      double* a = out + (i + 2 * p) * kLanes;
      double* b = a + kLanes;
      for (std::size_t h = 0; h < kH; ++h) {
        const std::size_t at = p * kLanes + 2 * h;
        Half l, s, u, v;
        std::memcpy(&l, c.f + at, sizeof l);
        std::memcpy(&s, c.s + at, sizeof s);
        std::memcpy(&u, c.u + at, sizeof u);
        std::memcpy(&v, c.v + at, sizeof v);
        const Half f = sqrtHalf(-2.0 * l / s);
        const Half x = u * f, y = v * f;
        if (all) {
          std::memcpy(a + 2 * h, &x, sizeof x);
          if (p < full) std::memcpy(b + 2 * h, &y, sizeof y);
        } else {
          for (std::size_t j = 0; j < 2; ++j) {
            if (!want[2 * h + j]) continue;
            a[2 * h + j] = x[j];
            if (p < full) b[2 * h + j] = y[j];
          }
        }
      }
    }
    i += 2 * pairs;
  }
}

}  // namespace dln::lanes

#include "jax_random.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "error.hpp"

// Every float32 operation below is one statement, rounded once; the compiler must not fuse a
// multiply and an add on its own (clang's default -ffp-contract=on would within an expression).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace dln::jax {

namespace {

constexpr std::uint64_t kMaxCounters = std::uint64_t(1) << 32;  // JAX's counters are uint32

std::uint32_t rotl(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

float bitsToFloat(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

std::uint32_t floatToBits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

void checkCount(std::size_t count, const char* field) {
  if (static_cast<std::uint64_t>(count) >= kMaxCounters) {
    fail(ErrorCode::Value, field, "must be < 2^32 (JAX's counters are uint32)");
  }
}

std::vector<std::uint32_t> iota(std::size_t count) {
  std::vector<std::uint32_t> c(count);
  for (std::size_t i = 0; i < count; ++i) c[i] = static_cast<std::uint32_t>(i);
  return c;
}

// XLA's CPU logf (its vectorized runtime log, Eigen's plog: Cephes' polynomial on the mantissa
// reduced to [sqrt(1/2), sqrt(2)), plus the exponent times log 2 in two parts). The multiply-adds
// are fused as LLVM fuses them (a product with one use feeding an add). Only called for x in
// (0, 1] here, but the edge cases follow the original.
float xlaLog(float x) {
  if (std::isnan(x) || x < 0.0f) return std::numeric_limits<float>::quiet_NaN();
  if (x == 0.0f) return -std::numeric_limits<float>::infinity();
  if (std::isinf(x)) return x;
  const float sqrtHalf = 0.707106781186547524f;
  const float p0 = 7.0376836292E-2f, p1 = -1.1514610310E-1f, p2 = 1.1676998740E-1f;
  const float p3 = -1.2420140846E-1f, p4 = +1.4249322787E-1f, p5 = -1.6668057665E-1f;
  const float p6 = +2.0000714765E-1f, p7 = -2.4999993993E-1f, p8 = +3.3333331174E-1f;
  const float q1 = -2.12194440e-4f, q2 = 0.693359375f;
  float m = std::max(bitsToFloat(0x00800000u), x);  // denormals flushed to the smallest normal
  const std::uint32_t bits = floatToBits(m);
  const int exponent = static_cast<int>(bits >> 23) - 0x7f;
  m = bitsToFloat((bits & ~0x7f800000u) | floatToBits(0.5f));  // mantissa in [0.5, 1)
  float e = 1.0f + static_cast<float>(exponent);
  const bool small = m < sqrtHalf;
  const float extra = small ? m : 0.0f;
  m = m - 1.0f;
  e = e - (small ? 1.0f : 0.0f);
  m = m + extra;
  const float x2 = m * m;
  const float x3 = x2 * m;
  float y = std::fma(m, p0, p1);
  float y1 = std::fma(m, p3, p4);
  float y2 = std::fma(m, p6, p7);
  y = std::fma(y, m, p2);
  y1 = std::fma(y1, m, p5);
  y2 = std::fma(y2, m, p8);
  y = std::fma(y, x3, y1);
  y = std::fma(y, x3, y2);
  const float eq1 = q1 * e;
  y = std::fma(y, x3, eq1);          // y * x3 + q1 e
  float r = std::fma(-0.5f, x2, m);  // m - x2 / 2
  r = r + y;
  r = std::fma(q2, e, r);  // + q2 e
  return r;
}

// XLA's log1p: for |x| < sqrt(2) - 1 the Cephes rational approximation
// x - x^2/2 + x^3 P(x)/Q(x) (Horner, fused), else log(1 + x).
float xlaLog1p(float x) {
  static const double kDenominator[7] = {1.,
                                         1.5062909083469192043167E1,
                                         8.3047565967967209469434E1,
                                         2.2176239823732856465394E2,
                                         3.0909872225312059774938E2,
                                         2.1642788614495947685003E2,
                                         6.0118660497603843919306E1};
  static const double kNumerator[7] = {
      4.5270000862445199635215E-5, 4.9854102823193375972212E-1, 6.5787325942061044846969E0, 2.9911919328553073277375E1,
      6.0949667980987787057556E1,  5.7112963590585538103336E1,  2.0039553499201281259648E1};
  const float onePlus = x + 1.0f;
  const float large = xlaLog(onePlus);
  const float x2 = x * x;
  float den = 0.0f, num = 0.0f;
  for (int i = 0; i < 7; ++i) {
    den = std::fma(den, x, static_cast<float>(kDenominator[i]));
    num = std::fma(num, x, static_cast<float>(kNumerator[i]));
  }
  const float ratio = num / den;
  const float x3 = x * x2;
  const float tail = x3 * ratio;
  float small = std::fma(-0.5f, x2, tail);
  small = x + small;
  return std::fabs(x) < static_cast<float>(0.41421356237309504880) ? small : large;
}

}  // namespace

std::array<std::uint32_t, 2> threefry2x32(const Key& key, const std::array<std::uint32_t, 2>& counter) {
  static const int kRotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const std::uint32_t ks[3] = {key[0], key[1], key[0] ^ key[1] ^ 0x1BD11BDAu};
  std::uint32_t x0 = counter[0] + ks[0];
  std::uint32_t x1 = counter[1] + ks[1];
  for (int block = 0; block < 5; ++block) {
    for (int r : kRotations[block % 2]) {
      x0 += x1;
      x1 = rotl(x1, r);
      x1 ^= x0;
    }
    x0 += ks[(block + 1) % 3];
    x1 += ks[(block + 2) % 3] + static_cast<std::uint32_t>(block + 1);
  }
  return {x0, x1};
}

std::vector<std::uint32_t> threefry2x32Array(const Key& key, const std::vector<std::uint32_t>& counters) {
  const std::size_t n = counters.size();
  const std::size_t half = (n + 1) / 2;  // an odd array is padded with one 0
  std::vector<std::uint32_t> out(2 * half);
  for (std::size_t i = 0; i < half; ++i) {
    const std::uint32_t c1 = half + i < n ? counters[half + i] : 0u;
    const auto r = threefry2x32(key, {counters[i], c1});
    out[i] = r[0];
    out[half + i] = r[1];
  }
  out.resize(n);
  return out;
}

Key prngKey(std::uint64_t seed) {
  return {static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(seed & 0xffffffffu)};
}

std::vector<Key> split(const Key& key, std::size_t num) {
  if (num == 0) fail(ErrorCode::Value, "num", "must be >= 1");
  if (num >= kMaxCounters / 2) fail(ErrorCode::Value, "num", "must be < 2^31 (JAX's counters are uint32)");
  const auto words = threefry2x32Array(key, iota(2 * num));
  std::vector<Key> keys(num);
  for (std::size_t i = 0; i < num; ++i) keys[i] = {words[2 * i], words[2 * i + 1]};
  return keys;
}

std::vector<std::uint32_t> randomBits(const Key& key, std::size_t count) {
  checkCount(count, "count");
  return threefry2x32Array(key, iota(count));
}

std::vector<float> uniform(const Key& key, std::size_t count, float minval, float maxval) {
  const auto bits = randomBits(key, count);
  const float range = maxval - minval;
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const float unit = bitsToFloat((bits[i] >> 9) | floatToBits(1.0f)) - 1.0f;  // [0, 1), 23 random bits
    out[i] = std::max(minval, std::fma(unit, range, minval));
  }
  return out;
}

float erfinv(float x) {
  // Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision.
  static const float kCentral[9] = {2.81022636e-08f, 3.43273939e-07f, -3.5233877e-06f, -4.39150654e-06f, 0.00021858087f,
                                    -0.00125372503f, -0.00417768164f, 0.246640727f,    1.50140941f};
  static const float kTail[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f, -0.00367342844f, 0.00573950773f,
                                 -0.0076224613f,   0.00943887047f,  1.00167406f,    2.83297682f};
  // Rounded before log1p adds 1 to it (XLA does not fuse it: the product has several uses), even
  // if a compiler would contract across statements after inlining (GCC's -ffp-contract=fast).
  volatile float minusSquareRounded = x * -x;
  const float minusSquare = minusSquareRounded;
  const float w = -xlaLog1p(minusSquare);
  const bool central = w < 5.0f;
  const float* c = central ? kCentral : kTail;
  const float t = central ? w - 2.5f : std::sqrt(w) - 3.0f;
  float p = c[0];
  for (int i = 1; i < 9; ++i) p = std::fma(p, t, c[i]);
  const float result = p * x;
  if (std::fabs(x) == 1.0f) return x * std::numeric_limits<float>::infinity();
  return result;
}

std::vector<float> normal(const Key& key, std::size_t count) {
  const float lo = std::nextafter(-1.0f, 0.0f);
  const auto u = uniform(key, count, lo, 1.0f);
  const float sqrt2 = static_cast<float>(std::sqrt(2.0));
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const float e = erfinv(u[i]);
    out[i] = sqrt2 * e;
  }
  return out;
}

}  // namespace dln::jax

// Known answers for the JAX-compatible generator (src/jax_random.*): Random123's threefry2x32_20
// vectors, JAX's own test and documentation values, and the float32 erf_inv cases of the StableHLO
// project's test data (inputs and outputs generated with JAX on CPU). Every answer must agree bit
// for bit; the test prints how many do. False cases: a threefry with a wrong rotation, and an
// erfinv evaluated without fused multiply-adds, must each miss some of these answers (so the
// answers can tell a near miss from the real thing).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "jax_random.hpp"

using dln::jax::Key;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

std::uint32_t bitsOf(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

float floatOf(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

// Distance in float32 ulps (same-sign values, as all compared values here are).
long ulps(float a, float b) { return std::labs(static_cast<long>(bitsOf(a)) - static_cast<long>(bitsOf(b))); }

struct Case {
  std::uint32_t in, out;
};

// (input, expected output) bit patterns of every finite in-range case of StableHLO's float32
// erf_inv test (20 x 20 random inputs, 104 of them in [-1, 1]).
const Case kErfinvCases[] = {
    {0x3f3944bdu, 0x3f45127bu}, {0x3e9cd028u, 0x3e8e92adu}, {0xbdbf00e0u, 0xbda9a8e0u}, {0xbf3d5ca7u, 0xbf4bc4a5u},
    {0xbef01f76u, 0xbee2cdf9u}, {0x3f2adc62u, 0x3f2f65a3u}, {0xbf4a8738u, 0xbf637b27u}, {0xbdf83b35u, 0xbddcd79eu},
    {0xbf246673u, 0xbf26747bu}, {0xbe9944ddu, 0xbe8b2f5eu}, {0xbf77dd2fu, 0xbfc25684u}, {0x3f260adbu, 0x3f28b05au},
    {0xbbf8b370u, 0xbbdc68a5u}, {0xbf19fc8cu, 0xbf18d69fu}, {0x3eae7f5au, 0x3e9fac5bu}, {0xbef6bdc3u, 0xbee9fc8bu},
    {0xbcf6899au, 0xbcda8a3eu}, {0xbf4ae604u, 0xbf6434a8u}, {0x3e55ef5au, 0x3e3fd0a5u}, {0xbde5c509u, 0xbdcc4dc3u},
    {0x3f2c344au, 0x3f314f82u}, {0xbe3cbf43u, 0xbe28ca01u}, {0xbf516028u, 0xbf7185c6u}, {0x3f22d377u, 0x3f245656u},
    {0xbf009708u, 0xbef5817au}, {0xbf44fa79u, 0xbf5907cfu}, {0x3cc6ead8u, 0x3cb0502au}, {0x3ccd30e5u, 0x3cb5e02bu},
    {0xbe42218du, 0xbe2db21fu}, {0xbf682484u, 0xbf97f260u}, {0x3ed55304u, 0x3ec693b4u}, {0x3f5aeac6u, 0x3f83f554u},
    {0x3e92da03u, 0x3e8514c2u}, {0xbe5772e3u, 0xbe413472u}, {0xbf43c10bu, 0xbf56d205u}, {0xbf4492fcu, 0xbf584c15u},
    {0x3f16ffc9u, 0x3f151701u}, {0x3eb5339bu, 0x3ea63f85u}, {0xbe588371u, 0xbe422ecau}, {0xbf6ae2c6u, 0xbf9d2b4du},
    {0xbf414c77u, 0xbf527b64u}, {0x3f6935e4u, 0x3f99eb4cu}, {0xbe876322u, 0xbe7489a9u}, {0x3edd86c9u, 0x3ecf14d0u},
    {0x3ea85907u, 0x3e99b029u}, {0xbeabb7a6u, 0xbe9cf656u}, {0x3f3b0476u, 0x3f47e64bu}, {0xbf2d9c6cu, 0xbf3355feu},
    {0xbe172894u, 0xbe06bbf7u}, {0x3e4402eeu, 0x3e2f6950u}, {0xbdc012ceu, 0xbdaa9d52u}, {0xbebf73edu, 0xbeb068e5u},
    {0xbf3a46f5u, 0xbf46b26au}, {0x3df80fd1u, 0x3ddcb0b5u}, {0xbf0f1584u, 0xbf0b73dfu}, {0x3efcd7e1u, 0x3ef0b0ceu},
    {0xbe8c0487u, 0xbe7d3e97u}, {0x3e938d3bu, 0x3e85bebfu}, {0x3effda37u, 0x3ef406f6u}, {0x3db18d3du, 0x3d9da97au},
    {0x3eff6d50u, 0x3ef38de3u}, {0x3edac8a8u, 0x3ecc399fu}, {0xbece9f89u, 0xbebfb5afu}, {0x3cc6b062u, 0x3cb01c54u},
    {0xbe87fc01u, 0xbe75a898u}, {0x3ec614ddu, 0x3eb70e02u}, {0x3f54d4c5u, 0x3f793218u}, {0xbe3efbfau, 0xbe2ad3b5u},
    {0xbe2a9cd8u, 0xbe185148u}, {0x3d6cff5fu, 0x3d5237d1u}, {0x3ec82775u, 0x3eb92523u}, {0xbe1fe30fu, 0xbe0e9ce2u},
    {0xbf70340au, 0xbfa91bc7u}, {0x3f1c8075u, 0x3f1c0bcdu}, {0xbf2c9349u, 0xbf31d7b8u}, {0xbf7471ceu, 0xbfb552d8u},
    {0x3ece2ae2u, 0x3ebf3ecau}, {0xbf51167bu, 0xbf70e720u}, {0x3f07ab88u, 0x3f02c56fu}, {0x3ed75196u, 0x3ec8a276u},
    {0x3f28be72u, 0x3f2c6bb3u}, {0x3e9b8a4cu, 0x3e8d5ad1u}, {0x3f24c239u, 0x3f26f0c4u}, {0x3e4ba96au, 0x3e3666c7u},
    {0xbd97f5b2u, 0xbd86dd92u}, {0xbf7488bfu, 0xbfb59eb6u}, {0x3f4caf4fu, 0x3f67c0f5u}, {0xbe6a2c05u, 0xbe52749du},
    {0x3e10f9f6u, 0x3e0129ecu}, {0x3f664e4fu, 0x3f94b6ceu}, {0x3ea649ebu, 0x3e97b193u}, {0xbf6bc21bu, 0xbf9ef1edu},
    {0xbe46ad14u, 0xbe31d81bu}, {0x3e54a1ccu, 0x3e3e9e8cu}, {0xbf3850bdu, 0xbf438d25u}, {0x3f2cc428u, 0x3f321df3u},
    {0x3f38232au, 0x3f4344d1u}, {0xbf16d155u, 0xbf14dd3fu}, {0x3e0ee3e4u, 0x3dfe9244u}, {0x3ecf3c87u, 0x3ec055d4u},
    {0xbf576e39u, 0xbf7f46feu}, {0x3f1ceb6fu, 0x3f1c9572u}, {0xbe3288e4u, 0xbe1f80c1u}, {0xbf65ccfdu, 0xbf93db81u},
};

// The erfinv of src/jax_random.hpp evaluated the naive way: the library's log1pf and no fused
// multiply-adds. A false case: it must miss some of the cases above.
float naiveErfinv(float x) {
  static const float a[9] = {2.81022636e-08f, 3.43273939e-07f, -3.5233877e-06f, -4.39150654e-06f, 0.00021858087f,
                             -0.00125372503f, -0.00417768164f, 0.246640727f,    1.50140941f};
  static const float b[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f, -0.00367342844f, 0.00573950773f,
                             -0.0076224613f,   0.00943887047f,  1.00167406f,    2.83297682f};
  volatile float m = x * -x;
  const float w = -std::log1p(static_cast<float>(m));
  const bool central = w < 5.0f;
  const float* c = central ? a : b;
  const float t = central ? w - 2.5f : std::sqrt(w) - 3.0f;
  float p = c[0];
  for (int i = 1; i < 9; ++i) {
    volatile float prod = p * t;
    p = prod + c[i];
  }
  return p * x;
}

// Threefry with the first rotation 13 replaced by 14: a false case for the Random123 vectors.
std::array<std::uint32_t, 2> wrongThreefry(const Key& key, std::array<std::uint32_t, 2> c) {
  static const int rot[2][4] = {{14, 15, 26, 6}, {17, 29, 16, 24}};
  const std::uint32_t ks[3] = {key[0], key[1], key[0] ^ key[1] ^ 0x1BD11BDAu};
  std::uint32_t x0 = c[0] + ks[0], x1 = c[1] + ks[1];
  for (int block = 0; block < 5; ++block) {
    for (int r : rot[block % 2]) {
      x0 += x1;
      x1 = (x1 << r) | (x1 >> (32 - r));
      x1 ^= x0;
    }
    x0 += ks[(block + 1) % 3];
    x1 += ks[(block + 2) % 3] + static_cast<std::uint32_t>(block + 1);
  }
  return {x0, x1};
}

}  // namespace

int main() {
  int bitwise = 0, total = 0;
  auto same = [&](bool ok, const std::string& what) {
    ++total;
    bitwise += ok;
    check(ok, what);
  };

  // Random123's threefry2x32_20 known-answer vectors (also JAX's testThreefry2x32).
  const auto r1 = dln::jax::threefry2x32({0x13198a2eu, 0x03707344u}, {0x243f6a88u, 0x85a308d3u});
  same(r1[0] == 0xc4923a9cu && r1[1] == 0x483df7a0u, "threefry2x32_20(pi digits) = (0xc4923a9c, 0x483df7a0)");
  const auto r2 = dln::jax::threefry2x32({0u, 0u}, {0u, 0u});
  same(r2[0] == 0x6b200159u && r2[1] == 0x99ba4efeu, "threefry2x32_20(0, 0) = (0x6b200159, 0x99ba4efe)");
  const auto r3 = dln::jax::threefry2x32({~0u, ~0u}, {~0u, ~0u});
  same(r3[0] == 0x1cb996fcu && r3[1] == 0xbb002be7u, "threefry2x32_20(max, max) = (0x1cb996fc, 0xbb002be7)");
  const auto w1 = wrongThreefry({0x13198a2eu, 0x03707344u}, {0x243f6a88u, 0x85a308d3u});
  check(!(w1[0] == 0xc4923a9cu && w1[1] == 0x483df7a0u), "false case: a wrong rotation must miss the Random123 vector");

  // JAX's PRNGKey and split.
  const Key k0 = dln::jax::prngKey(0);
  check(k0[0] == 0u && k0[1] == 0u, "PRNGKey(0) = (0, 0)");
  const Key k42 = dln::jax::prngKey((std::uint64_t(7) << 32) | 42u);
  check(k42[0] == 7u && k42[1] == 42u, "PRNGKey(7 * 2^32 + 42) = (7, 42)");
  const auto s = dln::jax::split(k0);
  same(s.size() == 2 && s[0][0] == 4146024105u && s[0][1] == 967050713u && s[1][0] == 2718843009u &&
           s[1][1] == 1272950319u,
       "split(PRNGKey(0)) = [[4146024105, 967050713], [2718843009, 1272950319]]");
  // split(key, 3) hashes the pairs (0, 3), (1, 4), (2, 5); the firsts then the seconds, read in pairs.
  const auto s3 = dln::jax::split(k0, 3);
  const auto f03 = dln::jax::threefry2x32(k0, {0u, 3u});
  const auto f14 = dln::jax::threefry2x32(k0, {1u, 4u});
  check(s3[0][0] == f03[0] && s3[0][1] == f14[0] && s3[2][0] == f14[1],
        "split(key, 3) reshapes the halves as JAX does");

  // JAX's random_test.py: bits with seed 1701, and its (x64-generated) distribution values.
  const auto b1701 = dln::jax::randomBits(dln::jax::prngKey(1701), 3);
  same(b1701[0] == 56197195u && b1701[1] == 4200222568u && b1701[2] == 961309823u, "bits(PRNGKey(1701), 3)");
  const std::uint32_t bitsExpected[5] = {1978747883u, 4134381225u, 3628107870u, 689687174u, 2788938207u};
  const auto b5 = dln::jax::randomBits(dln::jax::prngKey(942802475), 5);  // odd size: padded with a 0 counter
  for (int i = 0; i < 5; ++i) same(b5[i] == bitsExpected[i], "bits(PRNGKey(942802475), 5)[" + std::to_string(i) + "]");
  // Six printed digits only: agreement to 5e-7 (the digits' rounding), not bitwise.
  const float uniformExpected[5] = {0.298671f, 0.073213f, 0.873356f, 0.260549f, 0.412797f};
  const auto u5 = dln::jax::uniform(dln::jax::prngKey(1338574713), 5);
  for (int i = 0; i < 5; ++i)
    check(std::fabs(u5[i] - uniformExpected[i]) <= 5e-7f, "uniform(PRNGKey(1338574713))[" + std::to_string(i) + "]");
  const float normalExpected[5] = {-1.173234f, -1.511662f, 0.070593f, -0.099764f, 1.052845f};
  const auto n5 = dln::jax::normal(dln::jax::prngKey(1193674498), 5);
  for (int i = 0; i < 5; ++i)
    check(std::fabs(n5[i] - normalExpected[i]) <= 5e-7f, "normal(PRNGKey(1193674498))[" + std::to_string(i) + "]");

  // JAX's documentation: normal(PRNGKey(0), (1,)) and normal(PRNGKey(0), (10,)), printed in
  // numpy's shortest round-trip form (8 fractional digits identify a float32 of this size).
  const auto n1 = dln::jax::normal(k0, 1);
  same(n1[0] == -0.20584226f, "normal(PRNGKey(0), (1,)) = -0.20584226");
  long worstDocs = ulps(n1[0], -0.20584226f);
  const float docs10[10] = {-0.3721109f, 0.26423115f,  -0.18252768f, -0.7368197f, -0.44030377f,
                            -0.1521442f, -0.67135346f, -0.5908641f,  0.73168886f, 0.5673026f};
  const auto n10 = dln::jax::normal(k0, 10);
  for (int i = 0; i < 10; ++i) {
    same(n10[i] == docs10[i], "normal(PRNGKey(0), (10,))[" + std::to_string(i) + "]");
    worstDocs = std::max(worstDocs, ulps(n10[i], docs10[i]));
  }

  // XLA's float32 ErfInv against JAX's own outputs.
  int naiveMisses = 0;
  long worstErfinv = 0;
  for (const Case& c : kErfinvCases) {
    const float x = floatOf(c.in);
    const float got = dln::jax::erfinv(x);
    same(bitsOf(got) == c.out, "erfinv(" + std::to_string(x) + ")");
    worstErfinv = std::max(worstErfinv, ulps(got, floatOf(c.out)));
    naiveMisses += bitsOf(naiveErfinv(x)) != c.out;
  }
  check(naiveMisses > 0, "false case: erfinv without fused multiply-adds must miss some of JAX's outputs");
  check(std::isinf(dln::jax::erfinv(1.0f)) && dln::jax::erfinv(-1.0f) < 0, "erfinv(+-1) = +-inf");
  check(dln::jax::erfinv(0.0f) == 0.0f, "erfinv(0) = 0");

  // uniform's range for normal's draw: [nextafter(-1, 0), 1).
  const float lo = std::nextafter(-1.0f, 0.0f);
  bool inRange = true;
  for (float v : dln::jax::uniform(k0, 4096, lo, 1.0f)) inRange = inRange && v >= lo && v < 1.0f;
  check(inRange, "uniform on [nextafter(-1, 0), 1)");

  std::printf(
      "jax_random: %d of %d known answers bitwise (worst: %ld ulp on JAX's documented normals, %ld ulp on erf_inv);"
      " the naive erfinv misses %d of %zu\n",
      bitwise, total, worstDocs, worstErfinv, naiveMisses, sizeof kErfinvCases / sizeof kErfinvCases[0]);
  if (failures) std::printf("%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}

// The random streams (rng.hpp): SplitMix64 and xoshiro256** against their reference definitions,
// keys that depend on every component, streams that do not depend on the thread drawing them, and
// the distributions' moments. The pinned values are part of the reproducibility contract: a change
// there changes every seeded result.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#if defined(__linux__)
#include <unistd.h>
#endif

#include "check.hpp"
#include "det_log.hpp"
#include "rng.hpp"

namespace {

// xoshiro256** as published (Blackman & Vigna, xoshiro256starstar.c), seeded by SplitMix64.
struct Reference {
  std::uint64_t s[4];
  explicit Reference(std::uint64_t key) {
    for (auto& x : s) {
      std::uint64_t z = (key += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      x = z ^ (z >> 31);
    }
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

std::vector<double> draw(std::uint64_t seed, std::uint64_t index, std::size_t count) {
  dln::Rng rng(seed, dln::Purpose::Init, {index});
  std::vector<double> out(count);
  for (auto& x : out) x = rng.normal();
  return out;
}

// FNV-1a over the bits of n normals of one fixed stream: by Rng::normals, or (libm) by the same
// polar method written out with the system's std::log, as normal() drew them before detLog.
constexpr std::size_t kHashed = 200000;
std::uint64_t normalsHash(bool libm) {
  std::vector<double> x(kHashed);
  if (libm) {
    Reference ref(dln::streamKey(2026, dln::Purpose::Data, {12, 7}));
    auto centered = [&ref] { return 2.0 * (static_cast<double>(ref.next() >> 11) * 0x1.0p-53) - 1.0; };
    for (std::size_t i = 0; i < kHashed; i += 2) {
      double u, v, s;
      do {
        u = centered();
        v = centered();
        s = u * u + v * v;
      } while (s >= 1.0 || s == 0.0);
      const double f = std::sqrt(-2.0 * std::log(s) / s);
      x[i] = u * f, x[i + 1] = v * f;
    }
  } else {
    dln::Rng(dln::streamKey(2026, dln::Purpose::Data, {12, 7})).normals(kHashed, x.data());
  }
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (double v : x) {
    std::uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    for (int i = 0; i < 8; ++i) h = (h ^ ((b >> (8 * i)) & 0xFF)) * 0x100000001B3ULL;
  }
  return h;
}

#if defined(__linux__) && defined(__x86_64__) && defined(__GLIBC__)
// This program again, as `rng_test hash|hash-libm`, in a child process with glibc's tunables `env`
// (glibc.cpu.hwcaps masks CPU features from its ifunc selection: libm's log without FMA).
std::uint64_t childHash(const char* mode, const char* env) {
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return 0;
  self[len] = 0;
  const std::string command = std::string("env ") + env + " '" + self + "' " + mode;
  std::FILE* p = popen(command.c_str(), "r");
  if (!p) return 0;
  unsigned long long h = 0;
  const int got = std::fscanf(p, "%llx", &h);
  pclose(p);
  return got == 1 ? h : 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "hash") == 0 || std::strcmp(argv[1], "hash-libm") == 0)) {
    std::printf("%016llx\n", static_cast<unsigned long long>(normalsHash(std::strcmp(argv[1], "hash-libm") == 0)));
    return 0;
  }
  // SplitMix64's published first outputs from state 0.
  {
    std::uint64_t state = 0;
    CHECK(dln::splitmix64(state) == 0xE220A8397B1DCDAFULL, "splitmix64(0), first output");
    CHECK(dln::splitmix64(state) == 0x6E789E6AA1B965F4ULL, "splitmix64(0), second output");
  }
  // The generator is xoshiro256** seeded by SplitMix64 from the key.
  {
    const std::uint64_t key = dln::streamKey(42, dln::Purpose::Data, {3, 5});
    dln::Rng rng(key);
    Reference ref(key);
    bool same = true;
    for (int i = 0; i < 1000; ++i) same = same && rng.next() == ref.next();
    CHECK(same, "1000 outputs equal the reference xoshiro256**");
  }
  // Pinned keys and first draws (the contract: same seed, same bits, forever).
  {
    CHECK(dln::streamKey(0, dln::Purpose::Init) == dln::streamKey(0, dln::Purpose::Init, {}),
          "no indices = empty list");
    const std::uint64_t k = dln::streamKey(0, dln::Purpose::Init, {0});
    CHECK(k == 0xFF8632C2ADD9FE6EULL, "streamKey(0, Init, {0}) pinned");
    dln::Rng rng(k);
    CHECK(rng.next() == 0x25A8855C62F0DB88ULL, "its first output pinned");
    dln::Rng eigen(7, dln::Purpose::Eigensolver, {3});
    CHECK_BITS(eigen.normal(), -0.42841915416141463, "a normal draw pinned (polar method)");
    CHECK_BITS(eigen.normal(), 1.2339130427218175, "and its spare");
    dln::Rng a(0, dln::Purpose::Init, {0}), b(0, dln::Purpose::Init, {0});
    const double u = a.uniform();
    CHECK(u >= 0.0 && u < 1.0, "uniform in [0, 1)");
    CHECK_BITS(b.uniform(), u, "the same key gives the same stream");
  }
  // Every component of a key matters, and the order of the indices too.
  {
    const std::uint64_t base = dln::streamKey(1, dln::Purpose::Init, {2, 3});
    CHECK(base != dln::streamKey(2, dln::Purpose::Init, {2, 3}), "seed");
    CHECK(base != dln::streamKey(1, dln::Purpose::Data, {2, 3}), "purpose");
    CHECK(base != dln::streamKey(1, dln::Purpose::Init, {3, 2}), "index order");
    CHECK(base != dln::streamKey(1, dln::Purpose::Init, {2, 3, 0}), "an extra 0 index");
    CHECK(base != dln::streamKey(1, dln::Purpose::Init, {2}), "a missing index");
  }
  // A stream is the same whichever thread draws it, and concurrent streams do not interfere.
  {
    const std::vector<double> serial = draw(9, 4, 5000);
    std::vector<std::vector<double>> parallel(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < 4; ++i) threads.emplace_back([&parallel, i] { parallel[i] = draw(9, 4, 5000); });
    for (auto& t : threads) t.join();
    bool same = true;
    for (const auto& p : parallel)
      for (std::size_t i = 0; i < serial.size(); ++i) same = same && check::sameBits(p[i], serial[i]);
    CHECK(same, "four threads draw the serial stream bit for bit");
    CHECK(draw(9, 5, 1)[0] != serial[0], "the neighbouring stream differs");
  }
  // Moments: N(0, 1) by the polar method, uniform integers without bias. Bounds are 5 standard
  // errors (a false failure about once in 3 million runs).
  {
    const std::size_t n = 400000;
    dln::Rng rng(123, dln::Purpose::Data);
    double sum = 0.0, sum2 = 0.0, sum4 = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = rng.normal();
      sum += x;
      sum2 += x * x;
      sum4 += x * x * x * x;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean, kurt = sum4 / n;
    CHECK_NEAR(mean, 0.0, 5.0 / std::sqrt(n), "normal: mean 0");
    CHECK_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n), "normal: variance 1");
    CHECK_NEAR(kurt, 3.0, 5.0 * std::sqrt(96.0 / n), "normal: fourth moment 3");
    std::size_t counts[3] = {0, 0, 0};
    bool inRange = true;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t v = rng.below(3);
      inRange = inRange && v < 3;
      if (v < 3) ++counts[v];
    }
    CHECK(inRange, "below(3) < 3");
    const double sd = std::sqrt(n * (1.0 / 3) * (2.0 / 3));
    for (std::size_t c : counts) CHECK_NEAR(static_cast<double>(c), n / 3.0, 5 * sd, "below(3) uniform");
    CHECK(rng.below(1) == 0 && rng.below(0) == 0, "below(1) = below(0) = 0");
  }
  // The polar acceptance as one comparison of bits (acceptsPolar) is 0 < s < 1 for every s >= +0
  // the method can form, at the edges and on random values; false cases: 0, 1 and above.
  {
    const double edges[] = {0.0, 0x1p-1074, 0x1p-1022, 0.5, std::nextafter(1.0, 0.0), 1.0, std::nextafter(1.0, 2.0),
                            2.0};
    bool same = true;
    for (double s : edges) same = same && dln::acceptsPolar(s) == static_cast<std::size_t>(s < 1.0 && s != 0.0);
    dln::Rng rng(5, dln::Purpose::Data);
    for (int i = 0; i < 100000; ++i) {
      const double s = 2.0 * rng.uniform();
      same = same && dln::acceptsPolar(s) == static_cast<std::size_t>(s < 1.0 && s != 0.0);
    }
    CHECK(same, "acceptsPolar(s) = (0 < s < 1) at the edges and on 100000 values in [0, 2)");
    CHECK(dln::acceptsPolar(0.0) == 0 && dln::acceptsPolar(1.0) == 0 && dln::acceptsPolar(1.5) == 0,
          "0, 1 and 1.5 are rejected");
    CHECK(dln::acceptsPolar(0x1p-1074) == 1 && dln::acceptsPolar(std::nextafter(1.0, 0.0)) == 1,
          "the least subnormal and the double below 1 are accepted");
  }
  // normal() is the polar method on the reference generator, written out here; the draws below
  // cover runs of at least 6 rejections in a row (probability 0.215^6 per pair).
  {
    std::size_t longest = 0, checked = 0;
    bool same = true;
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
      const std::uint64_t key = dln::streamKey(seed, dln::Purpose::Eigensolver, {seed, 1});
      Reference ref(key);
      dln::Rng rng(key);
      auto centered = [&ref] { return 2.0 * (static_cast<double>(ref.next() >> 11) * 0x1.0p-53) - 1.0; };
      for (int pair = 0; pair < 2000; ++pair) {
        double u, v, s;
        std::size_t rejected = 0;
        for (;;) {
          u = centered();
          v = centered();
          s = u * u + v * v;
          if (s < 1.0 && s != 0.0) break;
          ++rejected;
        }
        longest = std::max(longest, rejected);
        const double f = std::sqrt(-2.0 * dln::detLog(s) / s);
        same = same && check::sameBits(rng.normal(), u * f) && check::sameBits(rng.normal(), v * f);
        checked += 2;
      }
    }
    CHECK(same, "normal() = the written-out polar method on the reference xoshiro256**");
    CHECK(checked == 200000 && longest >= 6, "runs of 6 or more rejections covered");
  }
  // normals(n) is n calls of normal(), bit for bit, spare included: many streams, lengths odd and
  // even around the chunk of 64 pairs, a pending spare on entry (a lead of one normal()), calls
  // in sequence carrying the spare and the generator, the stream continuing identically after.
  {
    const std::size_t lengths[] = {0, 1, 2, 3, 7, 127, 128, 129, 130, 230, 231, 1001};
    std::vector<double> bulk(1001);
    bool same = true;
    std::size_t values = 0;
    for (std::uint64_t seed = 0; seed < 60; ++seed) {
      for (std::size_t lead : {0, 1}) {
        dln::Rng a(seed, dln::Purpose::Eigensolver, {lead, 1}), b(seed, dln::Purpose::Eigensolver, {lead, 1});
        for (std::size_t i = 0; i < lead; ++i) same = same && check::sameBits(a.normal(), b.normal());
        for (std::size_t n : lengths) {  // in sequence on the same streams
          a.normals(n, bulk.data());
          for (std::size_t i = 0; i < n; ++i) same = same && check::sameBits(bulk[i], b.normal());
          values += n;
        }
        same = same && check::sameBits(a.normal(), b.normal()) && check::sameBits(a.uniform(), b.uniform());
      }
    }
    CHECK(same, "normals(n) equals n normal() calls (60 seeds x 2 leads x 12 lengths in sequence)");
    std::size_t perStream = 0;
    for (std::size_t n : lengths) perStream += n;
    CHECK(values == 60 * 2 * perStream && perStream == 1989, "every length drawn");
    // False cases: a stream one draw ahead differs; so does a neighbouring stream.
    dln::Rng a(1, dln::Purpose::Eigensolver), b(1, dln::Purpose::Eigensolver), c(2, dln::Purpose::Eigensolver);
    b.normal();
    double x[230], y[230];
    a.normals(230, x);
    b.normals(230, y);
    std::size_t equal = 0;
    for (std::size_t i = 0; i + 1 < 230; ++i) equal += check::sameBits(x[i], y[i]);
    CHECK(equal == 0, "a stream one draw ahead differs everywhere");
    CHECK(!check::sameBits(x[0], y[0]) && check::sameBits(x[1], y[0]), "and is the same values shifted by one");
    c.normals(230, y);
    CHECK(!check::sameBits(x[0], y[0]), "a neighbouring stream differs");
  }
  // The draws do not depend on the machine's libm (docs/algorithms.md §4.7): a pinned hash of
  // 200000 normals, the same in a child process whose glibc runs without FMA (x86-64 Linux with an
  // FMA CPU). False case, the reason for detLog: the same draws with std::log differ there.
  {
    const std::uint64_t h = normalsHash(false);
    CHECK(h == 0x3E48DF74DA40DEBAULL, "200000 normals of a fixed key: pinned hash (got " + std::to_string(h) + ")");
#if defined(__linux__) && defined(__x86_64__) && defined(__GLIBC__)
    if (__builtin_cpu_supports("fma")) {
      const char* noFma = "GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA,-FMA4,-AVX2";
      CHECK(childHash("hash", "DLN_UNUSED=1") == h, "a child process draws the same normals");
      CHECK(childHash("hash", noFma) == h, "so does a child whose glibc runs without FMA");
      const std::uint64_t libm = childHash("hash-libm", "DLN_UNUSED=1");
      CHECK(libm != 0 && libm == normalsHash(true), "with std::log: a child draws this process's values");
      CHECK(childHash("hash-libm", noFma) != libm, "false case: with std::log, glibc without FMA draws other bits");
    }
#endif
  }
  return check::done("rng_test");
}

// The power iteration's Gaussian start vectors (docs/algorithms.md §2.8): P = 230 normal draws from
// a fresh stream, as the paper's schedule draws them at every recording.
//
//   bench_normals [draws] [level]
//                           ns per normal, best of 7 rounds, the variants alternating in each round
//                           (one process, so the machine's load hits them alike):
//     legacy    the polar loop Rng::normals had first (a branch on every rejection, glibc's log)
//     glibc     Rng::normals before detLog (branchless acceptance, glibc's log: one call per pair),
//               kept here: the baseline of detLog (docs/algorithms.md §2.8)
//     normals   Rng::normals (branchless acceptance, detLog vectorized)
//     calls     P calls of Rng::normal()
//     lanes     lanes::drawNormals, kLanes streams at once (per normal of every lane)
//     perLane   the same values lane by lane: Rng::normals, then copied into the lanes' layout
//     logsOnly  detLog alone on the P/2 accepted s of one draw (the vectorized loop, detLogs)
//     glibcLogsOnly  the P/2 calls of glibc's std::log on them
//   bench_normals paper [runs] [steps] [level]
//                           the paper's schedule in lanes (sharpnessPower every 5 steps, 20 power
//                           iterations) on the Marion-Chizat shape, for callgrind's instruction
//                           counts: valgrind --tool=callgrind build/native/bench_normals paper
//   bench_normals logs FILE [det]
//                           glibc's log (det: detLog) of the polar method's first 4M accepted s
//                           (seed 1, Data stream): written to FILE when it does not exist, else
//                           compared with it (the number of values that differ). glibc's x86-64
//                           variants (417 differ; with det, none):
//                             bench_normals logs /tmp/logs.bin
//                             GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA,-FMA4,-AVX2 bench_normals logs /tmp/logs.bin
// level: the CPU level (baseline, avx2, avx512; default baseline), for the lanes' draws and kernels.
// Prints JSON.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "det_log.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "rng.hpp"
#if __has_include("lanes/lane_normals.hpp")
#include "lanes/lane_normals.hpp"
#define DLN_BENCH_LANE_NORMALS 1
#endif
#include "lanes/gd_lanes.hpp"
#include "losses/regression.hpp"

namespace {

constexpr std::size_t kP = 230;  // the Marion-Chizat network's parameters (widths 5 x 10, 1)

inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Rng::next on a local state (xoshiro256**), for the frozen baselines below.
inline std::uint64_t next(std::uint64_t& s0, std::uint64_t& s1, std::uint64_t& s2, std::uint64_t& s3) {
  const std::uint64_t result = rotl(s1 * 5, 7) * 9;
  const std::uint64_t t = s1 << 17;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 45);
  return result;
}

// Rng::normals before the branchless acceptance, on a fresh stream (Rng(key)): the baseline.
void legacyNormals(std::uint64_t key, std::size_t n, double* out) {
  std::uint64_t s0 = dln::splitmix64(key), s1 = dln::splitmix64(key), s2 = dln::splitmix64(key),
                s3 = dln::splitmix64(key);
  auto uniform = [&]() { return static_cast<double>(next(s0, s1, s2, s3) >> 11) * 0x1.0p-53; };
  constexpr std::size_t kChunk = 32;
  double us[kChunk], vs[kChunk], ss[kChunk], ls[kChunk];
  std::size_t i = 0;
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
      if (i < n) out[i++] = vs[p] * f;
    }
  }
}

// Rng::normals before detLog, on a fresh stream (Rng(key)): glibc's log, one call per pair.
void glibcNormals(std::uint64_t key, std::size_t n, double* out) {
  std::uint64_t s0 = dln::splitmix64(key), s1 = dln::splitmix64(key), s2 = dln::splitmix64(key),
                s3 = dln::splitmix64(key);
  auto centered = [&]() { return static_cast<double>(next(s0, s1, s2, s3) >> 11) * 0x1.0p-52 - 1.0; };
  constexpr std::size_t kChunk = 64;
  alignas(16) double us[kChunk + 1], vs[kChunk + 1], ss[kChunk + 1], fs[kChunk];
  std::size_t i = 0;
  while (i < n) {
    const std::size_t pairs = std::min(kChunk, (n - i + 1) / 2);
    std::size_t w = 0;
    while (w < pairs) {
      for (std::size_t a = pairs - w; a > 0; --a) {
        const double u = centered();
        const double v = centered();
        const double s = u * u + v * v;
        us[w] = u, vs[w] = v, ss[w] = s;
        w += dln::acceptsPolar(s);
      }
    }
    for (std::size_t p = 0; p < pairs; ++p) fs[p] = std::log(ss[p]);
    for (std::size_t p = 0; p < pairs; ++p) fs[p] = std::sqrt(-2.0 * fs[p] / ss[p]);
    for (std::size_t p = 0; p < pairs; ++p) {
      out[i++] = us[p] * fs[p];
      if (i < n) out[i++] = vs[p] * fs[p];
    }
  }
}

std::uint64_t keyOf(std::uint64_t r) { return dln::streamKey(r, dln::Purpose::Eigensolver, {1000000 + r, 1}); }

int micro(std::uint64_t draws) {
  std::vector<double> out(kP), check(kP), logs(kP / 2);
  // The legacy loop and the glibc one draw the same stream (else the bench is void), and detLog's
  // draws differ from it by rounding only (the largest relative difference, in units of 2^-52).
  bool same = true;
  double apart = 0.0;
  for (std::uint64_t r = 0; r < 100; ++r) {
    legacyNormals(keyOf(r), kP, out.data());
    glibcNormals(keyOf(r), kP, check.data());
    same = same && std::memcmp(out.data(), check.data(), kP * sizeof(double)) == 0;
    dln::Rng(keyOf(r)).normals(kP, out.data());
    for (std::size_t i = 0; i < kP; ++i)
      apart = std::max(apart, std::fabs(out[i] - check[i]) / std::fabs(check[i]) / 0x1p-52);
  }
  // One draw's accepted s values, for the log-only loop.
  std::vector<double> s(kP / 2);
  {
    dln::Rng rng(keyOf(7));
    for (auto& x : s) {
      double u, v;
      do {
        u = 2.0 * rng.uniform() - 1.0;
        v = 2.0 * rng.uniform() - 1.0;
        x = u * u + v * v;
      } while (x >= 1.0 || x == 0.0);
    }
  }
  double best[8] = {1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300};
  std::uint64_t r = 0;
  for (int round = 0; round < 7; ++round) {
    best[0] = std::min(best[0],
                       bestNsPerCall([&] { legacyNormals(keyOf(r++), kP, out.data()), sink(out[1]); }, draws, 1) / kP);
    best[6] = std::min(best[6],
                       bestNsPerCall([&] { glibcNormals(keyOf(r++), kP, out.data()), sink(out[1]); }, draws, 1) / kP);
    best[1] = std::min(best[1], bestNsPerCall(
                                    [&] {
                                      dln::Rng(keyOf(r++)).normals(kP, out.data());
                                      sink(out[1]);
                                    },
                                    draws, 1) /
                                    kP);
    best[2] = std::min(best[2], bestNsPerCall(
                                    [&] {
                                      dln::Rng rng(keyOf(r++));
                                      for (auto& x : out) x = rng.normal();
                                      sink(out[1]);
                                    },
                                    draws, 1) /
                                    kP);
#if defined(DLN_BENCH_LANE_NORMALS)
    using dln::lanes::kLanes;
    std::vector<double> lanes(kP * kLanes);
    bool want[kLanes];
    std::fill(want, want + kLanes, true);
    best[3] = std::min(best[3], bestNsPerCall(
                                    [&] {
                                      std::uint64_t keys[kLanes];
                                      for (auto& k : keys) k = keyOf(r++);
                                      dln::lanes::drawNormals(keys, want, kP, lanes.data());
                                      sink(lanes[1]);
                                    },
                                    draws / kLanes, 1) /
                                    (kP * kLanes));
    best[5] = std::min(best[5], bestNsPerCall(
                                    [&] {
                                      for (std::size_t k = 0; k < kLanes; ++k) {
                                        dln::Rng(keyOf(r++)).normals(kP, out.data());
                                        for (std::size_t i = 0; i < kP; ++i) lanes[i * kLanes + k] = out[i];
                                      }
                                      sink(lanes[1]);
                                    },
                                    draws / kLanes, 1) /
                                    (kP * kLanes));
#endif
    best[4] = std::min(best[4], bestNsPerCall(
                                    [&] {
                                      dln::detLogs(s.size(), s.data(), logs.data());
                                      sink(logs[1]);
                                    },
                                    draws, 1) /
                                    kP);
    best[7] = std::min(best[7], bestNsPerCall(
                                    [&] {
                                      double acc = 0.0;
                                      for (double x : s) acc += std::log(x);
                                      sink(acc);
                                    },
                                    draws, 1) /
                                    kP);
  }
  std::printf(
      "{\"P\": %zu, \"cpuLevel\": \"%s\", \"sameBits\": %s, \"detLogApartUlps\": %.3f, \"nsPerNormal\": "
      "{\"legacy\": %.3f, \"glibc\": %.3f, \"normals\": %.3f, \"calls\": %.3f, \"lanes\": %.3f, \"perLane\": %.3f, "
      "\"logsOnly\": %.3f, \"glibcLogsOnly\": %.3f}, \"legacyOverNormals\": %.3f, \"glibcOverNormals\": %.3f, "
      "\"legacyOverLanes\": %.3f}\n",
      kP, dln::cpu::name(dln::cpu::active()), same ? "true" : "false", apart, best[0], best[6], best[1], best[2],
      best[3] < 1e300 ? best[3] : 0.0, best[5] < 1e300 ? best[5] : 0.0, best[4], best[7], best[0] / best[1],
      best[6] / best[1], best[3] < 1e300 ? best[0] / best[3] : 0.0);
  return same ? 0 : 1;
}

// The paper's schedule in lanes on the Marion-Chizat shape (synthetic data in general position).
int paper(std::size_t runCount, std::uint64_t steps) {
  const std::size_t n = 50, d = 5;
  std::vector<double> X(n * d), y(n);
  std::uint64_t s = 1;
  auto next = [&s] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / 9007199254740992.0 - 0.5;
  };
  for (double& v : X) v = next();
  for (double& v : y) v = next();
  auto loss = std::make_shared<dln::RegressionLoss>(n, d, X.data(), y.data());
  dln::Problem problem(dln::NetworkSpec({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1}, {}), loss);
  std::vector<dln::lanes::LaneRun> runs(runCount);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    runs[r].theta0.resize(problem.spec().paramCount());
    for (std::size_t i = 0; i < runs[r].theta0.size(); ++i)
      runs[r].theta0[i] = 0.3 * std::sin(static_cast<double>(7 * r + i));
    runs[r].options.learningRate = 0.001 * static_cast<double>(r + 1);
    runs[r].options.maxSteps = steps;
    runs[r].options.recordEvery = 5;
    runs[r].options.record = {"loss", "sharpnessPower"};
    runs[r].options.probeOptions.sharpness.seed = r;
  }
  dln::RunControl control;
  const auto results = dln::lanes::gradientDescentLanes(problem, runs, control);
  double check = 0.0;
  std::size_t rows = 0;
  for (const auto& result : results) {
    const auto& column = result.trace.column(result.trace.find("sharpnessPower"));
    rows += column.values.size();
    for (double v : column.values) check += v;
  }
  std::printf("{\"runs\": %zu, \"steps\": %llu, \"P\": %zu, \"recordings\": %zu, \"sumOfEstimates\": %.17g}\n",
              runCount, static_cast<unsigned long long>(steps), problem.spec().paramCount(), rows, check);
  return 0;
}

int logs(const char* file, bool det) {
  dln::Rng rng(1, dln::Purpose::Data);
  std::vector<double> values;
  while (values.size() < 4000000) {
    const double u = 2.0 * rng.uniform() - 1.0, v = 2.0 * rng.uniform() - 1.0, s = u * u + v * v;
    if (s < 1.0 && s != 0.0) values.push_back(det ? dln::detLog(s) : std::log(s));
  }
  std::vector<double> before(values.size());
  if (std::FILE* f = std::fopen(file, "rb")) {
    const std::size_t read = std::fread(before.data(), sizeof(double), before.size(), f);
    std::fclose(f);
    std::size_t differ = 0;
    for (std::size_t i = 0; i < values.size(); ++i) differ += std::memcmp(&values[i], &before[i], sizeof(double)) != 0;
    std::printf("{\"logs\": %zu, \"compared\": %zu, \"differ\": %zu}\n", values.size(), read, differ);
    return read == values.size() ? 0 : 1;
  }
  std::FILE* f = std::fopen(file, "wb");
  if (!f || std::fwrite(values.data(), sizeof(double), values.size(), f) != values.size()) return 1;
  std::fclose(f);
  std::printf("{\"logs\": %zu, \"written\": \"%s\"}\n", values.size(), file);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "logs") return logs(argv[2], argc > 3 && std::string(argv[3]) == "det");
  if (argc > 1 && std::string(argv[1]) == "paper") {
    const std::size_t runCount = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 16;
    const std::uint64_t steps = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 500;
    if (argc > 4) dln::cpu::configure(argv[4]);
    return paper(runCount, steps);
  }
  if (argc > 2) dln::cpu::configure(argv[2]);
  return micro(argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4000);
}

// GD steps per run in SIMD lanes against single runs on the Marion-Chizat shape (widths 5 x 10, 1):
// prints {"singleNsPerStep", "lanesNsPerStep", "ratio", "laneIsa"} for 16 runs of `steps` steps
// each (recording only the first and last points; with `paper`, the paper's schedule: loss and
// sharpnessPower, 20 power iterations, every 5 steps; with `grid`, as the Fig. 1 grid records it
// in `npm run bench -- lanes` -- loss, distance and sharpnessPower every 5 steps -- with 4 of the
// 16 runs ending early at steps off the schedule, as the grid's diverging runs do, so that lanes
// refill mid-run), best of 3, measured in one process; ns per run-step over the steps the runs
// take. Usage:
// bench_lanes [steps] [cpu level, where the core dispatches by level] [plain|paper|grid] [lane isa cap:
// baseline|avx2|avx512, the widest instruction set the lanes may use]. DLN_BENCH_LANES_ONLY=1 skips the
// single runs (singleNsPerStep is then null): for profiling the lanes alone.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "blas.hpp"
#include "gd.hpp"
#include "lanes/gd_lanes.hpp"
#if __has_include("lanes/lane_table.hpp")
#include "lanes/lane_table.hpp"
#endif
#include "losses/regression.hpp"
#if __has_include("kernels/cpu_dispatch.hpp")
#include "kernels/cpu_dispatch.hpp"
#define DLN_BENCH_LEVELS 1
#endif

int main(int argc, char** argv) {
  const std::uint64_t steps = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
#if defined(DLN_BENCH_LEVELS)
  // argv[2]: the CPU level (baseline, avx2, avx512) for both paths; native programs start at baseline.
  if (argc > 2) dln::cpu::configure(argv[2]);
#endif
  // One BLAS thread, as the addon sets at load: OpenBLAS's idle threads spin in sched_yield and
  // took ~25% off the lanes' time on 2 cores.
  dln::setBlasThreads(1);
  const bool grid = argc > 3 && std::strcmp(argv[3], "grid") == 0;
  const bool paper = grid || (argc > 3 && std::strcmp(argv[3], "paper") == 0);
#if __has_include("lanes/lane_table.hpp")
  if (argc > 4) {
    dln::cpu::Level cap;
    if (!dln::cpu::parse(argv[4], &cap)) return std::fprintf(stderr, "lane isa: baseline, avx2 or avx512\n"), 2;
    dln::lanes::capLaneIsa(static_cast<dln::lanes::Isa>(static_cast<int>(cap)));
  }
#endif
  const std::size_t n = 50, d = 5;
  std::vector<double> X(n * d), y(n);
  std::uint64_t s = 1;  // a small LCG: data in general position (Sigma invertible)
  auto next = [&s] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / 9007199254740992.0 - 0.5;
  };
  for (double& v : X) v = next();
  for (double& v : y) v = next();
  auto loss = std::make_shared<dln::RegressionLoss>(n, d, X.data(), y.data());
  dln::Problem problem(dln::NetworkSpec({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1}, {}), loss);
  std::vector<dln::lanes::LaneRun> runs(16);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    runs[r].theta0.resize(problem.spec().paramCount());
    for (std::size_t i = 0; i < runs[r].theta0.size(); ++i)
      runs[r].theta0[i] = 0.3 * std::sin(static_cast<double>(7 * r + i));
    runs[r].options.learningRate = 0.001 * static_cast<double>(r % 8 + 1);
    runs[r].options.maxSteps = steps;
    runs[r].options.record = {"loss"};
    if (paper) {
      runs[r].options.record = {"loss", "sharpnessPower"};
      runs[r].options.recordEvery = 5;
    }
    if (grid) {
      runs[r].options.record = {"loss", "distance", "sharpnessPower"};
      if (r % 4 == 1) runs[r].options.maxSteps = steps / 8 + 3 * r + 1;  // ends early, off the schedule
    }
  }
  double total = 0.0;
  for (const auto& r : runs) total += static_cast<double>(r.options.maxSteps);
  double single = 1e300, lanes = 1e300;
  const bool lanesOnly = std::getenv("DLN_BENCH_LANES_ONLY") != nullptr;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& r : runs) {
      if (lanesOnly) break;
      dln::RunControl c;
      dln::gradientDescent(problem, r.theta0, r.options, c);
    }
    auto t1 = std::chrono::steady_clock::now();
    dln::RunControl c;
    dln::lanes::gradientDescentLanes(problem, runs, c);
    auto t2 = std::chrono::steady_clock::now();
    single = std::min(single, std::chrono::duration<double, std::nano>(t1 - t0).count() / total);
    lanes = std::min(lanes, std::chrono::duration<double, std::nano>(t2 - t1).count() / total);
  }
  const char* isa = "";
#if __has_include("lanes/lane_table.hpp")
  isa = dln::lanes::isaName(dln::lanes::laneIsa());
#endif
  if (lanesOnly)
    std::printf("{\"singleNsPerStep\": null, \"lanesNsPerStep\": %.1f, \"ratio\": null, \"laneIsa\": \"%s\"}\n", lanes,
                isa);
  else
    std::printf("{\"singleNsPerStep\": %.1f, \"lanesNsPerStep\": %.1f, \"ratio\": %.3f, \"laneIsa\": \"%s\"}\n", single,
                lanes, lanes / single, isa);
  return 0;
}

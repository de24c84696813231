// Runtime CPU dispatch (kernels/cpu_dispatch.hpp): each supported level gives the same bits on
// every thread; the baseline level gives the bits of the code before dispatch (golden values
// below, recorded from main at 6495952 through the same run); a wider level does take effect
// (its bits differ: FMA); unknown and unsupported levels are refused with ERR_DLN_VALUE.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "check.hpp"
#include "data.hpp"
#include "gd.hpp"
#include "init.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "losses/regression.hpp"

using namespace dln;

namespace {

struct Outcome {
  std::vector<double> weights, sharpness;
  bool operator==(const Outcome& o) const {
    return weights.size() == o.weights.size() && sharpness.size() == o.sharpness.size() &&
           std::memcmp(weights.data(), o.weights.data(), weights.size() * sizeof(double)) == 0 &&
           std::memcmp(sharpness.data(), o.sharpness.data(), sharpness.size() * sizeof(double)) == 0;
  }
};

// The Marion-Chizat network (n = 50, d = 5, L = 10): 600 GD steps recording the exact sharpness
// (Lanczos on Hessian-vector products) every 100: chain products, the fused step and the HVP.
Outcome run() {
  RegressionData data = marionChizatData(50, 5, 1.0, 0, 0);
  std::vector<std::size_t> widths(10, 5);
  widths.push_back(1);
  Problem problem(NetworkSpec(widths, {}), std::make_shared<RegressionLoss>(50, 5, data.X.data(), data.y.data()), 0.0);
  InitOptions io;
  io.scale = 0.35;
  io.seed = 1;
  const auto theta = initialize(problem.spec(), io);
  GdOptions o;
  o.learningRate = 0.05;
  o.maxSteps = 600;
  o.recordEvery = 100;
  o.record = {"sharpness"};
  RunControl control;
  GdResult r = gradientDescent(problem, theta, o, control);
  return {r.weights, r.trace.column(r.trace.find("sharpness")).values};
}

std::uint64_t bitsOf(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

std::uint64_t fnv(const std::vector<double>& v) {
  std::uint64_t h = 1469598103934665603ULL;
  for (double x : v) {
    const std::uint64_t u = bitsOf(x);
    for (int b = 0; b < 8; ++b) h = (h ^ ((u >> (8 * b)) & 0xff)) * 1099511628211ULL;
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  const bool print = argc > 1 && std::strcmp(argv[1], "--print") == 0;
  CHECK(cpu::active() == cpu::Level::Baseline, "a native program starts at the baseline level");
  std::vector<Outcome> byLevel(cpu::kLevelCount);
  for (int i = 0; i < cpu::kLevelCount; ++i) {
    const auto level = static_cast<cpu::Level>(i);
    if (!cpu::supported(level)) continue;
    cpu::setActive(level);
    CHECK(cpu::active() == level, "setActive takes effect");
    const Outcome one = run();
    // The same run on three threads at once: identical bits on each.
    std::vector<Outcome> par(3);
    std::vector<std::thread> threads;
    for (auto& p : par) threads.emplace_back([&p] { p = run(); });
    for (auto& t : threads) t.join();
    for (const auto& p : par) CHECK(p == one, std::string("same bits on every thread at ") + cpu::name(level));
    byLevel[i] = one;
    if (print) {
      std::printf("%s weights %016llx sharpness %016llx last %.17g\n", cpu::name(level),
                  (unsigned long long)fnv(one.weights), (unsigned long long)fnv(one.sharpness), one.sharpness.back());
    }
  }
  // Baseline: the bits of the code before dispatch (hashes printed by --print on main's code).
  const Outcome& base = byLevel[0];
  CHECK(fnv(base.weights) == 0x8412821985c4e6ffULL, "baseline weights unchanged");
  // The recorded sharpness changed on purpose with Lanczos' partial reorthogonalization
  // (docs/algorithms.md §2.2): main's hash was 9ee8f2c1748c07e1, its last value below; now within
  // 1e-14 relative of it, and pinned by the current hash. It changed again with issue 19's start
  // vectors (uniform draws, docs/algorithms.md §2.6; hash 1972820ef283c38f before), at the
  // rounding level (still within 1e-14 of main's last value). And again with the top Ritz pair's
  // pivots from minors (docs/algorithms.md §2.2; hash 67c29546308f896f before): the last value is
  // now 29.735892041040707, one ulp from ...071. And again with the top-1 solve's selective
  // orthogonalization against the top Ritz vector (docs/algorithms.md §2.2; hash ef7b155de310a7d3
  // before): reorthogonalizing against one vector instead of the basis rounds differently; the
  // last value keeps its bits. And again with two changes of issue 19's third pass (hash
  // 3445ae649d9661b2 before): the Lanczos passes' sixteen chains per reduction
  // (lanczos_passes/passes.hpp: the dot products and norms sum in another order) and the top Ritz
  // pair's pole-keeping steps and one-pass twisted factorization (docs/algorithms.md §2.2: the
  // Newton iterates take another path to the same root, the last component is summed by other
  // recurrences). Along 18 Marion-Chizat runs (scripts/native/sharpness_series.cpp, 5 536
  // recordings) every value is within 1.75e-15 relative of before (21d0129), with the same
  // products in every solve; the last value is 29.735892041040714.
  CHECK_REL(base.sharpness.back(), 29.73589204104071, 1e-14, "baseline sharpness within 1e-14 of main");
  CHECK(fnv(base.sharpness) == 0xb9d38ffa825aa146ULL, "baseline sharpness unchanged (since issue 19's third pass)");
  // False case for "the level is applied": a wider level rounds differently (FMA contraction).
  if (cpu::supported(cpu::Level::Avx2)) CHECK(!(byLevel[1] == base), "avx2 differs from baseline in some bit");
  if (cpu::supported(cpu::Level::Avx512)) CHECK(!(byLevel[2] == base), "avx512 differs from baseline in some bit");

  // Refusals: unknown names, unsupported levels; an empty value is baseline, "best" the best.
  CHECK_THROWS(cpu::configure("avx3"), ErrorCode::Value, "an unknown DLNFLOW_CPU value");
  CHECK_THROWS(cpu::configure("AVX2"), ErrorCode::Value, "names are lower case");
  for (int i = 0; i < cpu::kLevelCount; ++i) {
    const auto level = static_cast<cpu::Level>(i);
    if (!cpu::supported(level)) {
      CHECK_THROWS(cpu::setActive(level), ErrorCode::Value, std::string("unsupported level ") + cpu::name(level));
      CHECK_THROWS(cpu::configure(cpu::name(level)), ErrorCode::Value, "unsupported via DLNFLOW_CPU");
    }
  }
  try {
    cpu::configure("avx3");
  } catch (const Error& e) {
    CHECK(e.field() == "DLNFLOW_CPU", "the error names DLNFLOW_CPU");
    CHECK(std::string(e.detail()).find("supported here: baseline") != std::string::npos, "and lists what is supported");
  }
  cpu::configure("best");
  CHECK(cpu::active() == cpu::best(), "best");
  cpu::configure("");
  CHECK(cpu::active() == cpu::Level::Baseline, "empty is baseline");
  cpu::configure(nullptr);
  CHECK(cpu::active() == cpu::Level::Baseline, "unset is baseline");
  CHECK(cpu::supported(cpu::Level::Baseline), "baseline is always supported");
  return check::done("cpu_dispatch");
}

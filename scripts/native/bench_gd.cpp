// One gradient-descent step of the core, without Node in the way:
//  - the Marion-Chizat size (n=50, d=5, L=10), in ns per step;
//  - a wide univariate network (d=100, L=10, n=200) against the time the same step would take at
//    the machine's BLAS rate, measured in this run: per layer one W^T x and one W x (dgemv) and
//    one rank-one update (dger).
//  - the Marion-Chizat step at each CPU level this machine supports (kernels/cpu_dispatch.hpp),
//    interleaved rounds, best of each: levelStepNs and the ratio of each level to baseline.
// Prints JSON.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "bench_common.hpp"
#include "blas.hpp"
#include "data.hpp"
#include "gd.hpp"
#include "init.hpp"
#include "kernels.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "losses/regression.hpp"

using namespace dln;

static double nsPerStep(std::size_t d, std::size_t L, std::size_t n, std::uint64_t steps, double lr, double scale) {
  RegressionData data = marionChizatData(n, d, 1.0, 0, 0);
  std::vector<std::size_t> widths(L, d);
  widths.push_back(1);
  Problem problem(NetworkSpec(widths, {}), std::make_shared<RegressionLoss>(n, d, data.X.data(), data.y.data()), 0.0);
  InitOptions io;
  io.scale = scale;
  io.seed = 1;
  const auto theta = initialize(problem.spec(), io);
  GdOptions o;
  o.learningRate = lr;
  o.maxSteps = steps;
  o.record = {"loss"};
  RunControl control;
  return bestNsPerCall([&] { sink(gradientDescent(problem, theta, o, control).weights[0]); }, 1) /
         static_cast<double>(steps);
}

int main() {
  setBlasThreads(1);
  const double mc = nsPerStep(5, 10, 50, 2000000, 0.02, 0.3);
  // Per level, in interleaved rounds (the machine's load drifts; each level sees the same drift).
  double levelNs[cpu::kLevelCount];
  for (double& v : levelNs) v = 1e300;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < cpu::kLevelCount; ++i) {
      if (!cpu::supported(static_cast<cpu::Level>(i))) continue;
      cpu::setActive(static_cast<cpu::Level>(i));
      levelNs[i] = std::min(levelNs[i], nsPerStep(5, 10, 50, 400000, 0.02, 0.3));
    }
  }
  cpu::setActive(cpu::Level::Baseline);
  std::string levels;
  for (int i = 0; i < cpu::kLevelCount; ++i) {
    if (levelNs[i] >= 1e300) continue;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s\"%s\": {\"stepNs\": %.1f, \"overBaseline\": %.3f}", levels.empty() ? "" : ", ",
                  cpu::name(static_cast<cpu::Level>(i)), levelNs[i], levelNs[i] / levelNs[0]);
    levels += buf;
  }
  const std::size_t d = 100, L = 10;
  const double wide = nsPerStep(d, L, 200, 20000, 1e-4, 0.1);
  double implied = 0.0;
#if !defined(DLN_BLAS_NONE)
  std::vector<double> W(d * d, 0.01), x(d, 1.0), y(d), C(d * d, 0.0);
  const int n = static_cast<int>(d);
  const double tT = bestNsPerCall(
      [&] {
        cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, W.data(), n, x.data(), 1, 0.0, y.data(), 1);
        sink(y[0]);
      },
      20000);
  const double tN = bestNsPerCall(
      [&] {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, W.data(), n, x.data(), 1, 0.0, y.data(), 1);
        sink(y[0]);
      },
      20000);
  const double tR = bestNsPerCall(
      [&] {
        cblas_dger(CblasRowMajor, n, n, 1e-12, x.data(), 1, x.data(), 1, C.data(), n);
        sink(C[0]);
      },
      20000);
  // L-1 square layers plus the 1 x d head layer (negligible); the head itself is 2 d^2.
  implied = static_cast<double>(L - 1) * (tT + tN + tR) + tN;
#endif
  std::printf(
      "{\"blas\": \"%s\", \"mcStepNs\": %.1f, \"wideStepNs\": %.1f, \"wideBlasImpliedNs\": %.1f, \"wideRatio\": "
      "%.2f, \"mcStepNsByCpuLevel\": {%s}}\n",
      blasVendor(), mc, wide, implied, implied > 0 ? wide / implied : 0.0, levels.c_str());
}

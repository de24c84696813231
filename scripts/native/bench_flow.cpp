// The cost of one RK45 right-hand side inside the integrator against the bare gradient (evaluate,
// second sweep, dense gradient): the integrator's own arithmetic per evaluation, on the
// Marion-Chizat size (P = 230, in cache) and Jacot's deep size (P = 22000, 7 stage vectors of
// 176 KB stream through the cache). Prints JSON.
#include <cstdio>
#include <limits>
#include <memory>

#include "bench_common.hpp"
#include "blas.hpp"
#include "data.hpp"
#include "flow.hpp"
#include "init.hpp"
#include "losses/mse.hpp"
#include "losses/regression.hpp"

using namespace dln;

namespace {

struct Measured {
  double flowNsPerEval, gradientNs;
  std::uint64_t nfev;
};

Measured measure(const Problem& problem, double scale, const FlowOptions& options, int repeats) {
  InitOptions io;
  io.scale = scale;
  io.seed = 1;
  const auto theta = initialize(problem.spec(), io);
  RunControl control;
  FlowResult last;
  const double run = bestNsPerCall(
      [&] {
        last = gradientFlow(problem, theta, options, control);
        sink(last.weights[0]);
      },
      1, repeats);
  GradientFlowSystem system(problem);
  std::vector<double> f(theta.size());
  const double gradient = bestNsPerCall(
      [&] {
        system.rhs(theta.data(), f.data());
        sink(f[0]);
      },
      2000);
  return {run / static_cast<double>(last.nfev + last.extraEvaluations), gradient, last.nfev};
}

}  // namespace

int main() {
  setBlasThreads(1);
  // Marion-Chizat: scale 0.05 to an excess loss of 1e-10 at rtol 1e-6.
  Problem mcProblem = marionChizatBenchProblem();
  FlowOptions mcOptions;
  mcOptions.tEnd = std::numeric_limits<double>::infinity();
  FlowEventSpec event;
  event.quantity = "excessLoss";
  event.threshold = 1e-10;
  event.name = "excessLossBelow";
  mcOptions.events = {event};
  mcOptions.record = {"loss"};
  const Measured a = measure(mcProblem, 0.05, mcOptions, 50);

  // Jacot et al.'s deep setting over t in [0, 2].
  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  Problem jacot(NetworkSpec({10, 100, 100, 100, 10}, {}),
                std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0);
  FlowOptions jOptions;
  jOptions.tEnd = 2.0;
  jOptions.record = {"loss"};
  const Measured b = measure(jacot, 0.01, jOptions, 3);

  std::printf(
      "{\"mc\": {\"nfev\": %llu, \"usPerEvaluation\": %.3f, \"gradientUs\": %.3f, \"overhead\": %.2f},"
      " \"jacot\": {\"nfev\": %llu, \"usPerEvaluation\": %.2f, \"gradientUs\": %.2f, \"overhead\": %.2f}}\n",
      static_cast<unsigned long long>(a.nfev), a.flowNsPerEval / 1e3, a.gradientNs / 1e3,
      a.flowNsPerEval / a.gradientNs, static_cast<unsigned long long>(b.nfev), b.flowNsPerEval / 1e3,
      b.gradientNs / 1e3, b.flowNsPerEval / b.gradientNs);
}

// Exact Hessian-vector products and Lanczos in the core, without Node in the way. Prints JSON:
//  - one HVP at the Marion-Chizat size (n=50, d=5, L=10, P=230; target <= 0.5 us) and at Jacot's
//    deep size (L=4, w=100, P=22000), each against one gradient (evaluate + second sweep + dense
//    gradient) timed in the same run: the ratio is the claim ("about 2-3 gradients");
//  - the Lanczos reorthogonalization's share of a top-1 solve at the MC size.
#include <cstdio>
#include <memory>

#include "bench_common.hpp"
#include "blas.hpp"
#include "data.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "lanczos.hpp"
#include "losses/mse.hpp"
#include "losses/regression.hpp"

using namespace dln;

namespace {

struct Measured {
  double hvpNs, gradientNs;
};

Measured measure(const Problem& problem, double scale, std::uint64_t calls) {
  InitOptions io;
  io.scale = scale;
  io.seed = 1;
  const auto theta = initialize(problem.spec(), io);
  const std::size_t P = theta.size();
  Evaluator ev(problem);
  std::vector<double> g(P), v(P), out(P);
  for (std::size_t i = 0; i < P; ++i) v[i] = 1.0 / static_cast<double>(1 + i % 7);
  const double gradient = bestNsPerCall(
      [&] {
        sink(ev.evaluate(theta.data()));
        ev.completeGradient();
        ev.gradient(g.data());
        sink(g[0]);
      },
      calls);
  ev.evaluate(theta.data());
  ev.completeGradient();
  HessianOperator H(ev);
  const double hvp = bestNsPerCall(
      [&] {
        H.apply(v.data(), out.data());
        sink(out[0]);
      },
      calls);
  return {hvp, gradient};
}

}  // namespace

int main() {
  setBlasThreads(1);
  Problem mcProblem = marionChizatBenchProblem();
  const Measured a = measure(mcProblem, 0.3, 200000);

  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  Problem jacot(NetworkSpec({10, 100, 100, 100, 10}, {}),
                std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0);
  const Measured b = measure(jacot, 0.01, 200);

  // A cold top-1 solve at tol 1e-10 at the MC size: its time against its HVPs' share.
  InitOptions io;
  io.scale = 0.3;
  io.seed = 1;
  const auto theta = initialize(mcProblem.spec(), io);
  Evaluator ev(mcProblem);
  ev.evaluate(theta.data());
  ev.completeGradient();
  HessianOperator H(ev);
  LanczosOptions lo;
  lo.k = 1;
  lo.tol = 1e-10;
  LanczosResult last;
  const double solve = bestNsPerCall(
      [&] {
        last = lanczos(H, lo);
        sink(last.values[0]);
      },
      2000);

  std::printf(
      "{\"blas\": \"%s\", \"mc\": {\"hvpNs\": %.1f, \"gradientNs\": %.1f, \"hvpOverGradient\": %.2f, \"targetNs\": "
      "500},"
      " \"jacot\": {\"hvpUs\": %.1f, \"gradientUs\": %.1f, \"hvpOverGradient\": %.2f},"
      " \"mcLanczosTop1\": {\"us\": %.2f, \"hvps\": %zu, \"hvpShare\": %.2f}}\n",
      blasVendor(), a.hvpNs, a.gradientNs, a.hvpNs / a.gradientNs, b.hvpNs / 1e3, b.gradientNs / 1e3,
      b.hvpNs / b.gradientNs, solve / 1e3, last.products, static_cast<double>(last.products) * a.hvpNs / solve);
}

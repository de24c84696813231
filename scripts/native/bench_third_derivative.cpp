// Third derivatives and the sharpness gradient in the core, in gradients measured in the same run.
// Prints JSON with, at the Marion-Chizat size (n = 50, d = 5, L = 10, P = 230) and at Jacot's deep
// size (MSE, widths 10-100-100-100-10, P = 22 000):
//  - one gradient (evaluate + second sweep + dense gradient), one HVP, one D^3R[u, u, .] (the
//    sharpness-gradient contraction; target <= 4 gradients), one D^3R[u, v, .];
//  - a whole sharpness gradient (Lanczos for lambda_1, a deflated Lanczos for lambda_2, the
//    contraction), with its HVP count;
//  - the central flow's Sigma solve for k = 1..4 at the MC size.
// With `--only NAME --calls N` it runs one operation N times and prints nothing, for deterministic
// instruction counts under valgrind --tool=callgrind (NAME: gradient, hvp, d3sym, d3mixed, sigma1
// .. sigma4; add --jacot for the deep size); subtract a run with --calls 0 for the setup.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "bench_common.hpp"
#include "blas.hpp"
#include "central_flow.hpp"
#include "central_flow_sigma.hpp"
#include "data.hpp"
#include "evaluator.hpp"
#include "gd.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "losses/mse.hpp"
#include "marion_chizat_authors.hpp"
#include "rng.hpp"
#include "sharpness_gradient.hpp"
#include "third_derivative.hpp"

using namespace dln;

namespace {

Problem jacotProblem() {
  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  return Problem(NetworkSpec({10, 100, 100, 100, 10}, {}),
                 std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0);
}

struct Setup {
  std::vector<double> theta, u, v, g, out;
};

Setup setup(const Problem& problem, double scale) {
  InitOptions io;
  io.scale = scale;
  io.seed = 1;
  Setup s;
  s.theta = initialize(problem.spec(), io);
  const std::size_t P = s.theta.size();
  Rng rng(3, Purpose::Data, {});
  s.u.resize(P);
  s.v.resize(P);
  for (auto& x : s.u) x = rng.normal();
  for (auto& x : s.v) x = rng.normal();
  s.g.resize(P);
  s.out.resize(P);
  return s;
}

struct Measured {
  double gradient, hvp, d3sym, d3mixed, sharpnessGradient;
  std::size_t sharpnessHvps, lanczosRuns;
};

Measured measure(const Problem& problem, double scale, std::uint64_t calls) {
  Setup s = setup(problem, scale);
  Evaluator ev(problem);
  Measured m{};
  m.gradient = bestNsPerCall(
      [&] {
        sink(ev.evaluate(s.theta.data()));
        ev.completeGradient();
        ev.gradient(s.g.data());
        sink(s.g[0]);
      },
      calls);
  ev.evaluate(s.theta.data());
  ev.completeGradient();
  HessianOperator H(ev);
  ThirdDerivative T(ev);
  m.hvp = bestNsPerCall(
      [&] {
        H.apply(s.u.data(), s.out.data());
        sink(s.out[0]);
      },
      calls);
  m.d3sym = bestNsPerCall(
      [&] {
        T.applySymmetric(s.u.data(), s.out.data());
        sink(s.out[0]);
      },
      calls);
  m.d3mixed = bestNsPerCall(
      [&] {
        T.apply(s.u.data(), s.v.data(), s.out.data());
        sink(s.out[0]);
      },
      calls);
  SharpnessGradientOptions o;
  SharpnessGradientResult r;
  m.sharpnessGradient = bestNsPerCall(
      [&] {
        r = sharpnessGradient(ev, o);
        sink(r.contractions[0]);
      },
      calls / 50 + 1);
  m.sharpnessHvps = r.hvps;
  m.lanczosRuns = r.lanczosRuns;
  return m;
}

// A Sigma instance at the MC size from random contractions (P = 230), with some S > 0.
struct SigmaInstance {
  std::size_t k, P = 230;
  std::vector<double> T, g;
  explicit SigmaInstance(std::size_t kk) : k(kk) {
    const std::size_t n = k * (k + 1) / 2;
    Rng rng(9, Purpose::Data, {k});
    T.resize(n * P);
    g.resize(P);
    for (auto& x : T) x = rng.normal();
    for (auto& x : g) x = rng.normal();
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t i = 0; i < P; ++i) g[i] -= 0.5 * T[p * P + i];
  }
  double solve() const { return centralFlowSigma(P, k, g.data(), T.data()).sdcp.S[0]; }
};

// Fig. 1d's setting on the authors' data (L = 10, P = 230, Gaussian scale 0.3, seed 0): GD at eta
// = 0.1 for 450 steps, or its central flow to t = 45, recording the loss only (the central-flow
// benchmark's runs, scripts/bench/central-flow.js, in the core without Node).
void fig1dRun(bool central, std::uint64_t calls) {
  AuthorsRegressionData d = marionChizatAuthorsData(AuthorsCode::May2024, 50, 5, 1.0);
  Problem problem(NetworkSpec({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1}, {1.0}),
                  std::make_shared<RegressionLoss>(50, 5, d.X.data(), d.y.data()), 0.0);
  InitOptions io;
  io.scale = 0.3;
  io.seed = 0;
  const std::vector<double> theta0 = initialize(problem.spec(), io);
  for (std::uint64_t c = 0; c < calls; ++c) {
    RunControl control;
    if (central) {
      CentralFlowOptions o;
      o.learningRate = 0.1;
      o.flow.tEnd = 45;
      o.flow.record = {"loss"};
      const CentralFlowResult r = centralFlow(problem, theta0, o, control);
      if (c == 0)
        std::fprintf(stderr, "central flow: %s, %llu edge evaluations, %llu cached, %llu HVPs\n", r.message.c_str(),
                     static_cast<unsigned long long>(r.edgeEvaluations),
                     static_cast<unsigned long long>(r.cachedEvaluations),
                     static_cast<unsigned long long>(r.lanczosProducts));
      sink(r.finalLoss);
    } else {
      GdOptions o;
      o.learningRate = 0.1;
      o.maxSteps = 450;
      o.record = {"loss"};
      sink(gradientDescent(problem, theta0, o, control).finalLoss);
    }
  }
}

double sigmaNs(std::size_t k, std::uint64_t calls) {
  const SigmaInstance x(k);
  return bestNsPerCall([&] { sink(x.solve()); }, calls);
}

void json(const char* name, const Measured& m, double unit, const char* unitName) {
  std::printf(
      "\"%s\": {\"gradient%s\": %.3g, \"hvp%s\": %.3g, \"d3Symmetric%s\": %.3g, \"d3Mixed%s\": %.3g, "
      "\"hvpInGradients\": %.2f, \"d3SymmetricInGradients\": %.2f, \"d3SymmetricTarget\": 4, \"d3MixedInGradients\": "
      "%.2f, "
      "\"sharpnessGradient%s\": %.3g, \"sharpnessGradientInGradients\": %.1f, \"sharpnessGradientHvps\": %zu, "
      "\"lanczosRuns\": %zu}",
      name, unitName, m.gradient / unit, unitName, m.hvp / unit, unitName, m.d3sym / unit, unitName, m.d3mixed / unit,
      m.hvp / m.gradient, m.d3sym / m.gradient, m.d3mixed / m.gradient, unitName, m.sharpnessGradient / unit,
      m.sharpnessGradient / m.gradient, m.sharpnessHvps, m.lanczosRuns);
}

}  // namespace

int main(int argc, char** argv) {
  setBlasThreads(1);
  std::string only;
  std::uint64_t calls = 0;
  bool jacot = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!std::strcmp(argv[i], "--calls") && i + 1 < argc) calls = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--jacot")) jacot = true;
  }
  if (only == "central" || only == "gd450") {
    fig1dRun(only == "central", calls);
    return 0;
  }
  if (!only.empty()) {
    Problem problem = jacot ? jacotProblem() : marionChizatBenchProblem();
    Setup s = setup(problem, jacot ? 0.01 : 0.3);
    Evaluator ev(problem);
    ev.evaluate(s.theta.data());
    ev.completeGradient();
    HessianOperator H(ev);
    ThirdDerivative T(ev);
    const SigmaInstance sigma(only.size() == 6 && only.compare(0, 5, "sigma") == 0 ? std::size_t(only[5] - '0') : 1);
    for (std::uint64_t c = 0; c < calls; ++c) {
      if (only.compare(0, 5, "sigma") == 0) {
        sink(sigma.solve());
      } else if (only == "gradient") {
        ev.evaluate(s.theta.data());
        ev.completeGradient();
        ev.gradient(s.g.data());
      } else if (only == "hvp") {
        H.apply(s.u.data(), s.out.data());
      } else if (only == "d3sym") {
        T.applySymmetric(s.u.data(), s.out.data());
      } else if (only == "d3mixed") {
        T.apply(s.u.data(), s.v.data(), s.out.data());
      } else {
        std::fprintf(stderr, "unknown --only %s\n", only.c_str());
        return 2;
      }
    }
    sink(s.out[0] + s.g[0]);
    return 0;
  }
  Problem mc = marionChizatBenchProblem();
  const Measured a = measure(mc, 0.3, 100000);
  const Measured b = measure(jacotProblem(), 0.01, 100);
  std::printf("{\"blas\": \"%s\", ", blasVendor());
  json("mc", a, 1.0, "Ns");
  std::printf(", ");
  json("jacot", b, 1e3, "Us");
  std::printf(", \"sigmaSolveUs\": {\"k1\": %.2f, \"k2\": %.2f, \"k3\": %.2f, \"k4\": %.2f}}\n", sigmaNs(1, 2000) / 1e3,
              sigmaNs(2, 500) / 1e3, sigmaNs(3, 200) / 1e3, sigmaNs(4, 200) / 1e3);
}

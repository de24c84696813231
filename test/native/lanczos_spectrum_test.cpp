// hessianSpectrum's Lanczos path as a run's recordings use it (spectrum.hpp): a Hessian operator
// and a Lanczos workspace kept across solves at different points give the same bits as fresh ones,
// and the warm-started top value agrees with the dense oracle.
#include <cmath>
#include <memory>
#include <vector>

#include "check.hpp"
#include "data.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "losses/regression.hpp"
#include "problem.hpp"
#include "spectrum.hpp"

int main() {
  using namespace dln;
  RegressionData mc = marionChizatData(50, 5, 1.0, 0, 50);
  Problem problem(NetworkSpec({5, 5, 5, 5, 5, 5, 1}, {1.0}),
                  std::make_shared<RegressionLoss>(50, 5, mc.X.data(), mc.y.data()), 0.0);
  std::vector<std::vector<double>> points;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    InitOptions io;
    io.scale = 0.3 + 0.05 * static_cast<double>(seed);
    io.seed = seed;
    points.push_back(initialize(problem.spec(), io));
  }
  Evaluator ev(problem);
  HessianOperator kept(ev);  // built once, before any point is evaluated (as a run's probe keeps it)
  LanczosWorkspace work;
  SharpnessOptions o;
  std::vector<double> previous;
  for (std::size_t p = 0; p < points.size(); ++p) {
    ev.evaluate(points[p].data());
    ev.completeGradient();
    SpectrumRequest reused, fresh;
    reused.vectors = fresh.vectors = true;
    reused.smallest = fresh.smallest = p % 2 == 1;
    reused.stream = fresh.stream = p;
    reused.start = fresh.start = previous.empty() ? nullptr : previous.data();
    reused.hessian = &kept;
    reused.workspace = &work;
    const Spectrum a = hessianSpectrum(ev, o, reused);
    const Spectrum b = hessianSpectrum(ev, o, fresh);
    CHECK_BITS(a.values[0], b.values[0], "a kept operator and workspace: the same top value");
    CHECK_BITS(a.residuals[0], b.residuals[0], "... the same residual");
    CHECK(a.products == b.products, "... the same products");
    CHECK(a.vectors == b.vectors, "... the same Ritz vector");
    if (reused.smallest) CHECK_BITS(a.smallest, b.smallest, "... the same smallest value");
    SharpnessOptions dense;
    dense.method = SharpnessOptions::Method::Dense;
    const Spectrum d = hessianSpectrum(ev, dense, SpectrumRequest());
    CHECK_REL(a.values[0], d.values[0], 1e-13, "warm-started top value against the dense oracle");
    previous = a.vectors;
  }
  // A kept operator on another evaluator is not used (a local one is built): the same bits.
  {
    Evaluator other(problem);
    HessianOperator elsewhere(other);
    ev.evaluate(points[0].data());
    ev.completeGradient();
    SpectrumRequest r;
    r.hessian = &elsewhere;
    const Spectrum a = hessianSpectrum(ev, o, r);
    const Spectrum b = hessianSpectrum(ev, o, SpectrumRequest());
    CHECK_BITS(a.values[0], b.values[0], "an operator on another evaluator is ignored");
  }
  return check::done("lanczos_spectrum_test");
}

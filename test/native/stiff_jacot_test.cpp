// The stiff steppers against RK45 at tight tolerance on Jacot et al.'s deep setting (L = 4,
// w = 100, d_0 = d_L = 10, N = 100, the default teacher, init std 0.01), over t in [0, 6]: the
// first two saddle-to-saddle transitions (loss 3170 -> 805 -> 29 -> 2.1) and the stiff plateaus
// between them (S ~ 2950).
//
// Reference: DOPRI5 (the RK45 flow's integrator) at rtol 1e-12, atol 1e-15.
// Claims, with err = ||theta(6) - theta_ref(6)||_inf / (atol + rtol ||theta_ref||_inf) and
// drift = max_k ||D_k(6) - D_k(0)||_F / (rtol max_k ||W_k||_F^2) (Lemma 1: D_k is constant):
//   - exprb43 at rtol 1e-6 and 1e-8: err <= 2 and drift <= 0.3 (the tolerance level); at rtol
//     1e-6 it spends at most half of RK45's gradient-equivalents (an HVP counts as two
//     gradients; the first transition, t < 1, is not stiff, so the ratio over [0, 100] is larger);
//   - exprb32 at rtol 1e-6: err <= 1.5;
//   - RKC2 at rtol 1e-6 (no local extrapolation; docs/stiff-integration.md §5.3): err <= 50.
// False case: the same flow run 0.1% too fast (f and H scaled by 1.001) must be caught by the
// exprb43 claim at both tolerances.
#include <cmath>
#include <cstdio>
#include <memory>

#include "blas.hpp"
#include "data.hpp"
#include "diagnostics.hpp"
#include "dopri5.hpp"
#include "exprb.hpp"
#include "flow.hpp"
#include "init.hpp"
#include "losses/mse.hpp"
#include "rkc.hpp"
#include "stiff_test_util.hpp"

using namespace dln;
using stiff_test::Checks;

namespace {

constexpr double kT = 6.0;

// A gradient flow made faster by a constant factor: a plausible bug (a scaled right-hand side)
// that a comparison at the tolerance level must catch.
class Scaled final : public HessianOdeSystem {
 public:
  Scaled(HessianOdeSystem& inner, double factor) : inner_(inner), factor_(factor) {}
  std::size_t dimension() const override { return inner_.dimension(); }
  void rhs(const double* y, double* f) override {
    inner_.rhs(y, f);
    scale(f);
  }
  void linearize(const double* y, double* f) override {
    inner_.linearize(y, f);
    scale(f);
  }
  void linearizeAtLastRhs() override { inner_.linearizeAtLastRhs(); }
  void hessianTimes(const double* v, double* out) override {
    inner_.hessianTimes(v, out);
    scale(out);
  }

 private:
  void scale(double* x) {
    for (std::size_t i = 0; i < dimension(); ++i) x[i] *= factor_;
  }
  HessianOdeSystem& inner_;
  double factor_;
};

}  // namespace

namespace {

struct Jacot {
  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  Problem problem{NetworkSpec({10, 100, 100, 100, 10}, {}),
                  std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0};
  std::vector<double> theta0;
  Jacot() {
    InitOptions io;
    io.scale = 0.01;
    io.seed = 1;
    theta0 = initialize(problem.spec(), io);
  }
};

struct Run {
  std::vector<double> y;
  std::uint64_t cost = 0;  // gradient-equivalents
  bool ok = false;
};

Run rk45(const Jacot& j, double rtol) {
  GradientFlowSystem system(j.problem);
  Dopri5Options o;
  o.rtol = rtol;
  o.atol = 1e-3 * rtol;
  Dopri5 solver(system, j.theta0.data(), 0.0, kT, o);
  while (solver.status() == Dopri5::Status::Running) solver.step();
  return {std::vector<double>(solver.y(), solver.y() + solver.dimension()), solver.nfev(),
          solver.status() == Dopri5::Status::Finished};
}

template <class Stepper, class... Extra>
Run stiff(const Jacot& j, double rtol, double speed, Extra... extra) {
  DlnHessianSystem system(j.problem);
  Scaled scaled(system, speed);
  StiffOptions o;
  o.rtol = rtol;
  o.atol = 1e-3 * rtol;
  Stepper stepper(scaled, j.theta0.data(), 0.0, kT, o, extra...);
  while (stepper.status() == Stepper::Status::Running) stepper.step();
  return {std::vector<double>(stepper.y(), stepper.y() + stepper.dimension()), stepper.stats().gradientEquivalents(),
          stepper.status() == Stepper::Status::Finished};
}

double error(const std::vector<double>& y, const std::vector<double>& ref, double rtol) {
  double e = 0.0, m = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    e = std::max(e, std::fabs(y[i] - ref[i]));
    m = std::max(m, std::fabs(ref[i]));
  }
  return e / (1e-3 * rtol + rtol * m);
}

double drift(const Jacot& j, const std::vector<double>& y, double rtol) {
  const NetworkSpec& spec = j.problem.spec();
  double big = 0.0;
  for (std::size_t l = 0; l < spec.depth(); ++l) {
    double s = 0.0;
    for (std::size_t i = 0; i < spec.layerSize(l); ++i) s += y[spec.offset(l) + i] * y[spec.offset(l) + i];
    big = std::max(big, s);
  }
  return diagnostics::balancednessDrift(spec, y.data(), j.theta0.data()) / (rtol * big);
}

}  // namespace

int main() {
  setBlasThreads(1);
  Checks c;
  const Jacot j;
  const Run ref = rk45(j, 1e-12);
  c.expect(ref.ok, "the RK45 reference finished");
  std::printf("reference: RK45 at rtol 1e-12, %llu gradients; its drift %.3g x 1e-12\n", (unsigned long long)ref.cost,
              drift(j, ref.y, 1e-12));
  for (double rtol : {1e-6, 1e-8}) {
    const Run base = rk45(j, rtol);
    const Run a = stiff<Exprb>(j, rtol, 1.0, ExprbScheme::Exprb43);
    const Run wrong = stiff<Exprb>(j, rtol, 1.001, ExprbScheme::Exprb43);
    const double ea = error(a.y, ref.y, rtol), da = drift(j, a.y, rtol), ew = error(wrong.y, ref.y, rtol);
    std::printf(
        "rtol %.0e: RK45 error %.3g tol, drift %.3g, %llu gradients; exprb43 error %.3g tol, drift %.3g, %llu "
        "gradient-equivalents (%.1fx fewer); 0.1%% faster flow: error %.3g tol\n",
        rtol, error(base.y, ref.y, rtol), drift(j, base.y, rtol), (unsigned long long)base.cost, ea, da,
        (unsigned long long)a.cost, double(base.cost) / double(a.cost), ew);
    c.expect(a.ok && wrong.ok && base.ok, "rtol %g: every run finished", rtol);
    c.expect(ea <= 2, "exprb43 rtol %g: end point %g tol from the reference", rtol, ea);
    c.expect(da <= 0.3, "exprb43 rtol %g: balancedness drift %g rtol", rtol, da);
    if (rtol == 1e-6) {
      c.expect(2 * a.cost <= base.cost, "exprb43 rtol %g: %llu gradient-equivalents vs RK45's %llu", rtol,
               (unsigned long long)a.cost, (unsigned long long)base.cost);
    }
    c.expect(ew > 2, "rtol %g: a 0.1%% faster flow not caught (%g tol)", rtol, ew);
  }
  {
    const Run b = stiff<Exprb>(j, 1e-6, 1.0, ExprbScheme::Exprb32);
    const Run r = stiff<Rkc>(j, 1e-6, 1.0);
    const double eb = error(b.y, ref.y, 1e-6), er = error(r.y, ref.y, 1e-6);
    std::printf(
        "rtol 1e-06: exprb32 error %.3g tol, drift %.3g, %llu gradient-equivalents; rkc error %.3g tol, drift %.3g, "
        "%llu gradient-equivalents\n",
        eb, drift(j, b.y, 1e-6), (unsigned long long)b.cost, er, drift(j, r.y, 1e-6), (unsigned long long)r.cost);
    c.expect(b.ok && r.ok, "exprb32 and rkc finished");
    c.expect(eb <= 1.5, "exprb32 rtol 1e-6: end point %g tol from the reference", eb);
    c.expect(er <= 50, "rkc rtol 1e-6: end point %g tol from the reference", er);
  }
  return c.finish("stiff_jacot_test");
}

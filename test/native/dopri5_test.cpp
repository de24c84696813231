// The DOPRI5 integrator (dopri5.hpp) on the linear system y' = M y, M = [[-1/2, 1], [-1, -1/2]],
// whose solution is y(t) = e^{-t/2} R(t) kStart (R(t) the rotation by -t): the order of one step,
// the dense output, a whole integration against the closed form, and the evaluation count.
#include <cmath>
#include <vector>

#include "check.hpp"
#include "dopri5.hpp"

namespace {

class Damped final : public dln::OdeSystem {
 public:
  std::size_t dimension() const override { return 2; }
  void rhs(const double* y, double* f) override {
    ++calls;
    f[0] = -0.5 * y[0] + y[1];
    f[1] = -y[0] - 0.5 * y[1];
  }
  std::size_t calls = 0;
};

const double kStart[2] = {1.0, 0.5};

void exact(double t, double* out) {
  const double a = std::exp(-0.5 * t), c = std::cos(t), s = std::sin(t);
  out[0] = a * (c * kStart[0] + s * kStart[1]);
  out[1] = a * (-s * kStart[0] + c * kStart[1]);
}

double distance(const double* a, const double* b) { return std::hypot(a[0] - b[0], a[1] - b[1]); }

// The error of one step of size h from kStart (and of the dense output at h/2).
void oneStep(double h, double& stepError, double& denseError, dln::Dopri5& solver) {
  double want[2], mid[2], got[2];
  solver.step();
  exact(h, want);
  stepError = distance(solver.y(), want);
  solver.dense(h / 2, got);
  exact(h / 2, mid);
  denseError = distance(got, mid);
}

}  // namespace

int main() {
  // 1. Order: the local error of the propagated 5th-order solution is O(h^6), the free
  //    interpolant's O(h^5): halving h divides them by ~64 and ~32.
  {
    double e1, d1, e2, d2;
    dln::Dopri5Options o;
    o.firstStep = 0.2;
    Damped f1, f2;
    dln::Dopri5 a(f1, kStart, 0.0, 100.0, o);
    oneStep(0.2, e1, d1, a);
    CHECK(a.stepSize() == 0.2 && a.accepted() == 1 && a.rejected() == 0, "the first step is the one asked for");
    o.firstStep = 0.1;
    dln::Dopri5 b(f2, kStart, 0.0, 100.0, o);
    oneStep(0.1, e2, d2, b);
    CHECK(e1 > 0 && e1 < 1e-7, "one step of 0.2 is accurate to 4e-8");
    CHECK(e1 / e2 > 50 && e1 / e2 < 80, "local error O(h^6): halving h divides it by ~64");
    CHECK(d1 / d2 > 25 && d1 / d2 < 40, "dense output O(h^5): halving h divides its error by ~32");
    // The dense output is exact at the step's ends.
    double out[2];
    b.dense(0.0, out);
    CHECK(check::sameBits(out[0], b.yOld()[0]) && check::sameBits(out[1], b.yOld()[1]), "dense(0) = yOld");
    b.dense(b.stepSize(), out);
    CHECK(check::sameBits(out[0], b.y()[0]) && check::sameBits(out[1], b.y()[1]), "dense(h) = y");
  }
  // 2. A whole integration to t = 10 at tight tolerances matches the closed form; the count of
  //    right-hand sides is scipy's 2 + 6 (accepted + rejected).
  {
    Damped f;
    dln::Dopri5Options o;
    o.rtol = 1e-10;
    o.atol = 1e-12;
    dln::Dopri5 solver(f, kStart, 0.0, 10.0, o);
    dln::Dopri5::Status status = dln::Dopri5::Status::Running;
    while (status == dln::Dopri5::Status::Running) status = solver.step();
    double want[2];
    exact(10.0, want);
    CHECK(status == dln::Dopri5::Status::Finished, "finished");
    CHECK(solver.t() == 10.0, "ends exactly at tEnd");
    CHECK(distance(solver.y(), want) < 1e-11, "y(10) to the tolerance's accuracy (2e-12 measured, |y| = 7.5e-3)");
    CHECK(solver.nfev() == 2 + 6 * (solver.accepted() + solver.rejected()), "nfev = 2 + 6 (accepted + rejected)");
    CHECK(f.calls == solver.nfev(), "nfev counts every right-hand side");
    // Looser tolerance, larger error: the test above is not vacuous.
    Damped g;
    o.rtol = 1e-3;
    o.atol = 1e-6;
    dln::Dopri5 loose(g, kStart, 0.0, 10.0, o);
    while (loose.step() == dln::Dopri5::Status::Running) {
    }
    CHECK(distance(loose.y(), want) > 1e-6, "rtol 1e-3 is visibly less accurate (4e-5)");
  }
  // 3. Options are validated with the field's name.
  {
    dln::Dopri5Options o;
    o.rtol = 1e-20;
    CHECK_THROWS(dln::validate(o), dln::ErrorCode::Value, "rtol below 100 eps");
    o = dln::Dopri5Options();
    o.atol = 0.0;
    CHECK_THROWS(dln::validate(o), dln::ErrorCode::Value, "atol must be > 0");
  }
  return check::done("dopri5_test");
}

// brentRoot (brent.hpp): scipy's brentq, on functions with known roots, with the tolerances the
// event locator uses (xtol = rtol = 4 eps).
#include <cmath>
#include <limits>

#include "brent.hpp"
#include "check.hpp"

int main() {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  const double tol = 4 * eps;
  int evaluations = 0;
  auto counted = [&](auto f) {
    return [&evaluations, f](double x) {
      ++evaluations;
      return f(x);
    };
  };

  // cos(x) = x: the Dottie number.
  {
    auto g = counted([](double x) { return std::cos(x) - x; });
    evaluations = 0;
    const double x = dln::brentRoot(g, 0.0, 1.0, 1.0, std::cos(1.0) - 1.0, tol, tol);
    CHECK_NEAR(x, 0.7390851332151607, 2 * tol, "root of cos(x) - x");
    CHECK(evaluations <= 12, "superlinear: a handful of evaluations");
  }
  // A root that is not at a nice number, approached from a bad bracket side.
  {
    auto g = [](double x) { return (x - 0.3) * (x * x + 1.0); };
    const double x = dln::brentRoot(g, -10.0, 1.0, g(-10.0), g(1.0), tol, tol);
    CHECK_NEAR(x, 0.3, 0.3 * tol + tol, "root 0.3 of (x - 0.3)(x^2 + 1) from [-10, 1]");
  }
  // A triple root: g is flat (|g| < 1e-15 on a band of width 2e-5), so interpolation creeps and
  // bisection steps in only now and then: 148 evaluations close the bracket on the sign change at
  // fl(1/3); the default cap of 100 (scipy's maxiter) stops at 8e-11.
  {
    auto g = [&evaluations](double x) {
      ++evaluations;
      return (x - 1.0 / 3) * (x - 1.0 / 3) * (x - 1.0 / 3);
    };
    evaluations = 0;
    const double capped = dln::brentRoot(g, 0.0, 1.0, -1.0 / 27, 8.0 / 27, tol, tol);
    CHECK(evaluations == 100, "the default cap: 100 evaluations");
    CHECK(std::fabs(capped - 1.0 / 3) < 1e-10 && std::fabs(capped - 1.0 / 3) > 4 * tol,
          "the capped answer: near, not at, tolerance");
    evaluations = 0;
    const double x = dln::brentRoot(g, 0.0, 1.0, -1.0 / 27, 8.0 / 27, tol, tol, 1000);
    CHECK_NEAR(x, 1.0 / 3, 4 * tol, "triple root 1/3 with room to converge");
    CHECK(evaluations < 200, "in fewer than 200 evaluations (bisection alone: 52)");
  }
  // A root on an endpoint is returned as is, with no evaluation.
  {
    evaluations = 0;
    auto g = counted([](double x) { return x - 2.0; });
    CHECK_BITS(dln::brentRoot(g, 2.0, 5.0, 0.0, 3.0, tol, tol), 2.0, "fa = 0: a");
    CHECK_BITS(dln::brentRoot(g, -1.0, 2.0, -3.0, 0.0, tol, tol), 2.0, "fb = 0: b");
    CHECK(evaluations == 0, "no evaluation when an end is a root");
  }
  // A step function: no interpolation helps; the bracket still shrinks to the jump.
  {
    auto g = [](double x) { return x < 0.123456789 ? -1.0 : 1.0; };
    const double x = dln::brentRoot(g, 0.0, 1.0, -1.0, 1.0, tol, tol, 200);
    CHECK_NEAR(x, 0.123456789, 4 * tol, "the jump of a step function");
  }
  // The iteration cap is honoured.
  {
    evaluations = 0;
    auto g = counted([](double x) { return x < 0.123456789 ? -1.0 : 1.0; });
    dln::brentRoot(g, 0.0, 1.0, -1.0, 1.0, tol, tol, 5);
    CHECK(evaluations == 5, "maxIter evaluations at most");
  }
  return check::done("brent_test");
}

// The damped second-order Runge-Kutta-Chebyshev method RKC2 (van der Houwen & Sommeijer 1980;
// Sommeijer, Shampine & Verwer 1998) for the gradient flow y' = -grad R(y), a stabilized explicit
// method: s stages (s gradients) give the stability polynomial
//   P_s(z) = a_s + b_s T_s(w0 + w1 z),  w0 = 1 + eps / s^2 (eps = 2/13), w1 = T_s'(w0) / T_s''(w0),
// bounded by 1 on the real interval [-beta(s), 0], beta(s) = (1 + w0) / w1 ~ 0.65 s^2. The Jacobian
// -H has a real spectrum in [-lambda_max(H), -lambda_min(H)], so the step h is stable when
// beta(s) >= h lambda_max: s ~ sqrt(h S / 0.65), and the cost per unit time grows as sqrt(S / h)
// instead of RK45's 1.8 S (docs/stiff-integration.md §5).
//
// Stages (three-term Chebyshev recursion, closed-form coefficients):
//   Y_0 = y_n,  Y_1 = y_n + mu~_1 h F_0,
//   Y_j = (1 - mu_j - nu_j) y_n + mu_j Y_{j-1} + nu_j Y_{j-2} + mu~_j h (F(Y_{j-1}) - a_{j-1} F_0),
//   with b_j = T_j''(w0) / T_j'(w0)^2 (b_0 = b_1 = b_2), a_j = 1 - b_j T_j(w0), mu_j = 2 w0 b_j / b_{j-1},
//   nu_j = -b_j / b_{j-2}, mu~_j = mu_j w1 / w0, mu~_1 = b_1 w1; y_{n+1} = Y_s.
// Error estimate (SSV 1998): est = (12 (y_n - y_{n+1}) + 6 h (F_n + F_{n+1})) / 15, O(h^3); F_{n+1}
// is the next step's F_0 (first same as last). Dense output: the cubic Hermite interpolant of
// (y_n, F_n, y_{n+1}, F_{n+1}).
//
// The stage count comes from a bound on lambda_max(H) by a few Lanczos steps on exact
// Hessian-vector products at y_n, warm-started from the previous top Ritz vector: rho =
// spectralSafety * (theta + residual), refreshed every spectralRefresh accepted steps and after
// a rejection (a stale bound shows up as an unstable stiff component, hence a rejection). The
// stage count is capped at max(2, round(sqrt(rtol / (10 u)))) so rounding amplified by the
// recursion (~ s^2 u) stays below rtol / 10; the step is shortened to fit the cap.
#pragma once

#include <cstdint>
#include <vector>

#include "stiff_stepper.hpp"

namespace dln {

class Rkc final : public StiffStepper {
 public:
  // seed: the Lanczos start-vector stream (the first bound starts from a random vector).
  Rkc(HessianOdeSystem& system, const double* y0, double t0, double tEnd, const StiffOptions& options,
      std::uint64_t seed = 0);

  double spectralBound() const { return rho_; }  // rho of the last attempt
  std::size_t lastStages() const { return stages_; }

  // beta(s) = (1 + w0) / w1: the damped s-stage polynomial is bounded by 1 on [-beta(s), 0].
  static double stabilityBound(std::size_t s);
  // The smallest s >= 2 with beta(s) >= hRho.
  static std::size_t stagesFor(double hRho);

 protected:
  double attempt(double h) override;
  void accept(double h) override;
  double limit(double h) override;
  void denseInside(double s, double* out) override;

 private:
  void estimateSpectrum();

  std::uint64_t seed_;
  std::size_t maxStages_;
  double rho_ = 0.0;
  bool rhoFresh_ = false;  // rho_ was estimated at the current y_n
  bool haveRho_ = false;
  bool lastRejected_ = false;  // the previous attempt from this y_n was rejected
  std::uint64_t sinceEstimate_ = 0;
  std::vector<double> ritz_;  // the last top Ritz vector (warm start)
  std::vector<double> work_[3], fj_;
  std::size_t stages_ = 0;
};

}  // namespace dln

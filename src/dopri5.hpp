// The explicit Dormand-Prince 5(4) pair with adaptive steps, following scipy's RK45 rule for rule
// (docs/algorithms.md §3) so that step sequences can be checked against solve_ivp:
//   - FSAL: stage 7 is f at the new point and the next step's stage 1; it is also computed on
//     rejected attempts (its error weight is not 0), so nfev = 2 + 6 (accepted + rejected);
//   - error norm RMS(h sum_j E_j k_j / sc), sc = atol + rtol max(|y|, |y_new|); accept iff
//     err < 1, and a non-finite err is a rejection;
//   - scipy's initial step selection (HNW I, II.4, with RMS norms);
//   - the I controller (scipy: safety 0.9, factor in [0.2, 10], no growth after a rejection
//     within the step) or Hairer's PI controller (beta = 0.04) as an option;
//   - dense output by the free 4th-order interpolant (scipy's P matrix), on which events.hpp
//     locates events.
//
// Time is a base plus an offset (an unevaluated double-double sum), advanced exactly by every
// accepted step: a flow from a tiny initialization reaches t ~ 1e20 and still takes O(1) steps,
// which a plain double cannot resolve there (docs/algorithms.md §3.8). Inside a step the solver
// works in the local offset s in [0, h], so the step-size floor is 10 ulp of the local time (an
// underflow guard), not of t.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "memory.hpp"

namespace dln {

// An autonomous system y' = f(y) (the gradient flow does not depend on t).
class OdeSystem {
 public:
  virtual ~OdeSystem() = default;
  virtual std::size_t dimension() const = 0;
  // f = f(y). May produce non-finite values (the step is then rejected).
  virtual void rhs(const double* y, double* f) = 0;
};

enum class StepController {
  I,   // scipy's: h *= clamp(0.9 err^(-1/5), 0.2, 10), no growth after a rejection in the step
  PI,  // Hairer's DOPRI5 (Gustafsson/Lund): h *= clamp(0.9 err^(-0.17) err_prev^(0.04), 0.2, 10)
};

struct Dopri5Options {
  double rtol = 1e-3;
  double atol = 1e-6;
  double firstStep = 0.0;  // 0: automatic (scipy's select_initial_step)
  double maxStep = std::numeric_limits<double>::infinity();
  StepController controller = StepController::I;
};

// ERR_DLN_VALUE naming rtol, atol, firstStep or maxStep. rtol must be >= 100 eps (scipy clamps
// it with a warning; here it is an error), atol > 0 (sc must not vanish where y does).
void validate(const Dopri5Options& options);

// t = base + offset, kept as an unevaluated sum so that adding small steps to a huge t is exact.
class SplitTime {
 public:
  SplitTime() = default;
  explicit SplitTime(double t) : base_(t) {}
  double value() const { return base_ + offset_; }
  // *this += h, exactly up to the rounding of the (tiny) offset.
  void advance(double h);
  // The absolute time of the offset s from *this.
  double plus(double s) const { return base_ + (offset_ + s); }
  // t - *this for an absolute time t.
  double until(double t) const { return (t - base_) - offset_; }

 private:
  double base_ = 0.0;
  double offset_ = 0.0;
};

// scipy's select_initial_step (HNW I, II.4, with RMS norms) for an error estimate err ~ h^(1/exponent):
// h_1 = (0.01 / max(d_1, d_2))^exponent, one evaluation of f (at y0 + h_0 f0, into scratch).
// Dopri5 (exponent 1/5) and the stiff steppers (stiff_stepper.hpp, 1/(q + 1)) share it.
double selectInitialStep(OdeSystem& system, const double* y0, const double* f0, double interval, double maxStep,
                         double rtol, double atol, double exponent, std::vector<double>& scratch);

// The steppers' error norm: RMS over i of error(i) / (atol + rtol max(|a_i|, |b_i|)), four
// interleaved partial sums combined in a fixed order (the sum vectorizes, its latency chain is
// broken, and the result never depends on the machine; numpy's norm goes through a BLAS dot, whose
// order is not sequential either). Dopri5 (error(i) from its stages) and the stiff steppers
// (stiff_stepper.hpp, a stored error vector) share it.
template <class Error>
double scaledRms(std::size_t n, Error error, const double* a, const double* b, double rtol, double atol) {
  auto scaled = [&](std::size_t i) { return error(i) / (atol + std::max(std::fabs(a[i]), std::fabs(b[i])) * rtol); };
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) {
      const double r = scaled(i + j);
      s[j] += r * r;
    }
  }
  for (; i < n; ++i) {
    const double r = scaled(i);
    s[0] += r * r;
  }
  return std::sqrt((s[0] + s[1]) + (s[2] + s[3])) / std::sqrt(static_cast<double>(n));
}

class Dopri5 {
 public:
  enum class Status { Running, Finished, Failed };

  // Copies y0 and evaluates f(y0) (and one more f for the initial step unless firstStep is set).
  // tEnd may be +infinity. Options must have passed validate().
  Dopri5(OdeSystem& system, const double* y0, double t0, double tEnd, const Dopri5Options& options);

  // Advances by one accepted step, retrying rejected attempts with smaller steps (scipy's
  // OdeSolver.step). Returns Finished when tEnd is reached, Failed when the step size fell
  // below the floor; the state then stays at the last accepted point.
  Status step();
  Status status() const { return status_; }
  const std::string& message() const { return message_; }
  // The last attempt's error norm (non-finite when the failure came from non-finite values).
  double lastErrorNorm() const { return lastError_; }

  std::size_t dimension() const { return n_; }
  double t() const { return time_.value(); }
  double tOld() const { return timeOld_.value(); }
  const SplitTime& time() const { return time_; }
  const SplitTime& timeOld() const { return timeOld_; }
  double stepSize() const { return hLast_; }  // the last accepted step (0 before the first)
  // The last accepted step not shortened to land on tEnd (what the controller chose).
  double lastFullStepSize() const { return hFull_; }
  double nextStepSize() const { return hAbs_; }  // what the controller proposes next
  const double* y() const { return y_.data(); }
  const double* yOld() const { return yOld_.data(); }
  const double* f() const { return rotate_ ? k_[6] : k_[0]; }  // f(y), FSAL

  // Dense output on the last accepted step at local offset s in [0, stepSize()] from tOld:
  // exactly yOld at s = 0 and y at s = h, the 4th-order interpolant in between.
  void dense(double s, double* out);

  std::uint64_t nfev() const { return nfev_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t rejected() const { return rejected_; }

  // scipy's select_initial_step, exposed for tests of the piece in isolation.
  static double initialStep(OdeSystem& system, const double* y0, const double* f0, double interval, double maxStep,
                            double rtol, double atol, std::vector<double>& scratch);

 private:
  void attempt(double h);            // stages 2..7, y_new, and the error norm into lastError_
  double errorNorm(double h) const;  // RMS(h sum E_j K_j / sc)

  OdeSystem& system_;
  std::size_t n_;
  Dopri5Options options_;
  SplitTime time_, timeOld_;
  double tEnd_;
  double hAbs_ = 0.0, hLast_ = 0.0, hFull_ = 0.0;
  double facOld_ = 1e-4;  // the PI controller's memory: max(err of the last accepted step, 1e-4)
  double lastError_ = 0.0;
  std::vector<double> y_, yOld_, yNew_, yStage_;
  // The 7 stages of the last attempt, rows of one block. k_[0] is f(y) at the step's start; after
  // an acceptance k_[6] = f(y_new) becomes the next step's k_[0] by swapping the two pointers when
  // that step starts (the dense output of the step just taken still needs the old k_[0]).
  std::vector<double> stages_;
  double* k_[7] = {};
  bool rotate_ = false;
  std::vector<double> Q_;  // n x 4 dense-output coefficients, computed on first use per step
  bool qValid_ = false;
  std::uint64_t nfev_ = 0, accepted_ = 0, rejected_ = 0;
  Status status_ = Status::Running;
  std::string message_;
  MemoryReservation memory_;  // the state and stage buffers (16 n), counted against the memory limit
};

}  // namespace dln

#include "stiff_stepper.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "error.hpp"
#include "memory.hpp"

namespace dln {

namespace {

// The predictive controller (Sommeijer, Shampine & Verwer 1998, RKC): safety, factor bounds, and
// the floor on the remembered error (an exact step, err = 0, must not make the next factor 0/0).
constexpr double kSafety = 0.8, kMinFactor = 0.1, kMaxFactor = 10.0, kErrFloor = 1e-4;

}  // namespace

void validate(const StiffOptions& o) {
  Dopri5Options common;
  common.rtol = o.rtol;
  common.atol = o.atol;
  common.firstStep = o.firstStep;
  common.maxStep = o.maxStep;
  validate(common);
  if (!(o.spectralSafety >= 1) || !std::isfinite(o.spectralSafety)) {
    fail(ErrorCode::Value, "spectralSafety", "must be a finite number >= 1");
  }
  if (o.spectralRefresh < 1) fail(ErrorCode::Value, "spectralRefresh", "must be an integer >= 1");
  if (!(o.krylovTolerance > 0) || !(o.krylovTolerance <= 1)) {
    fail(ErrorCode::Value, "krylovTolerance", "must be a number in (0, 1]");
  }
  if (o.maxKrylov < 2) fail(ErrorCode::Value, "maxKrylov", "must be an integer >= 2");
}

StiffStepper::StiffStepper(HessianOdeSystem& system, const double* y0, double t0, double tEnd,
                           const StiffOptions& options, int errorOrder)
    : system_(system), n_(system.dimension()), options_(options), exponent_(1.0 / (errorOrder + 1)), time_(t0),
      timeOld_(t0), tEnd_(tEnd) {
  requireDoubles(checkedMul(n_, 8, "weights"), "weights");
  y_.assign(y0, y0 + n_);
  yOld_ = y_;
  yNew_.assign(n_, 0.0);
  f_.assign(n_, 0.0);
  fOld_.assign(n_, 0.0);
  fNew_.assign(n_, 0.0);
  linearize(y_.data(), f_.data());
  fOld_ = f_;
  const double interval = tEnd_ - t0;
  if (!(interval > 0)) {
    status_ = Status::Finished;
    message_ = "The end of the integration interval is its start.";
    return;
  }
  if (options_.firstStep > 0) {
    hAbs_ = options_.firstStep;
  } else {
    std::vector<double> scratch;
    hAbs_ = initialStep(system_, y_.data(), f_.data(), interval, options_.maxStep, options_.rtol, options_.atol,
                        errorOrder, scratch);
    ++stats_.nfev;
    if (!(hAbs_ > 0) || !std::isfinite(hAbs_)) hAbs_ = std::min(1e-6, interval);
  }
}

double StiffStepper::initialStep(OdeSystem& system, const double* y0, const double* f0, double interval, double maxStep,
                                 double rtol, double atol, int order, std::vector<double>& scratch) {
  return selectInitialStep(system, y0, f0, interval, maxStep, rtol, atol, 1.0 / (order + 1), scratch);
}

double StiffStepper::scaledNorm(std::size_t n, const double* e, const double* a, const double* b, double rtol,
                                double atol) {
  return scaledRms(
      n, [e](std::size_t i) { return e[i]; }, a, b, rtol, atol);
}

StiffStepper::Status StiffStepper::step() {
  if (status_ != Status::Running) return status_;
  const double minStep = 10 * std::nextafter(0.0, 1.0);
  const double maxStep = options_.maxStep;
  double hAbs = hAbs_ > maxStep ? maxStep : hAbs_ < minStep ? minStep : hAbs_;
  hAbs = std::min(hAbs, std::numeric_limits<double>::max());
  const double remaining = time_.until(tEnd_);
  bool rejectedInStep = false;
  for (;;) {
    if (!(hAbs >= minStep)) {
      status_ = Status::Failed;
      message_ =
          std::isfinite(lastError_)
              ? "Required step size is less than spacing between numbers."
              : "Required step size is less than spacing between numbers (every attempt produced non-finite values).";
      return status_;
    }
    bool last = hAbs >= remaining;
    double h = last ? remaining : hAbs;
    const double hLimited = limit(h);
    if (!(hLimited >= minStep)) {
      // The method has no usable step from here (RKC: its spectral bound is not finite).
      status_ = Status::Failed;
      message_ = "No stable step size (the spectral bound of the Jacobian is not finite).";
      return status_;
    }
    if (hLimited < h) {
      h = hLimited;
      last = false;
    }
    cutFactor_ = 0.0;
    const double err = attempt(h);
    lastError_ = err;
    if (err < 1 && cutFactor_ == 0.0) {
      double factor;
      if (err == 0) {
        factor = kMaxFactor;
      } else if (hPrev_ > 0) {
        factor = kSafety * (h / hPrev_) * std::pow(errPrev_ / (err * err), exponent_);
      } else {
        factor = kSafety * std::pow(err, -exponent_);
      }
      factor = std::min(kMaxFactor, std::max(kMinFactor, factor));
      if (rejectedInStep) factor = std::min(1.0, factor);
      accept(h);
      yOld_.swap(y_);
      y_.swap(yNew_);
      fOld_.swap(f_);
      f_.swap(fNew_);
      timeOld_ = time_;
      if (last) {
        time_ = SplitTime(tEnd_);
      } else {
        time_.advance(h);
      }
      hLast_ = h;
      if (!last || stats_.accepted == 0) hFull_ = h;
      hAbs_ = h * factor;
      errPrev_ = std::max(err, kErrFloor);
      hPrev_ = h;
      ++stats_.accepted;
      if (last) {
        status_ = Status::Finished;
        message_ = "The solver successfully reached the end of the integration interval.";
      } else if (!std::isfinite(time_.value())) {
        status_ = Status::Finished;
        message_ = "The solver reached the largest representable time.";
      }
      return status_;
    }
    ++stats_.rejected;
    rejectedInStep = true;
    double factor = kMinFactor;
    if (cutFactor_ > 0) {
      factor = cutFactor_;
    } else if (std::isfinite(err)) {
      factor = std::max(kMinFactor, kSafety * std::pow(err, -exponent_));
    }
    hAbs = h * factor;
  }
}

void StiffStepper::dense(double s, double* out) {
  if (s <= 0 || stats_.accepted == 0) {
    std::memcpy(out, yOld_.data(), n_ * sizeof(double));
    return;
  }
  if (s >= hLast_) {
    std::memcpy(out, y_.data(), n_ * sizeof(double));
    return;
  }
  denseInside(s, out);
}

}  // namespace dln

#include "dopri5.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "error.hpp"
#include "memory.hpp"

namespace dln {

namespace {

// Dormand & Prince (1980), RK5(4)7M, written as scipy's RK45 writes it (same doubles).
constexpr double A21 = 1.0 / 5;
constexpr double A31 = 3.0 / 40, A32 = 9.0 / 40;
constexpr double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
constexpr double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
constexpr double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
// 5th-order weights (b_2 = 0) and the error weights E = b_hat - b (E_2 = 0).
constexpr double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784, B6 = 11.0 / 84;
constexpr double E1 = -71.0 / 57600, E3 = 71.0 / 16695, E4 = -71.0 / 1920, E5 = 17253.0 / 339200, E6 = -22.0 / 525,
                 E7 = 1.0 / 40;
// Dense output (Shampine 1986, scipy's RK45.P): y(t_old + x h) = y_old + h sum_k Q_k x^(k+1),
// Q = K^T P. Row 2 is zero.
constexpr double P[7][4] = {
    {1, -8048581381.0 / 2820520608, 8663915743.0 / 2820520608, -12715105075.0 / 11282082432},
    {0, 0, 0, 0},
    {0, 131558114200.0 / 32700410799, -68118460800.0 / 10900136933, 87487479700.0 / 32700410799},
    {0, -1754552775.0 / 470086768, 14199869525.0 / 1410260304, -10690763975.0 / 1880347072},
    {0, 127303824393.0 / 49829197408, -318862633887.0 / 49829197408, 701980252875.0 / 199316789632},
    {0, -282668133.0 / 205662961, 2019193451.0 / 616988883, -1453857185.0 / 822651844},
    {0, 40617522.0 / 29380423, -110615467.0 / 29380423, 69997945.0 / 29380423}};

// scipy: SAFETY, MIN_FACTOR, MAX_FACTOR and the error exponent -1/(4 + 1).
constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 10.0, kExponent = -0.2;
// Hairer's DOPRI5 defaults for the PI controller: beta and the resulting error exponent 0.2 - 0.75 beta.
constexpr double kBeta = 0.04, kPiExponent = 0.2 - 0.75 * kBeta;

double rms(const double* v, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += v[i] * v[i];
  return std::sqrt(s) / std::sqrt(static_cast<double>(n));
}

}  // namespace

void validate(const Dopri5Options& o) {
  constexpr double minRtol = 100 * std::numeric_limits<double>::epsilon();
  if (!std::isfinite(o.rtol) || o.rtol < minRtol) {
    fail(ErrorCode::Value, "rtol", "must be a finite number >= 100 eps (2.22e-14)");
  }
  if (!std::isfinite(o.atol) || o.atol <= 0) fail(ErrorCode::Value, "atol", "must be a finite number > 0");
  if (!(o.firstStep >= 0) || std::isinf(o.firstStep))
    fail(ErrorCode::Value, "firstStep", "must be a finite number > 0");
  if (!(o.maxStep > 0)) fail(ErrorCode::Value, "maxStep", "must be > 0");
}

void SplitTime::advance(double h) {
  // Two-sum base + h, fold the rounding error into the offset, then renormalize.
  const double s = base_ + h;
  const double bp = s - base_;
  const double e = (base_ - (s - bp)) + (h - bp) + offset_;
  base_ = s + e;
  const double back = base_ - s;
  offset_ = (s - (base_ - back)) + (e - back);
}

Dopri5::Dopri5(OdeSystem& system, const double* y0, double t0, double tEnd, const Dopri5Options& options)
    : system_(system), n_(system.dimension()), options_(options), time_(t0), timeOld_(t0), tEnd_(tEnd) {
  memory_.grow(doubleBytes(checkedMul(n_, 16, "weights"), "weights"), "weights");
  y_.assign(y0, y0 + n_);
  yOld_ = y_;
  yNew_.assign(n_, 0.0);
  yStage_.assign(n_, 0.0);
  stages_.assign(7 * n_, 0.0);
  for (std::size_t s = 0; s < 7; ++s) k_[s] = stages_.data() + s * n_;
  system_.rhs(y_.data(), k_[0]);
  nfev_ = 1;
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
    hAbs_ = initialStep(system_, y_.data(), k_[0], interval, options_.maxStep, options_.rtol, options_.atol, scratch);
    nfev_ += 1;
    // Non-finite f (an overflowing start) leaves no usable estimate: start small and let the
    // controller find its way (the first attempts are then rejections, not a loop on NaN).
    if (!(hAbs_ > 0) || !std::isfinite(hAbs_)) hAbs_ = std::min(1e-6, interval);
  }
}

double selectInitialStep(OdeSystem& system, const double* y0, const double* f0, double interval, double maxStep,
                         double rtol, double atol, double exponent, std::vector<double>& scratch) {
  const std::size_t n = system.dimension();
  scratch.assign(3 * n, 0.0);
  double* scale = scratch.data();
  double* v = scale + n;
  double* f1 = v + n;
  for (std::size_t i = 0; i < n; ++i) scale[i] = atol + std::fabs(y0[i]) * rtol;
  for (std::size_t i = 0; i < n; ++i) v[i] = y0[i] / scale[i];
  const double d0 = rms(v, n);
  for (std::size_t i = 0; i < n; ++i) v[i] = f0[i] / scale[i];
  const double d1 = rms(v, n);
  double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  h0 = std::min(h0, interval);
  for (std::size_t i = 0; i < n; ++i) v[i] = y0[i] + h0 * f0[i];
  system.rhs(v, f1);
  for (std::size_t i = 0; i < n; ++i) v[i] = (f1[i] - f0[i]) / scale[i];
  const double d2 = rms(v, n) / h0;
  const double h1 =
      (d1 <= 1e-15 && d2 <= 1e-15) ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / std::max(d1, d2), exponent);
  return std::min({100 * h0, h1, interval, maxStep});
}

double Dopri5::initialStep(OdeSystem& system, const double* y0, const double* f0, double interval, double maxStep,
                           double rtol, double atol, std::vector<double>& scratch) {
  return selectInitialStep(system, y0, f0, interval, maxStep, rtol, atol, 0.2, scratch);  // 1 / (4 + 1)
}

void Dopri5::attempt(double h) {
  const std::size_t n = n_;
  // Distinct buffers: restrict lets the stage loops vectorize without overlap checks.
  const double* __restrict y = y_.data();
  double* __restrict ys = yStage_.data();
  double* __restrict k1 = k_[0];
  double* __restrict k2 = k_[1];
  double* __restrict k3 = k_[2];
  double* __restrict k4 = k_[3];
  double* __restrict k5 = k_[4];
  double* __restrict k6 = k_[5];
  double* __restrict k7 = k_[6];
  // Each stage as scipy forms it: y + (sum_j a_j k_j) * h, the sum left to right.
  for (std::size_t i = 0; i < n; ++i) ys[i] = y[i] + (A21 * k1[i]) * h;
  system_.rhs(ys, k2);
  for (std::size_t i = 0; i < n; ++i) ys[i] = y[i] + (A31 * k1[i] + A32 * k2[i]) * h;
  system_.rhs(ys, k3);
  for (std::size_t i = 0; i < n; ++i) ys[i] = y[i] + (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]) * h;
  system_.rhs(ys, k4);
  for (std::size_t i = 0; i < n; ++i) ys[i] = y[i] + (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]) * h;
  system_.rhs(ys, k5);
  for (std::size_t i = 0; i < n; ++i) {
    ys[i] = y[i] + (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]) * h;
  }
  system_.rhs(ys, k6);
  double* __restrict yn = yNew_.data();
  for (std::size_t i = 0; i < n; ++i)
    yn[i] = y[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
  system_.rhs(yn, k7);
  nfev_ += 6;
  lastError_ = errorNorm(h);
}

double Dopri5::errorNorm(double h) const {
  const double* __restrict k1 = k_[0];
  const double* __restrict k3 = k_[2];
  const double* __restrict k4 = k_[3];
  const double* __restrict k5 = k_[4];
  const double* __restrict k6 = k_[5];
  const double* __restrict k7 = k_[6];
  const double* __restrict y = y_.data();
  const double* __restrict yn = yNew_.data();
  return scaledRms(
      n_,
      [&](std::size_t i) { return (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]) * h; },
      y, yn, options_.rtol, options_.atol);
}

Dopri5::Status Dopri5::step() {
  if (status_ != Status::Running) return status_;
  if (rotate_) {
    std::swap(k_[0], k_[6]);  // FSAL: f(y) of the accepted point is this step's first stage
    rotate_ = false;
  }
  // Local time is 0 at the start of every step (the offset is re-based), so the floor is 10 ulp
  // of 0: the step size is only refused when it underflows.
  const double minStep = 10 * std::nextafter(0.0, 1.0);
  const double maxStep = options_.maxStep;
  double hAbs = hAbs_ > maxStep ? maxStep : hAbs_ < minStep ? minStep : hAbs_;
  // A flow at rest (f = 0 exactly, e.g. at the origin's saddle) grows h tenfold per step.
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
    const bool last = hAbs >= remaining;
    const double h = last ? remaining : hAbs;
    attempt(h);
    const double err = lastError_;
    if (err < 1) {
      double hNext;
      if (options_.controller == StepController::I) {
        double factor = err == 0 ? kMaxFactor : std::min(kMaxFactor, kSafety * std::pow(err, kExponent));
        if (rejectedInStep) factor = std::min(1.0, factor);
        hNext = h * factor;
      } else {
        const double fac11 = std::pow(err, kPiExponent);
        const double fac =
            std::max(1 / kMaxFactor, std::min(1 / kMinFactor, fac11 / std::pow(facOld_, kBeta) / kSafety));
        hNext = h / fac;
        facOld_ = std::max(err, 1e-4);
        if (rejectedInStep) hNext = std::min(hNext, h);
      }
      yOld_.swap(y_);
      y_.swap(yNew_);
      timeOld_ = time_;
      if (last) {
        time_ = SplitTime(tEnd_);
      } else {
        time_.advance(h);
      }
      hLast_ = h;
      if (!last || accepted_ == 0) hFull_ = h;
      hAbs_ = hNext;
      ++accepted_;
      rotate_ = true;
      qValid_ = false;
      if (last) {
        status_ = Status::Finished;
        message_ = "The solver successfully reached the end of the integration interval.";
      } else if (!std::isfinite(time_.value())) {
        status_ = Status::Finished;
        message_ = "The solver reached the largest representable time.";
      }
      return status_;
    }
    ++rejected_;
    rejectedInStep = true;
    double factor = kMinFactor;
    if (std::isfinite(err)) {
      factor = options_.controller == StepController::I
                   ? std::max(kMinFactor, kSafety * std::pow(err, kExponent))
                   : 1 / std::min(1 / kMinFactor, std::pow(err, kPiExponent) / kSafety);
    }
    hAbs = h * factor;
  }
}

void Dopri5::dense(double s, double* out) {
  if (s <= 0 || accepted_ == 0) {
    std::memcpy(out, yOld_.data(), n_ * sizeof(double));
    return;
  }
  if (s >= hLast_) {
    std::memcpy(out, y_.data(), n_ * sizeof(double));
    return;
  }
  if (!qValid_) {
    Q_.resize(4 * n_);
    for (std::size_t i = 0; i < n_; ++i) {
      for (int c = 0; c < 4; ++c) {
        double q = 0.0;
        for (int j = 0; j < 7; ++j) {
          if (j != 1) q += k_[j][i] * P[j][c];
        }
        Q_[4 * i + c] = q;
      }
    }
    qValid_ = true;
  }
  const double h = hLast_;
  const double x = s / h;
  const double p1 = x, p2 = p1 * x, p3 = p2 * x, p4 = p3 * x;
  const double* yo = yOld_.data();
  for (std::size_t i = 0; i < n_; ++i) {
    const double* q = Q_.data() + 4 * i;
    out[i] = h * (q[0] * p1 + q[1] * p2 + q[2] * p3 + q[3] * p4) + yo[i];
  }
}

}  // namespace dln

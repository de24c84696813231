#include "rkc.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "error.hpp"
#include "lanczos.hpp"

namespace dln {

namespace {

constexpr double kEps = 2.0 / 13.0;  // damping: |P_s| <= ~1 - eps/3 inside the interval

// The Chebyshev values T_j, T_j', T_j'' at w0 for j = 0..s, by the three-term recursions.
struct Chebyshev {
  std::vector<double> z, dz, d2z;
  Chebyshev(std::size_t s, double w0) : z(s + 1), dz(s + 1), d2z(s + 1) {
    z[0] = 1.0;
    dz[0] = 0.0;
    d2z[0] = 0.0;
    z[1] = w0;
    dz[1] = 1.0;
    d2z[1] = 0.0;
    for (std::size_t j = 2; j <= s; ++j) {
      z[j] = 2 * w0 * z[j - 1] - z[j - 2];
      dz[j] = 2 * w0 * dz[j - 1] - dz[j - 2] + 2 * z[j - 1];
      d2z[j] = 2 * w0 * d2z[j - 1] - d2z[j - 2] + 4 * dz[j - 1];
    }
  }
};

double omega0(std::size_t s) { return 1.0 + kEps / (static_cast<double>(s) * static_cast<double>(s)); }

class FunctionOperator final : public SymmetricOperator {
 public:
  FunctionOperator(std::size_t n, std::function<void(const double*, double*)> f) : n_(n), f_(std::move(f)) {}
  std::size_t dimension() const override { return n_; }
  void apply(const double* v, double* out) override { f_(v, out); }

 private:
  std::size_t n_;
  std::function<void(const double*, double*)> f_;
};

}  // namespace

double Rkc::stabilityBound(std::size_t s) {
  const double w0 = omega0(s);
  const Chebyshev c(s, w0);
  const double w1 = c.dz[s] / c.d2z[s];
  return (1.0 + w0) / w1;
}

std::size_t Rkc::stagesFor(double hRho) {
  if (!(hRho > 0)) return 2;
  // beta(s) ~ (2/3)(s^2 - 1)(1 - 2 eps / 15): start from that guess and correct by the exact bound.
  std::size_t s = static_cast<std::size_t>(std::sqrt(1.54 * hRho + 1.0)) + 1;
  s = std::max<std::size_t>(s, 2);
  while (s > 2 && stabilityBound(s - 1) >= hRho) --s;
  while (stabilityBound(s) < hRho) ++s;
  return s;
}

Rkc::Rkc(HessianOdeSystem& system, const double* y0, double t0, double tEnd, const StiffOptions& options,
         std::uint64_t seed)
    : StiffStepper(system, y0, t0, tEnd, options, 2), seed_(seed) {
  const double cap = std::sqrt(options.rtol / (10 * std::numeric_limits<double>::epsilon()));
  maxStages_ = std::max<std::size_t>(2, static_cast<std::size_t>(std::lround(cap)));
  for (auto& w : work_) w.assign(n_, 0.0);
  fj_.assign(n_, 0.0);
}

void Rkc::estimateSpectrum() {
  FunctionOperator op(n_, [this](const double* v, double* out) { hvp(v, out); });
  LanczosOptions lo;
  lo.k = 1;
  lo.tol = 0.05;
  lo.maxIterations = 25;
  lo.seed = seed_;
  lo.stream = stats_.spectralEstimates;
  lo.start = ritz_.empty() ? nullptr : ritz_.data();
  lo.wantVectors = true;
  lo.cancel = cancel_;  // also polled by hvp(); Lanczos' own poll keeps the bound's cost bounded too
  double bound;
  try {
    const LanczosResult r = lanczos(op, lo);
    stats_.krylovIterations += r.iterations;
    ritz_.assign(r.vectors.begin(), r.vectors.begin() + n_);
    stats_.sharpness = r.values[0];
    bound = options_.spectralSafety * std::max(0.0, r.values[0] + r.residuals[0]);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Value) throw;
    bound = std::numeric_limits<double>::infinity();  // non-finite products: no stable step exists
  }
  ++stats_.spectralEstimates;
  rho_ = bound;
  rhoFresh_ = true;
  haveRho_ = true;
  sinceEstimate_ = 0;
}

double Rkc::limit(double h) {
  if (!haveRho_ || sinceEstimate_ >= options_.spectralRefresh || (lastRejected_ && !rhoFresh_)) estimateSpectrum();
  const double hMax = stabilityBound(maxStages_) / rho_;
  return std::min(h, hMax);
}

double Rkc::attempt(double h) {
  lastRejected_ = true;  // until accepted
  const std::size_t s = std::min(stagesFor(h * rho_), maxStages_);
  stages_ = s;
  stats_.stages += s;
  stats_.maxStages = std::max(stats_.maxStages, s);
  const double w0 = omega0(s);
  const Chebyshev c(s, w0);
  const double w1 = c.dz[s] / c.d2z[s];
  const std::size_t n = n_;
  const double* __restrict yn = y_.data();
  const double* __restrict fn = f_.data();
  double* __restrict fj = fj_.data();
  // Y_{j-2}, Y_{j-1} and the stage being formed rotate through work_ (Y_0 is y_n itself; the last
  // stage is written to yNew_).
  const double* yjm2 = yn;
  double* yjm1 = work_[0].data();
  double bjm2 = 1.0 / (4 * w0 * w0), bjm1 = bjm2;
  {
    const double mus = w1 * bjm1;
    for (std::size_t i = 0; i < n; ++i) yjm1[i] = yn[i] + h * mus * fn[i];
  }
  std::size_t next = 1;
  for (std::size_t j = 2; j <= s; ++j) {
    const double bj = c.d2z[j] / (c.dz[j] * c.dz[j]);
    const double ajm1 = 1.0 - c.z[j - 1] * bjm1;
    const double mu = 2 * w0 * bj / bjm1;
    const double nu = -bj / bjm2;
    const double mus = mu * w1 / w0;
    const double keep = 1.0 - mu - nu;
    rhs(yjm1, fj);
    double* yj = j == s ? yNew_.data() : work_[next].data();
    const double* a = yjm1;
    const double* b = yjm2;
    for (std::size_t i = 0; i < n; ++i) yj[i] = mu * a[i] + nu * b[i] + keep * yn[i] + h * mus * (fj[i] - ajm1 * fn[i]);
    if (j < s) {
      // Y_j becomes Y_{j-1}; the next stage goes to the work buffer holding neither.
      yjm2 = yjm1;
      yjm1 = yj;
      for (std::size_t k = 0; k < 3; ++k) {
        if (work_[k].data() != yjm1 && work_[k].data() != yjm2) {
          next = k;
          break;
        }
      }
    }
    bjm2 = bjm1;
    bjm1 = bj;
  }
  double* __restrict fnew = fNew_.data();
  rhs(yNew_.data(), fnew);
  // est = 0.8 (y_n - y_{n+1}) + 0.4 h (F_n + F_{n+1}), in the step's error norm.
  double* __restrict est = work_[0].data();
  const double* __restrict yn1 = yNew_.data();
  for (std::size_t i = 0; i < n; ++i) est[i] = 0.8 * (yn[i] - yn1[i]) + 0.4 * h * (fn[i] + fnew[i]);
  return scaledNorm(n, est, yn, yn1, options_.rtol, options_.atol);
}

void Rkc::accept(double h) {
  system_.linearizeAtLastRhs();  // the last right-hand side was at y_{n+1}
  lastRejected_ = false;
  rhoFresh_ = false;
  ++sinceEstimate_;
}

void Rkc::denseInside(double s, double* out) {
  const double h = stepSize();
  const double x = s / h;
  const double a1 = (1 + 2 * x) * (x - 1) * (x - 1), a2 = (3 - 2 * x) * x * x;
  const double b1 = h * x * (x - 1) * (x - 1), b2 = h * (x - 1) * x * x;
  const double* yo = yOld_.data();
  const double* y = y_.data();
  const double* fo = fOld_.data();
  const double* f = f_.data();
  for (std::size_t i = 0; i < n_; ++i) out[i] = a1 * yo[i] + a2 * y[i] + b1 * fo[i] + b2 * f[i];
}

}  // namespace dln

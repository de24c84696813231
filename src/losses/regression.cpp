#include "losses/regression.hpp"

#include <algorithm>

#include "kernels.hpp"
#include "linalg.hpp"
#include "memory.hpp"

namespace dln {

RegressionLoss::RegressionLoss(std::size_t n, std::size_t d, const double* X, const double* y, std::size_t nTest,
                               const double* XTest, const double* yTest)
    : Loss(d, 1), n_(n), d_(d), nTest_(nTest) {
  requireDoubles(checkedMul(d, d, "X"), "X");
  sigma_.resize(d * d);
  linalg::gram(n, d, X, static_cast<double>(n), sigma_.data());
  c_.assign(d, 0.0);
  for (std::size_t i = 0; i < n; ++i) kernels::axpy(d, y[i] / static_cast<double>(n), X + i * d, c_.data());
  wStar_.resize(d);
  rank_ = linalg::leastSquares(n, d, 1, X, y, wStar_.data());
  // R(w*) from the residuals directly: the quadratic form would cancel.
  double r2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = y[i] - kernels::dot(d, X + i * d, wStar_.data());
    r2 += r * r;
    yy_ += y[i] * y[i];
  }
  rMin_ = r2 / static_cast<double>(n);
  yy_ /= static_cast<double>(n);
  if (nTest_ > 0) {
    XTest_.assign(XTest, XTest + nTest * d);
    yTest_.assign(yTest, yTest + nTest);
  }
  // With fewer samples than features (or collinear ones) Sigma is singular and w - w* has
  // components in its null space that are as large as w: e^T Sigma e then carries rounding of
  // order eps |Sigma| |e|^2 and can come out negative. The residuals cost n d <= d^2 and do not.
  fromResiduals_ = n <= d || rank_ < d;
  // The samples themselves: the residual form above, and mini-batches (sampleCount).
  X_.assign(X, X + n * d);
  y_.assign(y, y + n);
}

double RegressionLoss::batchValueAndGradient(const std::size_t* rows, std::size_t count, const double* shift,
                                             const double* w, double* grad) const {
  double s = 0.0;
  std::fill(grad, grad + d_, 0.0);
  const double scale = -2.0 / static_cast<double>(count);
  for (std::size_t k = 0; k < count; ++k) {
    const double* x = X_.data() + rows[k] * d_;
    const double r = y_[rows[k]] + (shift ? shift[k] : 0.0) - kernels::dot(d_, x, w);
    s += r * r;
    kernels::axpy(d_, scale * r, x, grad);
  }
  return s / static_cast<double>(count);
}

void RegressionLoss::batchHessianAction(const std::size_t* rows, std::size_t count, const double* dw,
                                        double* dg) const {
  std::fill(dg, dg + d_, 0.0);
  const double scale = 2.0 / static_cast<double>(count);
  for (std::size_t k = 0; k < count; ++k) {
    const double* x = X_.data() + rows[k] * d_;
    kernels::axpy(d_, scale * kernels::dot(d_, x, dw), x, dg);
  }
}

double RegressionLoss::residualValue(const double* w, double* grad) const {
  double s = 0.0;
  if (grad) std::fill(grad, grad + d_, 0.0);
  const double scale = -2.0 / static_cast<double>(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    const double* x = X_.data() + i * d_;
    const double r = y_[i] - kernels::dot(d_, x, w);
    s += r * r;
    if (grad) kernels::axpy(d_, scale * r, x, grad);
  }
  return s / static_cast<double>(n_);
}

double RegressionLoss::valueAndGradient(const double* w, double* grad) const {
  if (fromResiduals_) return residualValue(w, grad);
  // grad <- Sigma e with e = w - w*, then R = R(w*) + e . Sigma e and grad = 2 Sigma e.
  double excess = 0.0;
  const double* ws = wStar_.data();
  for (std::size_t i = 0; i < d_; ++i) {
    const double* row = sigma_.data() + i * d_;
    double s = 0.0;
    for (std::size_t j = 0; j < d_; ++j) s += row[j] * (w[j] - ws[j]);
    excess += (w[i] - ws[i]) * s;
    grad[i] = 2.0 * s;
  }
  return rMin_ + excess;
}

double RegressionLoss::value(const double* w) const {
  if (fromResiduals_) return residualValue(w, nullptr);
  double excess = 0.0;
  const double* ws = wStar_.data();
  for (std::size_t i = 0; i < d_; ++i) {
    const double* row = sigma_.data() + i * d_;
    double s = 0.0;
    for (std::size_t j = 0; j < d_; ++j) s += row[j] * (w[j] - ws[j]);
    excess += (w[i] - ws[i]) * s;
  }
  return rMin_ + excess;
}

void RegressionLoss::hessianAction(const double* dw, double* dg) const {
  for (std::size_t i = 0; i < d_; ++i) dg[i] = 2.0 * kernels::dot(d_, sigma_.data() + i * d_, dw);
}

double RegressionLoss::testValue(const double* w) const {
  if (nTest_ == 0) return Loss::testValue(w);
  double s = 0.0;
  for (std::size_t i = 0; i < nTest_; ++i) {
    const double r = yTest_[i] - kernels::dot(d_, XTest_.data() + i * d_, w);
    s += r * r;
  }
  return s / static_cast<double>(nTest_);
}

double RegressionLoss::squaredDistance(const double* w) const {
  double s = 0.0;
  for (std::size_t i = 0; i < d_; ++i) {
    const double e = w[i] - wStar_[i];
    s += e * e;
  }
  return s;
}

double RegressionLoss::value0() const { return yy_; }

}  // namespace dln

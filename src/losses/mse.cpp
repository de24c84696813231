#include "losses/mse.hpp"

#include <algorithm>
#include <cmath>

#include "kernels.hpp"
#include "linalg.hpp"
#include "memory.hpp"

namespace dln {

MseLoss::MseLoss(std::size_t n, std::size_t dIn, std::size_t dOut, const double* X, const double* Y, std::size_t nTest,
                 const double* XTest, const double* YTest)
    : Loss(dIn, dOut), n_(n), nTest_(nTest) {
  requireDoubles(checkedAdd(checkedMul(dIn, dIn, "X"), checkedMul(dIn, dOut, "Y"), "Y"), "Y");
  sigma_.resize(dIn * dIn);
  linalg::gram(n, dIn, X, static_cast<double>(n), sigma_.data());
  // A*^T = X^+ Y (minimum norm), from the data: better conditioned than Sigma_yx Sigma_xx^+.
  std::vector<double> aStarT(dIn * dOut);
  linalg::leastSquares(n, dIn, dOut, X, Y, aStarT.data());
  aStar_.resize(dOut * dIn);
  for (std::size_t i = 0; i < dIn; ++i)
    for (std::size_t j = 0; j < dOut; ++j) aStar_[j * dIn + i] = aStarT[i * dOut + j];
  double r2 = 0.0;
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t j = 0; j < dOut; ++j) {
      const double r = Y[s * dOut + j] - kernels::dot(dIn, X + s * dIn, aStar_.data() + j * dIn);
      r2 += r * r;
    }
  }
  cMin_ = r2 / static_cast<double>(n);
  // Singular values of A* Sigma^{1/2} for the rank-constrained minimum.
  std::vector<double> evals(dIn), evecs(dIn * dIn);
  linalg::symmetricEigen(dIn, sigma_.data(), evals.data(), evecs.data());
  std::vector<double> root(dIn * dIn, 0.0);  // Sigma^{1/2} = Q diag(sqrt(mu)) Q^T
  for (std::size_t k = 0; k < dIn; ++k) {
    const double s = std::sqrt(std::max(evals[k], 0.0));
    for (std::size_t i = 0; i < dIn; ++i)
      for (std::size_t j = 0; j < dIn; ++j) root[i * dIn + j] += evecs[i * dIn + k] * s * evecs[j * dIn + k];
  }
  std::vector<double> M(dOut * dIn, 0.0);
  for (std::size_t i = 0; i < dOut; ++i)
    for (std::size_t k = 0; k < dIn; ++k)
      kernels::axpy(dIn, aStar_[i * dIn + k], root.data() + k * dIn, M.data() + i * dIn);
  tailSingular_.resize(std::min(dIn, dOut));
  linalg::svd(dOut, dIn, M.data(), tailSingular_.data());
  if (nTest_ > 0) {
    XTest_.assign(XTest, XTest + nTest * dIn);
    YTest_.assign(YTest, YTest + nTest * dOut);
  }
  X_.assign(X, X + n * dIn);
  Y_.assign(Y, Y + n * dOut);
}

double MseLoss::batchValueAndGradient(const std::size_t* rows, std::size_t count, const double* shift, const double* A,
                                      double* grad) const {
  const std::size_t dIn = inputDim(), dOut = outputDim();
  std::fill(grad, grad + dIn * dOut, 0.0);
  const double scale = -2.0 / static_cast<double>(count);
  double s = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    const double* x = X_.data() + rows[k] * dIn;
    const double* y = Y_.data() + rows[k] * dOut;
    for (std::size_t j = 0; j < dOut; ++j) {
      const double r = y[j] + (shift ? shift[k * dOut + j] : 0.0) - kernels::dot(dIn, A + j * dIn, x);
      s += r * r;
      kernels::axpy(dIn, scale * r, x, grad + j * dIn);
    }
  }
  return s / static_cast<double>(count);
}

void MseLoss::batchHessianAction(const std::size_t* rows, std::size_t count, const double* dA, double* dG) const {
  const std::size_t dIn = inputDim(), dOut = outputDim();
  std::fill(dG, dG + dIn * dOut, 0.0);
  const double scale = 2.0 / static_cast<double>(count);
  for (std::size_t k = 0; k < count; ++k) {
    const double* x = X_.data() + rows[k] * dIn;
    for (std::size_t j = 0; j < dOut; ++j)
      kernels::axpy(dIn, scale * kernels::dot(dIn, dA + j * dIn, x), x, dG + j * dIn);
  }
}

double MseLoss::valueAndGradient(const double* A, double* grad) const {
  // grad <- (A - A*) Sigma, then C = C(A*) + <A - A*, (A - A*) Sigma> and G = 2 (A - A*) Sigma.
  const std::size_t dIn = inputDim(), dOut = outputDim();
  double ex = 0.0;
  for (std::size_t i = 0; i < dOut; ++i) {
    const double* a = A + i * dIn;
    const double* as = aStar_.data() + i * dIn;
    double* g = grad + i * dIn;
    std::fill(g, g + dIn, 0.0);
    for (std::size_t k = 0; k < dIn; ++k) kernels::axpy(dIn, a[k] - as[k], sigma_.data() + k * dIn, g);
    for (std::size_t j = 0; j < dIn; ++j) {
      ex += (a[j] - as[j]) * g[j];
      g[j] *= 2.0;
    }
  }
  return cMin_ + ex;
}

double MseLoss::value(const double* A) const {
  const std::size_t dIn = inputDim(), dOut = outputDim();
  std::vector<double> row(dIn);
  double ex = 0.0;
  for (std::size_t i = 0; i < dOut; ++i) {
    const double* a = A + i * dIn;
    const double* as = aStar_.data() + i * dIn;
    std::fill(row.begin(), row.end(), 0.0);
    for (std::size_t k = 0; k < dIn; ++k) kernels::axpy(dIn, a[k] - as[k], sigma_.data() + k * dIn, row.data());
    for (std::size_t j = 0; j < dIn; ++j) ex += (a[j] - as[j]) * row[j];
  }
  return cMin_ + ex;
}

void MseLoss::hessianAction(const double* dA, double* dG) const {
  const std::size_t dIn = inputDim(), dOut = outputDim();
  for (std::size_t i = 0; i < dOut; ++i) {
    double* g = dG + i * dIn;
    std::fill(g, g + dIn, 0.0);
    for (std::size_t k = 0; k < dIn; ++k) kernels::axpy(dIn, 2.0 * dA[i * dIn + k], sigma_.data() + k * dIn, g);
  }
}

double MseLoss::testValue(const double* A) const {
  if (nTest_ == 0) return Loss::testValue(A);
  const std::size_t dIn = inputDim(), dOut = outputDim();
  double s = 0.0;
  for (std::size_t t = 0; t < nTest_; ++t) {
    const double* x = XTest_.data() + t * dIn;
    for (std::size_t j = 0; j < dOut; ++j) {
      const double r = YTest_[t * dOut + j] - kernels::dot(dIn, A + j * dIn, x);
      s += r * r;
    }
  }
  return s / static_cast<double>(nTest_);
}

double MseLoss::minimumAtRank(std::size_t rank) const {
  double tail = 0.0;
  for (std::size_t i = rank; i < tailSingular_.size(); ++i) tail += tailSingular_[i] * tailSingular_[i];
  return cMin_ + tail;
}

}  // namespace dln

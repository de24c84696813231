// Univariate least squares (Marion & Chizat): R(w) = (1/n) ||y - X w||^2 with w = A^T p.
// The data enter only through Sigma = X^T X / n and the least-squares solution w*, computed once:
// R(w) = R(w*) + (w - w*)^T Sigma (w - w*) and grad = 2 Sigma (w - w*). This excess form is exact
// (the normal equations hold for the minimum-norm solution too) and, unlike
// w^T Sigma w - 2 c^T w + |y|^2/n, it does not cancel near the minimum. When Sigma is singular
// (n <= d, or collinear X) the loss and gradient come from the residuals y - X w instead.
#pragma once

#include <vector>

#include "losses/loss.hpp"

namespace dln {

class RegressionLoss final : public Loss {
 public:
  // X is n x d row-major; y has n entries. The test set (optional) is used by testValue only.
  RegressionLoss(std::size_t n, std::size_t d, const double* X, const double* y, std::size_t nTest = 0,
                 const double* XTest = nullptr, const double* yTest = nullptr);

  LossKind kind() const override { return LossKind::Regression; }
  const char* name() const override { return "regression"; }
  bool vectorHead() const override { return true; }

  double valueAndGradient(const double* w, double* grad) const override;
  double value(const double* w) const override;
  void hessianAction(const double* dw, double* dg) const override;
  double testValue(const double* w) const override;
  bool hasTestSet() const override { return nTest_ > 0; }
  double minimum() const override { return rMin_; }
  double minimumAtRank(std::size_t rank) const override { return rank >= 1 ? rMin_ : value0(); }

  std::size_t samples() const { return n_; }
  std::size_t sampleCount() const override { return n_; }
  // c_i(w) = (y_i + shift_i - x_i . w)^2.
  double batchValueAndGradient(const std::size_t* rows, std::size_t count, const double* shift, const double* w,
                               double* grad) const override;
  void batchHessianAction(const std::size_t* rows, std::size_t count, const double* dw, double* dg) const override;
  const std::vector<double>& sigma() const { return sigma_; }  // d x d
  const std::vector<double>& wStar() const { return wStar_; }  // d
  const std::vector<double>& xty() const { return c_; }        // X^T y / n
  std::size_t rankOfX() const { return rank_; }
  // Whether valueAndGradient works from the residuals (Sigma singular) rather than the excess form.
  bool fromResiduals() const { return fromResiduals_; }
  // ||w - w*||^2: the paper's squared distance (a sum, not the reference code's mean).
  double squaredDistance(const double* w) const;

 private:
  double value0() const;                                      // R(0)
  double residualValue(const double* w, double* grad) const;  // (1/n)|y - Xw|^2 and its gradient
  std::size_t n_, d_, nTest_, rank_;
  bool fromResiduals_ = false;
  std::vector<double> sigma_, c_, wStar_, XTest_, yTest_, X_, y_;  // X_, y_: the samples (residuals, batches)
  double rMin_ = 0.0, yy_ = 0.0;
};

}  // namespace dln

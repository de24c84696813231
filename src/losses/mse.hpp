// Multivariate least squares (Jacot et al.): C(A) = (1/N) ||A X - Y||_F^2 over N samples, here
// with samples as rows (X is N x d_0, Y is N x d_L). As for univariate regression the data are
// folded once into Sigma_xx = X^T X / N and the least-squares map A* = Y^T X (X^T X)^+, and
// C(A) = C(A*) + tr((A - A*) Sigma_xx (A - A*)^T), G = 2 (A - A*) Sigma_xx.
#pragma once

#include <vector>

#include "losses/loss.hpp"

namespace dln {

class MseLoss final : public Loss {
 public:
  MseLoss(std::size_t n, std::size_t dIn, std::size_t dOut, const double* X, const double* Y, std::size_t nTest = 0,
          const double* XTest = nullptr, const double* YTest = nullptr);

  LossKind kind() const override { return LossKind::Mse; }
  const char* name() const override { return "mse"; }

  double valueAndGradient(const double* A, double* grad) const override;
  double value(const double* A) const override;
  void hessianAction(const double* dA, double* dG) const override;
  double testValue(const double* A) const override;
  bool hasTestSet() const override { return nTest_ > 0; }
  double minimum() const override { return cMin_; }
  // Reduced-rank regression: C(A*) plus the tail of the squared singular values of A* Sigma^{1/2}.
  double minimumAtRank(std::size_t rank) const override;

  std::size_t sampleCount() const override { return n_; }
  // c_i(A) = ||y_i + shift_i - A x_i||^2.
  double batchValueAndGradient(const std::size_t* rows, std::size_t count, const double* shift, const double* A,
                               double* grad) const override;
  void batchHessianAction(const std::size_t* rows, std::size_t count, const double* dA, double* dG) const override;

  const std::vector<double>& sigma() const { return sigma_; }  // d_0 x d_0
  const std::vector<double>& aStar() const { return aStar_; }  // d_L x d_0

 private:
  double excess(const double* A, double* scratch) const;
  std::size_t n_, nTest_;
  std::vector<double> sigma_, aStar_, XTest_, YTest_, tailSingular_;
  std::vector<double> X_, Y_;  // the samples, for mini-batches
  double cMin_ = 0.0;
};

}  // namespace dln

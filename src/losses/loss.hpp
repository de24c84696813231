// The head of the network: a loss C(A) of the end-to-end map A = W_L ... W_1 (for univariate
// regression, of w = A^T p). The chain sweeps (evaluator.hpp) are the same for every loss; a loss
// only maps A to its value and to G = dC/dA, and (for Hessian-vector products) dA to
// d^2C[dA]. Heads are immutable after construction and safe to share across threads.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

namespace dln {

enum class LossKind { Regression, Mse, Completion };

class Loss {
 public:
  virtual ~Loss() = default;

  virtual LossKind kind() const = 0;
  virtual const char* name() const = 0;

  // Shape of the head's argument: the vector w (d_0) for univariate regression, otherwise the
  // d_L x d_0 matrix A.
  std::size_t inputDim() const { return inputDim_; }
  std::size_t outputDim() const { return outputDim_; }
  virtual bool vectorHead() const { return false; }

  // Value at A, and G = dC/dA written to `grad` (same shape as A).
  virtual double valueAndGradient(const double* A, double* grad) const = 0;
  // Value only.
  virtual double value(const double* A) const = 0;
  // dG = d^2C/dA^2 [dA] (a linear map; every loss here is quadratic in A).
  virtual void hessianAction(const double* dA, double* dG) const = 0;

  // Loss on the held-out set, NaN when the problem has none.
  virtual double testValue(const double* A) const { return std::numeric_limits<double>::quiet_NaN(); }
  virtual bool hasTestSet() const { return false; }

  // min_A C(A) over unconstrained A, NaN if unknown.
  virtual double minimum() const { return std::numeric_limits<double>::quiet_NaN(); }
  // min over A of rank <= rank (the network's bottleneck), NaN if unknown.
  virtual double minimumAtRank(std::size_t rank) const {
    return rank >= std::min(inputDim_, outputDim_) ? minimum() : std::numeric_limits<double>::quiet_NaN();
  }

  // Mini-batches (src/optimizers/batch.hpp). Every loss here is a mean C(A) = (1/n) sum_i c_i(A)
  // over n = sampleCount() samples (regression rows, observed entries); 0 means no batches. The
  // mean over the listed samples (repeats count twice), with sample rows[k]'s targets shifted by
  // shift[k * outputs .. ] (null: unshifted; label noise), and its gradient; the Hessian action of
  // the unshifted batch mean (the shift does not change it). Computed from residuals, so a batch
  // of all n samples agrees with valueAndGradient to rounding, not bit for bit.
  virtual std::size_t sampleCount() const { return 0; }
  virtual double batchValueAndGradient(const std::size_t* rows, std::size_t count, const double* shift, const double* A,
                                       double* grad) const;
  virtual void batchHessianAction(const std::size_t* rows, std::size_t count, const double* dA, double* dG) const;

 protected:
  Loss(std::size_t inputDim, std::size_t outputDim) : inputDim_(inputDim), outputDim_(outputDim) {}

 private:
  std::size_t inputDim_;
  std::size_t outputDim_;
};

}  // namespace dln

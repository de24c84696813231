// Exact Hessian-vector products by differentiating the two chain sweeps along V
// (forward-over-reverse; docs/math.md §4.1, §4.3). With the Evaluator's cached blocks at theta:
//   output side (U constant):  dalpha_{L-1} = 0,  dalpha_{l-1} = W_l^T dalpha_l + V_l^T alpha_l
//                              dA from dalpha_{-1}, dG = C''[dA], dbeta_0 = dG^T,
//                              dbeta_{l+1} = W_l dbeta_l + V_l beta_l
//   input side (V constant):   dbeta_0 = 0, dbeta_{l+1} = W_l dbeta_l + V_l beta_l, dA = dbeta_L,
//                              dalpha_{L-1} = dG, dalpha_{l-1} = W_l^T dalpha_l + V_l^T alpha_l
//   (H V)_l = dalpha_l beta_l^T + alpha_l dbeta_l^T + 2 l2 V_l.
// Cost: about two gradients. The operator reads the evaluator's cache, so the evaluator must stay
// at the evaluated point (gradient complete) while the operator is used.
#pragma once

#include <cstddef>
#include <vector>

#include "control.hpp"
#include "evaluator.hpp"
#include "memory.hpp"

namespace dln {

// A symmetric linear operator on R^n (what the eigensolvers need).
class SymmetricOperator {
 public:
  virtual ~SymmetricOperator() = default;
  virtual std::size_t dimension() const = 0;
  virtual void apply(const double* v, double* out) = 0;
};

class HessianOperator final : public SymmetricOperator {
 public:
  // `evaluator` must have evaluated a point and completed its gradient.
  explicit HessianOperator(const Evaluator& evaluator);

  std::size_t dimension() const override { return spec_.paramCount(); }
  void apply(const double* v, double* out) override;
  std::size_t products() const { return products_; }
  // Whether apply() runs the whole-chain sweeps (uniform small widths, univariate; hessian.cpp).
  bool wholeChain() const;
  const Evaluator& evaluator() const { return ev_; }

 private:
  void applyUnivariate(const double* v, double* out);

  const Evaluator& ev_;
  const Problem& problem_;
  const NetworkSpec& spec_;
  std::size_t L_, r_;
  std::vector<double> dAlpha_, dBeta_, dA_, dG_;
  std::vector<std::size_t> dAlphaOffset_, dBetaOffset_;
  // The width C when the univariate sweeps can run whole-chain (chain_kernels.hpp uniformBackward /
  // uniformForward: every layer C x C but the last, 1 <= C <= 8, contiguous blocks), else 0; and the
  // largest layer's size (the sweeps run only where every layer is below the dgemv threshold).
  std::size_t uniformC_ = 0, largestLayer_ = 0;
  std::size_t products_ = 0;
  MemoryReservation memory_;  // the buffers above, counted against the memory limit
};

// The dense Hessian (P x P, row-major) assembled from P products on unit vectors, as it is
// (not symmetrized), for the test oracle and small problems. The caller reserves its P^2 doubles
// against the memory limit (memory.hpp) before calling; `cancel` is polled between products.
std::vector<double> denseHessian(const Evaluator& evaluator, CancelFlag cancel = {});
// max_ij |H_ij - H_ji| / max_ij |H_ij| (0 for the zero matrix); `cancel` is polled per row.
double asymmetry(std::size_t n, const double* H, CancelFlag cancel = {});
// Eigenvalues (ascending) of (H + H^T) / 2, and its eigenvectors as columns when `vectors` is
// given; H (n x n) is symmetrized in place. A non-finite entry (a point where the products
// overflow) is an ErrorCode::Value error on "weights". `cancel` is polled per row and as
// symmetricEigen does.
void symmetricSpectrum(std::size_t n, std::vector<double>& H, double* values, double* vectors = nullptr,
                       CancelFlag cancel = {});

}  // namespace dln

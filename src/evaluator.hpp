// Loss and gradient of a deep linear network by the two chain sweeps of docs/math.md §3.2.
//
// Write G = dC/dA = U V^T with r = columns() columns and carry r-column blocks along the chain:
//   output side (U = p or I):  alpha_{L-1} = U,  alpha_{l-1} = W_l^T alpha_l   (suffix, data-free)
//                              beta_0 = V = G^T, beta_{l+1} = W_l beta_l
//   input side  (V = I):       beta_0 = I,       beta_{l+1} = W_l beta_l       (prefix; beta_L = A)
//                              alpha_{L-1} = G,  alpha_{l-1} = W_l^T alpha_l
// and grad_{W_l} C = alpha_l beta_l^T (+ 2 l2 W_l). Layers are 0-based: W_l is the paper's W_{l+1}.
//
// One Evaluator per thread; it owns every buffer a step needs, so the step loop never allocates,
// and reserves them against the memory limit (memory.hpp) for its lifetime.
// The cached blocks at the last evaluated point are what Hessian-vector products reuse.
#pragma once

#include <vector>

#include "memory.hpp"
#include "problem.hpp"

namespace dln {

class Evaluator {
 public:
  explicit Evaluator(const Problem& problem);

  const Problem& problem() const { return problem_; }

  // First sweep and head at theta: returns C(A) + l2 ||theta||^2. theta must stay unchanged
  // until completeGradient() (and any use of the cached blocks) is done.
  double evaluate(const double* theta);
  // Second sweep: after it, the factored gradient at the evaluated point is complete.
  void completeGradient();

  // theta += scale * grad, in place, for the evaluated theta. The arithmetic does not depend on
  // whether gradNormSquared() was called first, so a trajectory does not depend on how often it
  // is recorded.
  void step(double scale, double* theta);
  // completeGradient() and step(scale, theta) in one pass over the weights where the step allows
  // it (univariate, no L2); bitwise equal to calling the two. Use when nothing needs the gradient
  // before the update.
  void completeGradientAndStep(double scale, double* theta);
  // ||grad||^2 at the evaluated point (after completeGradient).
  double gradNormSquared();
  // Dense gradient at the evaluated point (paramCount entries).
  void gradient(double* out) const;

  // What the last evaluate() saw.
  double dataLoss() const { return dataLoss_; }
  double penalty() const { return penalty_; }
  const double* theta() const { return theta_; }
  // w (d_0) for univariate regression, else A (d_L x d_0, row-major).
  const double* endToEnd() const { return endToEnd_.data(); }
  // dC/d(endToEnd), same shape.
  const double* headGradient() const { return headGrad_.data(); }

  // Cached sweep blocks. alpha(l) is rows(l) x r, beta(l) is cols(l) x r, for layer l in [0, L).
  std::size_t columns() const { return r_; }
  bool outputSide() const { return problem_.outputSide(); }
  const double* alpha(std::size_t layer) const { return alpha_.data() + alphaOffset_[layer]; }
  const double* beta(std::size_t layer) const { return beta_.data() + betaOffset_[layer]; }

 private:
  const Problem& problem_;
  const NetworkSpec& spec_;
  std::size_t L_, r_;
  bool fused_;  // univariate without L2: rank-one layer gradients, norm in factored form
  // alpha blocks for layers 0..L-1, then the head block alpha_{-1} (d_0 x r).
  std::vector<double> alpha_;
  std::vector<std::size_t> alphaOffset_;
  // beta blocks for layers 0..L-1, then beta_L (d_L x r) on the input side.
  std::vector<double> beta_;
  std::vector<std::size_t> betaOffset_;
  std::vector<double> endToEnd_, headGrad_, gradScratch_;
  bool scratchValid_ = false;  // gradScratch_ holds the gradient at theta_
  MemoryReservation memory_;   // every buffer above, counted against the memory limit
  const double* theta_ = nullptr;
  double dataLoss_ = 0.0, penalty_ = 0.0;
};

}  // namespace dln

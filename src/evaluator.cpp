#include "evaluator.hpp"

#include <algorithm>
#include <cstring>

#include "kernels.hpp"
#include "memory.hpp"

namespace dln {

Evaluator::Evaluator(const Problem& problem)
    : problem_(problem), spec_(problem.spec()), L_(spec_.depth()), r_(problem.columns()) {
  fused_ = problem.univariate() && problem.l2() == 0.0;
  alphaOffset_.resize(L_ + 1);
  betaOffset_.resize(L_ + 1);
  std::size_t a = 0, b = 0;
  for (std::size_t l = 0; l < L_; ++l) {
    alphaOffset_[l] = a;
    a = checkedAdd(a, checkedMul(spec_.rows(l), r_, "widths"), "widths");
    betaOffset_[l] = b;
    b = checkedAdd(b, checkedMul(spec_.cols(l), r_, "widths"), "widths");
  }
  alphaOffset_[L_] = a;
  a = checkedAdd(a, checkedMul(spec_.inputDim(), r_, "widths"), "widths");
  betaOffset_[L_] = b;
  b = checkedAdd(b, checkedMul(spec_.outputDim(), r_, "widths"), "widths");
  // The gradient scratch (paramCount doubles) is allocated on first use by gradNormSquared().
  const std::size_t total = checkedAdd(checkedAdd(checkedAdd(a, b, "widths"), spec_.paramCount(), "widths"),
                                       checkedMul(2, problem.endToEndSize(), "widths"), "widths");
  memory_.grow(doubleBytes(total, "widths"), "widths");
  alpha_.assign(a, 0.0);
  beta_.assign(b, 0.0);
  endToEnd_.assign(problem.endToEndSize(), 0.0);
  headGrad_.assign(problem.endToEndSize(), 0.0);

  // The constant end of each sweep: U = p (univariate), U = I_{d_L} (output side) or V = I_{d_0}.
  if (problem.univariate()) {
    std::copy(spec_.projection().begin(), spec_.projection().end(), alpha_.begin() + alphaOffset_[L_ - 1]);
  } else if (problem.outputSide()) {
    double* u = alpha_.data() + alphaOffset_[L_ - 1];
    for (std::size_t i = 0; i < r_; ++i) u[i * r_ + i] = 1.0;
  } else {
    double* v = beta_.data() + betaOffset_[0];
    for (std::size_t i = 0; i < r_; ++i) v[i * r_ + i] = 1.0;
  }
}

double Evaluator::evaluate(const double* theta) {
  theta_ = theta;
  scratchValid_ = false;
  const std::size_t d0 = spec_.inputDim(), dL = spec_.outputDim();
  if (problem_.outputSide()) {
    for (std::size_t l = L_; l-- > 0;) {
      double* next = alpha_.data() + (l == 0 ? alphaOffset_[L_] : alphaOffset_[l - 1]);
      kernels::transposedTimes(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), alpha(l), next);
    }
    const double* head = alpha_.data() + alphaOffset_[L_];  // A^T (d_0 x r), or w when r = 1
    if (problem_.univariate()) {
      std::copy(head, head + d0, endToEnd_.begin());
    } else {
      for (std::size_t i = 0; i < d0; ++i)
        for (std::size_t j = 0; j < dL; ++j) endToEnd_[j * d0 + i] = head[i * r_ + j];
    }
    dataLoss_ = problem_.loss().valueAndGradient(endToEnd_.data(), headGrad_.data());
    double* v = beta_.data() + betaOffset_[0];  // V = G^T
    if (problem_.univariate()) {
      std::copy(headGrad_.begin(), headGrad_.end(), v);
    } else {
      for (std::size_t i = 0; i < dL; ++i)
        for (std::size_t j = 0; j < d0; ++j) v[j * r_ + i] = headGrad_[i * d0 + j];
    }
  } else {
    for (std::size_t l = 0; l < L_; ++l) {
      kernels::times(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), beta(l),
                     beta_.data() + betaOffset_[l + 1]);
    }
    const double* A = beta_.data() + betaOffset_[L_];  // d_L x d_0
    std::copy(A, A + dL * d0, endToEnd_.begin());
    dataLoss_ = problem_.loss().valueAndGradient(endToEnd_.data(), headGrad_.data());
    std::copy(headGrad_.begin(), headGrad_.end(), alpha_.begin() + alphaOffset_[L_ - 1]);  // U = G
  }
  penalty_ = 0.0;
  if (problem_.l2() != 0.0) {
    penalty_ = problem_.l2() * kernels::dot(spec_.paramCount(), theta, theta);
  }
  return dataLoss_ + penalty_;
}

void Evaluator::completeGradient() {
  if (problem_.outputSide()) {
    for (std::size_t l = 0; l + 1 < L_; ++l) {
      kernels::times(spec_.rows(l), spec_.cols(l), r_, theta_ + spec_.offset(l), beta(l),
                     beta_.data() + betaOffset_[l + 1]);
    }
  } else {
    for (std::size_t l = L_ - 1; l > 0; --l) {
      kernels::transposedTimes(spec_.rows(l), spec_.cols(l), r_, theta_ + spec_.offset(l), alpha(l),
                               alpha_.data() + alphaOffset_[l - 1]);
    }
  }
}

void Evaluator::gradient(double* out) const {
  const double twoL2 = 2.0 * problem_.l2();
  for (std::size_t l = 0; l < L_; ++l) {
    double* g = out + spec_.offset(l);
    const std::size_t size = spec_.layerSize(l);
    if (twoL2 != 0.0) {
      const double* w = theta_ + spec_.offset(l);
      for (std::size_t i = 0; i < size; ++i) g[i] = twoL2 * w[i];
    } else {
      std::memset(g, 0, sizeof(double) * size);
    }
    kernels::addOuter(spec_.rows(l), spec_.cols(l), r_, 1.0, alpha(l), beta(l), g);
  }
}

void Evaluator::completeGradientAndStep(double scale, double* theta) {
  if (!fused_ || theta != theta_) {
    completeGradient();
    step(scale, theta);
    return;
  }
  for (std::size_t l = 0; l < L_; ++l) {
    double* next = l + 1 < L_ ? beta_.data() + betaOffset_[l + 1] : nullptr;
    kernels::timesThenRankOne(spec_.rows(l), spec_.cols(l), beta(l), next, scale, alpha(l), theta + spec_.offset(l));
  }
}

double Evaluator::gradNormSquared() {
  if (fused_) {
    // ||a b^T||_F^2 = ||a||^2 ||b||^2 for each rank-one layer gradient.
    double s = 0.0;
    for (std::size_t l = 0; l < L_; ++l) {
      s += kernels::dot(spec_.rows(l), alpha(l), alpha(l)) * kernels::dot(spec_.cols(l), beta(l), beta(l));
    }
    return s;
  }
  // Formed explicitly: the factored trace formula tr(a^T a b^T b) loses relative accuracy when the
  // columns of alpha are far from orthogonal, and cancels against the L2 term near a minimum.
  if (gradScratch_.empty()) gradScratch_.assign(spec_.paramCount(), 0.0);
  if (!scratchValid_) {
    gradient(gradScratch_.data());
    scratchValid_ = true;
  }
  return kernels::dot(gradScratch_.size(), gradScratch_.data(), gradScratch_.data());
}

void Evaluator::step(double scale, double* theta) {
  // theta + scale (alpha beta^T + 2 l2 theta) = (1 + 2 scale l2) theta + scale alpha beta^T: the
  // outer products accumulate straight into the weights (dgemm with beta = 1 at large widths),
  // never through a formed gradient, so recording (which forms it) cannot change the trajectory.
  const double shrink = 1.0 + 2.0 * scale * problem_.l2();
  for (std::size_t l = 0; l < L_; ++l) {
    double* W = theta + spec_.offset(l);
    if (shrink != 1.0) {
      for (std::size_t i = 0; i < spec_.layerSize(l); ++i) W[i] *= shrink;
    }
    kernels::addOuter(spec_.rows(l), spec_.cols(l), r_, scale, alpha(l), beta(l), W);
  }
  scratchValid_ = false;
}

}  // namespace dln

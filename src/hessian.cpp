#include "hessian.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "error.hpp"
#include "kernels.hpp"
#include "kernels/chain_kernels.hpp"
#include "linalg.hpp"
#include "memory.hpp"

namespace dln {

// The fused r = 1 kernels (backwardFused, forwardAndOutput) are in kernels/chain_kernels.inc, one
// copy per CPU level (kernels/cpu_dispatch.hpp).

HessianOperator::HessianOperator(const Evaluator& evaluator)
    : ev_(evaluator), problem_(evaluator.problem()), spec_(problem_.spec()), L_(spec_.depth()),
      r_(evaluator.columns()) {
  dAlphaOffset_.resize(L_ + 1);
  dBetaOffset_.resize(L_ + 1);
  std::size_t a = 0, b = 0;
  for (std::size_t l = 0; l < L_; ++l) {
    dAlphaOffset_[l] = a;
    a += spec_.rows(l) * r_;
    dBetaOffset_[l] = b;
    b += spec_.cols(l) * r_;
  }
  dAlphaOffset_[L_] = a;  // dalpha_{-1}: d_0 x r
  a += spec_.inputDim() * r_;
  dBetaOffset_[L_] = b;  // dbeta_L: d_L x r
  b += spec_.outputDim() * r_;
  memory_.grow(doubleBytes(checkedAdd(checkedAdd(a, b, "widths"), 2 * problem_.endToEndSize(), "widths"), "widths"),
               "widths");
  dAlpha_.assign(a, 0.0);
  dBeta_.assign(b, 0.0);
  dA_.assign(problem_.endToEndSize(), 0.0);
  dG_.assign(problem_.endToEndSize(), 0.0);

  // Whole-chain sweeps: the layout they assume, checked on the actual buffers.
  const std::size_t C = spec_.cols(0);
  bool uniform = r_ == 1 && problem_.univariate() && C >= 1 && C <= 8;
  for (std::size_t l = 0; l < L_ && uniform; ++l) {
    largestLayer_ = std::max(largestLayer_, spec_.layerSize(l));
    uniform = spec_.cols(l) == C && (l + 1 == L_ || spec_.rows(l) == C) && spec_.offset(l) == l * C * C &&
              dAlphaOffset_[l] == l * C && dBetaOffset_[l] == l * C && ev_.alpha(l) == ev_.alpha(0) + l * C &&
              ev_.beta(l) == ev_.beta(0) + l * C;
  }
  if (uniform) uniformC_ = C;
}

bool HessianOperator::wholeChain() const {
  return uniformC_ && largestLayer_ < kernels::gemvThreshold() && kernels::chainKernels().uniformBackward;
}

void HessianOperator::apply(const double* v, double* out) {
  if (r_ == 1 && problem_.univariate()) {
    applyUnivariate(v, out);
    ++products_;
    return;
  }
  const double* theta = ev_.theta();
  const std::size_t d0 = spec_.inputDim(), dL = spec_.outputDim();
  auto dAlpha = [&](std::size_t l) { return dAlpha_.data() + dAlphaOffset_[l]; };
  auto dBeta = [&](std::size_t l) { return dBeta_.data() + dBetaOffset_[l]; };
  if (problem_.outputSide()) {
    std::fill(dAlpha(L_ - 1), dAlpha(L_ - 1) + spec_.rows(L_ - 1) * r_, 0.0);
    for (std::size_t l = L_; l-- > 0;) {
      double* next = l == 0 ? dAlpha(L_) : dAlpha(l - 1);
      kernels::transposedTimes(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dAlpha(l), next);
      kernels::transposedTimes(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.alpha(l), next, true);
    }
    const double* head = dAlpha(L_);  // dA^T (d_0 x r), or dw
    if (problem_.univariate()) {
      std::copy(head, head + d0, dA_.begin());
    } else {
      for (std::size_t i = 0; i < d0; ++i)
        for (std::size_t j = 0; j < dL; ++j) dA_[j * d0 + i] = head[i * r_ + j];
    }
    problem_.loss().hessianAction(dA_.data(), dG_.data());
    double* b0 = dBeta(0);
    if (problem_.univariate()) {
      std::copy(dG_.begin(), dG_.end(), b0);
    } else {
      for (std::size_t i = 0; i < dL; ++i)
        for (std::size_t j = 0; j < d0; ++j) b0[j * r_ + i] = dG_[i * d0 + j];
    }
    for (std::size_t l = 0; l + 1 < L_; ++l) {
      kernels::times(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dBeta(l), dBeta(l + 1));
      kernels::times(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.beta(l), dBeta(l + 1), true);
    }
  } else {
    std::fill(dBeta(0), dBeta(0) + spec_.cols(0) * r_, 0.0);
    for (std::size_t l = 0; l < L_; ++l) {
      double* next = dBeta(l + 1);
      kernels::times(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dBeta(l), next);
      kernels::times(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.beta(l), next, true);
    }
    std::copy(dBeta(L_), dBeta(L_) + dL * d0, dA_.begin());
    problem_.loss().hessianAction(dA_.data(), dG_.data());
    std::copy(dG_.begin(), dG_.end(), dAlpha(L_ - 1));
    for (std::size_t l = L_ - 1; l > 0; --l) {
      kernels::transposedTimes(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dAlpha(l), dAlpha(l - 1));
      kernels::transposedTimes(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.alpha(l), dAlpha(l - 1),
                               true);
    }
  }
  const double twoL2 = 2.0 * problem_.l2();
  for (std::size_t l = 0; l < L_; ++l) {
    double* o = out + spec_.offset(l);
    const std::size_t size = spec_.layerSize(l);
    if (twoL2 != 0.0) {
      const double* vl = v + spec_.offset(l);
      for (std::size_t i = 0; i < size; ++i) o[i] = twoL2 * vl[i];
    } else {
      std::memset(o, 0, sizeof(double) * size);
    }
    kernels::addOuter(spec_.rows(l), spec_.cols(l), r_, 1.0, dAlpha(l), ev_.beta(l), o);
    kernels::addOuter(spec_.rows(l), spec_.cols(l), r_, 1.0, ev_.alpha(l), dBeta(l), o);
  }
  ++products_;
}

void HessianOperator::applyUnivariate(const double* v, double* out) {
  // docs/math.md §4.2: da_{L-1} = 0, da_{l-1} = W_l^T da_l + V_l^T a_l, dw = da_{-1}; dg = 2 Sigma dw;
  // db_0 = dg, db_{l+1} = W_l db_l + V_l b_l; (H v)_l = da_l b_l^T + a_l db_l^T (+ 2 l2 V_l).
  // Matrix-vector products large enough for dgemv (the kernels' threshold) go to BLAS; the output
  // blocks are always written by the fused loop.
  const double* theta = ev_.theta();
  const std::size_t gemv = kernels::gemvThreshold();
  const kernels::ChainKernels& k = kernels::chainKernels();
  if (uniformC_ && largestLayer_ < gemv && k.uniformBackward) {  // wholeChain()
    // The same operations as the per-layer loop below, whole-chain (chain_kernels.hpp).
    const std::size_t C = uniformC_, R = spec_.rows(L_ - 1);
    k.uniformBackward(C, L_, R, theta, v, ev_.alpha(0), dAlpha_.data(), dAlpha_.data() + dAlphaOffset_[L_]);
    problem_.loss().hessianAction(dAlpha_.data() + dAlphaOffset_[L_], dBeta_.data());
    k.uniformForward(C, L_, R, theta, v, ev_.beta(0), dBeta_.data(), dAlpha_.data(), ev_.alpha(0), 2.0 * problem_.l2(),
                     out);
    return;
  }
  auto dAlpha = [&](std::size_t l) { return dAlpha_.data() + dAlphaOffset_[l]; };
  auto dBeta = [&](std::size_t l) { return dBeta_.data() + dBetaOffset_[l]; };
  for (std::size_t l = L_; l-- > 0;) {
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    const double* W = theta + spec_.offset(l);
    const double* V = v + spec_.offset(l);
    const double* x = l + 1 == L_ ? nullptr : dAlpha(l);  // da_{L-1} = 0
    double* next = l == 0 ? dAlpha(L_) : dAlpha(l - 1);
    if (rows * cols >= gemv) {
      if (x) {
        kernels::transposedTimes(rows, cols, 1, W, x, next);
        kernels::transposedTimes(rows, cols, 1, V, ev_.alpha(l), next, true);
      } else {
        kernels::transposedTimes(rows, cols, 1, V, ev_.alpha(l), next);
      }
    } else {
      k.backwardFused(rows, cols, W, x, V, ev_.alpha(l), next);
    }
  }
  problem_.loss().hessianAction(dAlpha(L_), dBeta(0));
  const double twoL2 = 2.0 * problem_.l2();
  for (std::size_t l = 0; l < L_; ++l) {
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    const double* W = theta + spec_.offset(l);
    const double* V = v + spec_.offset(l);
    double* next = l + 1 < L_ ? dBeta(l + 1) : nullptr;
    if (next && rows * cols >= gemv) {
      kernels::times(rows, cols, 1, W, dBeta(l), next);
      kernels::times(rows, cols, 1, V, ev_.beta(l), next, true);
      next = nullptr;
    }
    k.forwardAndOutput(rows, cols, W, V, dBeta(l), ev_.beta(l), next, dAlpha(l), ev_.alpha(l), twoL2,
                       out + spec_.offset(l));
  }
}

std::vector<double> denseHessian(const Evaluator& evaluator, CancelFlag cancel) {
  const std::size_t P = evaluator.problem().spec().paramCount();
  HessianOperator H(evaluator);
  // Zeroed row by row, polling the flag: touching P^2 fresh doubles takes long enough to matter.
  std::vector<double> dense, e(P, 0.0), column(P);
  dense.reserve(P * P);
  for (std::size_t i = 0; i < P; ++i) {
    cancel.check();
    dense.insert(dense.end(), P, 0.0);
  }
  for (std::size_t j = 0; j < P; ++j) {
    cancel.check();
    e[j] = 1.0;
    H.apply(e.data(), column.data());
    e[j] = 0.0;
    for (std::size_t i = 0; i < P; ++i) dense[i * P + j] = column[i];
  }
  return dense;
}

void symmetricSpectrum(std::size_t n, std::vector<double>& H, double* values, double* vectors, CancelFlag cancel) {
  for (std::size_t i = 0; i < n; ++i) {
    cancel.check();
    for (std::size_t j = 0; j < n; ++j) {
      if (!std::isfinite(H[i * n + j])) fail(ErrorCode::Value, "weights", "the Hessian is not finite at this point");
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    cancel.check();
    for (std::size_t j = i + 1; j < n; ++j) H[i * n + j] = H[j * n + i] = 0.5 * (H[i * n + j] + H[j * n + i]);
  }
  linalg::symmetricEigen(n, H.data(), values, vectors, cancel);
}

double asymmetry(std::size_t n, const double* H, CancelFlag cancel) {
  double worst = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    cancel.check();
    for (std::size_t j = 0; j < n; ++j) {
      scale = std::max(scale, std::fabs(H[i * n + j]));
      if (j > i) worst = std::max(worst, std::fabs(H[i * n + j] - H[j * n + i]));
    }
  }
  return scale > 0 ? worst / scale : 0.0;
}

}  // namespace dln

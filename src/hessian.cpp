#include "hessian.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "chains.hpp"
#include "limits.hpp"

namespace dln {

HessianOperator::HessianOperator(const Evaluator& evaluator)
    : ev_(evaluator), problem_(evaluator.problem()), spec_(problem_.spec()), L_(spec_.depth()), r_(evaluator.columns()) {
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
  requireDoubles(checkedAdd(a, b, "widths"), "widths");
  dAlpha_.assign(a, 0.0);
  dBeta_.assign(b, 0.0);
  dA_.assign(problem_.endToEndSize(), 0.0);
  dG_.assign(problem_.endToEndSize(), 0.0);
}

void HessianOperator::apply(const double* v, double* out) {
  const double* theta = ev_.theta();
  const std::size_t d0 = spec_.inputDim(), dL = spec_.outputDim();
  auto dAlpha = [&](std::size_t l) { return dAlpha_.data() + dAlphaOffset_[l]; };
  auto dBeta = [&](std::size_t l) { return dBeta_.data() + dBetaOffset_[l]; };
  if (problem_.outputSide()) {
    std::fill(dAlpha(L_ - 1), dAlpha(L_ - 1) + spec_.rows(L_ - 1) * r_, 0.0);
    for (std::size_t l = L_; l-- > 0;) {
      double* next = l == 0 ? dAlpha(L_) : dAlpha(l - 1);
      chains::transposedTimes(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dAlpha(l), next);
      chains::transposedTimes(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.alpha(l), next, true);
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
      chains::times(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dBeta(l), dBeta(l + 1));
      chains::times(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.beta(l), dBeta(l + 1), true);
    }
  } else {
    std::fill(dBeta(0), dBeta(0) + spec_.cols(0) * r_, 0.0);
    for (std::size_t l = 0; l < L_; ++l) {
      double* next = dBeta(l + 1);
      chains::times(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dBeta(l), next);
      chains::times(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.beta(l), next, true);
    }
    std::copy(dBeta(L_), dBeta(L_) + dL * d0, dA_.begin());
    problem_.loss().hessianAction(dA_.data(), dG_.data());
    std::copy(dG_.begin(), dG_.end(), dAlpha(L_ - 1));
    for (std::size_t l = L_ - 1; l > 0; --l) {
      chains::transposedTimes(spec_.rows(l), spec_.cols(l), r_, theta + spec_.offset(l), dAlpha(l), dAlpha(l - 1));
      chains::transposedTimes(spec_.rows(l), spec_.cols(l), r_, v + spec_.offset(l), ev_.alpha(l), dAlpha(l - 1), true);
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
    chains::addOuter(spec_.rows(l), spec_.cols(l), r_, 1.0, dAlpha(l), ev_.beta(l), o);
    chains::addOuter(spec_.rows(l), spec_.cols(l), r_, 1.0, ev_.alpha(l), dBeta(l), o);
  }
  ++products_;
}

std::vector<double> denseHessian(const Evaluator& evaluator) {
  const std::size_t P = evaluator.problem().spec().paramCount();
  requireDoubles(checkedMul(P, P, "weights"), "weights");
  HessianOperator H(evaluator);
  std::vector<double> dense(P * P), e(P, 0.0), column(P);
  for (std::size_t j = 0; j < P; ++j) {
    e[j] = 1.0;
    H.apply(e.data(), column.data());
    e[j] = 0.0;
    for (std::size_t i = 0; i < P; ++i) dense[i * P + j] = column[i];
  }
  return dense;
}

double asymmetry(std::size_t n, const double* H) {
  double worst = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      scale = std::max(scale, std::fabs(H[i * n + j]));
      if (j > i) worst = std::max(worst, std::fabs(H[i * n + j] - H[j * n + i]));
    }
  return scale > 0 ? worst / scale : 0.0;
}

}  // namespace dln

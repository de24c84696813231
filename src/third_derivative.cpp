#include "third_derivative.hpp"

#include <algorithm>
#include <cstring>

#include "error.hpp"
#include "kernels.hpp"
#include "memory.hpp"

namespace dln {

namespace {

// Fused kernels for the symmetric contraction with a univariate head (r = 1), in the spirit of
// hessian.cpp's: at the papers' widths loop overhead, not arithmetic, sets the cost, so each
// sweep reads W_l and u_l once and carries the first- and second-order blocks together. The
// column count is a template parameter up to 8 (C = 0: runtime `Cr`).

// For one layer (rows x cols), x and y the first- and second-order blocks at the layer's output
// (null: zero), a the point's block:
//   nextA (cols) = W^T x + U^T a,   nextH (cols) = W^T y + U^T x.
template <std::size_t C>
void backwardPair(std::size_t rows, std::size_t Cr, const double* W, const double* U, const double* x, const double* y,
                  const double* a, double* nextA, double* nextH) {
  const std::size_t cols = C ? C : Cr;
  double accA[C ? C : 1], accH[C ? C : 1];
  double* A = C ? accA : nextA;
  double* H = C ? accH : nextH;
  for (std::size_t j = 0; j < cols; ++j) A[j] = H[j] = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double xi = x ? x[i] : 0.0, yi = y ? y[i] : 0.0, ai = a[i];
    const double* w = W + i * cols;
    const double* u = U + i * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      A[j] += w[j] * xi + u[j] * ai;
      H[j] += w[j] * yi + u[j] * xi;
    }
  }
  if (C) {
    for (std::size_t j = 0; j < cols; ++j) {
      nextA[j] = A[j];
      nextH[j] = H[j];
    }
  }
}

// For one layer, in one pass over its rows (db, hb the first- and second-order blocks at the
// layer's input, b the point's):
//   nextB (rows) = W db + U b,  nextHB (rows) = W hb + U db   (skipped when nextB is null)
//   O = 2 (ha b^T + da db^T + a hb^T)                           (the layer's block of D^3R[u, u, .])
template <std::size_t C>
void forwardPair(std::size_t rows, std::size_t Cr, const double* W, const double* U, const double* db, const double* hb,
                 const double* b, double* nextB, double* nextHB, const double* da, const double* ha, const double* a,
                 double* O) {
  const std::size_t cols = C ? C : Cr;
  for (std::size_t i = 0; i < rows; ++i) {
    const double* w = W + i * cols;
    const double* u = U + i * cols;
    double* o = O + i * cols;
    if (nextB) {
      double s = 0.0, t = 0.0;
      for (std::size_t j = 0; j < cols; ++j) {
        s += w[j] * db[j] + u[j] * b[j];
        t += w[j] * hb[j] + u[j] * db[j];
      }
      nextB[i] = s;
      nextHB[i] = t;
    }
    const double hai = 2.0 * ha[i], dai = 2.0 * da[i], ai = 2.0 * a[i];
    for (std::size_t j = 0; j < cols; ++j) o[j] = hai * b[j] + dai * db[j] + ai * hb[j];
  }
}

// The mixed contraction's kernels: the tangents along u and v and the mixed second-order block in
// one pass per layer (xu, xv, y: their blocks at the layer's output; null: zero).
//   nextU = W^T xu + U^T a,  nextV = W^T xv + V^T a,  nextD = W^T y + U^T xv + V^T xu.
template <std::size_t C>
void backwardTriple(std::size_t rows, std::size_t Cr, const double* W, const double* U, const double* V,
                    const double* xu, const double* xv, const double* y, const double* a, double* nextU, double* nextV,
                    double* nextD) {
  const std::size_t cols = C ? C : Cr;
  double accU[C ? C : 1], accV[C ? C : 1], accD[C ? C : 1];
  double* AU = C ? accU : nextU;
  double* AV = C ? accV : nextV;
  double* AD = C ? accD : nextD;
  for (std::size_t j = 0; j < cols; ++j) AU[j] = AV[j] = AD[j] = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double xui = xu ? xu[i] : 0.0, xvi = xv ? xv[i] : 0.0, yi = y ? y[i] : 0.0, ai = a[i];
    const double* w = W + i * cols;
    const double* u = U + i * cols;
    const double* v = V + i * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      AU[j] += w[j] * xui + u[j] * ai;
      AV[j] += w[j] * xvi + v[j] * ai;
      AD[j] += w[j] * yi + u[j] * xvi + v[j] * xui;
    }
  }
  if (C) {
    for (std::size_t j = 0; j < cols; ++j) {
      nextU[j] = AU[j];
      nextV[j] = AV[j];
      nextD[j] = AD[j];
    }
  }
}

// For one layer (bu, bv, bd: the blocks at the layer's input; b the point's):
//   nextBU = W bu + U b,  nextBV = W bv + V b,  nextBD = W bd + U bv + V bu   (skipped when null)
//   O = da b^T + au bv^T + av bu^T + a bd^T   (da, au, av: the alpha-side blocks)
template <std::size_t C>
void forwardTriple(std::size_t rows, std::size_t Cr, const double* W, const double* U, const double* V,
                   const double* bu, const double* bv, const double* bd, const double* b, double* nextBU,
                   double* nextBV, double* nextBD, const double* au, const double* av, const double* da,
                   const double* a, double* O) {
  const std::size_t cols = C ? C : Cr;
  for (std::size_t i = 0; i < rows; ++i) {
    const double* w = W + i * cols;
    const double* u = U + i * cols;
    const double* v = V + i * cols;
    double* o = O + i * cols;
    if (nextBU) {
      double su = 0.0, sv = 0.0, sd = 0.0;
      for (std::size_t j = 0; j < cols; ++j) {
        su += w[j] * bu[j] + u[j] * b[j];
        sv += w[j] * bv[j] + v[j] * b[j];
        sd += w[j] * bd[j] + u[j] * bv[j] + v[j] * bu[j];
      }
      nextBU[i] = su;
      nextBV[i] = sv;
      nextBD[i] = sd;
    }
    const double dai = da[i], aui = au[i], avi = av[i], ai = a[i];
    for (std::size_t j = 0; j < cols; ++j) o[j] = dai * b[j] + aui * bv[j] + avi * bu[j] + ai * bd[j];
  }
}

#define DLN_THIRD_FUSED(F, cols, ...)  \
  switch (cols) {                      \
    case 1: F<1>(__VA_ARGS__); break;  \
    case 2: F<2>(__VA_ARGS__); break;  \
    case 3: F<3>(__VA_ARGS__); break;  \
    case 4: F<4>(__VA_ARGS__); break;  \
    case 5: F<5>(__VA_ARGS__); break;  \
    case 6: F<6>(__VA_ARGS__); break;  \
    case 7: F<7>(__VA_ARGS__); break;  \
    case 8: F<8>(__VA_ARGS__); break;  \
    default: F<0>(__VA_ARGS__); break; \
  }

}  // namespace

ThirdDerivative::ThirdDerivative(const Evaluator& evaluator)
    : ev_(evaluator), problem_(evaluator.problem()), spec_(problem_.spec()), L_(spec_.depth()),
      r_(evaluator.columns()) {
  // Only heads known to be quadratic in A: a head with C''' != 0 would need the term
  // C'''[dA_u, dA_v] in the second-order head, which no Loss provides.
  switch (problem_.loss().kind()) {
    case LossKind::Regression:
    case LossKind::Mse:
    case LossKind::Completion: break;
    default:
      fail(ErrorCode::Value, "problem",
           std::string("third derivatives are not implemented for the ") + problem_.loss().name() + " loss");
  }
  alphaOffset_.resize(L_ + 1);
  betaOffset_.resize(L_ + 1);
  std::size_t a = 0, b = 0;
  for (std::size_t l = 0; l < L_; ++l) {
    alphaOffset_[l] = a;
    a = checkedAdd(a, checkedMul(spec_.rows(l), r_, "widths"), "widths");
    betaOffset_[l] = b;
    b = checkedAdd(b, checkedMul(spec_.cols(l), r_, "widths"), "widths");
  }
  alphaOffset_[L_] = a;  // the head block: d_0 x r
  a = checkedAdd(a, checkedMul(spec_.inputDim(), r_, "widths"), "widths");
  betaOffset_[L_] = b;  // beta_L: d_L x r
  b = checkedAdd(b, checkedMul(spec_.outputDim(), r_, "widths"), "widths");
  alphaSize_ = a;
  betaSize_ = b;
  requireDoubles(checkedMul(checkedAdd(a, b, "widths"), 3, "widths"), "widths");
  dA_.assign(problem_.endToEndSize(), 0.0);
  dG_.assign(problem_.endToEndSize(), 0.0);
  fused_ = problem_.univariate() && r_ == 1;
  if (fused_) {
    const std::size_t gemv = kernels::gemvThreshold();
    for (std::size_t l = 0; l < L_; ++l) fused_ = fused_ && spec_.layerSize(l) < gemv;
  }
}

void ThirdDerivative::ensure(Tangent& t) const {
  if (t.alpha.size() != alphaSize_) t.alpha.assign(alphaSize_, 0.0);
  if (t.beta.size() != betaSize_) t.beta.assign(betaSize_, 0.0);
}

const double* ThirdDerivative::alphaOf(const Tangent* t, std::size_t l) const {
  return t ? t->alpha.data() + alphaOffset_[l] : ev_.alpha(l);
}

const double* ThirdDerivative::betaOf(const Tangent* t, std::size_t l) const {
  return t ? t->beta.data() + betaOffset_[l] : ev_.beta(l);
}

void ThirdDerivative::sweep(const Source* sources, std::size_t count, Tangent& out) {
  ensure(out);
  const double* theta = ev_.theta();
  const std::size_t d0 = spec_.inputDim(), dL = spec_.outputDim();
  if (problem_.outputSide()) {
    double* top = alphaOf(out, L_ - 1);
    std::fill(top, top + spec_.rows(L_ - 1) * r_, 0.0);
    for (std::size_t l = L_; l-- > 0;) {
      const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
      double* next = l == 0 ? alphaOf(out, L_) : alphaOf(out, l - 1);
      kernels::transposedTimes(rows, cols, r_, theta + spec_.offset(l), alphaOf(out, l), next);
      for (std::size_t s = 0; s < count; ++s)
        kernels::transposedTimes(rows, cols, r_, sources[s].dir + spec_.offset(l), alphaOf(sources[s].base, l), next,
                                 true);
    }
    const double* head = alphaOf(out, L_);  // d(A^T), d_0 x r (dw when r = 1)
    if (problem_.univariate()) {
      std::copy(head, head + d0, dA_.begin());
    } else {
      for (std::size_t i = 0; i < d0; ++i)
        for (std::size_t j = 0; j < dL; ++j) dA_[j * d0 + i] = head[i * r_ + j];
    }
    // The head is quadratic: the second-order block of G is C''[ddA] (no C''' term).
    problem_.loss().hessianAction(dA_.data(), dG_.data());
    double* b0 = betaOf(out, 0);
    if (problem_.univariate()) {
      std::copy(dG_.begin(), dG_.end(), b0);
    } else {
      for (std::size_t i = 0; i < dL; ++i)
        for (std::size_t j = 0; j < d0; ++j) b0[j * r_ + i] = dG_[i * d0 + j];
    }
    for (std::size_t l = 0; l + 1 < L_; ++l) {
      const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
      kernels::times(rows, cols, r_, theta + spec_.offset(l), betaOf(out, l), betaOf(out, l + 1));
      for (std::size_t s = 0; s < count; ++s)
        kernels::times(rows, cols, r_, sources[s].dir + spec_.offset(l), betaOf(sources[s].base, l), betaOf(out, l + 1),
                       true);
    }
  } else {
    double* b0 = betaOf(out, 0);
    std::fill(b0, b0 + spec_.cols(0) * r_, 0.0);
    for (std::size_t l = 0; l < L_; ++l) {
      const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
      double* next = betaOf(out, l + 1);
      kernels::times(rows, cols, r_, theta + spec_.offset(l), betaOf(out, l), next);
      for (std::size_t s = 0; s < count; ++s)
        kernels::times(rows, cols, r_, sources[s].dir + spec_.offset(l), betaOf(sources[s].base, l), next, true);
    }
    const double* dA = betaOf(out, L_);  // d_L x d_0
    std::copy(dA, dA + dL * d0, dA_.begin());
    problem_.loss().hessianAction(dA_.data(), dG_.data());
    std::copy(dG_.begin(), dG_.end(), alphaOf(out, L_ - 1));
    for (std::size_t l = L_ - 1; l > 0; --l) {
      const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
      kernels::transposedTimes(rows, cols, r_, theta + spec_.offset(l), alphaOf(out, l), alphaOf(out, l - 1));
      for (std::size_t s = 0; s < count; ++s)
        kernels::transposedTimes(rows, cols, r_, sources[s].dir + spec_.offset(l), alphaOf(sources[s].base, l),
                                 alphaOf(out, l - 1), true);
    }
  }
}

void ThirdDerivative::tangent(const double* u, Tangent& t) {
  const Source s{u, nullptr};
  sweep(&s, 1, t);
}

void ThirdDerivative::hessianProduct(const double* u, const Tangent& tu, double* out) const {
  const double twoL2 = 2.0 * problem_.l2();
  for (std::size_t l = 0; l < L_; ++l) {
    double* o = out + spec_.offset(l);
    const std::size_t size = spec_.layerSize(l);
    if (twoL2 != 0.0) {
      const double* ul = u + spec_.offset(l);
      for (std::size_t i = 0; i < size; ++i) o[i] = twoL2 * ul[i];
    } else {
      std::memset(o, 0, sizeof(double) * size);
    }
    kernels::addOuter(spec_.rows(l), spec_.cols(l), r_, 1.0, alphaOf(&tu, l), ev_.beta(l), o);
    kernels::addOuter(spec_.rows(l), spec_.cols(l), r_, 1.0, ev_.alpha(l), betaOf(&tu, l), o);
  }
}

void ThirdDerivative::contract(const double* u, const Tangent& tu, const double* v, const Tangent& tv, double* out) {
  // dd_{l-1} = W_l^T dd_l + u_l^T da^v_l + v_l^T da^u_l (and the beta side likewise).
  const Source sources[2] = {{u, &tv}, {v, &tu}};
  sweep(sources, 2, second_);
  for (std::size_t l = 0; l < L_; ++l) {
    double* o = out + spec_.offset(l);
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    std::memset(o, 0, sizeof(double) * spec_.layerSize(l));
    kernels::addOuter(rows, cols, r_, 1.0, alphaOf(second_, l), ev_.beta(l), o);
    kernels::addOuter(rows, cols, r_, 1.0, alphaOf(&tu, l), betaOf(&tv, l), o);
    kernels::addOuter(rows, cols, r_, 1.0, alphaOf(&tv, l), betaOf(&tu, l), o);
    kernels::addOuter(rows, cols, r_, 1.0, ev_.alpha(l), betaOf(second_, l), o);
  }
  ++contractions_;
}

void ThirdDerivative::contractSymmetric(const double* u, const Tangent& tu, double* out) {
  // h = dd / 2 is the tangent of the tangent: h_{l-1} = W_l^T h_l + u_l^T da_l.
  const Source s{u, &tu};
  sweep(&s, 1, second_);
  for (std::size_t l = 0; l < L_; ++l) {
    double* o = out + spec_.offset(l);
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    std::memset(o, 0, sizeof(double) * spec_.layerSize(l));
    kernels::addOuter(rows, cols, r_, 2.0, alphaOf(second_, l), ev_.beta(l), o);
    kernels::addOuter(rows, cols, r_, 2.0, alphaOf(&tu, l), betaOf(&tu, l), o);
    kernels::addOuter(rows, cols, r_, 2.0, ev_.alpha(l), betaOf(second_, l), o);
  }
  ++contractions_;
}

void ThirdDerivative::apply(const double* u, const double* v, double* out) {
  if (fused_) {
    applyMixedFused(u, v, out);
    ++contractions_;
    return;
  }
  tangent(u, tu_);
  tangent(v, tv_);
  contract(u, tu_, v, tv_, out);
}

void ThirdDerivative::applySymmetric(const double* u, double* out) {
  if (fused_) {
    applySymmetricFused(u, out);
    ++contractions_;
    return;
  }
  tangent(u, tu_);
  contractSymmetric(u, tu_, out);
}

void ThirdDerivative::applySymmetricFused(const double* u, double* out) {
  // Univariate head (r = 1), every layer below the dgemv threshold: the tangent (fa, fb) and the
  // half second-order blocks (fh, fhb) in one backward and one forward pass.
  if (fa_.size() != alphaSize_) {
    fa_.assign(alphaSize_, 0.0);
    fh_.assign(alphaSize_, 0.0);
    fb_.assign(betaSize_, 0.0);
    fhb_.assign(betaSize_, 0.0);
  }
  const double* theta = ev_.theta();
  double* fa = fa_.data();
  double* fh = fh_.data();
  double* fb = fb_.data();
  double* fhb = fhb_.data();
  // The blocks at the output layer are zero (U = p does not depend on W).
  std::fill(fa + alphaOffset_[L_ - 1], fa + alphaOffset_[L_ - 1] + spec_.rows(L_ - 1), 0.0);
  std::fill(fh + alphaOffset_[L_ - 1], fh + alphaOffset_[L_ - 1] + spec_.rows(L_ - 1), 0.0);
  for (std::size_t l = L_; l-- > 0;) {
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    const bool top = l + 1 == L_;
    const double* x = top ? nullptr : fa + alphaOffset_[l];
    const double* y = top ? nullptr : fh + alphaOffset_[l];
    const std::size_t next = l == 0 ? alphaOffset_[L_] : alphaOffset_[l - 1];
    DLN_THIRD_FUSED(backwardPair, cols, rows, cols, theta + spec_.offset(l), u + spec_.offset(l), x, y, ev_.alpha(l),
                    fa + next, fh + next)
  }
  // Head: dg = C''[dw], hg = C''[hw] (no C''' term: the head is quadratic).
  problem_.loss().hessianAction(fa + alphaOffset_[L_], fb + betaOffset_[0]);
  problem_.loss().hessianAction(fh + alphaOffset_[L_], fhb + betaOffset_[0]);
  for (std::size_t l = 0; l < L_; ++l) {
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    const bool last = l + 1 == L_;
    DLN_THIRD_FUSED(forwardPair, cols, rows, cols, theta + spec_.offset(l), u + spec_.offset(l), fb + betaOffset_[l],
                    fhb + betaOffset_[l], ev_.beta(l), last ? nullptr : fb + betaOffset_[l + 1],
                    last ? nullptr : fhb + betaOffset_[l + 1], fa + alphaOffset_[l], fh + alphaOffset_[l], ev_.alpha(l),
                    out + spec_.offset(l))
  }
}

void ThirdDerivative::applyMixedFused(const double* u, const double* v, double* out) {
  // Univariate head, small layers: the tangents along u (alpha fa, beta fb) and v (fh, fhb reused
  // as its blocks) and the mixed block (fm, fmb) in one backward and one forward pass.
  if (fa_.size() != alphaSize_) {
    fa_.assign(alphaSize_, 0.0);
    fh_.assign(alphaSize_, 0.0);
    fb_.assign(betaSize_, 0.0);
    fhb_.assign(betaSize_, 0.0);
  }
  if (fm_.size() != alphaSize_) {
    fm_.assign(alphaSize_, 0.0);
    fmb_.assign(betaSize_, 0.0);
  }
  const double* theta = ev_.theta();
  double* au = fa_.data();
  double* av = fh_.data();
  double* ad = fm_.data();
  double* bu = fb_.data();
  double* bv = fhb_.data();
  double* bd = fmb_.data();
  const std::size_t top = alphaOffset_[L_ - 1], topRows = spec_.rows(L_ - 1);
  for (double* x : {au, av, ad}) std::fill(x + top, x + top + topRows, 0.0);
  for (std::size_t l = L_; l-- > 0;) {
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    const bool isTop = l + 1 == L_;
    const std::size_t at = alphaOffset_[l], next = l == 0 ? alphaOffset_[L_] : alphaOffset_[l - 1];
    DLN_THIRD_FUSED(backwardTriple, cols, rows, cols, theta + spec_.offset(l), u + spec_.offset(l), v + spec_.offset(l),
                    isTop ? nullptr : au + at, isTop ? nullptr : av + at, isTop ? nullptr : ad + at, ev_.alpha(l),
                    au + next, av + next, ad + next)
  }
  problem_.loss().hessianAction(au + alphaOffset_[L_], bu + betaOffset_[0]);
  problem_.loss().hessianAction(av + alphaOffset_[L_], bv + betaOffset_[0]);
  problem_.loss().hessianAction(ad + alphaOffset_[L_], bd + betaOffset_[0]);
  for (std::size_t l = 0; l < L_; ++l) {
    const std::size_t rows = spec_.rows(l), cols = spec_.cols(l);
    const bool last = l + 1 == L_;
    const std::size_t b0 = betaOffset_[l], b1 = last ? 0 : betaOffset_[l + 1], a0 = alphaOffset_[l];
    DLN_THIRD_FUSED(forwardTriple, cols, rows, cols, theta + spec_.offset(l), u + spec_.offset(l), v + spec_.offset(l),
                    bu + b0, bv + b0, bd + b0, ev_.beta(l), last ? nullptr : bu + b1, last ? nullptr : bv + b1,
                    last ? nullptr : bd + b1, au + a0, av + a0, ad + a0, ev_.alpha(l), out + spec_.offset(l))
  }
}

}  // namespace dln

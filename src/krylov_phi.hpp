// phi-functions of a symmetric matrix times a vector by Lanczos, for exponential integrators of
// the gradient flow (exprb.hpp; docs/stiff-integration.md §4.2).
//
//   phi_0(z) = e^z,  phi_k(z) = (phi_{k-1}(z) - 1/(k-1)!) / z = sum_j z^j / (j + k)!.
//
// With the Lanczos relation H V_m = V_m T_m + beta_m q_{m+1} e_m^T (q_1 = v / ||v||, T_m
// tridiagonal), phi_k(-tau H) v ~ ||v|| V_m phi_k(-tau T_m) e_1, evaluated through the
// eigen-decomposition of T_m (H symmetric: T_m is symmetric, its Ritz values real). The error of
// scale * phi_k(-tau H) v is estimated by the generalized residual (Saad 1992; Hochbruck, Lubich &
// Selhofer 1998): w(tau) = tau^k phi_k(tau J) v solves w' = J w + tau^(k-1)/(k-1)! v, the Krylov
// approximation leaves the residual beta_m q_{m+1} e_m^T tau^k phi_k(-tau T_m) e_1 ||v||, and its
// integral gives the estimate |scale| ||v|| beta_m tau |e_m^T phi_{k+1}(-tau T_m) e_1| along q_{m+1}.
//
// The basis is the plain three-term recurrence in Paige's ordering (no reorthogonalization by
// default): for matrix functions the recurrence converges in finite precision
// (Druskin & Knizhnerman; Musco, Musco & Sidford 2018), and a full Gram-Schmidt over m vectors of
// P entries would cost more than the Hessian-vector products at the Jacot size. The relation
// above holds to rounding either way, which is what hessianTimesCombination() relies on: H times
// a vector of the basis' span costs no product.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

namespace dln {

// phi_k(z) for k in [0, 8], accurate to a few ulp (Taylor series for |z| < 2, the recurrence
// from e^z otherwise).
double phi(int k, double z);

class KrylovBasis {
 public:
  using Product = std::function<void(const double*, double*)>;  // out = H v

  // Starts K(H, v) with q_1 = v / ||v||; a zero (or non-finite) v gives the empty basis.
  // fullReorthogonalization: Gram-Schmidt of each new vector against the whole basis (twice),
  // O(m n) per step instead of O(n). maxSteps > 0 caps the storage at maxSteps + 1 vectors
  // (extend() is then not called more often), allocated by the first start() and written row by
  // row (no copy or bulk zeroing between two products); without a cap it grows by doubling.
  // weights (n entries, the caller's, read until the next start()): extend() also forms
  // nextWeightedSquares() in the pass that writes q_{m+1}.
  void start(std::size_t n, const double* v, bool fullReorthogonalization = false, std::size_t maxSteps = 0,
             const double* weights = nullptr);
  // One Lanczos step; false (and nothing added) when the basis is already invariant (breakdown)
  // or the product is not finite (then finite() turns false). The product is the first thing it
  // does: a product that throws (the stepper's cancel poll, stiff_stepper.hpp) leaves the basis as
  // it was. weighted: form nextWeightedSquares() in the same pass (when start() had weights;
  // otherwise it is formed when asked for).
  bool extend(const Product& product, bool weighted = true);
  std::size_t size() const { return m_; }
  bool invariant() const { return invariant_; }
  bool finite() const { return finite_; }
  double startNorm() const { return norm_; }
  double beta() const { return m_ > 0 ? beta_[m_ - 1] : 0.0; }  // beta_m (0 when invariant)
  const double* next() const { return V_.data() + m_ * n_; }    // q_{m+1} (when not invariant)
  double largestRitzValue();                                    // of T_m (NaN when empty)
  // sum_i (q_{m+1,i} weights_i)^2 in four interleaved partial sums: free after extend(..., true),
  // a pass otherwise; NaN without weights at start(), or when the basis is empty or invariant.
  double nextWeightedSquares() const;

  // c (size()) = scale ||v|| phi_k(-tau T_m) e_1, so that V_m c ~ scale phi_k(-tau H) v.
  void phiCoefficients(int k, double tau, double scale, double* c);
  // |scale| ||v|| beta_m tau |e_m^T phi_{k+1}(-tau T_m) e_1|: the estimated error of that product,
  // along the unit vector q_{m+1}; 0 when the basis is invariant or empty.
  double errorEstimate(int k, double tau, double scale) { return std::fabs(signedErrorEstimate(k, tau, scale)); }
  // The same with its sign: estimates of several products from one basis lie along the same
  // q_{m+1}, so the estimate of their sum is the absolute value of the signed sum.
  double signedErrorEstimate(int k, double tau, double scale);
  // out = V_m c (+ out if accumulate).
  void combine(const double* c, double* out, bool accumulate) const;
  // out += H V_m c = V_m (T_m c) + beta_m c_m q_{m+1}.
  void addHessianTimesCombination(const double* c, double* out) const;
  // t (size() + 1) = the coordinates of H V_m c on q_1..q_{m+1}: T_m c, then beta_m c_m (0 when
  // the basis is invariant). c has size() entries.
  void hessianCoefficients(const double* c, double* t) const;
  // out[j] = base[j] + sum_r c[j][r] q_r over r < size() + 1 (q_{m+1} only when the basis is not
  // invariant; c[j][size()] is read then), for `count` outputs in one pass over the basis: the basis
  // is read once instead of once per output (it is many vectors of P entries; the pass is
  // memory-bound). Without `base` every base[j] is out[j] (accumulate); a null base[j] is 0; base[j]
  // may be out[j] or a vector that overlaps no output. Each output sums its rows in the same order as
  // combine() after a copy of the base, so the same bits.
  void combineMany(std::size_t count, const double* const* c, double* const* out,
                   const double* const* base = nullptr) const;

 private:
  void decompose();                                                        // eigen-decomposition of T_m, cached per m
  void combineRows(std::size_t rows, const double* c, double* out) const;  // out += sum_r c_r q_r

  std::size_t n_ = 0, m_ = 0, maxRows_ = 0;
  double norm_ = 0.0;
  bool invariant_ = true, finite_ = true, full_ = false;
  std::vector<double> V_;  // rows q_1..q_{m+1} (capacity beyond them, grown by doubling)
  std::vector<double> alpha_, beta_, w_, proj_;
  const double* weights_ = nullptr;
  bool nextWeighted_ = false;  // nextWeightedSquares_ holds the sum for the current q_{m+1}
  double nextWeightedSquares_ = 0.0;
  std::size_t decomposed_ = static_cast<std::size_t>(-1);
  std::vector<double> theta_, S_, scratch_;  // Ritz values, eigenvectors (columns, m x m)
};

}  // namespace dln

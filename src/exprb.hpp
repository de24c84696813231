// Exponential Rosenbrock methods (Hochbruck, Ostermann & Schweitzer 2009) for the gradient flow
// y' = F(y) = -grad R(y), with the phi-functions of the exact Jacobian J = -H(y_n) computed by
// Lanczos on exact Hessian-vector products (krylov_phi.hpp). With g(y) = F(y) - J y the
// nonlinear remainder and D_i = g(U_i) - g(y_n) = F(U_i) - F(y_n) - J (U_i - y_n), both schemes
// are the variation-of-constants formula
//   y(t_n + tau) = y_n + tau phi_1(tau J) F(y_n) + int_0^tau e^{(tau - sigma) J} (g(y(t_n + sigma)) - g(y_n)) dsigma
// with g(y(t_n + sigma)) - g(y_n) (whose derivative at sigma = 0 vanishes) replaced by a
// polynomial through stage values:
//   exprb32 (order 3, embedded order 2): one stage,
//     U = y_n + h phi_1(h J) F(y_n), remainder ~ (sigma / h)^2 D,
//     y_{n+1} = U + 2 h phi_3(h J) D,  err = 2 h phi_3(h J) D;
//   exprb43 (order 4, embedded order 3): two stages,
//     U_2 = y_n + (h/2) phi_1(h J / 2) F(y_n),  U_3 = y_n + h phi_1(h J) (F(y_n) + D_2),
//     remainder ~ b (sigma / h)^2 + c (sigma / h)^3 with b = 8 D_2 - D_3, c = 2 D_3 - 8 D_2,
//     y_{n+1} = y_n + h phi_1(h J) F(y_n) + h phi_3(h J) (16 D_2 - 2 D_3) + h phi_4(h J) (12 D_3 - 48 D_2),
//     err = h phi_4(h J) (12 D_3 - 48 D_2)  (the embedded order-3 solution drops the phi_4 term).
//     D_3 = c D_2 + R (c = <D_2, D_3> / |D_2|^2; to leading order D_3 ~ 4 D_2): the phi-functions
//     of c D_2 come from D_2's basis, and the third basis is built on the small R alone.
// The linear part is integrated exactly: the step is limited by the nonlinearity, not by the
// stiffness, and a linear flow is solved in one step up to the Krylov error. The method advances
// with the higher-order solution (local extrapolation), so its global error stays at the level
// of the tolerance. J (U - y_n) comes from the Lanczos relations of the bases that built U (no
// product). A step costs one gradient per stage plus F(y_{n+1}) (the next step's F(y_n) and
// linearization), and one Hessian-vector product per Lanczos step. A rejected step keeps the
// basis of F(y_n) (it does not depend on h).
//
// Each Krylov approximation stops when its estimated error, measured in the step's error norm
// (RMS over atol + rtol |y_n|), is below krylovTolerance; a basis that reaches maxKrylov cuts the
// step. Dense output: the formula above at tau in (0, h) with the same polynomial, evaluated in
// the step's bases (no product); exact at tau = 0 and tau = h. The bases stay until the next
// attempt: dense() is valid after step() returned Running or Finished.
// docs/stiff-integration.md §4.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "krylov_phi.hpp"
#include "stiff_stepper.hpp"

namespace dln {

enum class ExprbScheme {
  Exprb32,  // order 3 (embedded 2): 1 stage
  Exprb43,  // order 4 (embedded 3): 2 stages
};

class Exprb final : public StiffStepper {
 public:
  Exprb(HessianOdeSystem& system, const double* y0, double t0, double tEnd, const StiffOptions& options,
        ExprbScheme scheme = ExprbScheme::Exprb43);

  ExprbScheme scheme() const { return scheme_; }
  // Sizes of the last step's bases: F(y_n), then D (exprb32) or D_2 and R = D_3 - c D_2 (exprb43).
  std::size_t lastKrylov(std::size_t basis) const { return basis_[basis].size(); }

 protected:
  double attempt(double h) override;
  void accept(double h) override;
  void denseInside(double s, double* out) override;

 private:
  // One term scale * phi_k(-tau H) v of a basis' contribution.
  struct Term {
    int k;
    double scale;
  };
  // Extends `basis` until the sum of the terms' scaled error estimates at tau = h passes; false
  // when the basis reached maxKrylov first (or a product was not finite).
  bool converge(KrylovBasis& basis, double h, std::initializer_list<Term> terms);
  double scaledEstimate(KrylovBasis& basis, double h, std::initializer_list<Term> terms);
  // The largest tau in (0, h] where the estimate of tau phi_1(-tau H) F passes with basisF as it is.
  double passingStep(double h);
  // out += V sum_terms scale * phi_k(-tau T) e_1 ||v||.
  void addTerms(KrylovBasis& basis, double tau, std::initializer_list<Term> terms, double* out);
  // out (basis.size() + 1 entries) = the coefficients on q_1..q_m of sum_terms scale * phi_k(-tau T) e_1 ||v||,
  // then 0 on q_{m+1} (the layout KrylovBasis::combineMany reads).
  void coefficients(KrylovBasis& basis, double tau, std::initializer_list<Term> terms, std::vector<double>& out);
  // x = xBase + V c and z = zBase + H V c (c from coefficients(); a null base is 0) in one pass over
  // the basis.
  void addTermsAndHessianTimes(KrylovBasis& basis, const std::vector<double>& c, const double* xBase, double* x,
                               const double* zBase, double* z);
  double attempt32(double h);
  double attempt43(double h);

  ExprbScheme scheme_;
  KrylovBasis basis_[3];                                      // F(y_n); D (exprb32) or D_2, R = D_3 - c3_ D_2 (exprb43)
  bool basisFValid_ = false;                                  // basis_[0] is K(H(y_n), F(y_n)) of the current y_n
  std::vector<double> u_, fu_, d_, inverseScale_, c_, cSum_;  // inverseScale_: 1 / (atol + rtol |y_n|)
  std::vector<double> p_, z_, z3_;                     // exprb43: y_n + h phi_1 F_n; H (U_2 - y_n), H (U_3 - y_n)
  std::vector<double> coefA_, coefB_, coefC_, coefD_;  // coefficients (size + 1) for combineMany
  std::vector<double> d2_;                             // exprb43: D_2
  double c3_ = 0.0;                                    // exprb43: D_3 = c3_ D_2 + R, basis_[2] is K(H, R)
  KrylovBasis::Product product_;
};

}  // namespace dln

#include "exprb.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "memory.hpp"

namespace dln {

Exprb::Exprb(HessianOdeSystem& system, const double* y0, double t0, double tEnd, const StiffOptions& options,
             ExprbScheme scheme)
    : StiffStepper(system, y0, t0, tEnd, options, scheme == ExprbScheme::Exprb32 ? 2 : 3), scheme_(scheme) {
  // Three bases of up to maxKrylov + 1 vectors each, plus the step's vectors.
  requireDoubles(
      checkedMul(checkedAdd(checkedMul(3, options.maxKrylov, "maxKrylov"), 10, "maxKrylov"), n_, "maxKrylov"),
      "maxKrylov");
  u_.assign(n_, 0.0);
  fu_.assign(n_, 0.0);
  d_.assign(n_, 0.0);
  inverseScale_.assign(n_, 0.0);
  p_.assign(n_, 0.0);
  d2_.assign(n_, 0.0);
  z_.assign(n_, 0.0);
  z3_.assign(n_, 0.0);
  product_ = [this](const double* v, double* out) { hvp(v, out); };
}

double Exprb::scaledEstimate(KrylovBasis& basis, double h, std::initializer_list<Term> terms) {
  // The terms' errors all lie along q_{m+1}: add them with their signs (the phi_3 and phi_4
  // weights of exprb43 cancel to a large part).
  double e = 0.0;
  for (const Term& t : terms) e += basis.signedErrorEstimate(t.k, h, t.scale);
  e = std::fabs(e);
  if (e == 0.0) return 0.0;
  // The estimate lies along q_{m+1}: its RMS in the scale of y_n (formed by extend(), the bases
  // being weighted by inverseScale_).
  return e * std::sqrt(basis.nextWeightedSquares() / static_cast<double>(n_));
}

bool Exprb::converge(KrylovBasis& basis, double h, std::initializer_list<Term> terms) {
  std::size_t nextCheck = 1;
  for (;;) {
    const std::size_t m = basis.size();
    if (basis.invariant()) return basis.finite();
    if (m >= nextCheck) {
      if (scaledEstimate(basis, h, terms) <= options_.krylovTolerance) return true;
      // Check every step while small, then every ~m/8 steps (each check decomposes T_m: O(m^3)).
      nextCheck = m + std::max<std::size_t>(1, m / 8);
    }
    if (m >= options_.maxKrylov) return false;
    // The weighted norm of the new q_{m+1} is formed in the Lanczos pass when it will be checked.
    if (!basis.extend(product_, m + 1 >= nextCheck)) return basis.finite();
    ++stats_.krylovIterations;
    stats_.maxKrylov = std::max(stats_.maxKrylov, basis.size());
  }
}

double Exprb::passingStep(double h) {
  // The estimate of tau phi_1(-tau H) F grows with tau: bisect on log tau.
  KrylovBasis& b = basis_[0];
  auto passes = [&](double tau) { return scaledEstimate(b, tau, {{1, tau}}) <= options_.krylovTolerance; };
  double lo = h * 1e-6, hi = h;
  if (!passes(lo)) return lo;
  for (int i = 0; i < 40; ++i) {
    const double mid = std::sqrt(lo * hi);
    (passes(mid) ? lo : hi) = mid;
  }
  return lo;
}

void Exprb::addTerms(KrylovBasis& basis, double tau, std::initializer_list<Term> terms, double* out) {
  const std::size_t m = basis.size();
  if (m == 0) return;
  c_.resize(m);
  cSum_.assign(m, 0.0);
  for (const Term& t : terms) {
    basis.phiCoefficients(t.k, tau, t.scale, c_.data());
    for (std::size_t i = 0; i < m; ++i) cSum_[i] += c_[i];
  }
  basis.combine(cSum_.data(), out, true);
}

void Exprb::coefficients(KrylovBasis& basis, double tau, std::initializer_list<Term> terms, std::vector<double>& out) {
  const std::size_t m = basis.size();
  out.assign(m + 1, 0.0);
  if (m == 0) return;
  c_.resize(m);
  for (const Term& t : terms) {
    basis.phiCoefficients(t.k, tau, t.scale, c_.data());
    for (std::size_t i = 0; i < m; ++i) out[i] += c_[i];
  }
}

void Exprb::addTermsAndHessianTimes(KrylovBasis& basis, const std::vector<double>& c, const double* xBase, double* x,
                                    const double* zBase, double* z) {
  coefB_.resize(basis.size() + 1);
  basis.hessianCoefficients(c.data(), coefB_.data());
  const double* coef[2] = {c.data(), coefB_.data()};
  double* out[2] = {x, z};
  const double* base[2] = {xBase, zBase};
  basis.combineMany(2, coef, out, base);
}

double Exprb::attempt(double h) {
  if (!basisFValid_) {
    for (std::size_t i = 0; i < n_; ++i) inverseScale_[i] = 1.0 / (options_.atol + options_.rtol * std::fabs(y_[i]));
    basis_[0].start(n_, f_.data(), options_.krylovReorthogonalize, options_.maxKrylov, inverseScale_.data());
    basisFValid_ = true;
  }
  // tau phi_1(tau J) F(y_n) at tau = h (exprb43 also needs tau = h/2, whose error is smaller).
  if (!converge(basis_[0], h, {{1, h}})) {
    if (!basis_[0].finite()) return std::numeric_limits<double>::quiet_NaN();
    ++stats_.krylovCuts;
    cutFactor_ = std::min(0.9, std::max(0.05, 0.9 * passingStep(h) / h));
    return std::numeric_limits<double>::infinity();
  }
  if (basis_[0].size() > 0) stats_.sharpness = basis_[0].largestRitzValue();
  return scheme_ == ExprbScheme::Exprb32 ? attempt32(h) : attempt43(h);
}

double Exprb::attempt32(double h) {
  const std::size_t n = n_;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  KrylovBasis& bF = basis_[0];
  KrylovBasis& bD = basis_[1];
  // U = y_n + h phi_1(h J) F_n; D = F(U) - F_n - J (U - y_n), -J (U - y_n) = H V c.
  coefficients(bF, h, {{1, h}}, coefA_);
  addTermsAndHessianTimes(bF, coefA_, y_.data(), u_.data(), nullptr, z_.data());
  rhs(u_.data(), fu_.data());
  for (std::size_t i = 0; i < n; ++i) d_[i] = (fu_[i] - f_[i]) + z_[i];
  bD.start(n, d_.data(), options_.krylovReorthogonalize, options_.maxKrylov, inverseScale_.data());
  if (!bD.finite()) return nan;
  if (!converge(bD, h, {{3, 2 * h}})) {
    if (!bD.finite()) return nan;
    ++stats_.krylovCuts;
    cutFactor_ = 0.5;
    return std::numeric_limits<double>::infinity();
  }
  // err = 2 h phi_3(h J) D, y_{n+1} = U + err.
  double* e = fu_.data();
  std::fill(e, e + n, 0.0);
  addTerms(bD, h, {{3, 2 * h}}, e);
  double* yn1 = yNew_.data();
  for (std::size_t i = 0; i < n; ++i) yn1[i] = u_[i] + e[i];
  return scaledNorm(n, e, y_.data(), yn1, options_.rtol, options_.atol);
}

double Exprb::attempt43(double h) {
  const std::size_t n = n_;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  KrylovBasis& bF = basis_[0];
  KrylovBasis& b2 = basis_[1];
  KrylovBasis& b3 = basis_[2];
  const double half = h / 2;
  // Each basis is read once per use below: the stage points and H times their offsets from y_n
  // (the Lanczos relation, no product) come out of one pass (combineMany).
  // From F's basis: U_2 = y_n + (h/2) phi_1(h J / 2) F_n, P = y_n + h phi_1(h J) F_n (the first
  // terms of U_3 and y_{n+1}), and H (U_2 - y_n), H (P - y_n).
  coefficients(bF, half, {{1, half}}, coefA_);
  coefficients(bF, h, {{1, h}}, coefC_);
  coefB_.resize(bF.size() + 1);
  coefD_.resize(bF.size() + 1);
  bF.hessianCoefficients(coefA_.data(), coefB_.data());
  bF.hessianCoefficients(coefC_.data(), coefD_.data());
  {
    const double* c[4] = {coefA_.data(), coefB_.data(), coefC_.data(), coefD_.data()};
    double* out[4] = {u_.data(), z_.data(), p_.data(), z3_.data()};
    const double* base[4] = {y_.data(), nullptr, y_.data(), nullptr};
    bF.combineMany(4, c, out, base);
  }
  // D_2 = F(U_2) - F_n + H (U_2 - y_n).
  rhs(u_.data(), fu_.data());
  for (std::size_t i = 0; i < n; ++i) d2_[i] = (fu_[i] - f_[i]) + z_[i];
  b2.start(n, d2_.data(), options_.krylovReorthogonalize, options_.maxKrylov, inverseScale_.data());
  if (!b2.finite()) return nan;
  // D_2 enters y_{n+1} through phi_3 and phi_4; through U_3 it enters only D_3, at O(h) times the
  // error (and J (U_3 - y_n) is formed from the same coefficients, so U_3 stays consistent).
  if (!converge(b2, h, {{3, 16 * h}, {4, -48 * h}})) {
    if (!b2.finite()) return nan;
    ++stats_.krylovCuts;
    cutFactor_ = 0.5;
    return inf;
  }
  // U_3 = P + h phi_1(h J) D_2; D_3 = F(U_3) - F_n + H (U_3 - y_n).
  coefficients(b2, h, {{1, h}}, coefA_);
  addTermsAndHessianTimes(b2, coefA_, p_.data(), u_.data(), z3_.data(), z3_.data());
  rhs(u_.data(), fu_.data());
  // D_3 = c D_2 + R with c the least-squares coefficient: both remainders are O(h^2) along nearly
  // the same direction (|R| ~ 1% of |D_3| on Jacot's flow), so the phi-functions of c D_2 come from
  // D_2's basis and only the small R needs a basis of its own (docs/stiff-integration.md §4.1).
  double dd[4] = {0.0, 0.0, 0.0, 0.0}, d23[4] = {0.0, 0.0, 0.0, 0.0};
  {
    const double* __restrict fu = fu_.data();
    const double* __restrict fn = f_.data();
    const double* __restrict z = z3_.data();
    const double* __restrict d2 = d2_.data();
    double* __restrict d3 = d_.data();
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      for (std::size_t j = 0; j < 4; ++j) {
        d3[i + j] = (fu[i + j] - fn[i + j]) + z[i + j];
        dd[j] += d2[i + j] * d2[i + j];
        d23[j] += d2[i + j] * d3[i + j];
      }
    }
    for (; i < n; ++i) {
      d3[i] = (fu[i] - fn[i]) + z[i];
      dd[0] += d2[i] * d2[i];
      d23[0] += d2[i] * d3[i];
    }
  }
  const double d2Squared = (dd[0] + dd[1]) + (dd[2] + dd[3]);
  const double c = d2Squared > 0 ? ((d23[0] + d23[1]) + (d23[2] + d23[3])) / d2Squared : 0.0;
  c3_ = std::isfinite(c) ? c : 0.0;
  for (std::size_t i = 0; i < n; ++i) d_[i] -= c3_ * d2_[i];
  // D_2 now carries (16 - 2c) h phi_3 + (12c - 48) h phi_4 of y_{n+1}: extend its basis if needed.
  const double w3 = (16 - 2 * c3_) * h, w4 = (12 * c3_ - 48) * h;
  if (!converge(b2, h, {{3, w3}, {4, w4}})) {
    if (!b2.finite()) return nan;
    ++stats_.krylovCuts;
    cutFactor_ = 0.5;
    return inf;
  }
  b3.start(n, d_.data(), options_.krylovReorthogonalize, options_.maxKrylov, inverseScale_.data());
  if (!b3.finite()) return nan;
  if (!converge(b3, h, {{3, -2 * h}, {4, 12 * h}})) {
    if (!b3.finite()) return nan;
    ++stats_.krylovCuts;
    cutFactor_ = 0.5;
    return inf;
  }
  // err = h phi_4(h J) (12 D_3 - 48 D_2) = h phi_4(h J) ((12c - 48) D_2 + 12 R);
  // y_{n+1} = P + h phi_3 (16 D_2 - 2 D_3) + err, the error and the solution from one pass over
  // each of the two bases.
  double* e = fu_.data();
  double* yn1 = yNew_.data();
  double* out[2] = {e, yn1};
  const double* base[2] = {nullptr, p_.data()};
  coefficients(b2, h, {{4, w4}}, coefA_);
  coefficients(b2, h, {{3, w3}, {4, w4}}, coefB_);
  const double* c2[2] = {coefA_.data(), coefB_.data()};
  b2.combineMany(2, c2, out, base);
  coefficients(b3, h, {{4, 12 * h}}, coefA_);
  coefficients(b3, h, {{3, -2 * h}, {4, 12 * h}}, coefB_);
  const double* c3[2] = {coefA_.data(), coefB_.data()};
  b3.combineMany(2, c3, out);
  return scaledNorm(n, e, y_.data(), yn1, options_.rtol, options_.atol);
}

void Exprb::accept(double h) {
  linearize(yNew_.data(), fNew_.data());
  basisFValid_ = false;  // the bases stay for the dense output of this step
}

void Exprb::denseInside(double s, double* out) {
  const double h = stepSize();
  const double a3 = s * s * s / (h * h), a4 = a3 * s / h;
  std::copy(yOld_.begin(), yOld_.end(), out);
  addTerms(basis_[0], s, {{1, s}}, out);
  if (scheme_ == ExprbScheme::Exprb32) {
    addTerms(basis_[1], s, {{3, 2 * a3}}, out);
  } else {
    addTerms(basis_[1], s, {{3, (16 - 2 * c3_) * a3}, {4, (12 * c3_ - 48) * a4}}, out);
    addTerms(basis_[2], s, {{3, -2 * a3}, {4, 12 * a4}}, out);
  }
}

}  // namespace dln

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
  z_.assign(n_, 0.0);
  product_ = [this](const double* v, double* out) { hvp(v, out); };
}

double Exprb::scaledEstimate(KrylovBasis& basis, double h, std::initializer_list<Term> terms) {
  // The terms' errors all lie along q_{m+1}: add them with their signs (the phi_3 and phi_4
  // weights of exprb43 cancel to a large part).
  double e = 0.0;
  for (const Term& t : terms) e += basis.signedErrorEstimate(t.k, h, t.scale);
  e = std::fabs(e);
  if (e == 0.0) return 0.0;
  // The estimate lies along q_{m+1}: its RMS in the scale of y_n.
  const double* __restrict q = basis.next();
  const double* __restrict inv = inverseScale_.data();
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t i = 0;
  for (; i + 4 <= n_; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) {
      const double r = q[i + j] * inv[i + j];
      s[j] += r * r;
    }
  }
  for (; i < n_; ++i) s[0] += q[i] * inv[i] * q[i] * inv[i];
  return e * std::sqrt(((s[0] + s[1]) + (s[2] + s[3])) / static_cast<double>(n_));
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
    if (!basis.extend(product_)) return basis.finite();
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

void Exprb::addTermsAndHessianTimes(KrylovBasis& basis, const std::vector<double>& c, double* x, double* z) {
  if (basis.size() == 0) return;
  coefB_.resize(basis.size() + 1);
  basis.hessianCoefficients(c.data(), coefB_.data());
  const double* coef[2] = {c.data(), coefB_.data()};
  double* out[2] = {x, z};
  basis.combineMany(2, coef, out);
}

double Exprb::attempt(double h) {
  if (!basisFValid_) {
    for (std::size_t i = 0; i < n_; ++i) inverseScale_[i] = 1.0 / (options_.atol + options_.rtol * std::fabs(y_[i]));
    basis_[0].start(n_, f_.data(), options_.krylovReorthogonalize, options_.maxKrylov);
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
  std::copy(y_.begin(), y_.end(), u_.begin());
  std::fill(z_.begin(), z_.end(), 0.0);
  coefficients(bF, h, {{1, h}}, coefA_);
  addTermsAndHessianTimes(bF, coefA_, u_.data(), z_.data());
  rhs(u_.data(), fu_.data());
  for (std::size_t i = 0; i < n; ++i) d_[i] = (fu_[i] - f_[i]) + z_[i];
  bD.start(n, d_.data(), options_.krylovReorthogonalize, options_.maxKrylov);
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
  // Each basis is read once per use below: the stage point and H times its offset from y_n
  // (the Lanczos relation, no product) come out of one pass (combineMany).
  // U_2 = y_n + (h/2) phi_1(h J / 2) F_n; D_2 = F(U_2) - F_n + H (U_2 - y_n).
  std::copy(y_.begin(), y_.end(), u_.begin());
  std::fill(z_.begin(), z_.end(), 0.0);
  coefficients(bF, half, {{1, half}}, coefA_);
  addTermsAndHessianTimes(bF, coefA_, u_.data(), z_.data());
  rhs(u_.data(), fu_.data());
  for (std::size_t i = 0; i < n; ++i) d_[i] = (fu_[i] - f_[i]) + z_[i];
  b2.start(n, d_.data(), options_.krylovReorthogonalize, options_.maxKrylov);
  if (!b2.finite()) return nan;
  // D_2 enters y_{n+1} through phi_3 and phi_4; through U_3 it enters only D_3, at O(h) times the
  // error (and J (U_3 - y_n) is formed from the same coefficients, so U_3 stays consistent).
  if (!converge(b2, h, {{3, 16 * h}, {4, -48 * h}})) {
    if (!b2.finite()) return nan;
    ++stats_.krylovCuts;
    cutFactor_ = 0.5;
    return inf;
  }
  // P = y_n + h phi_1(h J) F_n (also the first terms of y_{n+1});
  // U_3 = P + h phi_1(h J) D_2; D_3 = F(U_3) - F_n + H (U_3 - y_n).
  std::copy(y_.begin(), y_.end(), p_.begin());
  std::fill(z_.begin(), z_.end(), 0.0);
  coefficients(bF, h, {{1, h}}, coefA_);
  addTermsAndHessianTimes(bF, coefA_, p_.data(), z_.data());
  std::copy(p_.begin(), p_.end(), u_.begin());
  coefficients(b2, h, {{1, h}}, coefA_);
  addTermsAndHessianTimes(b2, coefA_, u_.data(), z_.data());
  rhs(u_.data(), fu_.data());
  for (std::size_t i = 0; i < n; ++i) d_[i] = (fu_[i] - f_[i]) + z_[i];
  b3.start(n, d_.data(), options_.krylovReorthogonalize, options_.maxKrylov);
  if (!b3.finite()) return nan;
  if (!converge(b3, h, {{3, -2 * h}, {4, 12 * h}})) {
    if (!b3.finite()) return nan;
    ++stats_.krylovCuts;
    cutFactor_ = 0.5;
    return inf;
  }
  // err = h phi_4(h J) (12 D_3 - 48 D_2); y_{n+1} = P + h phi_3 (16 D_2 - 2 D_3) + err, the error
  // and the solution from one pass over each of the two bases.
  double* e = fu_.data();
  std::fill(e, e + n, 0.0);
  double* yn1 = yNew_.data();
  std::copy(p_.begin(), p_.end(), yn1);
  double* out[2] = {e, yn1};
  coefficients(b2, h, {{4, -48 * h}}, coefA_);
  coefficients(b2, h, {{3, 16 * h}, {4, -48 * h}}, coefB_);
  const double* c2[2] = {coefA_.data(), coefB_.data()};
  b2.combineMany(2, c2, out);
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
    addTerms(basis_[1], s, {{3, 16 * a3}, {4, -48 * a4}}, out);
    addTerms(basis_[2], s, {{3, -2 * a3}, {4, 12 * a4}}, out);
  }
}

}  // namespace dln

// phi-functions and their Lanczos approximation (src/krylov_phi.*), the building blocks of the
// exponential Rosenbrock steppers.
//   1. phi_k(z), k = 0..5, against a long-double evaluation over z in [-1e4, 30]: relative error.
//      False case: phi_{k+1} in place of phi_k is caught.
//   2. scale * phi_k(-tau H) v by Lanczos against the dense eigen-decomposition, for H with the
//      spectrum of a stiff gradient flow (1 to 1e6, and a negative-curvature direction): the
//      error at each basis size is within a small factor of the generalized-residual estimate
//      once the estimate is small (the estimate drives the stepper's stopping rule), and
//      converges to rounding.
//   3. The Lanczos relation: H (V c) formed from the basis equals the product computed directly.
//   4. combineMany: the same bits as combine() one output at a time, from a base or from 0.
//   5. The Lanczos step (vectorized passes, the weighted norm of q_{m+1} fused into the
//      normalization): the bits of the scalar three-pass recurrence with four interleaved partial
//      sums; every q_j of unit norm to 1e-13 (also from a start vector close to an eigenvector,
//      where w cancels); the fused weighted norm equal to the sum over the stored vector. False
//      cases: the recurrence summed with one running sum, a vector off unit norm by 1e-10, other
//      weights.
#include <cmath>
#include <cstdio>
#include <vector>

#include "krylov_phi.hpp"
#include "rng.hpp"
#include "stiff_test_util.hpp"

using namespace dln;
using stiff_test::Checks;

namespace {

long double phiReference(int k, long double z) {
  if (std::fabs(static_cast<double>(z)) < 4) {
    long double term = 1, sum = 0;
    for (int j = 2; j <= k; ++j) term /= j;
    for (int j = 0; j < 80; ++j) {
      sum += term;
      term *= z / (j + 1 + k);
    }
    return sum;
  }
  long double p = expl(z), inv = 1;
  for (int j = 1; j <= k; ++j) {
    p = (p - inv) / z;
    inv /= j;
  }
  return p;
}

}  // namespace

int main() {
  Checks c;

  // 1. Scalar phi-functions.
  {
    double worst = 0.0, wrongWorst = 0.0;
    std::vector<double> zs;
    for (double z = -1e4; z < -10; z *= 0.9) zs.push_back(z);
    for (double z = -10; z <= 30; z += 0.0625) zs.push_back(z);
    for (double z : {1e-12, -1e-12, 1.999999, 2.000001, -1.999999, -2.000001}) zs.push_back(z);
    for (int k = 0; k <= 5; ++k) {
      for (double z : zs) {
        if (k == 0 && z < -700) continue;  // e^z underflows in double (not in long double)
        const long double ref = phiReference(k, z);
        const double e = std::fabs(static_cast<double>((phi(k, z) - ref) / ref));
        worst = std::max(worst, e);
        const double w = std::fabs(static_cast<double>((phi(k + 1, z) - ref) / ref));
        wrongWorst = std::max(wrongWorst, w);
      }
    }
    std::printf("phi_k, k <= 5, z in [-1e4, 30]: max relative error %.3g\n", worst);
    c.expect(worst < 2e-14, "phi_k relative error %g", worst);
    c.expect(wrongWorst > 1e-3, "phi_{k+1} for phi_k not caught (%g)", wrongWorst);
  }

  // 2. Lanczos phi-products on a stiff symmetric matrix.
  const std::size_t n = 60;
  std::vector<double> lambda(n);
  for (std::size_t i = 0; i < n; ++i) lambda[i] = std::pow(10.0, 6.0 * i / (n - 2));
  lambda[n - 1] = -3.0;  // a direction of negative curvature (a saddle)
  stiff_test::LinearFlow flow(lambda, 11);
  Rng rng(5, Purpose::Data, {2});
  std::vector<double> v(n);
  for (auto& x : v) x = rng.normal();
  KrylovBasis::Product product = [&](const double* x, double* out) { flow.hessianTimes(x, out); };
  for (bool full : {false, true}) {
    for (int k : {1, 3, 4}) {
      for (double tau : {1e-5, 1e-3, 0.3}) {
        const double scale = 2.5 * tau;
        // Reference: scale * phi_k(-tau H) v by the eigen-decomposition (LinearFlow's Q).
        std::vector<double> ref(n, 0.0);
        const auto Q = stiff_test::randomOrthogonal(n, 11);
        for (std::size_t q = 0; q < n; ++q) {
          double proj = 0.0;
          for (std::size_t i = 0; i < n; ++i) proj += Q[q * n + i] * v[i];
          const double f = scale * phi(k, -tau * lambda[q]) * proj;
          for (std::size_t i = 0; i < n; ++i) ref[i] += Q[q * n + i] * f;
        }
        double refNorm = 0.0;
        for (double x : ref) refNorm += x * x;
        refNorm = std::sqrt(refNorm);
        KrylovBasis basis;
        basis.start(n, v.data(), full);
        double worstRatio = 0.0, finalError = 0.0;
        std::vector<double> approx(n), coef;
        // Without full reorthogonalization the recurrence may need more than n steps (copies of
        // converged Ritz values): allow 4 n.
        while (basis.size() < 4 * n && basis.extend(product)) {
          coef.resize(basis.size());
          basis.phiCoefficients(k, tau, scale, coef.data());
          basis.combine(coef.data(), approx.data(), false);
          double err = 0.0;
          for (std::size_t i = 0; i < n; ++i) err += (approx[i] - ref[i]) * (approx[i] - ref[i]);
          err = std::sqrt(err);
          const double estimate = basis.errorEstimate(k, tau, scale);
          // Where the stepper would stop (estimate below ~1e-2 of the product and above rounding),
          // the true error must not exceed the estimate by much (above the rounding floor, ~1e-11 here).
          if (estimate < 1e-2 * refNorm && err > 1e-10 * refNorm) worstRatio = std::max(worstRatio, err / estimate);
          finalError = err / refNorm;
          if (estimate < 1e-15 * refNorm) break;
        }
        std::printf(
            "phi_%d(-tau H) v, tau %g, %s: %zu Lanczos steps, final relative error %.3g, max error/estimate %.3g\n", k,
            tau, full ? "full reorthogonalization" : "three-term", basis.size(), finalError, worstRatio);
        // The three-term recurrence on a spectrum over 6 decades at tau S = 3e5 converges slowly past
        // n steps (copies of converged Ritz values; 3e-8 after 4 n measured); with full
        // reorthogonalization n steps are exact.
        const double reached = full || tau < 0.1 ? 1e-11 : 1e-7;
        c.expect(finalError < reached, "phi_%d tau %g: Lanczos converged to %g", k, tau, finalError);
        if (full)
          c.expect(basis.size() <= n, "phi_%d tau %g: %zu > n steps with full reorthogonalization", k, tau,
                   basis.size());
        c.expect(worstRatio < 3, "phi_%d tau %g: error %g x the estimate", k, tau, worstRatio);
      }
    }
  }

  // 3. The Lanczos relation gives H (V c) without a product.
  {
    KrylovBasis basis;
    basis.start(n, v.data());
    for (int i = 0; i < 25; ++i) basis.extend(product);
    std::vector<double> coef(basis.size()), x(n), hx(n), viaRelation(n, 0.0);
    for (std::size_t i = 0; i < coef.size(); ++i) coef[i] = std::sin(1.0 + i);
    basis.combine(coef.data(), x.data(), false);
    flow.hessianTimes(x.data(), hx.data());
    basis.addHessianTimesCombination(coef.data(), viaRelation.data());
    double e = 0.0, m = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      e = std::max(e, std::fabs(viaRelation[i] - hx[i]));
      m = std::max(m, std::fabs(hx[i]));
    }
    std::printf("Lanczos relation: max |H V c - relation| / max |H V c| = %.3g\n", e / m);
    c.expect(e / m < 1e-13, "H V c from the Lanczos relation off by %g", e / m);
    // False case: dropping the beta_m q_{m+1} term is caught.
    std::vector<double> truncated(n, 0.0);
    basis.addHessianTimesCombination(coef.data(), truncated.data());
    const double* q = basis.next();
    double w = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      w = std::max(w, std::fabs(truncated[i] - basis.beta() * coef.back() * q[i] - hx[i]));
    c.expect(w / m > 1e-6, "a relation without the beta_m q_{m+1} term not caught (%g)", w / m);

    // 4. combineMany (the exponential steppers' fused pass) gives, for each output, the same bits
    // as combine() and addHessianTimesCombination() one output at a time (same order of rows), and
    // hessianCoefficients() the relation's coordinates (with beta_m c_m on q_{m+1}).
    std::vector<double> plain(coef.size() + 1, 0.0), hc(coef.size() + 1);
    std::copy(coef.begin(), coef.end(), plain.begin());
    basis.hessianCoefficients(coef.data(), hc.data());
    std::vector<double> a(n), b(n), sepA(n), sepB(n);
    for (std::size_t i = 0; i < n; ++i) a[i] = b[i] = sepA[i] = sepB[i] = std::cos(0.3 * i);
    const double* cs[2] = {plain.data(), hc.data()};
    double* outs[2] = {a.data(), b.data()};
    basis.combineMany(2, cs, outs);
    basis.combine(coef.data(), sepA.data(), true);
    basis.addHessianTimesCombination(coef.data(), sepB.data());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < n; ++i) differ += (a[i] != sepA[i]) + (b[i] != sepB[i]);
    c.expect(differ == 0, "combineMany differs from combine / addHessianTimesCombination in %zu entries", differ);
    // False case: a coefficient on q_{m+1} for the plain output is read (it would change the bits).
    plain.back() = 1e-3;
    for (std::size_t i = 0; i < n; ++i) a[i] = std::cos(0.3 * i);
    double* one[1] = {a.data()};
    basis.combineMany(1, cs, one);
    differ = 0;
    for (std::size_t i = 0; i < n; ++i) differ += a[i] != sepA[i];
    c.expect(differ > 0, "combineMany ignored the coefficient on q_{m+1}");
    // From a base (null: 0): the bits of copying the base, then combining.
    std::vector<double> base(n), fromBase(n, 7.0), fromZero(n, 7.0), copied(n), zeroed(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) copied[i] = base[i] = std::sin(0.7 * i);
    basis.combine(coef.data(), copied.data(), true);
    basis.combine(coef.data(), zeroed.data(), true);
    plain.back() = 0.0;
    double* two[2] = {fromBase.data(), fromZero.data()};
    const double* bases[2] = {base.data(), nullptr};
    const double* cp[2] = {plain.data(), plain.data()};
    basis.combineMany(2, cp, two, bases);
    differ = 0;
    for (std::size_t i = 0; i < n; ++i) differ += (fromBase[i] != copied[i]) + (fromZero[i] != zeroed[i]);
    c.expect(differ == 0, "combineMany from a base differs from copy-then-combine in %zu entries", differ);
  }

  // 5. The Lanczos step.
  {
    // The scalar recurrence (Paige's ordering, four interleaved partial sums), one running sum for
    // the false case.
    auto reference = [&](bool fourSums, std::size_t steps, std::vector<double>& V, std::vector<double>& ab) {
      auto sum = [&](const std::vector<double>& terms) {
        if (!fourSums) {
          double t = 0.0;
          for (double x : terms) t += x;
          return t;
        }
        double p[4] = {0.0, 0.0, 0.0, 0.0};
        for (std::size_t i = 0; i < terms.size(); ++i) p[i % 4] += terms[i];
        return (p[0] + p[1]) + (p[2] + p[3]);
      };
      std::vector<double> terms(n), w(n);
      for (std::size_t i = 0; i < n; ++i) terms[i] = v[i] * v[i];
      const double inv0 = 1.0 / std::sqrt(sum(terms));
      V.assign((steps + 1) * n, 0.0);
      for (std::size_t i = 0; i < n; ++i) V[i] = v[i] * inv0;
      double bPrev = 0.0;
      for (std::size_t j = 0; j < steps; ++j) {
        const double* q = V.data() + j * n;
        flow.hessianTimes(q, w.data());
        for (std::size_t i = 0; i < n; ++i) {
          if (j > 0) w[i] -= bPrev * V[(j - 1) * n + i];
          terms[i] = q[i] * w[i];
        }
        const double a = sum(terms);
        for (std::size_t i = 0; i < n; ++i) {
          w[i] -= a * q[i];
          terms[i] = w[i] * w[i];
        }
        const double b = std::sqrt(sum(terms));
        for (std::size_t i = 0; i < n; ++i) V[(j + 1) * n + i] = w[i] * (1.0 / b);
        ab.push_back(a);
        ab.push_back(b);
        bPrev = b;
      }
    };
    std::vector<double> refV, refAB, oneV, oneAB;
    reference(true, 20, refV, refAB);
    reference(false, 20, oneV, oneAB);
    KrylovBasis basis;
    basis.start(n, v.data());
    for (int j = 0; j < 20; ++j) basis.extend(product);
    std::vector<double> e1(21, 0.0);
    std::size_t differ = 0, differOne = 0;
    for (std::size_t r = 0; r <= 20; ++r) {
      std::vector<double> row(n);
      std::fill(e1.begin(), e1.end(), 0.0);
      if (r < 20) {
        e1[r] = 1.0;
        basis.combine(e1.data(), row.data(), false);
      } else {
        std::copy(basis.next(), basis.next() + n, row.begin());
      }
      for (std::size_t i = 0; i < n; ++i) {
        differ += row[i] != refV[r * n + i];
        differOne += row[i] != oneV[r * n + i];
      }
    }
    std::printf("Lanczos step against the scalar recurrence: %zu of %zu entries differ (%zu with one running sum)\n",
                differ, 21 * n, differOne);
    c.expect(differ == 0 && basis.beta() == refAB.back(),
             "the Lanczos step differs from the scalar recurrence in %zu entries", differ);
    c.expect(differOne > 0, "a recurrence summed with one running sum not caught");

    std::vector<double> weights(n), nearEigen(n);
    for (std::size_t i = 0; i < n; ++i) weights[i] = 1.0 + 0.5 * std::sin(0.9 * i);
    // A start vector within 1e-4 of the top eigenvector (LinearFlow's Q row of lambda[n - 2]):
    // H q ~ alpha q, ||w||^2 cancels in ||x||^2 - alpha^2 and comes from w.
    const auto Q = stiff_test::randomOrthogonal(n, 11);
    for (std::size_t i = 0; i < n; ++i) nearEigen[i] = Q[(n - 2) * n + i] + 1e-4 * v[i] / std::sqrt(double(n));
    for (const std::vector<double>* start : {&v, &nearEigen}) {
      KrylovBasis basis;
      basis.start(n, start->data(), false, 0, weights.data());
      double worstNorm = 0.0, worstWeighted = 0.0, wrongWeights = 0.0, offNorm = 0.0;
      for (int j = 0; j < 40 && basis.extend(product, true); ++j) {
        if (basis.invariant()) break;
        const double* q = basis.next();
        double qq = 0.0, sum[4] = {0.0, 0.0, 0.0, 0.0}, other = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
          qq += q[i] * q[i];
          const double r = q[i] * weights[i];
          sum[i % 4] += r * r;
          other += q[i] * q[i] * weights[(i + 1) % n] * weights[(i + 1) % n];
        }
        worstNorm = std::max(worstNorm, std::fabs(std::sqrt(qq) - 1.0));
        offNorm = std::max(offNorm, std::fabs(std::sqrt(qq) * (1.0 + 1e-10) - 1.0));
        const double reference = (sum[0] + sum[1]) + (sum[2] + sum[3]);
        worstWeighted = std::max(worstWeighted, std::fabs(basis.nextWeightedSquares() - reference) / reference);
        wrongWeights = std::max(wrongWeights, std::fabs(basis.nextWeightedSquares() - other) / other);
      }
      std::printf("Lanczos step (%s start): max | ||q_j|| - 1 | = %.3g, weighted norm off by %.3g\n",
                  start == &v ? "random" : "near-eigenvector", worstNorm, worstWeighted);
      c.expect(worstNorm < 1e-13, "a Lanczos vector off unit norm by %g", worstNorm);
      c.expect(offNorm > 5e-11, "a vector off unit norm by 1e-10 not caught (%g)", offNorm);
      c.expect(worstWeighted == 0.0, "the fused weighted norm differs from the sum by %g", worstWeighted);
      c.expect(wrongWeights > 1e-6, "other weights not caught (%g)", wrongWeights);
    }
  }
  return c.finish("stiff_krylov_test");
}

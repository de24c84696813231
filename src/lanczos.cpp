#include "lanczos.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "chains.hpp"
#include "error.hpp"
#include "limits.hpp"
#include "linalg.hpp"
#include "rng.hpp"

namespace dln {

namespace {

double norm(std::size_t n, const double* x) { return std::sqrt(chains::dot(n, x, x)); }

// Orthogonalizes w against the first m rows of Q (n each); twice if the first pass removed most
// of w ("twice is enough"). Returns the final norm.
double orthogonalize(std::size_t n, std::size_t m, const double* Q, double* w) {
  double before = norm(n, w);
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < m; ++i) chains::axpy(n, -chains::dot(n, Q + i * n, w), Q + i * n, w);
    const double after = norm(n, w);
    if (after > 0.7071 * before) return after;
    before = after;
  }
  return before;
}

// A random unit vector orthogonal to the first m rows of Q; false if none exists (m == n).
bool freshDirection(std::size_t n, std::size_t m, const double* Q, Rng& rng, double* out) {
  if (m >= n) return false;
  for (int attempt = 0; attempt < 4; ++attempt) {
    for (std::size_t i = 0; i < n; ++i) out[i] = rng.normal();
    const double before = norm(n, out);
    const double after = orthogonalize(n, m, Q, out);
    if (after > 1e-8 * before) {
      for (std::size_t i = 0; i < n; ++i) out[i] /= after;
      return true;
    }
  }
  return false;
}

}  // namespace

LanczosResult lanczos(SymmetricOperator& op, const LanczosOptions& o) {
  const std::size_t n = op.dimension();
  if (o.k < 1) fail(ErrorCode::Value, "k", "must be >= 1");
  if (o.k > n) fail(ErrorCode::Value, "k", "must be <= the number of parameters (" + std::to_string(n) + ")");
  if (!(o.tol > 0) || !std::isfinite(o.tol)) fail(ErrorCode::Value, "tol", "must be a finite number > 0");
  const std::size_t maxIter = std::min(n, o.maxIterations ? o.maxIterations : std::size_t(300));
  if (maxIter < o.k) fail(ErrorCode::Value, "maxIterations", "must be >= k");
  requireDoubles(checkedMul(maxIter + 1, n, "maxIterations"), "maxIterations");

  Rng rng(o.seed, Purpose::Eigensolver, {o.stream});
  std::vector<double> Q((maxIter + 1) * n), w(n), alpha, beta, evals, evecs;
  double* q = Q.data();
  if (o.start) {
    const double s = norm(n, o.start);
    for (std::size_t i = 0; i < n; ++i) q[i] = o.start[i] + (s > 0 ? o.startNoise * s / std::sqrt(double(n)) : 1.0) * rng.normal();
  } else {
    for (std::size_t i = 0; i < n; ++i) q[i] = rng.normal();
  }
  const double q0 = norm(n, q);
  if (!(q0 > 0) || !std::isfinite(q0)) fail(ErrorCode::Value, "start", "the start vector must be finite and nonzero");
  for (std::size_t i = 0; i < n; ++i) q[i] /= q0;

  LanczosResult result;
  const double floorFactor = std::pow(std::numeric_limits<double>::epsilon(), 2.0 / 3.0);
  std::size_t m = 0;  // basis size
  double tNorm = 0.0;
  double bLast = 0.0;  // ||w|| of the last step: the residual scale of the final Ritz pairs
  while (m < maxIter) {
    const double* qm = Q.data() + m * n;
    op.apply(qm, w.data());
    ++result.products;
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(w[i])) fail(ErrorCode::Value, "weights", "the Hessian-vector product is not finite at this point");
    }
    const double a = chains::dot(n, qm, w.data());
    alpha.push_back(a);
    ++m;
    double b = orthogonalize(n, m, Q.data(), w.data());
    bLast = b;
    tNorm = std::max(tNorm, std::fabs(a) + b + (beta.empty() ? 0.0 : beta.back()));

    // Ritz values and the last components of their vectors.
    evals.assign(m, 0.0);
    evecs.assign(m * m, 0.0);
    linalg::tridiagonalEigen(m, alpha.data(), beta.data(), evals.data(), evecs.data());
    const double floor = floorFactor * tNorm;
    auto residual = [&](std::size_t idx) { return std::fabs(b * evecs[(m - 1) * m + idx]); };
    bool done = m >= o.k;
    for (std::size_t i = 0; i < o.k && i < m && done; ++i) {
      const std::size_t idx = m - 1 - i;
      if (residual(idx) > o.tol * std::max(std::fabs(evals[idx]), floor)) done = false;
    }
    if (done && o.smallest && residual(0) > o.tol * std::max(std::fabs(evals[0]), floor)) done = false;
    result.iterations = m;
    const bool breakdown = b <= 1e-12 * std::max(tNorm, std::numeric_limits<double>::min());
    if (done || m >= maxIter) {
      result.converged = done;
      break;
    }
    double* next = Q.data() + m * n;
    if (breakdown) {
      // Invariant subspace: its Ritz values are exact. Continue in the orthogonal complement.
      beta.push_back(0.0);
      if (!freshDirection(n, m, Q.data(), rng, next)) {
        beta.pop_back();
        result.converged = true;
        break;
      }
    } else {
      beta.push_back(b);
      for (std::size_t i = 0; i < n; ++i) next[i] = w[i] / b;
    }
  }

  // Final Ritz pairs from the last factorization (beta of the last step drives the residuals).
  const std::size_t k = std::min(o.k, m);
  result.values.resize(k);
  result.residuals.resize(k);
  if (o.wantVectors) result.vectors.assign(k * n, 0.0);
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t idx = m - 1 - i;
    result.values[i] = evals[idx];
    result.residuals[i] = std::fabs(bLast * evecs[(m - 1) * m + idx]);
    if (o.wantVectors) {
      double* y = result.vectors.data() + i * n;
      for (std::size_t j = 0; j < m; ++j) chains::axpy(n, evecs[j * m + idx], Q.data() + j * n, y);
      const double s = norm(n, y);
      if (s > 0)
        for (std::size_t t = 0; t < n; ++t) y[t] /= s;
    }
  }
  result.smallest = evals[0];
  result.smallestResidual = std::fabs(bLast * evecs[(m - 1) * m + 0]);
  return result;
}

PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream) {
  if (iterations < 1) fail(ErrorCode::Value, "powerIterations", "must be >= 1");
  const std::size_t n = op.dimension();
  Rng rng(seed, Purpose::Eigensolver, {stream, 1});
  std::vector<double> v(n), hv(n);
  for (double& x : v) x = rng.normal();
  double s = norm(n, v.data());
  for (double& x : v) x /= s;
  PowerResult r;
  double current = 1.0;  // the reference code starts from new_eigv = 1.0
  for (std::size_t k = 0; k < iterations; ++k) {
    r.estimate = current;
    op.apply(v.data(), hv.data());
    ++r.products;
    current = norm(n, hv.data());
    if (!(current > 0) || !std::isfinite(current)) {
      // H v = 0 (e.g. at the origin): the estimate is 0 from here on, as in exact arithmetic.
      if (current == 0.0) {
        r.estimate = k + 1 < iterations ? 0.0 : r.estimate;
        r.last = 0.0;
        return r;
      }
      fail(ErrorCode::Value, "weights", "the Hessian-vector product is not finite at this point");
    }
    for (std::size_t i = 0; i < n; ++i) v[i] = hv[i] / current;
  }
  r.last = current;
  return r;
}

}  // namespace dln

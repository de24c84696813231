// Lanczos (lanczos.hpp) on operators with known spectra, and each of its roles on its own
// (LanczosProcess: begin, extend, ritzPairs, converged, advance, restart, extract).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "check.hpp"
#include "lanczos.hpp"
#include "linalg.hpp"
#include "rng.hpp"

namespace {

class Diagonal final : public dln::SymmetricOperator {
 public:
  explicit Diagonal(std::vector<double> d) : d_(std::move(d)) {}
  std::size_t dimension() const override { return d_.size(); }
  void apply(const double* v, double* out) override {
    ++products;
    for (std::size_t i = 0; i < d_.size(); ++i) out[i] = d_[i] * v[i];
  }
  std::size_t products = 0;

 private:
  std::vector<double> d_;
};

// The (-1, 2, -1) matrix: lambda_k = 2 - 2 cos(k pi / (n + 1)).
class Laplacian final : public dln::SymmetricOperator {
 public:
  explicit Laplacian(std::size_t n) : n_(n) {}
  std::size_t dimension() const override { return n_; }
  void apply(const double* v, double* out) override {
    for (std::size_t i = 0; i < n_; ++i) out[i] = 2 * v[i] - (i > 0 ? v[i - 1] : 0.0) - (i + 1 < n_ ? v[i + 1] : 0.0);
  }
  double eigenvalue(std::size_t k) const {  // k = 1..n, ascending
    return 2.0 - 2.0 * std::cos(static_cast<double>(k) * std::acos(-1.0) / static_cast<double>(n_ + 1));
  }

 private:
  std::size_t n_;
};

std::vector<double> range(std::size_t n) {
  std::vector<double> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<double>(i + 1);
  return d;
}

double residualNorm(dln::SymmetricOperator& op, const double* y, double theta) {
  const std::size_t n = op.dimension();
  std::vector<double> hy(n);
  op.apply(y, hy.data());
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += (hy[i] - theta * y[i]) * (hy[i] - theta * y[i]);
  return std::sqrt(s);
}

}  // namespace

int main() {
  // 1. diag(1..100): the top 3 and the smallest, with residuals that pass the test and vectors
  //    that are the coordinate vectors.
  {
    Diagonal H(range(100));
    dln::LanczosOptions o;
    o.k = 3;
    o.smallest = true;
    const dln::LanczosResult r = dln::lanczos(H, o);
    CHECK(r.converged, "converged");
    CHECK(r.iterations < 100, "before spanning the space");
    CHECK_REL(r.values[0], 100.0, 1e-12, "lambda_1");
    CHECK_REL(r.values[1], 99.0, 1e-12, "lambda_2");
    CHECK_REL(r.values[2], 98.0, 1e-12, "lambda_3");
    CHECK_REL(r.smallest, 1.0, 1e-10, "lambda_min");
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(r.residuals[i] <= 1e-10 * r.values[i], "residual test passed");
      Diagonal fresh(range(100));
      CHECK_NEAR(residualNorm(fresh, r.vectors.data() + i * 100, r.values[i]), r.residuals[i], 1e-12,
                 "the residual estimate |beta s| is the true residual");
      CHECK_NEAR(std::fabs(r.vectors[i * 100 + 99 - i]), 1.0, 1e-12, "the Ritz vector is a coordinate vector");
    }
  }
  // 2. The (-1, 2, -1) matrix: clustered top eigenvalues, to the dense oracle's accuracy.
  {
    Laplacian H(120);
    dln::LanczosOptions o;
    o.k = 2;
    o.smallest = true;
    const dln::LanczosResult r = dln::lanczos(H, o);
    CHECK_REL(r.values[0], H.eigenvalue(120), 1e-12, "Laplacian lambda_max");
    CHECK_REL(r.values[1], H.eigenvalue(119), 1e-12, "Laplacian lambda_2");
    CHECK_REL(r.smallest, H.eigenvalue(1), 1e-8, "Laplacian lambda_min");
  }
  // 3. Multiplicities through breakdowns: diag(3, 3, 3, 2, 2, 1) has a 3-dimensional Krylov space;
  //    each restart finds one more copy, and the top 4 is 3, 3, 3, 2.
  {
    Diagonal H({3, 3, 3, 2, 2, 1});
    dln::LanczosOptions o;
    o.k = 4;
    const dln::LanczosResult r = dln::lanczos(H, o);
    CHECK(r.values.size() == 4, "k values");
    CHECK_NEAR(r.values[0], 3.0, 1e-14, "3");
    CHECK_NEAR(r.values[1], 3.0, 1e-14, "3 (second copy)");
    CHECK_NEAR(r.values[2], 3.0, 1e-14, "3 (third copy)");
    CHECK_NEAR(r.values[3], 2.0, 1e-14, "2");
    CHECK(r.restarts >= 2, "found by restarts");
  }
  // 4. The zero operator (the Hessian at the origin for L >= 3): 0, converged on the absolute floor.
  {
    Diagonal H(std::vector<double>(10, 0.0));
    const dln::LanczosResult r = dln::lanczos(H, dln::LanczosOptions());
    CHECK(r.converged && r.values[0] == 0.0, "zero operator: 0, converged");
  }
  // 5. A warm start on the top eigenvector (plus the 1e-3 relative noise Lanczos adds, so that a
  //    crossing eigenvalue is not missed) converges in fewer products than a cold start.
  {
    Diagonal H(range(50)), cold(range(50));
    std::vector<double> start(50, 0.0);
    start[49] = 1.0;
    dln::LanczosOptions o;
    const std::size_t coldProducts = dln::lanczos(cold, o).products;
    o.start = start.data();
    const dln::LanczosResult r = dln::lanczos(H, o);
    CHECK(r.products < coldProducts, "warm start: fewer products than cold");
    CHECK_REL(r.values[0], 50.0, 1e-12, "warm start: lambda_max");
  }
  // 6. A raised cancel flag stops before the first product.
  {
    Diagonal H(range(50));
    std::atomic<bool> raised{true};
    dln::LanczosOptions o;
    o.cancel = dln::CancelFlag(&raised);
    CHECK_THROWS(dln::lanczos(H, o), dln::ErrorCode::Cancelled, "cancelled");
    CHECK(H.products == 0, "no product after the flag was raised");
  }

  // The roles one by one.
  // accepted(): relative test with an absolute floor.
  CHECK(dln::LanczosProcess::accepted(2.0, 1.9e-10, 1e-10, 1.0), "relative test passes");
  CHECK(!dln::LanczosProcess::accepted(2.0, 2.1e-10, 1e-10, 1.0), "relative test fails above tol |theta|");
  CHECK(dln::LanczosProcess::accepted(0.0, 0.9e-10, 1e-10, 100.0), "a zero eigenvalue passes on the floor 1e-12 ||T||");
  CHECK(!dln::LanczosProcess::accepted(0.0, 1.1e-10, 1e-10, 100.0), "... and only below it");
  // begin / extend / advance: an orthonormal basis satisfying the three-term recurrence.
  {
    const std::size_t n = 40, steps = 12;
    Diagonal H(range(n));
    dln::Rng rng(7, dln::Purpose::Eigensolver);
    dln::LanczosProcess p(H, steps);
    p.begin(nullptr, 0.0, rng);
    for (std::size_t j = 0; j < steps; ++j) {
      const double b = p.extend();
      CHECK(!p.breakdown(b), "no breakdown on distinct eigenvalues");
      p.advance(b);
    }
    CHECK(p.size() == steps && p.products() == steps, "one product per extension");
    double ortho = 0.0, recurrence = 0.0;
    for (std::size_t i = 0; i < steps; ++i) {
      for (std::size_t j = 0; j < steps; ++j) {
        double d = 0.0;
        for (std::size_t t = 0; t < n; ++t) d += p.basisVector(i)[t] * p.basisVector(j)[t];
        ortho = std::max(ortho, std::fabs(d - (i == j ? 1.0 : 0.0)));
      }
      {
        // H q_i = beta_{i-1} q_{i-1} + alpha_i q_i + beta_i q_{i+1}.
        for (std::size_t t = 0; t < n; ++t) {
          double rhs = p.alpha()[i] * p.basisVector(i)[t] + p.beta()[i] * p.basisVector(i + 1)[t];
          if (i > 0) rhs += p.beta()[i - 1] * p.basisVector(i - 1)[t];
          recurrence = std::max(recurrence, std::fabs(static_cast<double>(t + 1) * p.basisVector(i)[t] - rhs));
        }
      }
    }
    CHECK(ortho <= 1e-14, "the basis is orthonormal");
    CHECK(recurrence <= 1e-13, "the three-term recurrence holds");
    // The max row sum of |T| lies between ||T||_2 (>= the largest Ritz value) and sqrt(3) ||T||_2
    // <= sqrt(3) ||H|| (three entries per row).
    CHECK(p.normEstimate() <= std::sqrt(3.0) * 40.0 && p.normEstimate() >= 35.0, "||T|| estimate near ||H|| = 40");
    // ritzPairs: descending, inside [1, n], and the residual estimates are the true residuals.
    const double b = p.extend();
    const std::vector<dln::RitzPair> pairs = p.ritzPairs(b);
    CHECK(pairs.size() == steps + 1, "one pair per basis vector");
    bool descending = true;
    for (std::size_t i = 1; i < pairs.size(); ++i) descending = descending && pairs[i].value <= pairs[i - 1].value;
    CHECK(descending, "sorted by value, descending");
    CHECK(pairs.front().value <= 40.0 && pairs.back().value >= 1.0, "Ritz values inside the spectrum");
    dln::LanczosOptions loose, tight;
    loose.tol = 1.0;
    tight.tol = 1e-14;
    CHECK(p.converged(loose, b), "converged at a loose tolerance");
    CHECK(!p.converged(tight, b), "not converged at a tight one after 13 of 40 steps");
    dln::LanczosResult r;
    p.extract(3, true, r);
    for (std::size_t i = 0; i < 3; ++i) {
      Diagonal fresh(range(n));
      CHECK_REL(residualNorm(fresh, r.vectors.data() + i * n, r.values[i]), r.residuals[i], 1e-6,
                "extract: the Ritz vector's residual is the estimate");
    }
  }
  // breakdown / restart: a start on an eigenvector closes a block after one step.
  {
    const std::size_t n = 8;
    Diagonal H(range(n));
    dln::Rng rng(1, dln::Purpose::Eigensolver);
    std::vector<double> e(n, 0.0);
    e[2] = 1.0;
    dln::LanczosProcess p(H, n);
    p.begin(e.data(), 0.0, rng);
    const double b = p.extend();
    p.ritzPairs(b);
    CHECK(p.breakdown(b), "an eigenvector spans an invariant subspace: breakdown");
    CHECK(p.restart(b, rng), "restart finds a fresh direction");
    CHECK(p.closedBlocks() == 1 && p.restarts() == 1, "one block closed");
    CHECK_NEAR(p.ritzPairs(0.0).front().value, 3.0, 1e-15, "the closed block's value is the eigenvalue");
    double d = 0.0, norm = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      d += p.basisVector(0)[t] * p.basisVector(1)[t];
      norm += p.basisVector(1)[t] * p.basisVector(1)[t];
    }
    CHECK_NEAR(d, 0.0, 1e-15, "the fresh vector is orthogonal to the closed block");
    CHECK_NEAR(norm, 1.0, 1e-15, "and a unit vector");
  }
  // extremeRitzUpdate / tridiagonalEigenvector against the full tridiagonal eigensolver, step by
  // step on random tridiagonals (one with tiny couplings: last components down to 1e-80).
  {
    dln::Rng rng(11, dln::Purpose::Eigensolver);
    double worstValue = 0.0, worstLast = 0.0, worstVector = 0.0;
    for (int trial = 0; trial < 3; ++trial) {
      const std::size_t n = 24;
      std::vector<double> a(n), b(n), values(n), last(n), pivots(2 * n), vec(n), V(n * n);
      for (std::size_t i = 0; i < n; ++i) {
        a[i] = rng.normal();
        b[i] = std::fabs(rng.normal()) * (trial == 2 ? 1e-6 : 1.0) + 1e-3 * (trial == 2 ? 1e-6 : 1.0);
      }
      double top = 0.0, top2 = 1.0, low = 0.0, low2 = 1.0;
      for (std::size_t m = 1; m <= n; ++m) {
        dln::linalg::tridiagonalEigenLastRow(m, a.data(), b.data(), values.data(), last.data());
        const dln::ExtremeRitz t = dln::extremeRitzUpdate(m, a.data(), b.data(), 1.0, top, top2, pivots.data());
        const dln::ExtremeRitz l = dln::extremeRitzUpdate(m, a.data(), b.data(), -1.0, low, low2, pivots.data());
        top = t.value, top2 = t.lastSquared, low = l.value, low2 = l.lastSquared;
        const double scale = std::max(std::fabs(values[0]), std::fabs(values[m - 1]));
        worstValue =
            std::max({worstValue, std::fabs(t.value - values[m - 1]) / scale, std::fabs(-l.value - values[0]) / scale});
        // Last components: relative agreement while they are above rounding of the full solver.
        auto lastErr = [](double mine2, double ref) {
          return std::fabs(ref) > 1e-6 ? std::fabs(std::sqrt(mine2) - std::fabs(ref)) / std::fabs(ref) : 0.0;
        };
        worstLast = std::max({worstLast, lastErr(t.lastSquared, last[m - 1]), lastErr(l.lastSquared, last[0])});
        dln::tridiagonalEigenvector(m, a.data(), b.data(), 1.0, t.value, pivots.data(), vec.data());
        dln::linalg::tridiagonalEigen(m, a.data(), b.data(), values.data(), V.data());
        double dotv = 0.0;
        for (std::size_t k = 0; k < m; ++k) dotv += vec[k] * V[k * m + (m - 1)];
        worstVector = std::max(worstVector, 1.0 - std::fabs(dotv));
      }
    }
    CHECK(worstValue <= 1e-14, "extremeRitzUpdate: top and bottom values to rounding");
    CHECK(worstLast <= 1e-9, "extremeRitzUpdate: last components (the Ritz residuals) agree");
    CHECK(worstVector <= 1e-12, "tridiagonalEigenvector: the top eigenvector");
    // A false case: a wrong mu (not the leading block's top) is caught by the values above.
    std::vector<double> a = {1.0, 2.0, 3.0}, b = {1.0, 1.0}, pivots(6), values(3), last(3);
    dln::linalg::tridiagonalEigenLastRow(3, a.data(), b.data(), values.data(), last.data());
    const dln::ExtremeRitz ok = dln::extremeRitzUpdate(3, a.data(), b.data(), 1.0, 2.0 + 1.0, 0.5, pivots.data());
    CHECK_NEAR(ok.value, values[2], 1e-14, "mu = theta_max(T_2) = 3 gives theta_max(T_3)");
  }
  // extremeRitzUpdate and tridiagonalEigenvector take their pivots from the leading (and
  // trailing) minors, which grow or shrink like ||T||^k: rescaled by 2^+-500 when they leave
  // [2^-500, 2^500]. At ||T|| ~ 1e25 the minors pass 2^500 by k = 7 and would overflow by k = 13
  // (at 1e-25, underflow): 120 steps of the fast update at both scales, and at 1 (no rescaling),
  // against the full decomposition. (Without the rescaling the values are NaN at the first two
  // scales: checked by removing it. Past 60 steps this matrix's top pair has a last component
  // below 1e-20 and a new top eigenvalue surfaces at step 105, where the update's start is within
  // rounding of the old value: the probe above mu follows it, at every scale.)
  for (double scale : {1e25, 1e-25, 1.0}) {
    dln::Rng rng(12, dln::Purpose::Eigensolver);
    const std::size_t n = 120;
    std::vector<double> a(n), b(n), values(n), last(n), pivots(2 * n), vec(n), V(n * n);
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = scale * rng.normal();
      b[i] = scale * (0.5 + 0.5 * rng.uniform());
    }
    double top = 0.0, top2 = 1.0, worstValue = 0.0, worstLast = 0.0;
    for (std::size_t m = 1; m <= n; ++m) {
      const dln::ExtremeRitz t = dln::extremeRitzUpdate(m, a.data(), b.data(), 1.0, top, top2, pivots.data());
      top = t.value, top2 = t.lastSquared;
      if (m % 10 != 0) continue;
      dln::linalg::tridiagonalEigenLastRow(m, a.data(), b.data(), values.data(), last.data());
      const double norm = std::max(std::fabs(values[0]), std::fabs(values[m - 1]));
      worstValue = std::max(worstValue, std::fabs(t.value - values[m - 1]) / norm);
      // (Past step 60 the old top pair's last component is below 1e-15, under the dense
      // decomposition's own absolute rounding: only values are compared there.)
      if (m <= 60)
        worstLast = std::max(worstLast, std::fabs(std::sqrt(t.lastSquared) - std::fabs(last[m - 1])) /
                                            std::max(std::fabs(last[m - 1]), 1e-6));
    }
    dln::tridiagonalEigenvector(n, a.data(), b.data(), 1.0, top, pivots.data(), vec.data());
    dln::linalg::tridiagonalEigen(n, a.data(), b.data(), values.data(), V.data());
    double dotv = 0.0;
    for (std::size_t k = 0; k < n; ++k) dotv += vec[k] * V[k * n + (n - 1)];
    const std::string at = " at scale " + std::to_string(scale);
    CHECK(worstValue <= 1e-14, "extremeRitzUpdate: the top value to rounding" + at);
    CHECK(worstLast <= 1e-9, "extremeRitzUpdate: the top pair's last component" + at);
    CHECK(1.0 - std::fabs(dotv) <= 1e-12, "tridiagonalEigenvector: the top eigenvector" + at);
  }
  // The k = 1 tracking path (track) against the full decomposition per step: same stopping step,
  // values and residuals to rounding, the Ritz vector's residual is the estimate.
  {
    const std::size_t n = 60;
    for (int smallest = 0; smallest < 2; ++smallest) {
      dln::LanczosOptions o;
      o.seed = 3;
      o.smallest = smallest == 1;
      Laplacian H(n);
      const dln::LanczosResult fast = dln::lanczos(H, o);
      dln::Rng rng(o.seed, dln::Purpose::Eigensolver, {o.stream});
      dln::LanczosProcess p(H, n);
      p.begin(nullptr, 0.0, rng);
      double b = 0.0;
      bool done = false;
      while (!done) {
        b = p.extend();
        p.ritzPairs(b);
        done = p.converged(o, b) || p.size() >= n;
        if (!done) p.advance(b);
      }
      dln::LanczosResult full;
      p.extract(1, true, full);
      CHECK(fast.iterations == p.size(), "the same stopping step as the full decomposition");
      CHECK_REL(fast.values[0], full.values[0], 1e-14, "the same top value");
      CHECK_REL(fast.values[0], H.eigenvalue(n), 1e-10, "the top eigenvalue");
      // The same estimate, down to the rounding floor (here the basis fills the space, and both
      // residuals are below 1e-40: the fast path reorthogonalizes only partially).
      CHECK_NEAR(fast.residuals[0], full.residuals[0], 1e-3 * full.residuals[0] + 1e-14, "the same residual estimate");
      // (To the rounding floor of the products, eps ||H|| sqrt(n).)
      CHECK_NEAR(residualNorm(H, fast.vectors.data(), fast.values[0]), fast.residuals[0],
                 1e-3 * fast.residuals[0] + 1e-13, "the vector's residual is the estimate");
      if (smallest) CHECK_REL(fast.smallest, H.eigenvalue(1), 1e-8, "the smallest eigenvalue (converged on request)");
      else CHECK(std::isnan(fast.smallest), "smallest is NaN unless asked for (k = 1)");
    }
  }
  // begin: a warm start is perturbed by 1e-3 (||v0|| / sqrt n) xi, xi uniform with unit variance
  // per entry (so the perturbation's norm is about 1e-3 ||v0||), drawn from the stream: the same
  // stream gives the same bits, another stream other bits; without noise the start itself.
  {
    const std::size_t n = 400;
    Diagonal H(range(n));
    std::vector<double> start(n);
    for (std::size_t i = 0; i < n; ++i) start[i] = 3.0 * std::cos(static_cast<double>(i));
    double s = 0.0;
    for (double v : start) s += v * v;
    s = std::sqrt(s);
    auto first = [&](std::uint64_t stream, double noise) {
      dln::Rng rng(5, dln::Purpose::Eigensolver, {stream});
      dln::LanczosProcess p(H, 4);
      p.begin(start.data(), noise, rng);
      return std::vector<double>(p.basisVector(0), p.basisVector(0) + n);
    };
    const std::vector<double> a = first(0, 1e-3), again = first(0, 1e-3), other = first(1, 1e-3), exact = first(0, 0.0);
    double deviation = 0.0, unit = 0.0, fromExact = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      deviation += (a[i] - start[i] / s) * (a[i] - start[i] / s);
      unit += a[i] * a[i];
      fromExact = std::max(fromExact, std::fabs(exact[i] - start[i] / s));
    }
    deviation = std::sqrt(deviation);
    CHECK(a == again, "the same stream: the same start, bit for bit");
    CHECK(a != other, "another stream: another start");
    // |xi|^2 / n concentrates at 1 (its standard deviation is 0.9 / sqrt(n) = 0.045 here); the
    // component along v0 is removed by the normalization, leaving 1e-3 (1 - O(1/n)).
    CHECK(deviation > 0.8e-3 && deviation < 1.2e-3, "the perturbation is 1e-3 of the start");
    CHECK_NEAR(unit, 1.0, 1e-15, "a unit vector");
    CHECK(fromExact <= 1e-16, "no noise: the start itself, normalized");
    // A cold start: entries of both signs, no two equal (random), unit norm.
    dln::Rng rng(5, dln::Purpose::Eigensolver, {0});
    dln::LanczosProcess p(H, 4);
    p.begin(nullptr, 1e-3, rng);
    std::vector<double> cold(p.basisVector(0), p.basisVector(0) + n);
    double coldNorm = 0.0;
    std::size_t positive = 0;
    for (double v : cold) coldNorm += v * v, positive += v > 0;
    std::sort(cold.begin(), cold.end());
    CHECK(std::adjacent_find(cold.begin(), cold.end()) == cold.end(), "cold start: distinct entries");
    CHECK(positive > n / 3 && positive < 2 * n / 3, "cold start: entries of both signs");
    CHECK_NEAR(coldNorm, 1.0, 1e-15, "cold start: a unit vector");
  }
  // Basis vectors are unit to rounding: with the coupling read from ||w||^2 - ||c||^2 after a
  // Gram-Schmidt pass that removed almost nothing, and from a reciprocal (advance), as well as
  // orthogonal; the three-term recurrence holds. Full reorthogonalization (k = 2) at every step.
  {
    const std::size_t n = 300, steps = 60;
    Laplacian H(n);
    dln::Rng rng(9, dln::Purpose::Eigensolver);
    dln::LanczosProcess p(H, steps);
    p.begin(nullptr, 0.0, rng);
    for (std::size_t j = 0; j < steps; ++j) {
      const double b = p.extend();
      p.advance(b);
    }
    double unit = 0.0, ortho = 0.0;
    for (std::size_t i = 0; i <= steps; ++i) {
      double d = 0.0;
      for (std::size_t t = 0; t < n; ++t) d += p.basisVector(i)[t] * p.basisVector(i)[t];
      unit = std::max(unit, std::fabs(d - 1.0));
      for (std::size_t j = 0; j < i; ++j) {
        double e = 0.0;
        for (std::size_t t = 0; t < n; ++t) e += p.basisVector(i)[t] * p.basisVector(j)[t];
        ortho = std::max(ortho, std::fabs(e));
      }
    }
    // (Measured 1.7e-15: the rounding of the check's own 300-term sums; a coupling off by the
    // 2^-40 the shortcut allows would show as 1.8e-12.)
    CHECK(unit <= 4e-15, "unit basis vectors to rounding");
    CHECK(ortho <= 1e-14, "orthogonal basis");
    CHECK(p.reorthogonalizations() == steps, "full reorthogonalization at every step (track not called)");
  }
  // A basis past its first allocation (2^22 doubles or 32 rows): the buffer doubles and keeps the
  // rows written so far. n = 140 000, 40 steps of k = 2 (full reorthogonalization) on a spectrum
  // that does not converge before: rows 32.. are written after the copy; the basis stays
  // orthonormal across it and the top values are right.
  {
    const std::size_t n = 140000, steps = 40;
    std::vector<double> d(n);
    for (std::size_t i = 0; i < n; ++i) d[i] = 1.0 + static_cast<double>(i) / static_cast<double>(n);
    Diagonal H(d);
    dln::LanczosWorkspace work;
    dln::Rng rng(2, dln::Purpose::Eigensolver);
    dln::LanczosProcess p(H, steps, &work);
    p.begin(nullptr, 0.0, rng);
    for (std::size_t j = 0; j < steps; ++j) p.advance(p.extend());
    double ortho = 0.0;
    for (std::size_t i : {0, 1, 30, 31, 32, 33, 39, 40}) {
      for (std::size_t j : {0, 1, 30, 31, 32, 33, 39, 40}) {
        double e = 0.0;
        for (std::size_t t = 0; t < n; ++t) e += p.basisVector(i)[t] * p.basisVector(j)[t];
        ortho = std::max(ortho, std::fabs(e - (i == j ? 1.0 : 0.0)));
      }
    }
    // (Measured 1.4e-14, the rounding of 140 000-term sums; a row lost in the copy gives 1.)
    CHECK(ortho <= 1e-13, "orthonormal across the buffer's growth");
  }
  // Selective orthogonalization (top 1, docs/algorithms.md §2.2): 80 steps on diag(1 .. 200, 1000)
  // from a random start, never stopping. 1000 converges within a few steps; from then on the basis
  // loses orthogonality to its Ritz vector (Paige), and without reorthogonalization a second copy
  // of 1000 appears among the Ritz values of T (the false case, Requests::Ignore). Met against the
  // top Ritz vector alone the requests keep a single copy, as the whole basis does (Full), and
  // the top values agree to rounding.
  {
    using R = dln::LanczosProcess::Requests;
    std::vector<double> d = range(200);
    d.push_back(1000.0);
    const std::size_t steps = 80;
    auto run = [&](R requests, std::size_t& copies, std::size_t& selective, std::size_t& requestsMade) {
      Diagonal H(d);
      dln::Rng rng(21, dln::Purpose::Eigensolver);
      dln::LanczosProcess p(H, steps);
      p.track(1, false);
      p.setRequests(requests);
      p.begin(nullptr, 0.0, rng);
      double top = 0.0;
      for (std::size_t j = 0; j < steps; ++j) {
        const double b = p.extend();
        top = p.ritzPairs(b).front().value;
        if (j + 1 < steps) p.advance(b);
      }
      std::vector<double> values(steps);
      dln::linalg::tridiagonalEigen(steps, p.alpha().data(), p.beta().data(), values.data());
      copies = static_cast<std::size_t>(
          std::count_if(values.begin(), values.end(), [](double v) { return std::fabs(v - 1000.0) <= 1e-6; }));
      selective = p.selectiveOrthogonalizations();
      requestsMade = p.reorthogonalizations();
      return top;
    };
    std::size_t copiesS = 0, copiesF = 0, copiesI = 0, selS = 0, selF = 0, selI = 0, reqS = 0, reqF = 0, reqI = 0;
    const double topS = run(R::Selective, copiesS, selS, reqS);
    const double topF = run(R::Full, copiesF, selF, reqF);
    run(R::Ignore, copiesI, selI, reqI);
    CHECK(copiesI >= 2, "requests ignored: a ghost copy of 1000 (the false case)");
    CHECK(copiesF == 1, "requests met against the whole basis: one copy of 1000");
    CHECK(copiesS == 1, "requests met against the top Ritz vector: one copy of 1000");
    CHECK(selS > 0 && selF == 0 && selI == 0, "the selective orthogonalization ran (Selective only)");
    CHECK_REL(topS, 1000.0, 1e-14, "the top value, selective");
    CHECK_REL(topS, topF, 1e-14, "the top value as with the whole basis");
  }
  // The selective orthogonalization's guard: where the bottom pair converges first
  // (diag(-1000, 1 .. 200), |lambda_min| > lambda_max as near a small initialization), the
  // estimates' first request comes while the top pair's residual is far above 10 sqrt(eps) ||T||
  // and is met against the whole basis; on diag(1 .. 200, 1000) (the false case) the first request
  // is met against the top Ritz vector.
  for (double outlier : {-1000.0, 1000.0}) {
    std::vector<double> d = range(200);
    d.push_back(outlier);
    Diagonal H(d);
    dln::Rng rng(22, dln::Purpose::Eigensolver);
    dln::LanczosProcess p(H, 100);
    p.track(1, false);
    p.begin(nullptr, 0.0, rng);
    for (std::size_t j = 0; j < 100 && p.reorthogonalizations() == 0; ++j) {
      const double b = p.extend();
      p.ritzPairs(b);
      p.advance(b);
    }
    const std::string at = outlier < 0 ? "bottom outlier" : "top outlier";
    CHECK(p.reorthogonalizations() == 1, "a request was made: " + at);
    if (outlier < 0) CHECK(p.selectiveOrthogonalizations() == 0, "met against the whole basis: " + at);
    else CHECK(p.selectiveOrthogonalizations() == 1, "met against the top Ritz vector: " + at);
  }
  // Both ends of the range the norms allow (sums of squares: entries within about 1e+-154): near
  // the top, ||w||^2 is too close to overflow for ||w||^2 - ||c||^2 (the explicit norm instead).
  for (double scale : {1e150, 1e-150}) {
    std::vector<double> d = range(100);
    for (double& v : d) v *= scale;
    Diagonal H(d);
    dln::LanczosOptions o;
    o.k = 2;  // full reorthogonalization at every step
    const dln::LanczosResult r = dln::lanczos(H, o);
    CHECK(r.converged, "converged at scale " + std::to_string(scale));
    CHECK_REL(r.values[0], 100.0 * scale, 1e-12, "lambda_1 at scale " + std::to_string(scale));
    CHECK_REL(r.values[1], 99.0 * scale, 1e-12, "lambda_2 at scale " + std::to_string(scale));
    o.k = 1;  // partial reorthogonalization
    CHECK_REL(dln::lanczos(H, o).values[0], 100.0 * scale, 1e-12, "top 1 at scale " + std::to_string(scale));
  }
  // extremeRitzUpdate's steps keep d_m's pole at mu (weight b_{m-1}^2 muLastSquared) and linearize
  // only the rest: along the tridiagonals of cold Lanczos solves (random starts on random spectra
  // with a few separated top eigenvalues, as a Hessian's), against Newton's method on d_m from
  // the same start with the same stopping test (the false case: the bound does not hold for it),
  // with the values to rounding.
  {
    dln::Rng rng(21, dln::Purpose::Eigensolver);
    std::size_t updates = 0, evaluations = 0, newton = 0, small = 0;
    double worstValue = 0.0, worstTwisted = 0.0, worstMoved = 0.0;
    for (int trial = 0; trial < 40; ++trial) {
      const std::size_t n = 30;
      std::vector<double> spectrum(150);
      for (double& v : spectrum) v = rng.normal();
      for (int i = 0; i < 3; ++i) spectrum[static_cast<std::size_t>(i)] = 3.0 + rng.uniform();
      Diagonal H(spectrum);
      dln::LanczosProcess process(H, n);
      process.begin(nullptr, 0.0, rng);
      for (std::size_t j = 0; j < n; ++j) {
        const double b = process.extend();
        if (j + 1 < n) process.advance(b);
      }
      const std::vector<double> a = process.alpha(), b = process.beta();
      std::vector<double> values(n), last(n), pivots(2 * n);
      double top = a[0], top2 = 1.0;
      for (std::size_t m = 2; m <= n; ++m) {
        // Newton's method on d_m (the pivots' own recurrence) from the update's start.
        const double p = a[m - 1], h = 0.5 * (top - p);
        double x = 0.5 * (top + p) + std::sqrt(h * h + b[m - 2] * b[m - 2] * top2);
        for (int it = 0; it < 100; ++it) {
          ++newton;
          double d = a[0] - x, dp = -1.0;
          bool ok = d < 0;
          for (std::size_t k = 1; k < m && ok; ++k) {
            dp = -1.0 + b[k - 1] * b[k - 1] / (d * d) * dp;
            d = a[k] - x - b[k - 1] * b[k - 1] / d;
            ok = k + 1 == m || d < 0;
          }
          if (!ok) break;
          const double next = x - d / dp;
          if (std::fabs(next - x) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(x)) break;
          x = next;
        }
        const dln::ExtremeRitz t = dln::extremeRitzUpdate(m, a.data(), b.data(), 1.0, top, top2, pivots.data());
        top = t.value, top2 = t.lastSquared;
        ++updates;
        evaluations += static_cast<std::size_t>(t.evaluations);
        dln::linalg::tridiagonalEigenLastRow(m, a.data(), b.data(), values.data(), last.data());
        const double scale = std::max(std::fabs(values[0]), std::fabs(values[m - 1]));
        worstValue = std::max(worstValue, std::fabs(t.value - values[m - 1]) / scale);
        if (t.lastSquared < 1e-4) {
          // The one bottom-up pass after the last evaluation against tridiagonalEigenvector's
          // twisted factorization at the same value, and (the false case) at a value moved by a
          // relative 1e-13.
          ++small;
          const double twisted = dln::tridiagonalEigenvector(m, a.data(), b.data(), 1.0, t.value, pivots.data());
          const double moved =
              dln::tridiagonalEigenvector(m, a.data(), b.data(), 1.0, t.value * (1 + 1e-13), pivots.data());
          worstTwisted = std::max(worstTwisted, std::fabs(t.lastSquared - twisted) / twisted);
          worstMoved = std::max(worstMoved, std::fabs(t.lastSquared - moved) / moved);
        }
        // Where a solve at tol 1e-10 stops (past it a new top eigenvalue may surface that an
        // update started at the old one does not see).
        // (b[m - 1] exists below the last row only: b has n - 1 couplings.)
        if (m < n && b[m - 1] * std::sqrt(top2) <= 1e-10 * std::fabs(top)) break;
      }
    }
    const double perUpdate = static_cast<double>(evaluations) / static_cast<double>(updates);
    const double newtonPerUpdate = static_cast<double>(newton) / static_cast<double>(updates);
    std::printf(
        "pole steps: %.3f evaluations per update, Newton %.3f, worst value %.3g; %zu small last components, "
        "against the twisted factorization %.3g, moved %.3g\n",
        perUpdate, newtonPerUpdate, worstValue, small, worstTwisted, worstMoved);
    CHECK(perUpdate <= 2.8, "pole steps: evaluations per update (2.71 measured, 2.62 before the probe above mu)");
    CHECK(!(newtonPerUpdate <= 2.8), "false case: Newton's method needs more (4.35)");
    CHECK(worstValue <= 1e-14, "pole steps: the top value to rounding");
    CHECK(small >= 500, "small last components were met");
    CHECK(worstTwisted <= 1e-12, "one bottom-up pass: the twisted factorization's last component");
    CHECK(!(worstMoved <= 1e-12), "false case: the twisted factorization at a moved value");
  }
  // A new top eigenvalue surfacing after the top pair has converged: past a solve's stopping
  // point, random tridiagonals' top pairs reach last components below 1e-20 (pole weights at
  // rounding level) while the rest of the spectrum pushes a new top eigenvalue above them. The
  // update's start is then within rounding of mu and its first evaluation fails; it used to
  // return mu's neighbour there, 3-26% below the new top (seeds 10-39: 20 of 30 matrices by
  // step 160). The premise is counted (steps where the new top is 1e-3 above the old one while
  // the old pair's last component is below 1e-15), so that the check cannot pass vacuously.
  {
    double worst = 0.0;
    std::size_t surfaced = 0;
    for (int seed = 10; seed < 26; ++seed) {
      dln::Rng rng(static_cast<std::uint64_t>(seed), dln::Purpose::Eigensolver);
      const std::size_t n = 160;
      std::vector<double> a(n), b(n), values(n), last(n), pivots(2 * n);
      for (std::size_t i = 0; i < n; ++i) {
        a[i] = rng.normal();
        b[i] = 0.5 + 0.5 * rng.uniform();
      }
      double top = 0.0, top2 = 1.0, previousTop = 0.0;
      for (std::size_t m = 1; m <= n; ++m) {
        const dln::ExtremeRitz t = dln::extremeRitzUpdate(m, a.data(), b.data(), 1.0, top, top2, pivots.data());
        dln::linalg::tridiagonalEigenLastRow(m, a.data(), b.data(), values.data(), last.data());
        const double norm = std::max(std::fabs(values[0]), std::fabs(values[m - 1]));
        if (m > 1 && top2 < 1e-30 && values[m - 1] - previousTop > 1e-3 * norm) ++surfaced;
        worst = std::max(worst, std::fabs(t.value - values[m - 1]) / norm);
        previousTop = values[m - 1];
        top = t.value, top2 = t.lastSquared;
      }
    }
    std::printf("surfacing top eigenvalues: %zu steps, worst top value %.3g\n", surfaced, worst);
    CHECK(surfaced >= 10, "new top eigenvalues surfaced after a converged top pair (the premise)");
    CHECK(worst <= 1e-14, "extremeRitzUpdate follows a new top eigenvalue past a converged pair");
  }
  return check::done("lanczos_test");
}

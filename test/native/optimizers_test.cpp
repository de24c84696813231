// The training rules of src/optimizers/: each rule's update against a direct implementation on
// dense gradients (a few steps, to rounding), the degenerate settings that are gradient descent
// bit for bit (and near-degenerate ones that are not), the batch sequence's definition and its
// independence of how it is read, the bad settings named by field, the stability edges on a
// quadratic (depth 1: the loss is quadratic in w, H = 2 Sigma), and the recorded quantities
// against dense oracles.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>
#include <vector>

#include "check.hpp"
#include "gd.hpp"
#include "hessian.hpp"
#include "linalg.hpp"
#include "losses/mse.hpp"
#include "losses/regression.hpp"
#include "optimizers/batch.hpp"
#include "rng.hpp"

namespace {

using Vec = std::vector<double>;

struct Data {
  std::size_t n, d, q;
  Vec X, Y;
};

Data randomData(std::size_t n, std::size_t d, std::size_t q, std::uint64_t seed) {
  Data D{n, d, q, Vec(n * d), Vec(n * q)};
  dln::Rng rng(seed, dln::Purpose::Data, {99});
  for (double& x : D.X) x = rng.normal();
  for (double& y : D.Y) y = rng.normal();
  return D;
}

std::shared_ptr<const dln::Problem> regression(const Data& D, std::vector<std::size_t> widths, double l2 = 0.0) {
  auto loss = std::make_shared<dln::RegressionLoss>(D.n, D.d, D.X.data(), D.Y.data());
  return std::make_shared<const dln::Problem>(dln::NetworkSpec(std::move(widths), {}), loss, l2);
}

std::shared_ptr<const dln::Problem> mse(const Data& D, std::vector<std::size_t> widths) {
  auto loss = std::make_shared<dln::MseLoss>(D.n, D.d, D.q, D.X.data(), D.Y.data());
  return std::make_shared<const dln::Problem>(dln::NetworkSpec(std::move(widths), {}), loss);
}

Vec initial(const dln::Problem& p, double scale, std::uint64_t seed) {
  Vec t(p.spec().paramCount());
  dln::Rng rng(seed, dln::Purpose::Init, {});
  for (double& x : t) x = scale * rng.normal();
  return t;
}

// The dense gradient of a problem at theta (oracle path: a fresh Evaluator, Evaluator::gradient).
Vec gradient(const dln::Problem& p, const Vec& theta) {
  dln::Evaluator ev(p);
  ev.evaluate(theta.data());
  ev.completeGradient();
  Vec g(theta.size());
  ev.gradient(g.data());
  return g;
}

// The gradient of the loss on the listed rows (targets shifted), from a RegressionLoss built on
// those rows alone: the Sigma form, a different path from the batch loss's residuals.
Vec batchGradient(const Data& D, const std::vector<std::size_t>& widths, double l2,
                  const std::vector<std::size_t>& rows, const Vec& shift, const Vec& theta) {
  Data B{rows.size(), D.d, D.q, Vec(rows.size() * D.d), Vec(rows.size() * D.q)};
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::copy(D.X.begin() + rows[k] * D.d, D.X.begin() + (rows[k] + 1) * D.d, B.X.begin() + k * D.d);
    B.Y[k] = D.Y[rows[k]] + (shift.empty() ? 0.0 : shift[k]);
  }
  return gradient(*regression(B, widths, l2), theta);
}

dln::GdResult run(const dln::Problem& p, const Vec& theta0, double eta, std::uint64_t steps, dln::OptimizerOptions opt,
                  std::uint64_t seed = 7, std::vector<std::string> record = {"loss"}) {
  dln::GdOptions o;
  o.learningRate = eta;
  o.maxSteps = steps;
  o.record = std::move(record);
  o.optimizer = std::move(opt);
  o.seed = seed;
  dln::RunControl control;
  return dln::gradientDescent(p, theta0, o, control);
}

// Every step recorded: the trace's columns are step, time, then `record` in order.
dln::GdResult runEvery(const dln::Problem& p, const Vec& theta0, double eta, std::uint64_t steps,
                       dln::OptimizerOptions opt, std::vector<std::string> record) {
  dln::GdOptions o;
  o.learningRate = eta;
  o.maxSteps = steps;
  o.recordEvery = 1;
  o.record = std::move(record);
  o.optimizer = std::move(opt);
  o.seed = 7;
  dln::RunControl control;
  return dln::gradientDescent(p, theta0, o, control);
}

double norm(const Vec& a) {
  double s = 0.0;
  for (double x : a) s += x * x;
  return std::sqrt(s);
}

dln::OptimizerOptions opt(const char* kind, std::map<std::string, double> values = {}) {
  return {kind, std::move(values)};
}

double maxAbsDiff(const Vec& a, const Vec& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(a[i] - b[i]);
    if (!(d <= m)) m = std::isnan(d) ? INFINITY : d;  // a NaN on either side is a failure, not a 0
  }
  return m;
}
double maxAbs(const Vec& a) {
  double m = 0.0;
  for (double x : a) m = std::max(m, std::fabs(x));
  return m;
}
bool sameBits(const Vec& a, const Vec& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!check::sameBits(a[i], b[i])) return false;
  return true;
}

// Agreement to rounding: a few ulps of the weights' scale per step.
#define CHECK_CLOSE_VEC(got, want, what) \
  CHECK_NEAR(maxAbsDiff(got, want), 0.0, 1e-15 * std::max(1.0, maxAbs(want)) * 8, what)

// The batch sequence as docs/algorithms.md §7.1 defines it, written out again.
std::vector<std::size_t> referenceBatch(std::size_t n, std::size_t b, bool replacement, std::uint64_t seed,
                                        std::uint64_t t) {
  std::vector<std::size_t> out(b);
  if (replacement) {
    dln::Rng rng(seed, dln::Purpose::Batches, {1, t});
    for (auto& x : out) x = rng.below(n);
    return out;
  }
  for (std::size_t j = 0; j < b; ++j) {
    const std::uint64_t pos = t * b + j, epoch = pos / n;
    std::vector<std::size_t> perm(n);
    std::iota(perm.begin(), perm.end(), std::size_t(0));
    dln::Rng rng(seed, dln::Purpose::Batches, {0, epoch});
    for (std::size_t i = n; i-- > 1;) std::swap(perm[i], perm[rng.below(i + 1)]);
    out[j] = perm[pos % n];
  }
  return out;
}

// The polar factor of B (m x n, full rank) by eigen-decomposition of its Gram matrix: an oracle
// independent of the SVD path.
Vec polarByEigen(std::size_t m, std::size_t n, const double* B) {
  const bool tall = m >= n;
  const std::size_t k = tall ? n : m;
  Vec G(k * k, 0.0);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      for (std::size_t r = 0; r < (tall ? m : n); ++r)
        G[i * k + j] += tall ? B[r * n + i] * B[r * n + j] : B[i * n + r] * B[j * n + r];
  Vec w(k), V(k * k);
  dln::linalg::symmetricEigen(k, G.data(), w.data(), V.data());
  Vec S(k * k, 0.0);  // G^{-1/2}
  for (std::size_t e = 0; e < k; ++e)
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) S[i * k + j] += V[i * k + e] * V[j * k + e] / std::sqrt(w[e]);
  Vec O(m * n, 0.0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t r = 0; r < k; ++r)
        O[i * n + j] += tall ? B[i * n + r] * S[r * k + j] : S[i * k + r] * B[r * n + j];
  return O;
}

}  // namespace

int main() {
  const Data D = randomData(12, 3, 1, 1);
  const std::vector<std::size_t> widths = {3, 4, 3, 1};
  auto P = regression(D, widths);
  auto PL2 = regression(D, widths, 0.01);
  const Vec theta0 = initial(*P, 0.5, 2);
  const double eta = 0.05;
  const std::uint64_t steps = 6;

  // --- Each rule against a direct implementation.
  {
    const Vec gd = run(*P, theta0, eta, steps, opt("gd")).weights;
    Vec t = theta0;
    for (std::uint64_t s = 0; s < steps; ++s) {
      const Vec g = gradient(*P, t);
      for (std::size_t i = 0; i < t.size(); ++i) t[i] -= eta * g[i];
    }
    CHECK_CLOSE_VEC(gd, t, "gd: theta - eta g");
  }
  for (const double beta : {0.5, 0.9}) {
    Vec t = theta0, prev = theta0, bNorm, gNorm;
    for (std::uint64_t s = 0; s < steps; ++s) {
      const Vec g = gradient(*P, t);
      Vec b(t.size());  // theta_{s+1} = theta_s - eta b_s
      for (std::size_t i = 0; i < t.size(); ++i) b[i] = g[i] + beta * (prev[i] - t[i]) / eta;
      bNorm.push_back(norm(b));
      gNorm.push_back(norm(g));
      for (std::size_t i = 0; i < t.size(); ++i) {
        const double next = t[i] - eta * g[i] + beta * (t[i] - prev[i]);
        prev[i] = t[i];
        t[i] = next;
      }
    }
    CHECK_CLOSE_VEC(run(*P, theta0, eta, steps, opt("momentum", {{"beta", beta}})).weights, t, "momentum: heavy ball");
    const dln::GdResult hb = runEvery(*P, theta0, eta, steps - 1, opt("momentum", {{"beta", beta}}), {"momentumNorm"});
    const auto& rec = hb.trace.column(2).values;
    CHECK(rec.size() == steps, "momentumNorm: a row per step");
    for (std::uint64_t s = 0; s < steps; ++s) {
      CHECK_REL(rec[s], bNorm[s], 1e-12, "momentumNorm (heavy ball): ||g_t + beta (theta_{t-1} - theta_t) / eta||");
      if (s > 0) CHECK(std::fabs(rec[s] / gNorm[s] - 1) > 1e-3, "false case: the buffer is not the gradient");
    }
    // A false case: the same with the buffer form off by one step (theta_{-1} = theta_0 - eta g_0) differs.
  }
  {
    const double beta = 0.9;
    Vec t = theta0, b(t.size(), 0.0), bNorm;
    for (std::uint64_t s = 0; s < steps; ++s) {
      const Vec g = gradient(*P, t);
      for (std::size_t i = 0; i < t.size(); ++i) {
        b[i] = beta * b[i] + g[i];
        t[i] -= eta * (g[i] + beta * b[i]);
      }
      bNorm.push_back(norm(b));
    }
    CHECK_CLOSE_VEC(run(*P, theta0, eta, steps, opt("nesterov", {{"beta", beta}})).weights, t, "nesterov");
    const dln::GdResult nr =
        runEvery(*P, theta0, eta, steps - 1, opt("nesterov", {{"beta", beta}}), {"momentumNorm", "secondMomentNorm"});
    const dln::Trace& rec = nr.trace;
    for (std::uint64_t s = 0; s < steps; ++s) {
      CHECK_REL(rec.column(2).values[s], bNorm[s], 1e-12, "momentumNorm (nesterov): ||beta b_{t-1} + g_t||");
      CHECK(std::isnan(rec.column(3).values[s]), "secondMomentNorm: NaN without a second moment");
    }
    const dln::GdResult plain = runEvery(*P, theta0, eta, 2, opt("nesterov", {{"beta", 0}}), {"momentumNorm"});
    CHECK(std::isnan(plain.trace.column(2).values[1]), "momentumNorm: NaN at beta = 0");
  }
  for (const bool adam : {true, false}) {
    const double b1 = adam ? 0.8 : 0.0, b2 = adam ? 0.95 : 0.9, eps = 1e-3, lr = 0.01;
    Vec t = theta0, m(t.size(), 0.0), v(t.size(), 0.0), mNorm, vNorm, vRaw;
    for (std::uint64_t s = 0; s < steps; ++s) {
      const Vec g = gradient(*P, t);
      Vec mhs(t.size()), vhs(t.size());
      for (std::size_t i = 0; i < t.size(); ++i) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const double mh = m[i] / (1 - std::pow(b1, s + 1.0)), vh = v[i] / (1 - std::pow(b2, s + 1.0));
        t[i] -= lr * mh / (std::sqrt(vh) + eps);
        mhs[i] = mh;
        vhs[i] = vh;
      }
      mNorm.push_back(norm(mhs));
      vNorm.push_back(norm(vhs));
      vRaw.push_back(norm(v));
    }
    const auto o = adam ? opt("adam", {{"beta1", b1}, {"beta2", b2}, {"eps", eps}})
                        : opt("rmsprop", {{"beta2", b2}, {"eps", eps}});
    CHECK_CLOSE_VEC(run(*P, theta0, lr, steps, o).weights, t, adam ? "adam (bias-corrected)" : "rmsprop");
    const dln::GdResult ar = runEvery(*P, theta0, lr, steps - 1, o, {"momentumNorm", "secondMomentNorm"});
    const dln::Trace& rec = ar.trace;
    for (std::uint64_t s = 0; s < steps; ++s) {
      if (adam) {
        CHECK_REL(rec.column(2).values[s], mNorm[s], 1e-12, "momentumNorm (adam): ||m_hat_t||");
      } else {
        CHECK(std::isnan(rec.column(2).values[s]), "momentumNorm: NaN for rmsprop");
      }
      CHECK_REL(rec.column(3).values[s], vNorm[s], 1e-12, "secondMomentNorm: ||v_hat_t||");
      if (s > 0) CHECK(std::fabs(rec.column(3).values[s] / vRaw[s] - 1) > 1e-3, "false case: v without correction");
    }
  }
  for (auto* problem : {P.get(), PL2.get()}) {
    const double rho = 0.1;
    Vec t = theta0;
    for (std::uint64_t s = 0; s < steps; ++s) {
      const Vec g = gradient(*problem, t);
      double nn = 0.0;
      for (double x : g) nn += x * x;
      Vec phi = t;
      for (std::size_t i = 0; i < t.size(); ++i) phi[i] += rho * g[i] / std::sqrt(nn);
      const Vec gs = gradient(*problem, phi);
      for (std::size_t i = 0; i < t.size(); ++i) t[i] -= eta * gs[i];
    }
    CHECK_CLOSE_VEC(run(*problem, theta0, eta, steps, opt("sam", {{"rho", rho}})).weights, t,
                    problem->l2() > 0 ? "sam with L2" : "sam");
  }
  {
    // Muon on a matrix head: every layer gradient has full rank (widths 3, 2, 2: a 3 x 3 first layer
    // would have a rank-2 gradient through the 2-wide head, where the G^{-1/2} oracle is NaN).
    const Data M = randomData(10, 3, 2, 3);
    auto Q = mse(M, {3, 2, 2});
    const Vec q0 = initial(*Q, 0.5, 4);
    for (const double beta : {0.0, 0.6}) {
      Vec t = q0, b(t.size(), 0.0), bNorm;
      for (std::uint64_t s = 0; s < steps; ++s) {
        const Vec g = gradient(*Q, t);
        for (std::size_t i = 0; i < t.size(); ++i) b[i] = beta * b[i] + g[i];
        bNorm.push_back(norm(b));
        for (std::size_t l = 0; l < Q->spec().depth(); ++l) {
          const std::size_t off = Q->spec().offset(l), rows = Q->spec().rows(l), cols = Q->spec().cols(l);
          const Vec O = polarByEigen(rows, cols, b.data() + off);
          for (std::size_t i = 0; i < O.size(); ++i) t[off + i] -= eta * O[i];
        }
      }
      const Vec got = run(*Q, q0, eta, steps, opt("muon", {{"beta", beta}})).weights;
      // 1e-12: the oracle's Gram matrix squares the gradient's condition number.
      CHECK_NEAR(maxAbsDiff(got, t), 0.0, 1e-12, "muon (SVD) against the polar factor by G^{-1/2}");
      const dln::GdResult mr = runEvery(*Q, q0, eta, steps - 1, opt("muon", {{"beta", beta}}), {"momentumNorm"});
      const dln::Trace& rec = mr.trace;
      for (std::uint64_t s = 0; s < steps; ++s) {
        const double r = rec.column(2).values[s];
        CHECK(beta == 0 ? std::isnan(r) : std::fabs(r / bNorm[s] - 1) < 1e-12, "momentumNorm (muon): ||B_t||");
      }
      // Newton-Schulz: an approximation of the polar factor (singular values near 1), not it.
      const Vec ns = run(*Q, q0, eta, 1, opt("muon", {{"beta", beta}, {"newtonSchulz", 5}})).weights;
      const Vec svd1 = run(*Q, q0, eta, 1, opt("muon", {{"beta", beta}})).weights;
      const double dist = maxAbsDiff(ns, svd1) / eta;
      CHECK(dist > 1e-6 && dist < 0.35, "muon Newton-Schulz: near the polar factor, not equal to it");
    }
    // A rank-one gradient (univariate head) moves along a b^T / (|a| |b|).
    const Vec one = run(*P, theta0, eta, 1, opt("muon")).weights;
    double s = 0.0;
    for (std::size_t i = P->spec().offset(2); i < P->spec().offset(3); ++i)
      s += (one[i] - theta0[i]) * (one[i] - theta0[i]);
    CHECK_NEAR(std::sqrt(s), eta, 1e-15, "muon: a rank-one layer gradient's polar factor has norm 1");
  }
  // SGD and label noise: the run's batches, as defined, and the gradient of those rows alone.
  for (const bool replacement : {false, true}) {
    const std::size_t b = 5;
    const std::uint64_t seed = 11;
    Vec t = theta0;
    for (std::uint64_t s = 0; s < steps; ++s) {
      const Vec g = batchGradient(D, widths, 0.0, referenceBatch(D.n, b, replacement, seed, s), {}, t);
      for (std::size_t i = 0; i < t.size(); ++i) t[i] -= eta * g[i];
    }
    const auto o = opt("sgd", {{"batchSize", b}, {"replacement", replacement ? 1.0 : 0.0}});
    CHECK_CLOSE_VEC(run(*P, theta0, eta, steps, o, seed).weights, t, replacement ? "sgd with replacement" : "sgd");
    CHECK(!sameBits(run(*P, theta0, eta, steps, o, seed + 1).weights, t), "false case: another seed, other batches");
  }
  {
    const std::size_t b = 4;
    const double sigma = 0.3;
    const std::uint64_t seed = 5;
    Vec t = theta0;
    for (std::uint64_t s = 0; s < steps; ++s) {
      dln::Rng rng(seed, dln::Purpose::LabelNoise, {s});
      Vec shift(b);
      for (double& x : shift) x = sigma * rng.normal();
      const Vec g = batchGradient(D, widths, 0.0, referenceBatch(D.n, b, false, seed, s), shift, t);
      for (std::size_t i = 0; i < t.size(); ++i) t[i] -= eta * g[i];
    }
    CHECK_CLOSE_VEC(run(*P, theta0, eta, steps, opt("label-noise", {{"sigma", sigma}, {"batchSize", b}}), seed).weights,
                    t, "label noise with SGD batches");
    Vec u = theta0;
    std::vector<std::size_t> all(D.n);
    std::iota(all.begin(), all.end(), std::size_t(0));
    for (std::uint64_t s = 0; s < steps; ++s) {
      dln::Rng rng(seed, dln::Purpose::LabelNoise, {s});
      Vec shift(D.n);
      for (double& x : shift) x = sigma * rng.normal();
      const Vec g = batchGradient(D, widths, 0.0, all, shift, u);
      for (std::size_t i = 0; i < u.size(); ++i) u[i] -= eta * g[i];
    }
    CHECK_CLOSE_VEC(run(*P, theta0, eta, steps, opt("label-noise", {{"sigma", sigma}}), seed).weights, u,
                    "label noise with the full batch");
  }

  // --- Degenerate settings: gradient descent bit for bit (the rule gd, its steps fused where nothing is recorded).
  {
    const std::uint64_t many = 200;
    const Vec gd = run(*P, theta0, eta, many, {}).weights;
    const Vec gdL2 = run(*PL2, theta0, eta, many, {}).weights;
    const double n = static_cast<double>(D.n);
    CHECK(sameBits(run(*P, theta0, eta, many, opt("gd"), 7, {"loss", "stabilityEdge"}).weights, gd),
          "gd through the optimizer loop");
    CHECK(sameBits(run(*P, theta0, eta, many, opt("sgd")).weights, gd), "sgd, batchSize 0 (full)");
    CHECK(sameBits(run(*P, theta0, eta, many, opt("sgd", {{"batchSize", n}})).weights, gd), "sgd, batchSize n");
    CHECK(sameBits(run(*P, theta0, eta, many, opt("momentum", {{"beta", 0}})).weights, gd), "momentum 0");
    CHECK(sameBits(run(*P, theta0, eta, many, opt("nesterov", {{"beta", 0}})).weights, gd), "nesterov 0");
    CHECK(sameBits(run(*P, theta0, eta, many, opt("sam", {{"rho", 0}})).weights, gd), "sam rho 0");
    CHECK(sameBits(run(*PL2, theta0, eta, many, opt("sam", {{"rho", 0}})).weights, gdL2), "sam rho 0 with L2");
    CHECK(sameBits(run(*P, theta0, eta, many, opt("label-noise", {{"sigma", 0}})).weights, gd),
          "label noise 0, full batch");
    CHECK(sameBits(run(*P, theta0, eta, many, opt("label-noise", {{"sigma", 0}, {"batchSize", 5}})).weights,
                   run(*P, theta0, eta, many, opt("sgd", {{"batchSize", 5}})).weights),
          "label noise 0 with batches is sgd");
    // False cases: the nearest non-degenerate settings are not GD.
    CHECK(!sameBits(run(*P, theta0, eta, many, opt("sgd", {{"batchSize", n}, {"replacement", 1}})).weights, gd),
          "false case: full-size batches with replacement");
    CHECK(!sameBits(run(*P, theta0, eta, many, opt("sgd", {{"batchSize", n - 1}})).weights, gd),
          "false case: batch n - 1");
    CHECK(!sameBits(run(*P, theta0, eta, many, opt("momentum", {{"beta", 1e-12}})).weights, gd),
          "false case: momentum 1e-12");
    CHECK(!sameBits(run(*P, theta0, eta, many, opt("sam", {{"rho", 1e-12}})).weights, gd), "false case: rho 1e-12");
    CHECK(!sameBits(run(*P, theta0, eta, many, opt("label-noise", {{"sigma", 1e-12}})).weights, gd),
          "false case: sigma 1e-12");
    // gd's steps fused (recorded at the ends) and not (recorded at every step): the same bits.
    CHECK(sameBits(runEvery(*P, theta0, eta, many, opt("gd"), {"loss"}).weights, gd), "gd recorded at every step");
    CHECK(sameBits(runEvery(*PL2, theta0, eta, many, opt("gd"), {"loss"}).weights, gdL2),
          "gd with L2 recorded at every step");
    // The orbit quantities continue plain gradient descent: gd hands them its eta whatever else is
    // recorded; another rule has none to hand.
    const auto orbit = [&](const dln::GdResult& r) { return r.trace.columns().back().values; };
    const Vec plainOrbit = orbit(run(*P, theta0, eta, 20, opt("gd"), 7, {"loss", "orbitLoss"}));
    CHECK(sameBits(orbit(run(*P, theta0, eta, 20, opt("gd"), 7, {"loss", "stabilityEdge", "orbitLoss"})), plainOrbit),
          "gd's orbit with an optimizer quantity recorded");
    CHECK(std::isfinite(plainOrbit.back()), "gd's orbit at the last row is finite");
    CHECK_THROWS(run(*P, theta0, eta, 20, opt("momentum", {{"beta", 0}}), 7, {"loss", "orbitLoss"}),
                 dln::ErrorCode::Value, "false case: the orbit of momentum (even at beta 0) is refused");
  }

  // --- The batch sequence depends on (seed, step) only: read out of order, from a fresh sampler, the same.
  for (const bool replacement : {false, true}) {
    dln::BatchSampler inOrder(D.n, 5, replacement, 3);
    std::vector<std::vector<std::size_t>> seq;
    for (std::uint64_t t = 0; t < 40; ++t) seq.push_back(inOrder.batch(t));
    bool same = true;
    for (std::uint64_t t : {37u, 2u, 19u, 0u, 38u, 21u}) {
      dln::BatchSampler fresh(D.n, 5, replacement, 3);
      same = same && fresh.batch(t) == seq[t] && inOrder.batch(t) == seq[t];
      same = same && referenceBatch(D.n, 5, replacement, 3, t) == seq[t];
    }
    CHECK(same, "batches: a function of (seed, step)");
    if (!replacement) {
      // Every epoch (12 samples, 60 positions = 5 epochs) uses each sample once.
      bool each = true;
      for (std::size_t e = 0; e < 5; ++e) {
        std::vector<int> count(D.n, 0);
        for (std::size_t pos = e * D.n; pos < (e + 1) * D.n; ++pos) count[seq[pos / 5][pos % 5]]++;
        each = each && std::all_of(count.begin(), count.end(), [](int c) { return c == 1; });
      }
      CHECK(each, "without replacement: each sample once per epoch");
    }
  }
  {
    // Resumption: a run of 2k steps equals k steps then k more from there only for stateless rules
    // when the step counter continues; the batch at step t is what the run used (checked above).
    const auto o = opt("sgd", {{"batchSize", 3}});
    CHECK(sameBits(run(*P, theta0, eta, 30, o).weights, run(*P, theta0, eta, 30, o).weights),
          "sgd: same seed, same bits");
  }

  // --- Bad settings: ERR_DLN_VALUE naming the field.
  {
    auto field = [&](dln::OptimizerOptions o) -> std::string {
      try {
        dln::GdOptions g;
        g.learningRate = eta;
        g.optimizer = std::move(o);
        dln::validate(g, *P);
      } catch (const dln::Error& e) {
        return e.code() == dln::ErrorCode::Value ? e.field() : "wrong code";
      }
      return "";
    };
    CHECK(field(opt("sgd", {{"batchSize", 13}})) == "optimizer.batchSize", "batch > n");
    CHECK(field(opt("sgd", {{"batchSize", 12}})).empty(), "batch = n is fine");
    CHECK(field(opt("sgd", {{"batchSize", 2.5}})) == "optimizer.batchSize", "batch not an integer");
    CHECK(field(opt("momentum", {{"beta", 1}})) == "optimizer.beta", "beta = 1");
    CHECK(field(opt("momentum", {{"beta", -1e-9}})) == "optimizer.beta", "beta < 0");
    CHECK(field(opt("momentum", {{"beta", 0.999999}})).empty(), "beta < 1 is fine");
    CHECK(field(opt("adam", {{"beta1", 1}})) == "optimizer.beta1", "beta1 = 1");
    CHECK(field(opt("adam", {{"beta2", 1.5}})) == "optimizer.beta2", "beta2 > 1");
    CHECK(field(opt("adam", {{"eps", 0}})) == "optimizer.eps", "eps = 0");
    CHECK(field(opt("sam", {{"rho", -0.1}})) == "optimizer.rho", "rho < 0");
    CHECK(field(opt("label-noise", {{"sigma", -0.1}})) == "optimizer.sigma", "sigma < 0");
    CHECK(field(opt("label-noise", {{"sigma", NAN}})) == "optimizer.sigma", "sigma NaN");
    CHECK(field(opt("sgd", {{"beta1", 0.9}})) == "optimizer.beta1", "a field of another kind");
    CHECK(field(opt("adamw")) == "optimizer.kind", "unknown kind");
    CHECK(field(opt("muon", {{"newtonSchulz", 101}})) == "optimizer.newtonSchulz", "newtonSchulz > 100");
  }

  // --- Stability edges on a quadratic: depth 1, R(w) = R* + (w - w*)^T Sigma (w - w*), H = 2 Sigma.
  {
    const Data Q = randomData(40, 3, 1, 8);
    auto lin = regression(Q, {3, 1});
    dln::Evaluator ev(*lin);
    const Vec w0 = {2.0, -1.0, 0.5};
    ev.evaluate(w0.data());
    ev.completeGradient();
    Vec H = dln::denseHessian(ev), values(3);
    dln::symmetricSpectrum(3, H, values.data());
    const double lambda = values[2], rMin = lin->lossMinimum();
    const double loss0 = ev.evaluate(w0.data()) - rMin;
    auto excess = [&](const dln::OptimizerOptions& o, double edgeEta) {
      const dln::GdResult r = run(*lin, w0, edgeEta, 3000, o);
      return r.status == dln::RunStatus::Diverged ? INFINITY : r.finalLoss - rMin;
    };
    struct Case {
      const char* what;
      dln::OptimizerOptions o;
      double edge;  // eta lambda at the edge
    };
    const double beta = 0.7;
    for (const Case& c :
         {Case{"gd", opt("gd"), 2.0}, Case{"momentum", opt("momentum", {{"beta", beta}}), 2 * (1 + beta)},
          Case{"nesterov", opt("nesterov", {{"beta", beta}}), 2 * (1 + beta) / (1 + 2 * beta)}}) {
      const double below = excess(c.o, 0.98 * c.edge / lambda), above = excess(c.o, 1.02 * c.edge / lambda);
      CHECK(below < 1e-6 * loss0, std::string(c.what) + ": just below the edge converges");
      CHECK(!(above < loss0), std::string(c.what) + ": just above the edge does not");
      // The recorded edge is the formula's.
      const dln::GdResult r = run(*lin, w0, 0.5 / lambda, 1, c.o, 7, {"stabilityEdge", "sharpness"});
      CHECK_REL(r.trace.column(2).values[0], c.edge * lambda / 0.5, 1e-15, std::string(c.what) + ": stabilityEdge");
      CHECK_REL(r.trace.column(3).values[0], lambda, 1e-12, "sharpness on the quadratic");
    }
    const dln::GdResult ra = run(*lin, w0, 0.01, 1, opt("adam", {{"beta1", 0.9}}), 7, {"stabilityEdge"});
    CHECK_REL(ra.trace.column(2).values[0], 38.0 / 0.01, 1e-14, "adam: (2 + 2 beta1) / ((1 - beta1) eta) = 38/eta");

    // Adam and RMSProp: at the minimum g = 0, so v_hat decays (beta2^t) and P -> eps: the frozen
    // preconditioner eps I, under which the rule is heavy ball with EMA weight (1 - beta1) on
    // eta H / eps (docs/algorithms.md §7.3). Just below the edge (lambda / eps = 0.98 x the recorded
    // edge) the run converges (P >= eps only lowers the preconditioned sharpness);
    // just above, the minimum is unstable: the run hovers where sqrt(v_hat) lifts P enough to bring
    // lambda_max(P^-1 H) back to the edge, and does not converge.
    for (const bool adam : {true, false}) {
      const double eps = 1.0, b1 = adam ? 0.9 : 0.0;
      const auto o = adam ? opt("adam", {{"beta1", b1}, {"beta2", 0.9}, {"eps", eps}})
                          : opt("rmsprop", {{"beta2", 0.9}, {"eps", eps}});
      const std::string what = adam ? "adam" : "rmsprop";
      // The edge as the rule records it, times eta: (2 + 2 beta1) / (1 - beta1).
      const double edgeTimesEta = run(*lin, w0, 1.0, 0, o, 7, {"stabilityEdge"}).trace.column(2).values[0];
      CHECK_REL(edgeTimesEta, (2 + 2 * b1) / (1 - b1), 1e-15, what + ": stabilityEdge");
      const double below = excess(o, 0.98 * edgeTimesEta * eps / lambda);
      const double lrUp = 1.02 * edgeTimesEta * eps / lambda;
      const dln::GdResult up = runEvery(*lin, w0, lrUp, 3000, o, {"loss", "preconditionedSharpness"});
      const auto& loss = up.trace.column(2).values;
      const auto& pre = up.trace.column(3).values;
      double tailMean = 0.0, preMean = 0.0;
      for (std::size_t s = 2000; s < loss.size(); ++s) {
        tailMean += (loss[s] - rMin) / static_cast<double>(loss.size() - 2000);
        preMean += pre[s] / static_cast<double>(loss.size() - 2000);
      }
      CHECK(below < 1e-12 * loss0, what + ": just below the edge (frozen P = eps) converges");
      CHECK(up.status != dln::RunStatus::Diverged && tailMean > 1e-7 * loss0,
            what + ": just above, it does not converge (its excess loss over the last 1000 steps stays away from 0)");
      CHECK_REL(preMean, edgeTimesEta / lrUp, 0.01,
                what + ": just above, the preconditioned sharpness hovers at the edge");
    }

    // SAM: along the top eigenvector v, w = w* + s v, one step is s' = (1 - eta lambda) s - eta lambda rho
    // sign(s), so |s'| < |s| iff eta lambda (|s| + rho) < 2 |s| (docs/algorithms.md §7.3), i.e. lambda below the
    // recorded edge at ||g|| = lambda |s|. Below it |s| shrinks to the 2-cycle of amplitude
    // eta lambda rho / (2 - eta lambda) < |s_0| and never exceeds |s_0|; above, |s| grows to it.
    {
      Vec vecs(9);
      Vec Hc = H;
      Vec ev3(3);
      dln::symmetricSpectrum(3, Hc, ev3.data(), vecs.data());
      // w* = w0 - H^{-1} g0 (exact on a quadratic).
      Vec g0 = gradient(*lin, w0), wStar = w0;
      for (std::size_t e = 0; e < 3; ++e) {
        double c = 0.0;
        for (std::size_t i = 0; i < 3; ++i) c += vecs[i * 3 + e] * g0[i];
        for (std::size_t i = 0; i < 3; ++i) wStar[i] -= vecs[i * 3 + e] * c / ev3[e];
      }
      const double rho = 0.1, s0 = 1.0;
      Vec ws = wStar;
      for (std::size_t i = 0; i < 3; ++i) ws[i] += s0 * vecs[i * 3 + 2];
      const auto o = opt("sam", {{"rho", rho}});
      auto edgeAt = [&](double lr) { return run(*lin, ws, lr, 0, o, 7, {"stabilityEdge"}).trace.column(2).values[0]; };
      const double g = lambda * s0;
      CHECK_REL(edgeAt(0.3), g / (2 * rho) * (std::sqrt(1 + 8 * rho / (0.3 * g)) - 1), 1e-12, "sam: stabilityEdge");
      // The learning rate at which lambda = f x the recorded edge (the edge falls as eta grows).
      auto etaAt = [&](double f) {
        double lo = 1e-6 / lambda, hi = 2.0 / lambda;
        for (int k = 0; k < 200; ++k) {
          const double mid = 0.5 * (lo + hi);
          (lambda < f * edgeAt(mid) ? lo : hi) = mid;
        }
        return lo;
      };
      auto dist = [&](const Vec& w) {
        double d = 0.0;
        for (std::size_t i = 0; i < 3; ++i) d += (w[i] - wStar[i]) * (w[i] - wStar[i]);
        return std::sqrt(d);
      };
      for (const double f : {0.98, 1.02}) {
        const double lr = etaAt(f);
        double maxDist = 0.0;
        Vec w = ws;
        for (int chunk = 0; chunk < 40; ++chunk) {
          w = run(*lin, w, lr, 50, o).weights;
          maxDist = std::max(maxDist, dist(w));
        }
        const double cycle = lr * lambda * rho / (2 - lr * lambda);
        CHECK_REL(dist(w), cycle, 1e-6,
                  "sam: the run ends on the 2-cycle of amplitude eta lambda rho / (2 - eta lambda)");
        if (f < 1) {
          CHECK(maxDist < s0 && dist(w) < 0.99 * s0, "sam: just below the edge, |s| shrinks and stays below |s_0|");
        } else {
          CHECK(dist(w) > 1.01 * s0, "sam: just above the edge, |s| grows past |s_0|");
        }
      }
    }
  }

  // --- preconditionedSharpness (Adam, step 0) and batchSharpness (full batch) against dense oracles.
  {
    const double b2 = 0.9, eps = 1e-3;
    const dln::GdResult r = run(*P, theta0, 0.01, 0, opt("adam", {{"beta2", b2}, {"eps", eps}}), 7,
                                {"preconditionedSharpness", "batchSharpness"});
    dln::Evaluator ev(*P);
    ev.evaluate(theta0.data());
    ev.completeGradient();
    const std::size_t n = theta0.size();
    Vec g(n);
    ev.gradient(g.data());
    Vec H = dln::denseHessian(ev);
    Vec DHD(n * n), values(n);
    Vec d(n);
    for (std::size_t i = 0; i < n; ++i) d[i] = 1.0 / std::sqrt(std::sqrt((1 - b2) * g[i] * g[i] / (1 - b2)) + eps);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) DHD[i * n + j] = d[i] * H[i * n + j] * d[j];
    dln::symmetricSpectrum(n, DHD, values.data());
    CHECK_REL(r.trace.column(2).values[0], values[n - 1], 1e-9, "preconditionedSharpness: lambda_max(P^-1/2 H P^-1/2)");
    double ghg = 0.0, gg = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      gg += g[i] * g[i];
      for (std::size_t j = 0; j < n; ++j) ghg += g[i] * H[i * n + j] * g[j];
    }
    CHECK_REL(r.trace.column(3).values[0], ghg / gg, 1e-12, "batchSharpness without batches: g^T H g / g^T g");
    // With batches: the mean over the next ceil(n / b) batches of each batch's own curvature.
    const std::size_t b = 4;
    const dln::GdResult rb = run(*P, theta0, eta, 0, opt("sgd", {{"batchSize", b}}), 9, {"batchSharpness"});
    double sum = 0.0;
    for (std::uint64_t t = 0; t < 3; ++t) {
      const auto rows = referenceBatch(D.n, b, false, 9, t);
      Data B{b, D.d, 1, Vec(b * D.d), Vec(b)};
      for (std::size_t k = 0; k < b; ++k) {
        std::copy(D.X.begin() + rows[k] * D.d, D.X.begin() + (rows[k] + 1) * D.d, B.X.begin() + k * D.d);
        B.Y[k] = D.Y[rows[k]];
      }
      auto PB = regression(B, widths);
      dln::Evaluator eb(*PB);
      eb.evaluate(theta0.data());
      eb.completeGradient();
      Vec gb(n);
      eb.gradient(gb.data());
      Vec HB = dln::denseHessian(eb);
      double a = 0.0, c = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        c += gb[i] * gb[i];
        for (std::size_t j = 0; j < n; ++j) a += gb[i] * HB[i * n + j] * gb[j];
      }
      sum += a / c;
    }
    CHECK_REL(rb.trace.column(2).values[0], sum / 3, 1e-10,
              "batchSharpness: mean batch curvature along the batch gradient");
  }
  return check::done("optimizers_test");
}

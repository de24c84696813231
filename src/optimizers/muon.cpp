// muon: each layer moves along the orthogonal polar factor of its (momentum) gradient,
//   B_l <- beta B_l + G_l (B_l = G_l when beta = 0),  W_l <- W_l - eta polar(B_l),
// polar(B) = U V^T from the thin SVD B = U S V^T, keeping the singular values above
// max(m, n) eps_machine s_max (a rank-deficient gradient moves only in its range; a zero
// gradient not at all). newtonSchulz = k > 0 replaces the SVD by k quintic Newton-Schulz steps
// X <- a X + (b X X^T + c (X X^T)^2) X from X = B / ||B||_F with (a, b, c) = (3.4445, -4.7750,
// 2.0315) (Jordan et al. 2024: singular values land near 1, not at 1). docs/algorithms.md §7.2.
#include <algorithm>
#include <cmath>
#include <limits>

#include "linalg.hpp"
#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

class Muon final : public Optimizer {
 public:
  Muon(const OptimizerSetup& s)
      : spec_(s.problem.spec()), eta_(s.learningRate), beta_(s["beta"]),
        steps_(static_cast<std::size_t>(s["newtonSchulz"])), P_(spec_.paramCount()), buffers_(2, P_, "optimizer") {
    std::size_t big = 0;
    for (std::size_t l = 0; l < spec_.depth(); ++l) big = std::max(big, std::max(spec_.rows(l), spec_.cols(l)));
    scratch_.assign(4 * big * big + big, 0.0);
  }
  void step(std::uint64_t, double* theta, Evaluator& ev) override {
    double* g = buffers_[0];
    double* b = buffers_[1];
    ev.gradient(g);
    if (beta_ > 0) {
      for (std::size_t i = 0; i < P_; ++i) b[i] = beta_ * b[i] + g[i];
    } else {
      std::copy(g, g + P_, b);
    }
    for (std::size_t l = 0; l < spec_.depth(); ++l) {
      const std::size_t m = spec_.rows(l), n = spec_.cols(l), off = spec_.offset(l);
      double* O = g + off;  // the gradient is no longer needed: the polar factor goes there
      if (steps_ == 0) {
        polarBySvd(m, n, b + off, O);
      } else {
        polarByNewtonSchulz(m, n, b + off, O);
      }
      for (std::size_t i = 0; i < m * n; ++i) theta[off + i] -= eta_ * O[i];
    }
  }
  double momentumNorm(std::uint64_t, const double*, Evaluator& ev, double* g) const override {
    if (beta_ == 0.0) return std::numeric_limits<double>::quiet_NaN();
    ev.gradient(g);
    const double* b = buffers_[1];
    double s = 0.0;
    for (std::size_t i = 0; i < P_; ++i) {
      const double bi = beta_ * b[i] + g[i];
      s += bi * bi;
    }
    return std::sqrt(s);
  }

 private:
  void polarBySvd(std::size_t m, std::size_t n, const double* B, double* O) {
    const std::size_t k = std::min(m, n);
    double* s = scratch_.data();
    double* U = s + k;
    double* V = U + m * k;
    linalg::svd(m, n, B, s, U, V);
    std::fill(O, O + m * n, 0.0);
    const double tol = static_cast<double>(std::max(m, n)) * std::numeric_limits<double>::epsilon() * s[0];
    for (std::size_t r = 0; r < k; ++r) {
      if (!(s[r] > tol)) break;
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) O[i * n + j] += U[i * k + r] * V[j * k + r];
    }
  }
  void polarByNewtonSchulz(std::size_t m, std::size_t n, const double* B, double* X) {
    const double a = 3.4445, b = -4.7750, c = 2.0315;
    double norm = 0.0;
    for (std::size_t i = 0; i < m * n; ++i) norm += B[i] * B[i];
    norm = std::sqrt(norm);
    if (norm == 0.0) {
      std::fill(X, X + m * n, 0.0);
      return;
    }
    for (std::size_t i = 0; i < m * n; ++i) X[i] = B[i] / norm;
    double* A = scratch_.data();  // X X^T, m x m
    double* C = A + m * m;        // b A + c A A
    double* Y = C + m * m;        // C X
    for (std::size_t it = 0; it < steps_; ++it) {
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < m; ++j) {
          double s = 0.0;
          for (std::size_t q = 0; q < n; ++q) s += X[i * n + q] * X[j * n + q];
          A[i * m + j] = s;
        }
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < m; ++j) {
          double s = 0.0;
          for (std::size_t q = 0; q < m; ++q) s += A[i * m + q] * A[q * m + j];
          C[i * m + j] = b * A[i * m + j] + c * s;
        }
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          double s = 0.0;
          for (std::size_t q = 0; q < m; ++q) s += C[i * m + q] * X[q * n + j];
          Y[i * n + j] = s;
        }
      for (std::size_t i = 0; i < m * n; ++i) X[i] = a * X[i] + Y[i];
    }
  }
  const NetworkSpec& spec_;
  double eta_, beta_;
  std::size_t steps_, P_;
  OptimizerBuffers buffers_;
  std::vector<double> scratch_;
};

}  // namespace

const OptimizerRule& muonRule() {
  static const OptimizerRule rule{
      "muon",
      {{"beta", FieldType::Number, 0.0, 0, 1, false, true},
       {"newtonSchulz", FieldType::Integer, 0, 0, 100, false, false}},
      [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> { return std::make_unique<Muon>(s); },
      nullptr};
  return rule;
}

}  // namespace dln

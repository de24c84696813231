// momentum (heavy ball, Polyak): theta_{t+1} = theta_t - eta grad R(theta_t) + beta (theta_t - theta_{t-1}),
// theta_{-1} = theta_0 (docs/algorithms.md §7.2). The gradient part is GD's own step, so beta = 0
// is gradient descent bit for bit. On a quadratic it is stable iff eta lambda < 2 (1 + beta).
#include <cmath>
#include <limits>

#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

class Momentum final : public Optimizer {
 public:
  Momentum(const OptimizerSetup& s)
      : eta_(s.learningRate), beta_(s["beta"]), P_(s.problem.spec().paramCount()),
        buffers_(beta_ > 0 ? 2 : 0, P_, "optimizer") {}
  void step(std::uint64_t t, double* theta, Evaluator& ev) override {
    if (beta_ == 0.0) return gradientStep(eta_, theta, ev);
    double* prev = buffers_[0];  // theta_{t-1}
    double* push = buffers_[1];  // beta (theta_t - theta_{t-1})
    if (t == 0) std::copy(theta, theta + P_, prev);
    for (std::size_t i = 0; i < P_; ++i) {
      push[i] = beta_ * (theta[i] - prev[i]);
      prev[i] = theta[i];
    }
    gradientStep(eta_, theta, ev);
    for (std::size_t i = 0; i < P_; ++i) theta[i] += push[i];
  }
  double stabilityEdge(std::uint64_t, Evaluator&) const override { return 2.0 * (1.0 + beta_) / eta_; }
  // b_t = g_t + beta (theta_{t-1} - theta_t) / eta, so that theta_{t+1} = theta_t - eta b_t.
  double momentumNorm(std::uint64_t t, const double* theta, Evaluator& ev, double* g) const override {
    if (beta_ == 0.0) return std::numeric_limits<double>::quiet_NaN();
    ev.gradient(g);
    const double* prev = buffers_[0];  // theta_{t-1} once step t - 1 ran; theta_{-1} = theta_0
    double s = 0.0;
    for (std::size_t i = 0; i < P_; ++i) {
      const double b = t == 0 ? g[i] : g[i] + beta_ * (prev[i] - theta[i]) / eta_;
      s += b * b;
    }
    return std::sqrt(s);
  }

 private:
  double eta_, beta_;
  std::size_t P_;
  OptimizerBuffers buffers_;
};

}  // namespace

const OptimizerRule& momentumRule() {
  static const OptimizerRule rule{
      "momentum",
      {{"beta", FieldType::Number, 0.9, 0, 1, false, true}},
      [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> { return std::make_unique<Momentum>(s); },
      nullptr};
  return rule;
}

}  // namespace dln

// nesterov (the form of Sutskever et al. 2013 as PyTorch writes it): b_t = beta b_{t-1} + g_t
// (b_{-1} = 0), theta_{t+1} = theta_t - eta (g_t + beta b_t), with g_t = grad R(theta_t)
// (docs/algorithms.md §7.2). Computed as GD's step, then - eta beta b_t (skipped at beta = 0:
// gradient descent bit for bit). On a quadratic: stable iff eta lambda < 2 (1 + beta) / (1 + 2 beta).
#include <cmath>
#include <limits>

#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

class Nesterov final : public Optimizer {
 public:
  Nesterov(const OptimizerSetup& s)
      : eta_(s.learningRate), beta_(s["beta"]), P_(s.problem.spec().paramCount()),
        buffers_(beta_ > 0 ? 2 : 0, P_, "optimizer") {}
  void step(std::uint64_t, double* theta, Evaluator& ev) override {
    if (beta_ == 0.0) return gradientStep(eta_, theta, ev);
    double* b = buffers_[0];
    double* g = buffers_[1];
    ev.gradient(g);
    for (std::size_t i = 0; i < P_; ++i) b[i] = beta_ * b[i] + g[i];
    gradientStep(eta_, theta, ev);
    const double scale = eta_ * beta_;
    for (std::size_t i = 0; i < P_; ++i) theta[i] -= scale * b[i];
  }
  double stabilityEdge(std::uint64_t, Evaluator&) const override {
    return 2.0 * (1.0 + beta_) / ((1.0 + 2.0 * beta_) * eta_);
  }
  double momentumNorm(std::uint64_t, const double*, Evaluator& ev, double* g) const override {
    if (beta_ == 0.0) return std::numeric_limits<double>::quiet_NaN();
    ev.gradient(g);
    const double* b = buffers_[0];
    double s = 0.0;
    for (std::size_t i = 0; i < P_; ++i) {
      const double bi = beta_ * b[i] + g[i];
      s += bi * bi;
    }
    return std::sqrt(s);
  }

 private:
  double eta_, beta_;
  std::size_t P_;
  OptimizerBuffers buffers_;
};

}  // namespace

const OptimizerRule& nesterovRule() {
  static const OptimizerRule rule{
      "nesterov",
      {{"beta", FieldType::Number, 0.9, 0, 1, false, true}},
      [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> { return std::make_unique<Nesterov>(s); },
      nullptr};
  return rule;
}

}  // namespace dln

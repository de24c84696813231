// sam (Foret et al. 2021, normalized ascent): with g = grad R(theta_t),
//   e = rho g / ||g||,  theta_{t+1} = theta_t - eta grad R(theta_t + e)
// (docs/algorithms.md §7.2). The step is the Evaluator's at theta + e applied to theta, whose L2
// part is then moved from 2 l2 theta to 2 l2 (theta + e). rho = 0 (or g = 0) is gradient descent
// bit for bit. Its edge on the sharpness (Long & Bartlett 2024, from a quadratic's top direction):
//   lambda < ||g|| / (2 rho) (sqrt(1 + 8 rho / (eta ||g||)) - 1)   (-> 2/eta as rho -> 0).
#include <cmath>

#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

class Sam final : public Optimizer {
 public:
  Sam(const OptimizerSetup& s)
      : problem_(s.problem), eta_(s.learningRate), rho_(s["rho"]), P_(s.problem.spec().paramCount()),
        buffers_(rho_ > 0 ? 2 : 0, P_, "optimizer") {
    if (rho_ > 0) ascent_ = std::make_unique<Evaluator>(s.problem);
  }
  void step(std::uint64_t, double* theta, Evaluator& ev) override {
    if (rho_ == 0.0) return gradientStep(eta_, theta, ev);
    double* e = buffers_[0];
    double* phi = buffers_[1];
    ev.gradient(e);
    const double norm = std::sqrt(squaredNorm(e));
    if (norm == 0.0) return gradientStep(eta_, theta, ev);
    const double scale = rho_ / norm;
    for (std::size_t i = 0; i < P_; ++i) {
      e[i] *= scale;
      phi[i] = theta[i] + e[i];
    }
    ascent_->evaluate(phi);
    ascent_->completeGradient();
    ascent_->step(-eta_, theta);
    const double l2 = problem_.l2();
    if (l2 != 0.0) {
      for (std::size_t i = 0; i < P_; ++i) theta[i] -= eta_ * (2.0 * l2 * e[i]);
    }
  }
  double stabilityEdge(std::uint64_t, Evaluator& ev) const override {
    if (rho_ == 0.0) return 2.0 / eta_;
    const double g = std::sqrt(ev.gradNormSquared());
    if (g == 0.0) return 0.0;
    return g / (2.0 * rho_) * (std::sqrt(1.0 + 8.0 * rho_ / (eta_ * g)) - 1.0);
  }

 private:
  double squaredNorm(const double* x) const {
    double s = 0.0;
    for (std::size_t i = 0; i < P_; ++i) s += x[i] * x[i];
    return s;
  }
  const Problem& problem_;
  double eta_, rho_;
  std::size_t P_;
  OptimizerBuffers buffers_;
  std::unique_ptr<Evaluator> ascent_;
};

}  // namespace

const OptimizerRule& samRule() {
  static const OptimizerRule rule{
      "sam",
      {{"rho", FieldType::Number, 0.05, 0, 1.7976931348623157e308, false, false}},
      [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> { return std::make_unique<Sam>(s); },
      nullptr};
  return rule;
}

}  // namespace dln

// gd: theta <- theta - eta grad R(theta) (docs/algorithms.md §7.2), the default rule. It tells the
// driver (train.cpp) its eta, so that the driver fuses completing the gradient with the step.
#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

class GradientDescent final : public Optimizer {
 public:
  explicit GradientDescent(double eta) : eta_(eta) {}
  void step(std::uint64_t, double* theta, Evaluator& ev) override { gradientStep(eta_, theta, ev); }
  double stabilityEdge(std::uint64_t, Evaluator&) const override { return 2.0 / eta_; }
  double plainLearningRate() const override { return eta_; }

 private:
  double eta_;
};

}  // namespace

const OptimizerRule& gdRule() {
  static const OptimizerRule rule{"gd",
                                  {},
                                  [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> {
                                    return std::make_unique<GradientDescent>(s.learningRate);
                                  },
                                  nullptr};
  return rule;
}

}  // namespace dln

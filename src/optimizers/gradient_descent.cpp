// gd: theta <- theta - eta grad R(theta) (docs/algorithms.md §7.2). The plain loop of src/gd.cpp
// runs it; this rule serves runs that record the optimizer quantities (stabilityEdge) with it.
#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

class GradientDescent final : public Optimizer {
 public:
  explicit GradientDescent(double eta) : eta_(eta) {}
  void step(std::uint64_t, double* theta, Evaluator& ev) override { gradientStep(eta_, theta, ev); }
  double stabilityEdge(std::uint64_t, Evaluator&) const override { return 2.0 / eta_; }

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

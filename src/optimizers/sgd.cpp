// sgd: theta <- theta - eta grad R_{B_t}(theta), B_t the step's mini-batch (optimizers/batch.hpp;
// docs/algorithms.md §7.1). The full batch without replacement is the full loss, stepped with
// GD's own arithmetic: bit for bit gradient descent.
#include "optimizers/batch.hpp"
#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

class Sgd final : public Optimizer {
 public:
  Sgd(const OptimizerSetup& s)
      : eta_(s.learningRate), sampler_(s.problem.loss().sampleCount(), batchSizeOf(s.problem, s["batchSize"]),
                                       s["replacement"] != 0, s.seed) {
    if (!sampler_.full()) model_ = std::make_unique<BatchModel>(s.problem);
  }
  void step(std::uint64_t t, double* theta, Evaluator& ev) override {
    if (sampler_.full()) return gradientStep(eta_, theta, ev);
    batchGradientStep(*model_, sampler_.batch(t), nullptr, eta_, theta);
  }
  double stabilityEdge(std::uint64_t, Evaluator&) const override { return 2.0 / eta_; }
  const BatchSampler* sampler() const override { return &sampler_; }

 private:
  double eta_;
  BatchSampler sampler_;
  std::unique_ptr<BatchModel> model_;
};

}  // namespace

const OptimizerRule& sgdRule() {
  static const OptimizerRule rule{
      "sgd",
      {{"batchSize", FieldType::Integer, 0, 0, 9007199254740992.0, false, false},
       {"replacement", FieldType::Boolean, 0, 0, 1, false, false}},
      [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> { return std::make_unique<Sgd>(s); },
      [](const OptimizerSetup& s) { batchSizeOf(s.problem, s["batchSize"]); }};
  return rule;
}

}  // namespace dln

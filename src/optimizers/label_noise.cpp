// label-noise: theta <- theta - eta grad R_{B_t}(theta; y + sigma xi_t), fresh Gaussian noise xi_t
// of the targets at every step, with the full batch (batchSize 0, default) or SGD's batches
// (docs/algorithms.md §7.1). xi_t comes from the stream (seed, LabelNoise, {t}), one standard
// normal per target of the batch in batch order. sigma = 0 is sgd with the same batches (and, at
// the full batch, gradient descent bit for bit).
#include "optimizers/batch.hpp"
#include "optimizers/optimizer.hpp"
#include "rng.hpp"

namespace dln {

namespace {

class LabelNoise final : public Optimizer {
 public:
  LabelNoise(const OptimizerSetup& s)
      : eta_(s.learningRate), sigma_(s["sigma"]), seed_(s.seed),
        sampler_(s.problem.loss().sampleCount(), batchSizeOf(s.problem, s["batchSize"]), s["replacement"] != 0, s.seed),
        perSample_(s.problem.loss().kind() == LossKind::Mse ? s.problem.loss().outputDim() : 1) {
    if (!sampler_.full() || sigma_ > 0) model_ = std::make_unique<BatchModel>(s.problem);
    if (sampler_.full()) {
      all_.resize(sampler_.samples());
      for (std::size_t i = 0; i < all_.size(); ++i) all_[i] = i;
    }
    shift_.resize(sampler_.batchSize() * perSample_);
  }
  void step(std::uint64_t t, double* theta, Evaluator& ev) override {
    if (sigma_ == 0.0 && sampler_.full()) return gradientStep(eta_, theta, ev);
    const std::vector<std::size_t>& rows = sampler_.full() ? all_ : sampler_.batch(t);
    if (sigma_ == 0.0) return batchGradientStep(*model_, rows, nullptr, eta_, theta);
    Rng rng(seed_, Purpose::LabelNoise, {t});
    for (double& x : shift_) x = sigma_ * rng.normal();
    batchGradientStep(*model_, rows, shift_.data(), eta_, theta);
  }
  double stabilityEdge(std::uint64_t, Evaluator&) const override { return 2.0 / eta_; }
  const BatchSampler* sampler() const override { return sampler_.full() ? nullptr : &sampler_; }

 private:
  double eta_, sigma_;
  std::uint64_t seed_;
  BatchSampler sampler_;
  std::size_t perSample_;
  std::vector<std::size_t> all_;
  std::vector<double> shift_;
  std::unique_ptr<BatchModel> model_;
};

}  // namespace

const OptimizerRule& labelNoiseRule() {
  static const OptimizerRule rule{
      "label-noise",
      {{"sigma", FieldType::Number, 0.1, 0, 1.7976931348623157e308, false, false},
       {"batchSize", FieldType::Integer, 0, 0, 9007199254740992.0, false, false},
       {"replacement", FieldType::Boolean, 0, 0, 1, false, false}},
      [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> { return std::make_unique<LabelNoise>(s); },
      [](const OptimizerSetup& s) { batchSizeOf(s.problem, s["batchSize"]); }};
  return rule;
}

}  // namespace dln
